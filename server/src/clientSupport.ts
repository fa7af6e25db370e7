/**
 * What the client said at `initialize` that it can do, read once into plain flags, so that every part of the
 * server asks one question ("does this client resolve code actions?") instead of walking the capabilities.
 * A flag is true only when the client offered it: a client that says nothing (eglot 1.9 says nothing of
 * dynamic registration of configuration, code action resolution, inline completion, work-done progress or
 * showDocument) gets the server's plain-LSP answers.
 */
import type { ClientCapabilities } from 'vscode-languageserver';

export interface ClientSupport {
  /** `workspace/configuration`: the server may pull its settings. */
  readonly pullsConfiguration: boolean;
  /** `workspace.didChangeConfiguration.dynamicRegistration`: the server may register for configuration changes. */
  readonly registersConfiguration: boolean;
  /** `workspace.didChangeWatchedFiles.dynamicRegistration`: the server may ask to be told of files changed on disk. */
  readonly watchesFiles: boolean;
  /** `workspace.workspaceFolders`: folders added and removed are reported. */
  readonly followsFolders: boolean;
  /** `workspace.applyEdit`: the server may edit documents itself (`workspace/applyEdit`). */
  readonly appliesEdits: boolean;
  /** `textDocument.codeAction.resolveSupport` including `edit`: an action's edit may be made on resolve. */
  readonly resolvesCodeActionEdits: boolean;
  /** `textDocument.codeAction.codeActionLiteralSupport`: code actions may be CodeAction literals (else Commands). */
  readonly takesCodeActionLiterals: boolean;
  /** `textDocument.inlineCompletion` (LSP 3.18): the next step comes as ghost text, not as a completion item. */
  readonly completesInline: boolean;
  /** `window.workDoneProgress`: the server may start progress of its own. */
  readonly showsProgress: boolean;
  /** `window.showDocument`: the server may ask the client to show a document. */
  readonly showsDocuments: boolean;
}

export function clientSupport(capabilities: ClientCapabilities): ClientSupport {
  const workspace = capabilities.workspace;
  const codeAction = capabilities.textDocument?.codeAction;
  return {
    pullsConfiguration: workspace?.configuration === true,
    registersConfiguration: workspace?.didChangeConfiguration?.dynamicRegistration === true,
    watchesFiles: workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    followsFolders: workspace?.workspaceFolders === true,
    appliesEdits: workspace?.applyEdit === true,
    resolvesCodeActionEdits: codeAction?.resolveSupport?.properties.includes('edit') === true,
    takesCodeActionLiterals: codeAction?.codeActionLiteralSupport !== undefined,
    completesInline: capabilities.textDocument?.inlineCompletion !== undefined,
    showsProgress: capabilities.window?.workDoneProgress === true,
    showsDocuments: capabilities.window?.showDocument?.support === true,
  };
}
