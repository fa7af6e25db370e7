/**
 * The wire contract between the QED-Nano language server and its clients (the VS Code extension, other
 * editors, tests): every setting and custom message is declared here once, typed, and imported by both
 * sides. Standard LSP messages are used wherever LSP has the concept (see the design document).
 */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';

/** The settings section, in `initializationOptions`, `workspace/configuration` and `didChangeConfiguration`. */
export const SETTINGS_SECTION = 'qedNano';

/** Settings under `qedNano`, as the server understands them. Each is optional on the wire. */
export interface QedNanoSettings {
  /** A local `.gguf` path or an `hf:` URI (`hf:owner/repo:QUANT` or `hf:owner/repo/file.gguf`). */
  model: string;
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
  generation: {
    /** Most tokens one reply may use in all (thinking and answer). */
    maxTokens: number;
    /** Most tokens of thinking before the reply is stopped as unfinished. */
    thinkingBudget: number;
    temperature: number;
    topP: number;
  };
  analysis: {
    /** Documents with more characters than this are not analysed (one information diagnostic instead). */
    maxDocumentSize: number;
  };
}

/** `initializationOptions` of the `initialize` request. */
export interface QedNanoInitializationOptions {
  [SETTINGS_SECTION]?: DeepPartial<QedNanoSettings>;
  /** Where downloaded models and the server's own state live (VS Code: the extension's global storage).
   * Other editors may omit it: the server then uses `$XDG_CACHE_HOME/qed-nano` (or `~/.cache/qed-nano`). */
  storagePath?: string;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `source` of diagnostics found by document analysis, without a model. */
export const STRUCTURE_DIAGNOSTIC_SOURCE = 'QED-Nano structure';

export type ModelState = 'absent' | 'downloading' | 'loading' | 'ready' | 'busy' | 'error';

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
  loaded?: { threads: number; contextSize: number; sequences: number; gpuLayers: number; gpuDeviceNames: string[]; loadMs: number };
  settings: QedNanoSettings;
  lastError?: string;
  storagePath: string;
}

export const SetupInfoRequest = new RequestType0<SetupInfo, void>('qed/setupInfo');

/** `qed/loadModel`: loads (downloading first if needed) the configured model now; resolves when it is ready
 * or rejects with the reason. Progress goes through `qed/status` and `window/workDoneProgress`. */
export const LoadModelRequest = new RequestType0<ModelStatus, void>('qed/loadModel');
