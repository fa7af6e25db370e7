/**
 * The wire contract between the QED-Nano language server and its clients (the VS Code extension, other
 * editors, tests): every setting and custom message is declared here once, typed, and imported by both
 * sides. Standard LSP messages are used wherever LSP has the concept (docs/architecture.md lists which).
 */
import {
  NotificationType,
  ProtocolRequestType,
  RequestType0,
  type PartialResultParams,
  type Position,
  type Range,
  type TextDocumentIdentifier,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';

import type { LocalModelDescription, StopReason, TokenPredictions } from './engine/types';

export type { StopReason } from './engine/types';
export { CLIENT_COMMANDS, CRITIQUE_DIAGNOSTIC_SOURCE, SERVER_COMMANDS, SETTINGS_SECTION, STRUCTURE_DIAGNOSTIC_SOURCE } from './wireNames';
import type { SETTINGS_SECTION } from './wireNames';

/** Settings under `qedNano`, as the server understands them. Each is optional on the wire. */
export interface QedNanoSettings {
  /** Where the model runs: `local` (node-llama-cpp on this machine, the default) or `remote` (an
   * OpenAI-compatible server: vLLM, SGLang, llama.cpp's llama-server). Machine-scoped: never a workspace's. */
  engine: 'local' | 'remote';
  remote: {
    /** Base URLs of the servers (`http://gpu-box:8000/v1`; `/v1` is added to a bare host). Work is spread
     * over all of them. The API key is never a setting: the server reads `QED_NANO_API_KEY`. */
    endpoints: string[];
    /** The name the servers serve QED-Nano under (what `/v1/models` lists). */
    model: string;
    /** Requests given to each endpoint at once; its own continuous batching does the rest. */
    maxConcurrency: number;
    /** A request that receives nothing for this long is ended, and retried on another endpoint. */
    timeoutSeconds: number;
  };
  /** A local `.gguf` path or an `hf:` URI (`hf:owner/repo:QUANT` or `hf:owner/repo/file.gguf`). */
  model: string;
  /** Load the model in the background once a proof document is open, when that needs nothing from the
   * user: a local file, or an `hf:` model already downloaded (never a download, never the remote engine). */
  loadModelOnOpen: boolean;
  /** `auto` uses a GPU when llama.cpp finds one (CUDA, Vulkan, Metal); `off` uses the CPU only. */
  gpu: 'auto' | 'off';
  /** CPU threads for the model; 0 means one per core. */
  threads: number;
  /** Tokens each sequence holds (prompt, thinking and answer). Never grown automatically. */
  contextSize: number;
  /** Tokens evaluated per batch when reading a prompt. */
  batchSize: number;
  /** Sequences that may generate side by side (deep mode's candidates); each costs a context's memory. */
  parallelSequences: number;
  /** Lookup decoding on the local engine: predict each reply's next tokens from the text it holds (the
   * prompt, its thinking, a text it rewrites); the model confirms them, so the text is unchanged. */
  prediction: boolean;
  /** A small model with QED-Nano's vocabulary that drafts tokens for it (a local .gguf or an `hf:` URI;
   * empty: none). */
  draftModel: string;
  generation: {
    /** Most tokens one reply may use in all (thinking and answer). */
    maxTokens: number;
    /** Most tokens of thinking before the reply is stopped as unfinished. */
    thinkingBudget: number;
    temperature: number;
    topP: number;
  };
  /** Deep mode (the generate -> verify -> refine scaffold of the model card's agent). */
  deep: {
    poolSize: number;
    verifications: number;
    /** Refinement rounds after the first pool (stops early at a perfect score). */
    rounds: number;
    /** All tokens of all calls together; past it the best proof so far is returned. */
    tokenBudget: number;
  };
  /** The reasoning-cache mode (solve, summarise the thinking, solve again from the summary). */
  rc: {
    /** Attempts to solve (QED-Nano's evaluation runs 3). */
    iterations: number;
  };
  /** Inline critique of the proofs being written. */
  critique: {
    /** When proofs are critiqued: on save (default), after a pause in typing, or only when asked. */
    trigger: 'onSave' | 'onIdle' | 'manual';
    /** `full`: a free review, then the findings read out; `quick`: the findings at once (slow CPUs). */
    depth: 'full' | 'quick';
    /** Most tokens of the review's thinking. */
    thinkingBudget: number;
  };
  /** Proof completions (the next step as ghost text). */
  completion: {
    /** `automatic` while typing; `manual`: only when asked (inline-completion trigger kind Invoked); `off`. */
    mode: 'automatic' | 'manual' | 'off';
    /** The client's own: how long a pause in typing (ms) before an automatic suggestion is asked for. */
    debounceMs: number;
  };
  latex: {
    /** The label features beside another extension that answers the same questions (LaTeX Workshop):
     * `auto` leaves Go to Definition, `\ref{` completion and hover of labels to it where the client says it
     * is there, and keeps the rest (server/src/labelFeatures.ts); `on`: all of them anyway; `off`: none. */
    labels: 'auto' | 'on' | 'off';
  };
  analysis: {
    /** Documents with more characters than this are not analysed (one information diagnostic instead). */
    maxDocumentSize: number;
    /** At most this many LaTeX files of the workspace are read from disk for its projects (the roots and
     * what they include first); the user is told once when more were left out. */
    maxProjectFiles: number;
    /** Also report, as information, what a check can only guess (documents/precision.ts): today a proof
     * that seems to follow no statement. Off by default: a guess is never a warning. */
    guesses: boolean;
  };
  structure: {
    /** Regular expressions matched against the start of a heading or a paragraph that mark a problem in the
     * user's own format (documents/userPatterns.ts says which are accepted). */
    problemPatterns: string[];
    /** The same for a solution or proof. */
    solutionPatterns: string[];
  };
  /** Whether QED-Nano answers the outline (document symbols: Outline view, breadcrumbs, Go to Symbol) for each
   * format. Off for one where another extension's outline is kept (LaTeX Workshop, texlab, VS Code's
   * Markdown): VS Code shows each provider that answers as a group of its own. */
  outline: {
    latex: boolean;
    markdown: boolean;
  };
}

/** `initializationOptions` of the `initialize` request. */
export interface QedNanoInitializationOptions {
  [SETTINGS_SECTION]?: DeepPartial<QedNanoSettings>;
  /** Where downloaded models and the server's own state live (VS Code: the extension's global storage).
   * Other editors may omit it: the server then uses `$XDG_CACHE_HOME/qed-nano` (or `~/.cache/qed-nano`). */
  storagePath?: string;
  /** The lens commands (`CLIENT_COMMANDS`' ids) this client runs. Absent: all of them (as the VS Code
   * extension does). A lens whose command the client does not run gets the server's own command for it
   * (`SERVER_COMMANDS`, run through `workspace/executeCommand`), or where there is none its title only. */
  clientCommands?: string[];
  /** Another extension of the editor answers Go to Definition, completion and hover of LaTeX labels (VS Code:
   * LaTeX Workshop is enabled). With `qedNano.latex.labels` at `auto` the server then leaves those to it. */
  latexLabelsElsewhere?: boolean;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };


export type ModelState = 'absent' | 'downloading' | 'loading' | 'ready' | 'busy' | 'error';

/**
 * The `data` of a RequestFailed error that came from no model being usable (absent, downloading, failed to
 * load): a client can offer the model commands, and drop the error it shows once a model is ready.
 */
export interface ModelUnavailableErrorData {
  modelUnavailable: true;
  state: ModelState;
}

/** `qed/status`: the model's state, sent by the server whenever it changes. */
export interface ModelStatus {
  state: ModelState;
  /** What the user reads: why the model is absent, what failed and what to do. */
  message?: string;
  /** The model's name (from its file) once known. */
  modelName?: string;
  /** `cpu`, `cuda`, `vulkan` or `metal` once loaded. */
  device?: string;
  /** Why no GPU is used, when none is. */
  gpuUnusedReason?: string;
  /** 0..1 while downloading or loading. */
  progress?: number;
  /** Generation speed: live while busy, of the last reply when ready. */
  tokensPerSecond?: number;
  /** When absent because of a missing step: what the user should do (the client offers it once). */
  needs?: 'download' | 'modelFile';
  /** The remote engine's endpoints (`gpu-box:8000`, or `gpu-box:8000 +2` for three): device is `remote`. */
  remote?: string;
}

export const StatusNotification = new NotificationType<ModelStatus>('qed/status');

/** `qed/setupInfo`: what a bug report needs (versions, device, model file, settings, last error). */
export interface SetupInfo {
  serverVersion: string;
  nodeVersion: string;
  nodeLlamaCppVersion: string | undefined;
  platform: string;
  cpuCores: number;
  status: ModelStatus;
  model: { setting: string; path?: string; sizeBytes?: number; architecture?: string } | undefined;
  /** With `qedNano.engine: remote`: where requests go, and whether a key is set (never the key). */
  remote?: { endpoints: string[]; model: string; apiKey: string };
  /** The model loaded on this machine (its architecture is under `model`). */
  loaded?: Omit<LocalModelDescription, 'architecture'>;
  settings: QedNanoSettings;
  lastError?: string;
  storagePath: string;
  /** The server process's memory: JavaScript heap in use (after a garbage collection when the server runs
   * with --expose-gc, as the tests and the bench start it) and resident set size, in bytes. */
  memory: { heapUsedBytes: number; rssBytes: number; afterGc: boolean };
}

export const SetupInfoRequest = new RequestType0<SetupInfo, void>('qed/setupInfo');

/** `qed/loadModel`: loads (downloading first if needed) the configured model now; resolves when it is ready
 * or rejects with the reason. Progress goes through `qed/status` and `window/workDoneProgress`. */
export const LoadModelRequest = new RequestType0<ModelStatus, void>('qed/loadModel');

/**
 * `qed/prove`: proves the statement at `position` (the theorem, lemma or problem around it, or the one whose
 * proof it is in) or the text selected in `range`. While it runs, thinking and proof stream as
 * `GenerationProgress` values through `$/progress` with the request's `partialResultToken`. Cancelled with
 * `$/cancelRequest`, it rejects with RequestCancelled (-32800); when no model can be used, with
 * RequestFailed (-32803) and a message that says why and what to do.
 */
export interface ProveParams extends WorkDoneProgressParams, PartialResultParams {
  textDocument: TextDocumentIdentifier;
  position?: Position;
  range?: Range;
  /** `single` (the default): one generation; `deep`: the generate -> verify -> refine scaffold (settings
   * `qedNano.deep.*`); `rc`: the reasoning cache, `qedNano.rc.iterations` attempts each solved from a summary of
   * the ones before. */
  mode?: ProveMode;
  /** Continue an attempt whose thinking ran out of budget (one step of the reasoning cache): its thinking is
   * summarised together with `summary`, the summary it was itself solved from (absent: it was a first
   * attempt), and the statement is solved again from the new summary. */
  continueFrom?: { thinking: string; summary?: string };
}

export type ProveMode = 'single' | 'deep' | 'rc';

/**
 * A streamed value of every generating request (`qed/prove`, `qed/refine`, `qed/chat`), sent through
 * `$/progress` with the request's `partialResultToken`. The model's text comes as `thinking` and `answer`
 * (the proof, the refined text, the chat reply).
 */
export type GenerationProgress =
  /** First: what is being proved, and the macros in force (the document's, or its LaTeX project's: the root, its packages, its files; KaTeX form: `{"\\R": "\\mathbb{R}"}`). */
  | { kind: 'started'; statement: string; macros: Record<string, string> }
  /** A step of the work that is not model text (e.g. "Summarising the previous attempt"). */
  | { kind: 'phase'; text: string }
  /** Deep mode: every candidate so far with its scores, after each verification round; `best` is the one
   * that would be chosen now (kept if the user stops). */
  | { kind: 'candidates'; candidates: CandidateSummary[]; best: { id: number; proof: string } | undefined }
  /** The reasoning cache: attempt `attempt` of `of` begins in a fresh context (the text streamed next is
   * its own); `proofSoFar` is the latest proof an earlier attempt wrote ('' when none did), kept if the user
   * stops. */
  | { kind: 'attempt'; attempt: number; of: number; proofSoFar: string }
  /** The reasoning cache: the summary just written of the attempts so far (model text, shown apart). */
  | { kind: 'summary'; text: string }
  /** Streamed text; `thinkingTokens`: the reply's thinking tokens so far, the measure of the final
   * `ProveResult.stats.thinkingTokens` (absent for text that is not model output, e.g. a summary quoted). */
  | { kind: 'thinking' | 'answer'; text: string; thinkingTokens?: number }
  /** A later `</think>`: the answer so far was thinking after all. */
  | { kind: 'answerRetracted'; movedToThinking: string };

/** What a finished generation cost, in the engine's measures (`thinkingTokens + answerTokens` were
 * generated; deep mode: the sums over its replies). `evaluatedPromptTokens`: the prompt tokens not reused
 * from the cache; `thinkingMs`: from the request to the end of the thinking (absent in deep mode, whose
 * replies overlap);
 * `tokensPerSecond`: generated tokens per second after the first, as `qed/status` shows. */
export interface GenerationCost {
  promptTokens: number;
  evaluatedPromptTokens: number;
  thinkingTokens: number;
  answerTokens: number;
  thinkingMs?: number;
  ms: number;
  tokensPerSecond: number;
  /** Prompt-lookup predictions (refinements and Continue, on the local engine): `validated` tokens cost no
   * forward pass of their own; `refuted` ones were evaluated in vain. */
  predictedTokens: TokenPredictions;
}

export interface CandidateSummary {
  id: number;
  /** 1 for the first pool; 2, 3... for refinements. */
  round: number;
  /** The candidate it refines, for round 2 and later. */
  refines?: number;
  scores: number[];
  mean: number;
}

/** Deep mode's account of its work, with the result. */
export interface DeepReport {
  rounds: number;
  candidates: CandidateSummary[];
  chosen: number;
  /** The verifiers' analyses of the chosen proof that gave it less than 1. */
  objections: string[];
  tokensUsed: number;
  /** Why the scaffold stopped: a proof scored 1 everywhere, all rounds done, or the token budget. */
  stoppedBecause: 'perfectScore' | 'roundsDone' | 'tokenBudget';
}

/** The reasoning cache's account of its work. */
export interface ReasoningCacheReport {
  /** Attempts run, of `attempts` asked for (a stop ends the cycle early). */
  attemptsRun: number;
  attempts: number;
  /** The attempt whose proof `ProveResult.proof` is (1-based); 0 when no attempt wrote one. */
  proofAttempt: number;
  /** Every summary written, in order. */
  summaries: string[];
  /** The summary the last attempt was solved from: a Continue sends it back as `continueFrom.summary`. */
  summary: string;
}

export interface ProveResult {
  /** The statement that was proved, as sent to the model. */
  statement: string;
  /** The proof (Markdown with LaTeX math); empty when the thinking never closed: no proof was written. */
  proof: string;
  thinking: string;
  /** Whether the model finished thinking; false means `proof` is empty and a continuation is needed. */
  thoughtClosed: boolean;
  stopReason: StopReason;
  stats: GenerationCost;
  /** Deep mode only: the rounds, every candidate's scores, and the objections to the chosen proof. */
  deep?: DeepReport;
  /** The reasoning cache (and Continue) only: its attempts and summaries. `thinking`, `thoughtClosed` and
   * `stopReason` are the last attempt's; `proof` is the latest proof any attempt wrote. */
  reasoningCache?: ReasoningCacheReport;
  /** The edit that puts the proof into the document after its statement (in the document's format and
   * style), valid for document `version`; absent when there is no proof or the statement is gone. */
  insertion?: { version: number; range: Range; newText: string };
}

export const ProveRequest = new ProtocolRequestType<ProveParams, ProveResult, GenerationProgress, void, void>('qed/prove');

/**
 * `qed/proofInsertion`: the edit that inserts `proof` after the statement `statement` (as `qed/prove`
 * returned it) in the document as it is now; null when that statement is no longer in the document (and
 * none is at `position`). Used for a proof whose own insertion is out of date (the document changed since),
 * or that came without one (the best so far of a stopped deep run), and for Copy (what Insert would write).
 */
export interface ProofInsertionParams {
  textDocument: TextDocumentIdentifier;
  statement: string;
  proof: string;
  /** "Insert anyway": when no statement has the text `statement` any more (it was edited), the statement
   * at this position is the one the proof goes after. */
  position?: Position;
}

/**
 * `qed/critique`: critiques the proof at `position` (or, without one, every proof of the document) now,
 * even if its text did not change since its last critique. Resolves when the findings are published as
 * diagnostics (source CRITIQUE_DIAGNOSTIC_SOURCE); cancellable (RequestCancelled); rejects with
 * RequestFailed and a reason a user understands when no model can be used or the model's answer could not
 * be read (nothing is changed then).
 */
export interface CritiqueParams extends WorkDoneProgressParams {
  textDocument: TextDocumentIdentifier;
  position?: Position;
}

export interface CritiqueResult {
  proofs: {
    /** The statement's title ("Theorem 2 (AM-GM)") and the proof's range when critiqued. */
    title: string;
    range: Range;
    /** The rubric's score: 1 correct and rigorous, 0.5 minor omissions, 0 a fatal error. */
    score: 0 | 0.5 | 1;
    findings: number;
  }[];
}

export const CritiqueRequest = new ProtocolRequestType<CritiqueParams, CritiqueResult, never, void, void>('qed/critique');

/**
 * `qed/refine`: the model rewrites a step that a critique flagged (`range`: the step, as the diagnostic
 * has it), or with `whole` the proof whose body is `range`, answering `objection`. `text` is the step or
 * body as the client saw it: the request is refused (RequestFailed, with the reason) when the document no
 * longer reads so. Thinking and the new text stream like `qed/prove`'s (`GenerationProgress`: `started` carries
 * the text as written, `answer` the new text). The result's edit replaces exactly that range, for document
 * `version`. Cancellable (RequestCancelled).
 */
export interface RefineParams extends WorkDoneProgressParams, PartialResultParams {
  textDocument: TextDocumentIdentifier;
  range: Range;
  text: string;
  objection: string;
  whole?: boolean;
}

export interface RefineResult {
  /** The step (or proof body) as written, and the model's replacement for it. */
  before: string;
  after: string;
  edit: { version: number; range: Range; newText: string };
}

export const RefineRequest = new ProtocolRequestType<RefineParams, RefineResult, GenerationProgress, void, void>('qed/refine');

/**
 * `qed/chat`: one turn of a conversation about the problem at `position` (the theorem, lemma or problem
 * around it, or the one whose proof it is in). Without `conversation`, a new conversation about that problem
 * begins (it becomes the problem's current one); with it, that conversation goes on. The model sees the
 * problem, the proof written so far and the critique's findings as they were when the conversation began.
 * The reply streams like `qed/prove`'s (`GenerationProgress`: `thinking`, then the reply as `answer` text);
 * cancellable (RequestCancelled); interactive priority. Conversations are kept per workspace by the server
 * (across restarts), bounded; older turns of a long one are summarised, never cut mid-message.
 */
export interface ChatParams extends WorkDoneProgressParams, PartialResultParams {
  textDocument: TextDocumentIdentifier;
  position: Position;
  message: string;
  conversation?: string;
}

export interface ChatResult {
  conversation: string;
  /** Empty when the model's thinking ran out of budget before it answered. */
  reply: string;
  thinking: string;
  stopReason: StopReason;
  stats: GenerationCost;
}

export const ChatRequest = new ProtocolRequestType<ChatParams, ChatResult, GenerationProgress, void, void>('qed/chat');

/** `qed/chatHistory`: the current conversation about the problem at `position`, for showing it. */
export interface ChatHistoryParams {
  textDocument: TextDocumentIdentifier;
  position: Position;
}

export interface ChatHistory {
  /** The problem at the position ("Theorem 2 (AM-GM)", its 0-based line, and its statement as `qed/prove` and
   * `qed/proofInsertion` name it), or null when there is none. */
  problem: { title: string; line: number; statement: string } | null;
  /** The macros in force (the document's, or its LaTeX project's) in KaTeX form (`{"\\R": "\\mathbb{R}"}`), for showing math as the user writes it. */
  macros: Record<string, string>;
  /** The problem's current conversation, if it has one. */
  conversation?: string;
  /** Its turns, oldest first; an assistant turn's `thinkingTokens` is its reply's thinking count. */
  turns: { role: 'user' | 'assistant'; text: string; thinking?: string; thinkingTokens?: number }[];
  /** Older turns were summarised to keep the conversation inside the context. */
  summarised: boolean;
  /** The problem's statement changed since the conversation began. */
  problemChanged: boolean;
}

export const ChatHistoryRequest = new ProtocolRequestType<ChatHistoryParams, ChatHistory, never, void, void>('qed/chatHistory');

/** The `data` of a refine quick fix: the model runs on `codeAction/resolve`; VS Code's client takes it over
 * and streams `qed/refine` into its panel instead. */
export interface RefineActionData {
  qedRefine: Omit<RefineParams, 'workDoneToken' | 'partialResultToken'>;
}

/** The arguments of each command the server runs itself (`workspace/executeCommand`, SERVER_COMMANDS). */
export interface ServerCommandArguments {
  'qedNano.server.dismissFinding': [uri: string, stepText: string];
  'qedNano.server.refine': [params: RefineActionData['qedRefine']];
  'qedNano.server.prove': [uri: string, position: Position];
  'qedNano.server.critique': [uri: string, position: Position];
  'qedNano.server.suggestNextStep': [uri: string, position: Position];
}

export const ProofInsertionRequest = new ProtocolRequestType<ProofInsertionParams, ProveResult['insertion'] | null, never, void, void>('qed/proofInsertion');
