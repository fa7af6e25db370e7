/**
 * The names on the wire that the extension needs as values at activation: the settings section, the
 * diagnostics' sources, and the commands the server puts in lenses. A module of its own, with no imports,
 * so the extension reads them without loading the protocol library; protocol.ts re-exports them.
 */

/** The settings section, in `initializationOptions`, `workspace/configuration` and `didChangeConfiguration`. */
export const SETTINGS_SECTION = 'qedNano';

/** `source` of diagnostics found by document analysis, without a model. */
export const STRUCTURE_DIAGNOSTIC_SOURCE = 'QED-Nano structure';

/** `source` of the model's critique findings, one diagnostic on each flagged step: `code` is the finding's
 * kind (`error` -> Error, `gap` -> Warning, `unclear` -> Information), the message its explanation, the
 * related information the statement the proof proves. */
export const CRITIQUE_DIAGNOSTIC_SOURCE = 'QED-Nano';

/** `workspace/executeCommand` of the Dismiss quick fix: `[uri, stepText]`. */
export const DISMISS_FINDING_COMMAND = 'qedNano.server.dismissFinding';

/**
 * Commands the server puts in code lenses. They are VS Code command ids (the extension registers them);
 * another editor that wants the lenses to act registers handlers under the same ids and names the ones it
 * runs in `initializationOptions.clientCommands`; a lens whose command a client does not run comes with its
 * title only.
 */
export const CLIENT_COMMANDS = {
  /** `[uri, position]`: prove the statement there. */
  prove: 'qedNano.prove',
  /** `[uri, position]`: critique the proof there now. */
  critique: 'qedNano.critique',
  /** Load the model (the lens of a critique that waits for one). */
  loadModel: 'qedNano.loadModel',
} as const;
