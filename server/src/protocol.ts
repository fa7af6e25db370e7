/**
 * The wire contract between the QED-Nano language server and its clients (the VS Code extension, other
 * editors, tests): every setting and custom message is declared here once, typed, and imported by both
 * sides. Standard LSP messages are used wherever LSP has the concept (see the design document).
 */

/** The settings section, in `initializationOptions`, `workspace/configuration` and `didChangeConfiguration`. */
export const SETTINGS_SECTION = 'qedNano';

/** Settings under `qedNano`, as the server understands them. Each is optional on the wire. */
export interface QedNanoSettings {
  analysis: {
    /** Documents with more characters than this are not analysed (one information diagnostic instead). */
    maxDocumentSize: number;
  };
}

/** `initializationOptions` of the `initialize` request. */
export interface QedNanoInitializationOptions {
  [SETTINGS_SECTION]?: DeepPartial<QedNanoSettings>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `source` of diagnostics found by document analysis, without a model. */
export const STRUCTURE_DIAGNOSTIC_SOURCE = 'QED-Nano structure';
