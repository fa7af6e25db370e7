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

/**
 * The commands the server runs itself (`workspace/executeCommand`), so that any LSP client can use them with
 * no code of its own (protocol.ts's ServerCommandArguments types their arguments). What they make goes back
 * through `workspace/applyEdit`; what the user should read, through `window/showMessage`.
 */
export const SERVER_COMMANDS = {
  /** `[uri, stepText]`: the Dismiss quick fix. */
  dismissFinding: 'qedNano.server.dismissFinding',
  /** `[RefineParams]`: a refine quick fix for a client that cannot resolve code actions: the model runs, then
   * the edit is applied. */
  refine: 'qedNano.server.refine',
  /** `[uri, position]`: prove the statement there and insert the proof (also a lens's command where the
   * client does not run `qedNano.prove`). Result: ProveResult. */
  prove: 'qedNano.server.prove',
  /** `[uri, position]`: critique the proof there now; the findings come as diagnostics. Result: CritiqueResult. */
  critique: 'qedNano.server.critique',
  /** `[uri, position]`: the rest of the step at the cursor (the ghost text's), inserted there. Result: the text, or null. */
  suggestNextStep: 'qedNano.server.suggestNextStep',
} as const;

/**
 * Commands the server puts in code lenses. They are VS Code command ids (the extension registers them);
 * another editor that wants the lenses to act registers handlers under the same ids and names the ones it
 * runs in `initializationOptions.clientCommands`; a lens whose command a client does not run comes with the
 * server's own command for it (SERVER_COMMANDS: prove, critique), or its title only (load the model).
 */
export const CLIENT_COMMANDS = {
  /** `[uri, position]`: prove the statement there. */
  prove: 'qedNano.prove',
  /** `[uri, position]`: critique the proof there now. */
  critique: 'qedNano.critique',
  /** Load the model (the lens of a critique that waits for one). */
  loadModel: 'qedNano.loadModel',
} as const;
