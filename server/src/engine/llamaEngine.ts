/**
 * The local engine: QED-Nano through node-llama-cpp, in the language server's process.
 *
 * Generation runs on raw context sequences (`sequence.evaluate`), not LlamaChatSession: the prompt format
 * is ours (prompt.ts), thinking and answer are split by ThinkSplitter, and the chat session's extra work per
 * token (measured: 1000-1250 tok/s against 1600-1900 raw on the tiny model) is not paid.
 * node-llama-cpp is ESM-only and native: it is loaded with a dynamic import the first time a model loads,
 * never at server start.
 *
 * Lookup decoding: every sequence has a LookupPredictor (lookupPredictor.ts), which predicts the reply's
 * next tokens from everything the sequence holds (the prompt, the thinking, the reply so far) and, first,
 * from the text a request `repeats` (a refinement rewrites a step or a proof and mostly repeats it). Each
 * evaluation also evaluates the predicted tokens, and the model's own samples confirm them or not, so the
 * text generated is the one generated without prediction; the predictor backs off when its predictions are
 * mostly wrong. `qedNano.prediction: false` loads sequences without it.
 */
import type {
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammarEvaluationState,
  LlamaModel,
  Token,
  TokenBias,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
import * as os from 'node:os';
import { readGgufHeader, type GgufSummary } from './ggufHeader';
import { fitToMemory, kvCacheBytesPerToken, MIN_CONTEXT_SIZE } from './memory';
import { LoopDetector } from './loopDetector';
import { LiveGeneration } from './liveGeneration';
import { asPlainText, requestPrompt, thinkingMode, type PromptPart } from './prompt';
import { LookupPredictor, MAX_DRAFT } from './lookupPredictor';
import { DraftScript } from './draftScript';
import { setDraftLength } from './draftLength';
import { scriptedBias } from './scriptedOutput';
import { UserFacingError } from '../errors';
import { SequencePool, type Lease, type PooledSequence } from './sequencePool';
import {
  GenerationRefusedError,
  type Engine,
  type EngineDescription,
  type GenerationChunk,
  type GenerationRequest,
  type GenerationResult,
  type LocalModelDescription,
  type SamplingOptions,
  type StopReason,
  type TokenPredictions,
} from './types';

export interface LlamaEngineOptions {
  modelPath: string;
  /** `auto` tries CUDA, Vulkan and Metal before the CPU; `false` uses the CPU only. */
  gpu: 'auto' | false;
  /** CPU threads for evaluation. Always explicit: the library's default is 4 even on 2 cores. */
  threads: number;
  /** Tokens each sequence can hold (prompt and generation). */
  contextSize: number;
  batchSize: number;
  /** Sequences that can generate side by side (e.g. the candidates of the prove scaffold). */
  sequences: number;
  /** Receives llama.cpp's log lines (warnings and errors). */
  log?: (message: string) => void;
  /** Aborts the load (a settings change superseded it): it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Memory the context may take, in bytes (default: what fitToMemory allows on this machine). */
  totalMemoryBytes?: number;
  /** `false`: sequences without lookup prediction (qedNano.prediction; the benchmark's baseline). Default
   * true. */
  tokenPrediction?: boolean;
  /** The share of predicted tokens that must be confirmed, fixed, instead of the one measured from each
   * sequence's evaluation costs (tests that count predictions: their counts must not depend on timing). */
  predictionBreakEven?: number;
  /** A small model with the same vocabulary that drafts tokens where the lookup has none
   * (qedNano.draftModel): loaded in a context of its own, one draft sequence per sequence. */
  draftModelPath?: string;
}

/** The draft model as loaded, for Setup Information. */
export interface LoadedDraftInfo {
  modelPath: string;
  modelName: string;
  threads: number;
}

/** What was loaded and where, for the status bar and "Show Setup Information". */
export interface LoadedModelInfo {
  modelPath: string;
  modelName: string;
  fileSize: number;
  /** `cpu`, or the GPU backend in use (`cuda`, `vulkan`, `metal`). */
  device: string;
  gpuDeviceNames: string[];
  /** Why no GPU is used, when none is. */
  gpuUnusedReason?: string;
  gpuLayers: number;
  threads: number;
  contextSize: number;
  sequences: number;
  loadMs: number;
  /** What was lowered from the settings to fit this machine, in words (empty when nothing was). */
  adjustments: string[];
  draft?: LoadedDraftInfo;
}

/** The model card's sampling: temperature 0.6, top-p 0.95, Qwen's thinking top-k 20. */
export const DEFAULT_SAMPLING: SamplingOptions = { temperature: 0.6, topP: 0.95, topK: 20 };

/** A model that could not be loaded, with the reason in words. */
export class ModelLoadError extends UserFacingError {}

/** node-llama-cpp's evaluation priorities (1-5): interactive work's tokens go into a full batch first. */
const EVALUATION_PRIORITY = { interactive: 5, background: 1 } as const;

class Sequence implements PooledSequence {
  constructor(
    readonly native: LlamaContextSequence,
    readonly predictor: LookupPredictor | undefined,
    /** The scripted test mode's bias for this sequence's draft model, if there is one. */
    readonly draftScript: DraftScript | undefined,
  ) {}
  sharedPrefixLength(tokens: readonly number[]): number {
    return this.native.compareContextTokens(tokens as Token[]).firstDifferentIndex;
  }
}

const MAX_PENDING_DETOKENIZE = 8;

export class LlamaEngine implements Engine {
  private readonly sequences: Sequence[] = [];
  private readonly pool: SequencePool<Sequence>;
  /** Native evaluations still running (an aborted generation resolves at once; its evaluation ends later). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private disposed = false;

  private constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly info: LoadedModelInfo,
    readonly header: GgufSummary,
    prediction: { enabled: boolean; breakEven: number | undefined },
    private readonly draft: { model: LlamaModel; context: LlamaContext } | undefined,
  ) {
    for (let i = 0; i < info.sequences; i++) {
      // The draft samples with the target's options but for the token bias: the target's is the scripted
      // test mode's and counts the target's own samples; the draft's is its own (draftScript.ts).
      const draftScript = draft ? new DraftScript(lib.TokenBias, draft.context.getSequence()) : undefined;
      // Its length is set before each drafting run (draftLength.ts): the target waits for the whole draft.
      const draftPredictor = draftScript
        ? new lib.DraftSequenceTokenPredictor(draftScript.sequence, { minTokens: MAX_DRAFT, maxTokens: MAX_DRAFT, evaluateOptions: { tokenBias: draftScript.tokenBias } })
        : undefined;
      const drafting = draftPredictor ? { predictor: draftPredictor, setLength: (tokens: number) => setDraftLength(draftPredictor, tokens) } : undefined;
      const predictor = prediction.enabled || drafting ? new LookupPredictor(prediction.enabled, drafting, prediction.breakEven) : undefined;
      this.sequences.push(new Sequence(context.getSequence(predictor ? { tokenPredictor: predictor } : {}), predictor, draftScript));
    }
    this.pool = new SequencePool(this.sequences);
  }

  /**
   * Loads a model. The GGUF header is checked first (InvalidModelFileError names the fault); a file the
   * native loader still refuses gives a ModelLoadError. `onProgress` gets the load fraction (0..1).
   */
  static async load(options: LlamaEngineOptions, onProgress?: (fraction: number) => void): Promise<LlamaEngine> {
    const started = performance.now();
    const header = await readGgufHeader(options.modelPath);
    const fitted = fitToMemory(
      { contextSize: options.contextSize, sequences: options.sequences },
      kvCacheBytesPerToken(header),
      header.fileSize,
      options.totalMemoryBytes ?? os.totalmem(),
    );
    if (fitted.contextSize < MIN_CONTEXT_SIZE) {
      throw new ModelLoadError(
        `This machine has too little memory for ${options.modelPath}: even ${MIN_CONTEXT_SIZE} tokens of context do not fit beside the model. Choose a smaller (more quantized) model file.`,
      );
    }
    const cores = os.availableParallelism();
    const threads = Math.min(options.threads, cores);
    if (threads < options.threads) fitted.adjustments.push(`Uses ${threads} threads instead of ${options.threads} (qedNano.threads): this machine has ${cores} cores.`);
    options.signal?.throwIfAborted();
    const lib: NodeLlamaCpp = await import('node-llama-cpp');
    const { getLlama, LlamaLogLevel } = lib;
    const llama = await getLlama({
      gpu: options.gpu,
      build: 'never', // an installed extension cannot compile llama.cpp: use the prebuilt binaries only
      maxThreads: threads,
      logLevel: LlamaLogLevel.warn,
      logger: (_level, message) => options.log?.(message.trimEnd()),
    });
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: options.modelPath,
        ...(onProgress ? { onLoadProgress: onProgress } : {}),
        ...(options.signal ? { loadSignal: options.signal } : {}),
      });
    } catch (error) {
      await llama.dispose();
      options.signal?.throwIfAborted();
      throw new ModelLoadError(`llama.cpp could not load ${options.modelPath}: ${(error as Error).message}`);
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: fitted.contextSize,
        sequences: fitted.sequences,
        batchSize: options.batchSize,
        threads,
        ...(options.signal ? { createSignal: options.signal } : {}),
      });
    } catch (error) {
      await model.dispose();
      await llama.dispose();
      options.signal?.throwIfAborted();
      throw new ModelLoadError(
        `There is not enough memory for ${fitted.sequences} sequence(s) of ${fitted.contextSize} tokens: ${(error as Error).message}. Lower qedNano.contextSize or qedNano.parallelSequences.`,
      );
    }
    let draft: { model: LlamaModel; context: LlamaContext; info: LoadedDraftInfo } | undefined;
    if (options.draftModelPath) {
      try {
        draft = await LlamaEngine.loadDraft(llama, context, options.modelPath, options.draftModelPath, fitted.sequences, threads, options.signal);
      } catch (error) {
        await context.dispose();
        await model.dispose();
        await llama.dispose();
        options.signal?.throwIfAborted();
        throw error;
      }
    }
    const device = llama.gpu === false ? 'cpu' : llama.gpu;
    const info: LoadedModelInfo = {
      modelPath: options.modelPath,
      modelName: header.name ?? options.modelPath.split(/[\\/]/).pop()!,
      fileSize: header.fileSize,
      device,
      gpuDeviceNames: await llama.getGpuDeviceNames(),
      gpuLayers: model.gpuLayers,
      threads,
      contextSize: context.contextSize,
      sequences: fitted.sequences,
      loadMs: Math.round(performance.now() - started),
      adjustments: fitted.adjustments,
      ...(draft ? { draft: draft.info } : {}),
      ...(llama.gpu === false
        ? {
            gpuUnusedReason:
              options.gpu === false
                ? 'the GPU is turned off in the settings (qedNano.gpu)'
                : 'no supported GPU was found (tried CUDA, Vulkan and Metal)',
          }
        : {}),
    };
    return new LlamaEngine(lib, llama, model, context, info, header, { enabled: options.tokenPrediction !== false, breakEven: options.predictionBreakEven }, draft);
  }

  /**
   * Loads the draft model into a context of its own beside the target's. Threads: the draft drafts and the
   * target checks mostly in turn (draftLength.ts), but the draft also goes on between the target's
   * evaluations, and a draft's evaluations are short (one token each, a fraction of the target's size), so
   * more threads buy it little and cost the target: half the target's threads, at least one. Measured with the
   * generated tiny draft for the wide target at 2 threads, right 9 times in 10: 2.2-3.1x the target alone with
   * 1 thread for the draft, 0.7-0.9x with 2.
   * A draft whose vocabulary differs from the target's cannot draft for it: refused here with both files
   * named (node-llama-cpp's own check, which would otherwise fail the first generation).
   */
  private static async loadDraft(
    llama: Llama,
    target: LlamaContext,
    targetPath: string,
    draftPath: string,
    sequences: number,
    targetThreads: number,
    signal: AbortSignal | undefined,
  ): Promise<{ model: LlamaModel; context: LlamaContext; info: LoadedDraftInfo }> {
    const header = await readGgufHeader(draftPath);
    const threads = Math.max(1, Math.floor(targetThreads / 2));
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: draftPath, ...(signal ? { loadSignal: signal } : {}) });
    } catch (error) {
      throw new ModelLoadError(`llama.cpp could not load the draft model ${draftPath} (qedNano.draftModel): ${(error as Error).message}`);
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({ contextSize: target.contextSize, sequences, threads, ...(signal ? { createSignal: signal } : {}) });
    } catch (error) {
      await model.dispose();
      throw new ModelLoadError(`There is not enough memory for the draft model ${draftPath} beside ${targetPath}: ${(error as Error).message}. Clear qedNano.draftModel or lower qedNano.contextSize.`);
    }
    try {
      // node-llama-cpp's check (the one DraftSequenceTokenPredictor runs when a generation begins): the
      // library is pinned at 3.21.1, where the contexts' native handles are `_ctx`.
      (target as unknown as { _ctx: { ensureDraftContextIsCompatibleForSpeculative(draft: unknown): void } })._ctx.ensureDraftContextIsCompatibleForSpeculative(
        (context as unknown as { _ctx: unknown })._ctx,
      );
    } catch (error) {
      await context.dispose();
      await model.dispose();
      throw new ModelLoadError(
        `The draft model ${draftPath} cannot draft for ${targetPath}: their vocabularies differ (${(error as Error).message.trim()}). Choose a draft model of the same family (for QED-Nano, a Qwen3 model such as Qwen3-0.6B), or clear qedNano.draftModel.`,
      );
    }
    return { model, context, info: { modelPath: draftPath, modelName: header.name ?? draftPath.split(/[\\/]/).pop()!, threads } };
  }

  describe(): EngineDescription {
    const { info } = this;
    return {
      modelName: info.modelName,
      device: info.device,
      ...(info.gpuUnusedReason ? { gpuUnusedReason: info.gpuUnusedReason } : {}),
      adjustments: info.adjustments,
      local: {
        architecture: this.header.architecture,
        threads: info.threads,
        contextSize: info.contextSize,
        sequences: info.sequences,
        gpuLayers: info.gpuLayers,
        gpuDeviceNames: info.gpuDeviceNames,
        loadMs: info.loadMs,
        tokenPredictions: this.sequences.reduce<TokenPredictions>(
          (sum, { native }) => ({ validated: sum.validated + native.tokenPredictions.validated, refuted: sum.refuted + native.tokenPredictions.refuted }),
          { validated: 0, refuted: 0 },
        ),
        predictionEvaluations: this.sequences.reduce((sum, { predictor }) => sum + (predictor ? predictor.stats.drafts + predictor.draftModelStats.drafts : 0), 0),
        meteredTokens: this.sequenceMeters().reduce((sum, meter) => sum + meter.usedInputTokens + meter.usedOutputTokens, 0),
        ...this.evaluationCost(),
        ...(this.info.draft
          ? {
              draftModel: {
                name: this.info.draft.modelName,
                path: this.info.draft.modelPath,
                threads: this.info.draft.threads,
                ...this.sequences.reduce(
                  (sum, { predictor }) => ({
                    evaluations: sum.evaluations + (predictor?.draftModelStats.drafts ?? 0),
                    drafted: sum.drafted + (predictor?.draftModelStats.drafted ?? 0),
                    accepted: sum.accepted + (predictor?.draftModelStats.accepted ?? 0),
                  }),
                  { evaluations: 0, drafted: 0, accepted: 0 },
                ),
                evaluatedTokens: this.sequences.reduce((sum, { draftScript }) => sum + (draftScript ? draftScript.sequence.tokenMeter.usedInputTokens + draftScript.sequence.tokenMeter.usedOutputTokens : 0), 0),
                tokensPerSecond: this.draftSpeeds(),
              },
            }
          : {}),
      },
    };
  }

  /** Tokens per second of evaluations with a draft model's draft (over every sequence) and without any
   * prediction (the measured single-evaluation cost): Setup Information's "speed with and without". */
  private draftSpeeds(): { withDraft?: number; without?: number } {
    const timed = this.sequences.reduce((sum, { predictor }) => ({ ms: sum.ms + (predictor?.draftModelTiming.ms ?? 0), tokens: sum.tokens + (predictor?.draftModelTiming.tokens ?? 0) }), { ms: 0, tokens: 0 });
    const single = this.sequences.map(({ predictor }) => predictor?.cost.single).find((ms) => ms !== undefined && ms > 0);
    return {
      ...(timed.ms > 0 && timed.tokens > 0 ? { withDraft: (1000 * timed.tokens) / timed.ms } : {}),
      ...(single !== undefined ? { without: 1000 / single } : {}),
    };
  }

  /** The first sequence's measured evaluation cost (the description's `evaluationCost`), once measured. */
  private evaluationCost(): { evaluationCost?: NonNullable<LocalModelDescription['evaluationCost']> } {
    for (const { predictor } of this.sequences) {
      const { single, perToken, perDraft } = predictor?.cost ?? {};
      if (single !== undefined && perToken !== undefined && perDraft !== undefined) {
        return { evaluationCost: { singleMs: single, perTokenMs: perToken, perDraftMs: perDraft, breakEven: predictor!.breakEven } };
      }
    }
    return {};
  }

  /** The scripted test mode: a large bias on the script's next token at temperature 0 (scriptedOutput.ts). */
  scripted(request: GenerationRequest, script: string): GenerationRequest {
    return { ...request, sampling: { temperature: 0 }, tokenBias: scriptedBias(this.tokenize([{ special: true, text: script }])) };
  }

  /**
   * Tokenizes prompt parts: special-token parsing only for the template's own pieces. Other text gets the
   * remote route's neutralisation too: llama.cpp matches user-defined tokens (`<think>`, `</think>`, the
   * tool tags: Qwen3's are user-defined) even with special parsing off, so a document's `</think>` would
   * otherwise close the model's thinking.
   */
  tokenize(parts: readonly PromptPart[]): number[] {
    return parts.flatMap((part) => (part.special ? this.model.tokenize(part.text, true) : this.model.tokenize(asPlainText(part.text), false)));
  }

  /** The tokens a request's prompt becomes (tests and benchmarks use it to build shared prefixes). */
  promptTokens(request: Pick<GenerationRequest, 'messages' | 'thinking' | 'jsonSchema' | 'answerPrefix'>): number[] {
    return this.tokenize(requestPrompt(request));
  }

  /** Each sequence's token meter (prompt tokens evaluated, tokens generated), for tests and benchmarks. */
  sequenceMeters(): { usedInputTokens: number; usedOutputTokens: number }[] {
    return this.sequences.map(({ native }) => ({
      usedInputTokens: native.tokenMeter.usedInputTokens,
      usedOutputTokens: native.tokenMeter.usedOutputTokens,
    }));
  }

  /**
   * Generates a reply. Chunks stream to `onChunk` as they come; the result carries the whole split and the
   * stop reason. Aborting `signal` resolves at once with what was generated so far (stop reason
   * `cancelled`); the native evaluation in flight ends on its own and then frees its sequence.
   */
  async generate(request: GenerationRequest, onChunk: (chunk: GenerationChunk) => void, signal?: AbortSignal): Promise<GenerationResult> {
    if (this.disposed) throw new Error('the engine was disposed');
    const live = new LiveGeneration(performance.now(), thinkingMode(request), request.answerPrefix !== undefined);
    const tokens = this.tokenize(requestPrompt(request));
    live.promptTokens = tokens.length;
    if (this.context.contextSize - tokens.length < 2) {
      throw new GenerationRefusedError(
        `The text sent to the model has ${tokens.length.toLocaleString('en')} tokens, more than its context of ${this.context.contextSize.toLocaleString('en')} holds. Select a shorter statement, or raise qedNano.contextSize.`,
      );
    }
    let lease;
    try {
      lease = await this.pool.acquire(request.priority ?? 'interactive', tokens, signal);
    } catch {
      return live.result('cancelled');
    }
    const finished = this.run(request, tokens, lease, onChunk, signal, live);
    this.inFlight.add(finished);
    void finished.then(lease.release, lease.release).finally(() => this.inFlight.delete(finished));
    if (!signal) return finished;
    return new Promise<GenerationResult>((resolve, reject) => {
      const onAbort = (): void => resolve(live.result('cancelled'));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      finished.then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  private async run(
    request: GenerationRequest,
    tokens: number[],
    lease: Lease<Sequence>,
    onChunk: (chunk: GenerationChunk) => void,
    signal: AbortSignal | undefined,
    live: LiveGeneration,
  ): Promise<GenerationResult> {
    const { native: sequence } = lease.sequence;
    const { preempted } = lease;
    await sequence.adaptStateToTokens(tokens as Token[], false);
    // At least one prompt token must be evaluated to sample the next one.
    if (sequence.nextTokenIndex >= tokens.length) {
      await sequence.eraseContextTokenRanges([{ start: tokens.length - 1, end: sequence.nextTokenIndex }]);
    }
    const reused = sequence.nextTokenIndex;
    live.evaluatedPromptTokens = tokens.length - reused;
    const priority = request.priority ?? 'interactive';
    const evaluationPriority = EVALUATION_PRIORITY[priority];
    // The predictor looks for the reply's last tokens in this text (none: it predicts nothing).
    sequence.tokenPredictor?.updateInputTokens(request.repeats ? (this.tokenize([{ special: false, text: request.repeats }]) as Token[]) : []);
    lease.sequence.draftScript?.begin(request.draftTokenBias ?? request.tokenBias, tokens.length);
    const predictionsBefore = { ...sequence.tokenPredictions };
    const sampling = { ...DEFAULT_SAMPLING, ...request.sampling };
    const grammarEvaluationState = request.jsonSchema ? await this.grammarState(request.jsonSchema) : undefined;
    const maxTokens = Math.min(request.maxTokens, this.context.contextSize - tokens.length);
    const loops = request.detectLoops === false ? undefined : new LoopDetector();
    const { splitter } = live;
    const stopped = (): boolean => signal?.aborted === true;
    const emit = (chunk: GenerationChunk): void => {
      if (!stopped()) onChunk(chunk);
    };

    // The iterator ends by itself when the model emits an end-of-generation token.
    let stopReason: StopReason = 'endOfText';
    /** Tokens the loop below has taken from the iterator (the scripted bias counts positions from it). */
    let received = 0;
    let pending: Token[] = [];
    const previous: Token[] = [];
    const flush = (force: boolean): void => {
      if (pending.length === 0) return;
      const text = this.model.detokenize(pending, true, previous);
      if (!force && text.endsWith('\uFFFD') && pending.length < MAX_PENDING_DETOKENIZE) return; // an incomplete UTF-8 character
      previous.push(...pending);
      previous.splice(0, Math.max(0, previous.length - 4));
      pending = [];
      live.push(text, emit);
    };

    // The prompt is evaluated a batch at a time, checking for a cancel (or a pre-emption) between batches:
    // a 100k-token prompt handed to evaluate() whole keeps the model busy until its end, long after the
    // request was cancelled. The last batch goes with the generation, which samples after it: the batches
    // are the ones evaluate() would make itself, so the text generated is the same.
    const prompt = tokens.slice(reused) as Token[];
    const batch = Math.max(1, this.context.batchSize);
    const lastBatchStart = Math.floor((prompt.length - 1) / batch) * batch;
    for (let start = 0; start < lastBatchStart; start += batch) {
      await lease.yieldToInteractive(signal);
      if (stopped() || preempted.aborted) {
        live.finish(emit);
        return live.result(stopped() ? 'cancelled' : 'preempted');
      }
      await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(start, start + batch), { evaluationPriority });
    }
    const iterator = sequence.evaluate(prompt.slice(lastBatchStart), {
      temperature: sampling.temperature,
      topP: sampling.topP,
      topK: sampling.topK,
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      ...(request.tokenBias ? { tokenBias: this.scriptedBias(request.tokenBias, () => received) } : {}),
      ...(grammarEvaluationState ? { grammarEvaluationState } : {}),
      evaluationPriority,
    });
    const { predictor } = lease.sequence;
    /** When the loop last asked for a token (undefined for the first: its wait is the prompt's). */
    let askedAt: number | undefined;
    for await (const token of iterator) {
      received++;
      // The predictor learns what an evaluation costs here from how long each token was waited for.
      predictor?.evaluationTimed(askedAt === undefined ? undefined : performance.now() - askedAt);
      live.firstTokenAt ??= performance.now();
      if (stopped()) {
        stopReason = 'cancelled';
        break;
      }
      if (preempted.aborted) {
        stopReason = 'preempted';
        break;
      }
      if (this.model.isEogToken(token)) break;
      live.countToken();
      pending.push(token);
      flush(false);
      const period = loops?.push(token);
      if (period !== undefined) {
        stopReason = 'repetitionLoop';
        live.loopPeriod = period;
        break;
      }
      if (!splitter.answering && request.thinkingBudget !== undefined && live.thinkingTokens >= request.thinkingBudget) {
        stopReason = 'thinkingBudget';
        break;
      }
      if (grammarEvaluationState && splitter.answering && isCompleteJson(splitter.snapshot().answer)) break;
      if (live.generated >= maxTokens) {
        stopReason = 'maxTokens';
        break;
      }
      // Interactive work first: a background reply takes its next token only when no interactive one runs
      // (they would otherwise share every batch, and the user's reply would wait for this one's tokens).
      await lease.yieldToInteractive(signal);
      if (stopped() || preempted.aborted) {
        stopReason = stopped() ? 'cancelled' : 'preempted';
        break;
      }
      askedAt = performance.now();
    }
    flush(true);
    live.finish(emit);
    const predictions = sequence.tokenPredictions;
    live.predictedTokens = { validated: predictions.validated - predictionsBefore.validated, refuted: predictions.refuted - predictionsBefore.refuted };
    return live.result(stopReason);
  }

  private async grammarState(schema: object): Promise<LlamaGrammarEvaluationState> {
    const grammar = await this.llama.createGrammarForJsonSchema(schema as never);
    return new this.lib.LlamaGrammarEvaluationState({ model: this.model, grammar });
  }

  /**
   * Adapts the test hook's position -> bias map to node-llama-cpp's TokenBias, which it asks for before each
   * token it samples. With a prediction, one evaluation samples several positions in a row (the token after
   * the reply's last one, then the one after each predicted token), before any of them reaches the loop; a
   * sample after a refuted prediction is thrown away, so its bias does not matter. The position of a sample
   * is therefore the tokens the loop has received, plus how many samples this evaluation took before it.
   */
  private scriptedBias(biasAt: (position: number) => Map<number, number>, received: () => number): () => TokenBias {
    let evaluationAt = -1;
    let sampled = 0;
    return () => {
      if (received() !== evaluationAt) {
        evaluationAt = received();
        sampled = 0;
      }
      const bias = new this.lib.TokenBias(this.model.tokenizer);
      for (const [token, value] of biasAt(evaluationAt + sampled++)) bias.set(token as Token, value);
      return bias;
    };
  }

  /** Resolves once every generation started so far has let go of its sequence: a cancelled `generate`
   * returns at once, while its native evaluation ends within a token (then its sequence is free). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Frees the model once every native evaluation still running has ended (`settled`), and its llama.cpp
   * instance: each load gets its own (getLlama), which otherwise stays behind with its process listeners,
   * one more per reload. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.settled();
    await this.context.dispose();
    await this.model.dispose();
    await this.draft?.context.dispose();
    await this.draft?.model.dispose();
    await this.llama.dispose();
  }
}

/**
 * Whether a grammar-constrained answer is a finished JSON object or array. The grammar guarantees the text
 * is valid as far as it goes, but it allows trailing white space forever, so a model that does not end its
 * reply by itself would fill the budget with spaces.
 */
function isCompleteJson(answer: string): boolean {
  if (!answer.endsWith('}') && !answer.endsWith(']')) return false;
  try {
    JSON.parse(answer);
    return true;
  } catch {
    return false;
  }
}
