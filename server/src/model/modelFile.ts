/**
 * Where the model file comes from: a local path (checked before llama.cpp ever sees it: a regular file with
 * a GGUF header), or a Hugging Face URI resolved in the models folder and downloaded there once, with
 * progress, a free-space check, an end to a download that stalls, resumption after a cut or a cancel, and
 * the downloaded file checked (size, header). Network and disk problems become ModelUnavailableErrors that
 * say what to do.
 */
import { mkdirSync, statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserFacingError } from '../errors';
import { eitherSignal } from '../engine/eitherSignal';
import { modelFileProblem, readGgufHeader } from '../engine/ggufHeader';
import { isHuggingFaceUri } from '../modelSource';
import type { ModelStatus } from '../protocol';
import { StorageProblem } from '../storage/jsonFile';
import type { ProgressReporter } from './progress';

/** How often a download's progress is reported. */
const REPORT_INTERVAL_MS = 500;
const DEFAULT_DOWNLOAD_STALL_MS = 60_000;
/** How long Hugging Face may take to say which files a model has before the download gives up. The library's
 * request takes no signal and no time limit of ours: on a network that drops packets instead of refusing
 * them, Prove waited for minutes with nothing to show (undici gives up on headers after 300 s). */
const DEFAULT_ANSWER_MS = 30_000;

/**
 * The model cannot be used now; the message says why and what to do. `absent`: nothing is wrong, a step
 * is missing (download, choose a file); `error`: something failed.
 */
export class ModelUnavailableError extends UserFacingError {
  constructor(
    message: string,
    readonly state: 'absent' | 'error' = 'error',
    readonly needs?: ModelStatus['needs'],
  ) {
    super(message);
  }
}

export interface ModelFileOptions {
  /** Where `hf:` models are downloaded (made on the first download). */
  modelsFolder: string;
  /** Starts a progress report in the client (window/workDoneProgress). */
  startProgress(title: string): Promise<ProgressReporter>;
  /** A download's progress, for the model status. */
  onDownloadProgress(fraction: number, model: string): void;
  /** Where `hf:` URIs resolve (tests point it at a local server). */
  huggingFaceEndpoint?: string;
  /** A download that gains no byte for this long is stopped with an error instead of hanging (60 s). */
  downloadStallMs?: number;
  /** Hugging Face's answer to which files a model has is waited for this long (30 s). */
  answerMs?: number;
  /** Free bytes where models are stored (default: from the file system; tests give a fixed amount). */
  freeBytes?: (folder: string) => Promise<number | undefined>;
}

export class ModelFiles {
  constructor(private readonly options: ModelFileOptions) {}

  /** The local file for a model setting, downloading an `hf:` model first if it is not there yet; with
   * `download: false`, undefined instead of a download (nothing is fetched but what finds the file's name). */
  async resolve(model: string, superseded: AbortSignal, download: false): Promise<string | undefined>;
  async resolve(model: string, superseded: AbortSignal, download?: true): Promise<string>;
  async resolve(model: string, superseded: AbortSignal, download = true): Promise<string | undefined> {
    if (!isHuggingFaceUri(model)) {
      const file = expandHome(model);
      const problem = modelFileProblem(file);
      if (problem?.missing) {
        throw new ModelUnavailableError(
          `The model file ${file} does not exist. Choose a .gguf file (QED-Nano: Choose Model File) or download QED-Nano (QED-Nano: Download Model).`,
          'absent',
          'modelFile',
        );
      }
      if (problem) {
        throw new ModelUnavailableError(`The model file ${file} cannot be used: ${problem.reason}. Choose a .gguf file (QED-Nano: Choose Model File).`, 'error', 'modelFile');
      }
      return file;
    }
    const { resolveModelFile } = await import('node-llama-cpp');
    const endpoints = this.options.huggingFaceEndpoint ? { huggingFace: this.options.huggingFaceEndpoint } : undefined;
    try {
      return await resolveModelFile(model, { directory: this.options.modelsFolder, download: false, cli: false, ...(endpoints ? { endpoints } : {}) });
    } catch {
      // Not downloaded yet: download it below, if that may be done.
    }
    if (!download) return undefined;
    try {
      mkdirSync(this.options.modelsFolder, { recursive: true });
    } catch (error) {
      throw new ModelUnavailableError(`${new StorageProblem(this.options.modelsFolder, 'write', error).message} Choose a model file you already have (QED-Nano: Choose Model File).`);
    }
    const { createModelDownloader } = await import('node-llama-cpp');
    const answerMs = this.options.answerMs ?? DEFAULT_ANSWER_MS;
    const asked = createModelDownloader({
      modelUri: model,
      dirPath: this.options.modelsFolder,
      showCliProgress: false,
      deleteTempFileOnCancel: false,
      skipExisting: true,
      ...(endpoints ? { endpoints } : {}),
    });
    const downloader = await answeredWithin(asked, answerMs).catch((error: unknown) => {
      if (error instanceof NoAnswer) {
        throw new ModelUnavailableError(
          `Hugging Face did not answer within ${Math.round(answerMs / 1000)} s about ${model}: the network is slow or blocked from here. Connect and retry (QED-Nano: Download Model), or choose a model file you already have (QED-Nano: Choose Model File).`,
          'absent',
          'modelFile',
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      // A connection that never happened (no network, DNS, a firewall) is not a missing model.
      if (/fetch failed|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|ECONNRESET|ENETUNREACH|EHOSTUNREACH/i.test(reason)) {
        throw new ModelUnavailableError(
          `Hugging Face cannot be reached to download ${model}: the network is unreachable from here. Connect and retry (QED-Nano: Download Model), or choose a model file you already have (QED-Nano: Choose Model File).`,
          'absent',
          'modelFile',
        );
      }
      throw new ModelUnavailableError(`Could not find ${model} on Hugging Face: ${reason}. Check qedNano.model.`);
    });
    const free = await (this.options.freeBytes ?? freeBytes)(this.options.modelsFolder);
    const needed = downloader.totalSize - downloader.downloadedSize;
    if (free !== undefined && needed > free) {
      throw new ModelUnavailableError(`Downloading ${model} needs ${gigabytes(needed)} but only ${gigabytes(free)} are free in ${this.options.modelsFolder}. Free some space or choose a local file (QED-Nano: Choose Model File).`);
    }
    const progress = await this.options.startProgress(`QED-Nano: downloading ${model}`);
    const started = performance.now();
    // The downloader retries a failing connection forever; a download that stops gaining bytes is ended
    // with an error instead of sitting at the same percentage with no word.
    const stall = new AbortController();
    const stallMs = this.options.downloadStallMs ?? DEFAULT_DOWNLOAD_STALL_MS;
    let mostBytes = -1;
    let lastGain = performance.now();
    const report = (): void => {
      if (downloader.downloadedSize > mostBytes) {
        mostBytes = downloader.downloadedSize;
        lastGain = performance.now();
      } else if (performance.now() - lastGain > stallMs) {
        stall.abort(new Error(`no data arrived for ${Math.round(stallMs / 1000)} s`));
      }
      const fraction = downloader.totalSize > 0 ? downloader.downloadedSize / downloader.totalSize : 0;
      const seconds = (performance.now() - started) / 1000;
      const speed = seconds > 0 ? downloader.downloadedSize / seconds : 0;
      progress.report(fraction, `${gigabytes(downloader.downloadedSize)} of ${gigabytes(downloader.totalSize)} at ${megabytesPerSecond(speed)}`);
      this.options.onDownloadProgress(fraction, model);
    };
    const timer = setInterval(report, REPORT_INTERVAL_MS);
    const stopping = eitherSignal(progress.cancelled, stall.signal, superseded);
    try {
      report();
      const { signal } = stopping;
      await downloader.download({ signal });
      if (signal.aborted) throw signal.reason; // the downloader returns quietly when aborted
    } catch (error) {
      if (progress.cancelled.aborted) {
        throw new ModelUnavailableError(`The download of ${model} was cancelled; it continues where it stopped next time (QED-Nano: Download Model).`, 'absent', 'download');
      }
      await downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
      throw new ModelUnavailableError(
        `The download of ${model} failed: ${(error as Error).message}. Check the network; it continues where it stopped next time (QED-Nano: Download Model).`,
      );
    } finally {
      clearInterval(timer);
      stopping.done();
      progress.done();
    }
    const file = downloader.entrypointFilePath;
    const size = statSync(file).size;
    if (size !== downloader.totalSize) {
      throw new ModelUnavailableError(`The downloaded ${path.basename(file)} has ${size} bytes, not the ${downloader.totalSize} announced; download it again.`);
    }
    await readGgufHeader(file); // a complete but corrupt download is caught here, not by the native loader
    return file;
  }
}

/** What `answeredWithin` rejects with when the time is up. */
class NoAnswer extends Error {}

/** `pending`, unless `ms` pass first (NoAnswer). What settles later is dropped: the library's request cannot
 * be stopped, only no longer waited for. (A model chosen meanwhile does not wait for it: the model manager
 * drops a superseded load.) */
function answeredWithin<T>(pending: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new NoAnswer()), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A path as the user wrote it, with `~` for the home folder. */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : path.resolve(file);
}

async function freeBytes(folder: string): Promise<number | undefined> {
  try {
    const stats = await statfs(folder);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function megabytesPerSecond(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}
