/**
 * The one engine interface every feature uses (prove, critique, refine, complete, chat): a prompt goes
 * in; thinking and answer stream out; a result with the stop reason and token statistics comes back.
 * Implementations: the local node-llama-cpp engine (llamaEngine.ts) and OpenAI-compatible servers
 * (remoteEngine.ts). What differs between them for the model manager is behind describe() and scripted().
 */
import { UserFacingError } from '../errors';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** An assistant turn exactly as it was generated (GenerationResult.raw): written with its thinking, so
   * that a conversation's prompt is the previous prompt plus what was generated, and the cache holds it. */
  raw?: string;
}

/** Open: generation starts inside `<think>`; closed: an empty thought is prefilled. */
export type ThinkingMode = 'open' | 'closed';

export type Priority = 'interactive' | 'background';

export interface SamplingOptions {
  /** Model-card defaults: 0.6 / 0.95 / 20. Temperature 0 is greedy. */
  temperature: number;
  topP: number;
  topK: number;
  seed?: number;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  /** Open: generation starts inside `<think>` (the default); closed: an empty thought is prefilled. */
  thinking?: ThinkingMode;
  /** Most tokens to generate in all (thinking and answer). */
  maxTokens: number;
  /** Most tokens of thinking; reaching it without `</think>` stops with `thinkingBudget`. */
  thinkingBudget?: number;
  sampling?: Partial<SamplingOptions>;
  /** Constrains the answer to JSON matching this schema (forces `thinking: 'closed'`). */
  jsonSchema?: object;
  /**
   * The answer so far (forces `thinking: 'closed'`): generation continues this text, which is never parsed
   * for special tokens. A request whose prompt extends the previous one's (the user accepted a suggestion)
   * evaluates only the new tokens. The result's answer is the continuation alone, white space as generated.
   */
  answerPrefix?: string;
  /** Interactive requests pre-empt background ones when every sequence is busy. */
  priority?: Priority;
  /** Stop a generation that has become a repetition loop (default true). */
  detectLoops?: boolean;
  /**
   * Text the answer is expected to repeat much of (the step or proof being rewritten, a summary whose
   * notation the new attempt reuses). The local engine predicts the reply's next tokens from it before it
   * looks in the rest of the context (lookup decoding): a prediction the model confirms costs no forward
   * pass of its own, and the text generated is the one generated without it.
   */
  repeats?: string;
  /** Test hook: the bias on the reply's token at `position` (0-based), applied before it is sampled (see
   * the scripted test mode). */
  tokenBias?: (position: number) => Map<number, number>;
  /** Test hook, with a draft model: the bias on the draft model's token at each reply position (default:
   * `tokenBias`'s), so that the draft proposes a script's tokens confidently, right or wrong where the two
   * scripts differ (draftScript.ts). */
  draftTokenBias?: (position: number) => Map<number, number>;
}

/**
 * A reply's running totals as of a chunk, in the same measures as its final GenerationStats: what a client
 * shows while the reply streams then agrees with what it shows at the end.
 */
export interface GenerationTally {
  /** Tokens generated so far. */
  generated: number;
  /** Of them, thinking (up to and including the last `</think>` so far). */
  thinkingTokens: number;
  /** Generated tokens per second after the first one (GenerationStats.tokensPerSecond so far). */
  tokensPerSecond: number;
}

export type GenerationChunk = ({ kind: 'thinking' | 'answer'; text: string } | { kind: 'answerRetracted'; movedToThinking: string }) & { tally: GenerationTally };

export type StopReason =
  /** The model ended its reply. */
  | 'endOfText'
  /** `maxTokens` reached. */
  | 'maxTokens'
  /** `thinkingBudget` reached while still thinking: there is no answer. */
  | 'thinkingBudget'
  /** The output repeated itself; generation was stopped. */
  | 'repetitionLoop'
  /** The caller aborted. */
  | 'cancelled'
  /** An interactive request took this background request's sequence. */
  | 'preempted';

export interface GenerationStats {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Prompt tokens that had to be evaluated (the rest were reused from the KV cache). */
  evaluatedPromptTokens: number;
  thinkingTokens: number;
  answerTokens: number;
  /** From the request to the first generated token. */
  timeToFirstTokenMs: number;
  /** From the request to the end of the thinking (the last `</think>`); the whole `ms` when it never closed. */
  thinkingMs: number;
  ms: number;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number;
  /** Lookup predictions (local engine, lookupPredictor.ts): `validated` ones were confirmed by
   * the model and cost no forward pass of their own; `refuted` ones were evaluated in vain. */
  predictedTokens: TokenPredictions;
}

export interface TokenPredictions {
  validated: number;
  refuted: number;
}

export interface GenerationResult {
  thinking: string;
  answer: string;
  /** Everything generated, as generated (thinking, `</think>`, answer, white space untouched): a later turn
   * that repeats this reply as its history reuses the cached tokens (see ChatMessage.raw). */
  raw: string;
  /** Whether `</think>` was reached; when false, `answer` is empty: an unfinished thought is no answer. */
  thoughtClosed: boolean;
  stopReason: StopReason;
  /** For `repetitionLoop`, the repeated block's length in tokens. */
  loopPeriod?: number;
  stats: GenerationStats;
}

/** The result of a generation that never reached the model (cancelled or pre-empted before it began). */
export function notStarted(stopReason: StopReason): GenerationResult {
  return {
    thinking: '',
    answer: '',
    raw: '',
    thoughtClosed: false,
    stopReason,
    stats: { promptTokens: 0, evaluatedPromptTokens: 0, thinkingTokens: 0, answerTokens: 0, timeToFirstTokenMs: 0, thinkingMs: 0, ms: 0, tokensPerSecond: 0, predictedTokens: { validated: 0, refuted: 0 } },
  };
}

/** A request an engine cannot run as asked (its prompt does not fit the context), with the reason in words. */
export class GenerationRefusedError extends UserFacingError {}

/** What an engine says about itself: the model status's fields and Setup Information's. */
export interface EngineDescription {
  modelName: string;
  /** `cpu`, the GPU backend in use (`cuda`, `vulkan`, `metal`), or `remote`. */
  device: string;
  /** The remote engine's endpoints (`gpu-box:8000`, or `gpu-box:8000 +2`). */
  remote?: string;
  /** Why no GPU is used, when none is. */
  gpuUnusedReason?: string;
  /** What was lowered from the settings to fit this machine, in words (empty when nothing was). */
  adjustments: string[];
  /** A model loaded here: its architecture and how it was loaded. */
  local?: LocalModelDescription;
}

/** How a model was loaded on this machine, and what it has done since. */
export interface LocalModelDescription {
  architecture: string;
  threads: number;
  contextSize: number;
  sequences: number;
  gpuLayers: number;
  gpuDeviceNames: string[];
  loadMs: number;
  /** Predictions since the model loaded, over every sequence, looked up (every generation predicts from
   * what its sequence holds; refinements and Continue from the text they rewrite first) or drafted by the
   * draft model: validated ones cost no forward pass of their own. */
  tokenPredictions: TokenPredictions;
  /** Evaluations that carried a prediction (looked up or drafted) since the model loaded (validated / this
   * = tokens gained per such evaluation). */
  predictionEvaluations: number;
  /** Tokens the model read (prompts, predictions checked) and generated since it loaded, over every sequence
   * (node-llama-cpp's token meters): the machine's work, which stops growing when a request is cancelled. */
  meteredTokens: number;
  /** What an evaluation costs, measured on the first sequence that has measured it (ms): with no
   * prediction, for each predicted token more, and for any draft whatever its length; `breakEven` is the
   * chance of confirmation a further predicted token needs to pay (lookupPredictor.ts). Absent until
   * measured. */
  evaluationCost?: { singleMs: number; perTokenMs: number; perDraftMs: number; breakEven: number };
  /** The draft model (qedNano.draftModel) and its predictions since the load: `drafted` tokens evaluated,
   * `accepted` of them confirmed, in `evaluations` evaluations that used a draft; `evaluatedTokens`: what
   * the draft model itself evaluated to draft them (each prompt too), its share of the machine.
   * `tokensPerSecond`: the speed of the model's evaluations with a draft (the tokens each gave, its sample
   * and the draft's confirmed tokens, per second of evaluating and waiting for the draft) and without one
   * (one token per evaluation that carried no prediction: its median time); each absent until measured. */
  draftModel?: {
    name: string;
    path: string;
    threads: number;
    evaluations: number;
    drafted: number;
    accepted: number;
    evaluatedTokens: number;
    tokensPerSecond: { withDraft?: number; without?: number };
  };
}

export interface Engine {
  generate(request: GenerationRequest, onChunk: (chunk: GenerationChunk) => void, signal?: AbortSignal): Promise<GenerationResult>;
  describe(): EngineDescription;
  /**
   * Test mode (QED_NANO_TEST_SCRIPT): `request` made to write `script` exactly. Absent where the engine
   * cannot be scripted (a remote test server scripts its own replies).
   */
  scripted?(request: GenerationRequest, script: string): GenerationRequest;
  dispose(): Promise<void>;
}
