/**
 * The one model of the server: where it comes from (a local file or an `hf:` URI, downloaded once into the
 * storage folder; or, with `qedNano.engine: remote`, OpenAI-compatible servers), loading it (lazily, on
 * first use or on request; for a remote engine: asking once per workspace whether document text may go to
 * each endpoint, then checking them), its state for `qed/status`, and every generation, so that "busy" and
 * tokens per second are reported in one place.
 *
 * Downloads use node-llama-cpp's own model downloader (resolving `hf:` URIs through Hugging Face,
 * resumable: the partial file is kept when a download is cancelled or cut), after a check of the size
 * against the free disk space; a downloaded file is checked like any other (GGUF header and data size).
 */
import { existsSync, statSync } from 'node:fs';
import { eitherSignal } from '../engine/eitherSignal';
import * as os from 'node:os';
import * as path from 'node:path';
import { LlamaEngine } from '../engine/llamaEngine';
import { RemoteEngineError } from '../engine/openAiHttp';
import { RemoteEngine } from '../engine/remoteEngine';
import type { ScriptSequence } from '../engine/scriptedOutput';
import { notStarted, type Engine, type GenerationChunk, type GenerationRequest, type GenerationResult, type LocalModelDescription } from '../engine/types';
import { BUILD_INFO } from '../buildInfo';
import { UserFacingError } from '../errors';
import type { ModelStatus, QedNanoSettings, SetupInfo } from '../protocol';
import { isHuggingFaceUri } from '../modelSource';
import type { RemoteEndpointInfo } from '../storage/consent';
import { CrashGuard, type LoadProbe } from './crashGuard';
import { expandHome, ModelFiles, ModelUnavailableError } from './modelFile';

export { ModelUnavailableError } from './modelFile';
import { childProcessProbe } from './loadProbe';
import type { ProgressReporter } from './progress';

export interface ModelManagerOptions {
  /** The storage folder's crash records cannot be kept (the guard goes on in memory): say so once. */
  onStorageProblem?: (problem: Error) => void;
  storagePath: string;
  /** Sends `qed/status`. */
  sendStatus(status: ModelStatus): void;
  /** Starts a progress report in the client (window/workDoneProgress). */
  startProgress(title: string): Promise<ProgressReporter>;
  log(message: string): void;
  /** Where `hf:` URIs resolve (tests point it at a local server). */
  huggingFaceEndpoint?: string;
  /** A download that gains no byte for this long is stopped with an error instead of hanging (60 s). */
  downloadStallMs?: number;
  /** Hugging Face's answer to which files a model has is waited for this long (30 s). */
  huggingFaceAnswerMs?: number;
  /** Free bytes where models are stored (default: from the file system; tests give a fixed amount). */
  freeBytes?: (folder: string) => Promise<number | undefined>;
  /** Loads a suspect model file in a separate process (default: dist/probe.js in a child process). */
  probe?: LoadProbe;
  /** Test mode: every reply writes the next of these texts exactly (see engine/scriptedOutput.ts). */
  scripts?: ScriptSequence;
  /** The remote engine's API key (from the server's environment, QED_NANO_API_KEY; never a setting). */
  apiKey?: string;
  /** Asks (once per workspace and endpoint) whether document text may be sent to `endpoint`; `askAgain`:
   * the user asked to load (a refusal earlier in this session is asked again). */
  allowEndpoint?: (endpoint: RemoteEndpointInfo, askAgain: boolean) => Promise<boolean>;
}


const STATUS_INTERVAL_MS = 500;
/** A superseded load is given this long to let go of its native work before the next load starts anyway. */
const SUPERSEDED_LOAD_GRACE_MS = 10_000;

/** One load (download, checks, native load) in flight; aborting `superseded` ends it without an error. */
interface LoadAttempt {
  /** The engine, or undefined when a settings change superseded this load, or when a background load found
   * that the model would have to be downloaded (or the remote engine asked about). */
  promise: Promise<Engine | undefined>;
  superseded: AbortController;
}

export class ModelManager {
  private settings: QedNanoSettings | undefined;
  private engine: Engine | undefined;
  private loading: LoadAttempt | undefined;
  /** Settles when the last load started has ended, superseded or not (the next one waits for it). */
  private lastLoadSettled: Promise<void> = Promise.resolve();
  /** Each running generation's way to be stopped when the model is about to be unloaded. */
  private readonly running = new Set<AbortController>();
  private status: ModelStatus = { state: 'absent', message: 'The model loads on first use.' };
  private lastError: string | undefined;
  private resolvedPath: string | undefined;
  private activeGenerations = 0;
  /** The settings the background load (loadIfAtHand) last tried. */
  private autoLoadTried: QedNanoSettings | undefined;
  private readonly crashGuard: CrashGuard;
  private readonly files: ModelFiles;

  constructor(private readonly options: ModelManagerOptions) {
    this.crashGuard = new CrashGuard(
      options.storagePath,
      options.probe ??
        childProcessProbe(() => {
          const settings = this.requireSettings();
          return { gpu: settings.gpu === 'off' ? false : 'auto', threads: threadsFor(settings), contextSize: settings.contextSize };
        }),
      options.onStorageProblem,
      options.log,
    );
    this.files = new ModelFiles({
      // Made when a download needs it: a storage folder that cannot be written must not stop the server.
      modelsFolder: path.join(options.storagePath, 'models'),
      startProgress: options.startProgress,
      onDownloadProgress: (fraction, model) => this.setStatus({ state: 'downloading', progress: fraction, message: `Downloading ${model}` }),
      ...(options.huggingFaceEndpoint ? { huggingFaceEndpoint: options.huggingFaceEndpoint } : {}),
      ...(options.downloadStallMs !== undefined ? { downloadStallMs: options.downloadStallMs } : {}),
      ...(options.huggingFaceAnswerMs !== undefined ? { answerMs: options.huggingFaceAnswerMs } : {}),
      ...(options.freeBytes ? { freeBytes: options.freeBytes } : {}),
    });
  }

  get currentStatus(): ModelStatus {
    return this.status;
  }

  /**
   * Applies settings. Settings that do not change what or how the model loads (sampling, budgets) never
   * touch it. Ones that do supersede a load in flight (it ends quietly; the next use loads with the new
   * settings), and stop running generations first (they end with stop reason `preempted` and what they
   * wrote) before the model is unloaded; it loads again on next use.
   */
  async configure(settings: QedNanoSettings): Promise<void> {
    const previous = this.settings;
    this.settings = settings;
    if (!previous || !loadSettingsChanged(previous, settings)) return;
    const wasLoading = this.loading !== undefined;
    this.loading?.superseded.abort(new Error('the model settings changed'));
    this.loading = undefined;
    for (const stop of this.running) stop.abort();
    const engine = this.engine;
    this.engine = undefined;
    this.resolvedPath = undefined;
    await engine?.dispose();
    if (engine || wasLoading || this.status.state === 'error') {
      this.setStatus({ state: 'absent', message: 'The model settings changed; the model loads again on next use.' });
    }
  }

  /** The engine, or undefined as soon as `signal` fires while waiting for it (the load itself goes on). */
  private async readyUnlessAborted(signal: AbortSignal | undefined): Promise<Engine | undefined> {
    if (signal?.aborted) return undefined;
    const ready = this.ready();
    if (!signal) return ready;
    ready.catch(() => undefined); // if the wait is abandoned, a later load failure is reported by status only
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([ready, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /** While no model is loaded, adds what waits for one to the status the user reads (once). */
  explainAbsence(waiting: string): void {
    if (this.status.state !== 'absent' || this.status.message?.includes(waiting)) return;
    this.setStatus({ ...this.status, message: [this.status.message, waiting].filter(Boolean).join(' ') });
  }

  /**
   * Loads the model in the background when that needs nothing from the user: the local engine with a model
   * file (a missing one is reported in the status, as a load reports it), or an `hf:` model already in the
   * storage folder. Never downloads, never asks for the remote engine's consent, whatever the order of
   * events: the load itself is a background one (it reads the settings when it starts, and ends quietly
   * where it would have to download or ask), and one superseded by a settings change is not started again
   * here (the caller asks again with the new settings). Tried once per model settings: a load that failed
   * is not repeated until they change (its reason stays in the status).
   */
  async loadIfAtHand(): Promise<void> {
    const settings = this.requireSettings();
    if (this.engine || this.loading || settings.engine === 'remote') return;
    if (this.autoLoadTried && !loadSettingsChanged(this.autoLoadTried, settings)) return;
    this.autoLoadTried = settings;
    await this.startLoad(false, true).promise.catch(() => undefined); // the status and the log say why
  }

  /** Loads (and downloads) the model if it is not loaded yet; `explicit`: the user asked (Load Model). */
  async ensureLoaded(explicit = false): Promise<void> {
    await this.ready(explicit);
  }

  /** The loaded engine, loading (and downloading) the model first if needed. */
  private async ready(explicit = false): Promise<Engine> {
    for (;;) {
      if (this.engine) return this.engine;
      const attempt = this.loading ?? this.startLoad(explicit, false);
      const engine = await attempt.promise;
      if (engine) return engine;
      // A settings change superseded that load, or it was a background one that would have had to download:
      // load again with the settings as they are now, downloading if needed.
    }
  }

  /** `background`: the load never downloads nor asks for consent (it ends with undefined instead). */
  private startLoad(explicit: boolean, background: boolean): LoadAttempt {
    const superseded = new AbortController();
    const previous = this.lastLoadSettled;
    const promise = (async () => {
      await Promise.race([previous, delay(SUPERSEDED_LOAD_GRACE_MS)]);
      return this.load(explicit, background, superseded.signal);
    })();
    const attempt: LoadAttempt = { promise, superseded };
    const settled = (): void => {
      if (this.loading === attempt) this.loading = undefined;
    };
    this.lastLoadSettled = promise.then(settled, settled);
    this.loading = attempt;
    return attempt;
  }

  /**
   * Generates through the engine, reporting busy / tokens per second / ready as it goes. When the model is
   * unloaded meanwhile (its settings changed), the generation ends with stop reason `preempted` and what it
   * had written.
   */
  async generate(request: GenerationRequest, onChunk: (chunk: GenerationChunk) => void, signal?: AbortSignal): Promise<GenerationResult> {
    let engine = await this.readyUnlessAborted(signal);
    // The settings may have changed while this request waited for the model: use the current one.
    while (engine && engine !== this.engine) engine = await this.readyUnlessAborted(signal);
    if (!engine) return notStarted('cancelled');
    // Scripted replies (the test mode) where the engine can be scripted: a remote test server scripts its own.
    const script = engine.scripted ? this.options.scripts?.take() : undefined;
    if (script !== undefined) request = engine.scripted!(request, script);
    const unloading = new AbortController();
    this.running.add(unloading);
    this.activeGenerations++;
    let lastStatus = 0;
    this.setStatus({ ...this.loadedStatus(), state: 'busy' });
    const stopped = eitherSignal(signal, unloading.signal);
    try {
      const result = await engine.generate(
        request,
        (chunk) => {
          const now = performance.now();
          // The reply's own speed so far: the same measure as the final figure that replaces it.
          if (now - lastStatus > STATUS_INTERVAL_MS && chunk.tally.tokensPerSecond > 0) {
            lastStatus = now;
            this.setStatus({ ...this.loadedStatus(), state: 'busy', tokensPerSecond: chunk.tally.tokensPerSecond });
          }
          onChunk(chunk);
        },
        stopped.signal,
      );
      this.lastError = undefined; // a request went through: an earlier failure is no longer the news
      this.status = { ...this.loadedStatus(), tokensPerSecond: result.stats.tokensPerSecond };
      if (result.stopReason === 'cancelled' && unloading.signal.aborted && !signal?.aborted) return { ...result, stopReason: 'preempted' };
      return result;
    } catch (error) {
      // A remote server that turned the request down: the status bar says why until a request succeeds.
      if (error instanceof RemoteEngineError) this.lastError = error.message;
      throw error;
    } finally {
      stopped.done();
      this.running.delete(unloading);
      this.activeGenerations--;
      const failed = this.lastError !== undefined;
      this.setStatus({
        ...this.loadedStatus(),
        state: this.activeGenerations > 0 ? 'busy' : 'ready',
        ...(this.status.tokensPerSecond !== undefined ? { tokensPerSecond: this.status.tokensPerSecond } : {}),
        ...(failed ? { message: `Last request failed: ${this.lastError}` } : {}),
      });
    }
  }

  async setupInfo(): Promise<SetupInfo> {
    const settings = this.requireSettings();
    const file = this.resolvedPath ?? (isHuggingFaceUri(settings.model) ? undefined : expandHome(settings.model));
    const size = file && existsSync(file) ? statSync(file).size : undefined;
    const described = this.engine?.describe();
    const loaded = described?.local;
    return {
      serverVersion: BUILD_INFO.serverVersion,
      nodeVersion: process.version,
      nodeLlamaCppVersion: BUILD_INFO.nodeLlamaCppVersion,
      platform: `${process.platform}-${process.arch}`,
      cpuCores: os.availableParallelism(),
      status: this.status,
      model: {
        setting: settings.model,
        ...(file ? { path: file } : {}),
        ...(size !== undefined ? { sizeBytes: size } : {}),
        ...(loaded ? { architecture: loaded.architecture } : {}),
      },
      ...(settings.engine === 'remote'
        ? { remote: { endpoints: settings.remote.endpoints, model: settings.remote.model, apiKey: this.options.apiKey ? 'set (QED_NANO_API_KEY)' : 'not set' } }
        : {}),
      ...(loaded
        ? { loaded: withoutArchitecture(loaded) }
        : {}),
      settings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      storagePath: this.options.storagePath,
      memory: memoryNow(),
    };
  }

  /** Stops what runs, unloads the model, and clears the crash guard's marker: this is a clean end. */
  async dispose(): Promise<void> {
    this.loading?.superseded.abort(new Error('the server is shutting down'));
    this.loading = undefined;
    for (const stop of this.running) stop.abort();
    const engine = this.engine;
    this.engine = undefined;
    await engine?.dispose();
    this.crashGuard.dispose();
  }

  /** Loads the model with the settings as they are now; undefined when `superseded` fires first, or when a
   * `background` load would have to download a model or ask to use a remote server. */
  private async load(explicit: boolean, background: boolean, superseded: AbortSignal): Promise<Engine | undefined> {
    const settings = this.requireSettings();
    try {
      if (settings.engine === 'remote') {
        if (!background) return await this.connectRemote(settings, explicit, superseded);
        this.options.log('The load on open does not use the remote engine: it is asked on first use.');
        return undefined;
      }
      const notHere = (model: string): undefined => {
        this.options.log(`${model} is not downloaded yet: the load on open never downloads; it is downloaded on first use (or with Load Model).`);
        return undefined;
      };
      const file = background ? await this.files.resolve(settings.model, superseded, false) : await this.files.resolve(settings.model, superseded);
      if (file === undefined) return notHere(settings.model);
      let draftFile: string | undefined;
      if (settings.draftModel) {
        draftFile = background ? await this.files.resolve(settings.draftModel, superseded, false) : await this.files.resolve(settings.draftModel, superseded);
        if (draftFile === undefined) return notHere(settings.draftModel);
      }
      if (superseded.aborted) return undefined;
      const crashed = await this.crashGuard.confirm(file, () =>
        this.setStatus({ state: 'loading', progress: 0, message: `Checking ${path.basename(file)} in a separate process: a server stopped while loading it` }),
      );
      if (crashed) {
        if (!explicit) {
          throw new ModelUnavailableError(
            `Loading ${file} crashed the QED-Nano server last time, so it is not loaded again automatically. Choose another file (QED-Nano: Choose Model File), download the model again, or load this one anyway (QED-Nano: Load Model).`,
          );
        }
        this.crashGuard.forgive(file);
      }
      this.setStatus({ state: 'loading', progress: 0, message: `Loading ${path.basename(file)}` });
      const progress = await this.options.startProgress('QED-Nano: loading the model');
      let engine: LlamaEngine;
      try {
        engine = await this.crashGuard.guard(file, () =>
          LlamaEngine.load(
            {
              modelPath: file,
              gpu: settings.gpu === 'off' ? false : 'auto',
              threads: threadsFor(settings),
              contextSize: settings.contextSize,
              batchSize: settings.batchSize,
              sequences: settings.parallelSequences,
              tokenPrediction: settings.prediction,
              ...(draftFile ? { draftModelPath: draftFile } : {}),
              log: (line) => this.options.log(`llama.cpp: ${line}`),
              signal: superseded,
            },
            (fraction) => {
              progress.report(fraction, path.basename(file));
              this.setStatus({ state: 'loading', progress: fraction, message: `Loading ${path.basename(file)}` });
            },
          ),
        );
      } finally {
        progress.done();
      }
      if (superseded.aborted) {
        // The settings changed while loading: this engine is already out of date.
        await engine.dispose();
        return undefined;
      }
      this.engine = engine;
      this.resolvedPath = file;
      this.lastError = undefined;
      this.options.log(
        `Loaded ${engine.info.modelName} (${file}) on ${engine.info.device} in ${engine.info.loadMs} ms: ${engine.info.threads} threads, ${engine.info.contextSize}-token context x ${engine.info.sequences}.${engine.info.gpuUnusedReason ? ` No GPU: ${engine.info.gpuUnusedReason}.` : ''}`,
      );
      for (const adjustment of engine.info.adjustments) this.options.log(adjustment);
      this.setStatus(this.loadedStatus());
      return engine;
    } catch (error) {
      if (superseded.aborted) return undefined;
      const message = describeLoadError(error);
      this.lastError = message;
      this.options.log(message);
      this.setStatus({
        state: error instanceof ModelUnavailableError ? error.state : 'error',
        message,
        ...(error instanceof ModelUnavailableError && error.needs ? { needs: error.needs } : {}),
      });
      throw error instanceof ModelUnavailableError ? error : new ModelUnavailableError(message);
    }
  }

  /**
   * The remote engine: asks whether document text may go to each endpoint (once per workspace; the client
   * remembers nothing, the answer is kept in the server's storage), then checks the allowed ones. Its
   * failures are reported by load(), as a local load's are.
   */
  private async connectRemote(settings: QedNanoSettings, explicit: boolean, superseded: AbortSignal): Promise<RemoteEngine | undefined> {
    if (settings.remote.endpoints.length === 0) {
      throw new ModelUnavailableError('The remote engine has no endpoint: add the URL of your vLLM, SGLang or llama-server to qedNano.remote.endpoints (user settings), or set qedNano.engine to local.', 'absent');
    }
    const allowed: string[] = [];
    for (const url of settings.remote.endpoints) {
      const { host, hostname, protocol } = new URL(url);
      const insecure = protocol === 'http:' && !isLoopback(hostname);
      if (insecure) this.options.log(`Warning: ${host} is reached over plain http; document text sent there can be read on the way.`);
      if (!this.options.allowEndpoint || (await this.options.allowEndpoint({ url, host, insecure }, explicit))) allowed.push(url);
      if (superseded.aborted) return undefined;
    }
    if (allowed.length === 0) {
      throw new ModelUnavailableError(
        'Document text is not sent to the remote endpoint: that was declined for this workspace. Load the model again (QED-Nano: Load Model) to be asked again, or set qedNano.engine to local.',
        'absent',
      );
    }
    const engine = new RemoteEngine({
      endpoints: allowed,
      model: settings.remote.model,
      apiKey: this.options.apiKey,
      maxConcurrency: settings.remote.maxConcurrency,
      timeoutMs: settings.remote.timeoutSeconds * 1000,
    });
    this.setStatus({ state: 'loading', message: `Connecting to ${engine.hosts}`, remote: engine.hosts });
    await engine.check(superseded);
    if (superseded.aborted) return undefined;
    this.engine = engine;
    this.lastError = undefined;
    this.options.log(`Using ${settings.remote.model} on ${allowed.join(', ')} (remote engine).`);
    this.setStatus(this.loadedStatus());
    return engine;
  }

  private loadedStatus(): ModelStatus {
    const described = this.engine?.describe();
    if (!described) return this.status;
    return {
      state: 'ready',
      modelName: described.modelName,
      device: described.device,
      ...(described.remote ? { remote: described.remote } : {}),
      ...(described.gpuUnusedReason ? { gpuUnusedReason: described.gpuUnusedReason } : {}),
      // What was lowered from the settings to fit this machine stays visible while the model is loaded.
      ...(described.adjustments.length > 0 ? { message: described.adjustments.join(' ') } : {}),
    };
  }

  private setStatus(status: ModelStatus): void {
    this.status = status;
    this.options.sendStatus(status);
  }

  private requireSettings(): QedNanoSettings {
    if (!this.settings) throw new Error('the model manager has no settings yet');
    return this.settings;
  }
}

/** Threads for llama.cpp: the setting, or one per core for 0 (the engine holds it to the cores). */
function threadsFor(settings: QedNanoSettings): number {
  return settings.threads > 0 ? settings.threads : os.availableParallelism();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}


function loadSettingsChanged(a: QedNanoSettings, b: QedNanoSettings): boolean {
  return (
    a.engine !== b.engine ||
    JSON.stringify(a.remote) !== JSON.stringify(b.remote) ||
    a.model !== b.model ||
    a.gpu !== b.gpu ||
    a.threads !== b.threads ||
    a.contextSize !== b.contextSize ||
    a.batchSize !== b.batchSize ||
    a.parallelSequences !== b.parallelSequences ||
    a.prediction !== b.prediction ||
    a.draftModel !== b.draftModel
  );
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

function describeLoadError(error: unknown): string {
  if (error instanceof UserFacingError) return error.message;
  return `The model could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
}

/** The process's memory; the heap after a full collection when `gc` is exposed (tests and the bench). */
function memoryNow(): SetupInfo['memory'] {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsedBytes: heapUsed, rssBytes: rss, afterGc: gc !== undefined };
}

/** What Setup Information says of the loaded model beside its file (whose architecture it gives). */
function withoutArchitecture({ architecture: _shownWithTheFile, ...loaded }: LocalModelDescription): Omit<LocalModelDescription, 'architecture'> {
  return loaded;
}
