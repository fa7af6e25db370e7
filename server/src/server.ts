/**
 * The QED-Nano language server: wiring only. Start it with `node dist/server.js --stdio` (other editors)
 * or `--node-ipc` (the VS Code extension); `createConnection` picks the transport from the arguments.
 * Requests and notifications (the settings, the documents' events, the workspace's files and folders) are
 * handled by the table in handlers.ts, with the context made at `initialize` (context.ts); diagnostics are
 * published by diagnosticsScheduler.ts; here are the parts made and the lifecycle.
 */
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ProposedFeatures,
  ShowMessageNotification,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { BUILD_INFO } from './buildInfo';
import { createServerContext, type LiveSettings, type ServerContext } from './context';
import { DIAGNOSTICS_DELAY_MS, DiagnosticsScheduler } from './diagnosticsScheduler';
import { DocumentStore } from './documentStore';
import { followWorkspaceFolders, registerHandlers } from './handlers';
import { SETTINGS_SECTION, StatusNotification } from './protocol';
import { SERVER_COMMAND_IDS } from './features/serverCommands';
import { DEFAULT_SETTINGS } from './settings';
import { clientSupport, type ClientSupport } from './clientSupport';
import { NO_USER_PATTERNS } from './documents/userPatterns';
import { watchFraming } from './transport';
import { LATEX_FILES_GLOB } from './documents/formats';
import { WorkspaceProjects } from './project/workspaceProjects';

const connection = createConnection(ProposedFeatures.all);
if (process.argv.includes('--stdio')) {
  watchFraming(process.stdin, (reason) => {
    // The client's stream is beyond repair: say why (stdout still works) and exit, so the client restarts
    // the server instead of talking to one that will never answer again.
    const message = `QED-Nano language server: the client's message stream is broken (${reason}); exiting.`;
    process.stderr.write(`${message}\n`);
    connection.console.error(message);
    setTimeout(() => process.exit(1), 50);
  });
}

/** The live settings: replaced as a whole when they change. */
const settings: LiveSettings = { now: DEFAULT_SETTINGS, patterns: NO_USER_PATTERNS, initial: undefined };
const store = new DocumentStore(() => ({ ...settings.now.analysis, patterns: settings.patterns }), (message) => connection.console.log(message));
const diagnostics = new DiagnosticsScheduler(
  store,
  () => context?.critique.findings,
  (uri, published, version) => send(connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics: published }), 'diagnostics'),
);
let context: ServerContext | undefined;
/** What the client can do (from `initialize`). */
let support: ClientSupport = clientSupport({});
const workspaceProjects = new WorkspaceProjects(store.index, store.loader, {
  startProgress: (title) => (context ? context.client.startProgress(title) : Promise.reject(new Error('not initialized'))),
  info: (message) => connection.console.info(message),
  error: (message) => connection.console.error(message),
  // A notification: showWarningMessage would be a request, which a client may not answer.
  warn: (message) => send(connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message }), 'window/showMessage'),
});

/** Sends without waiting; a failure (the client gone, a message that cannot be written) is logged, never
 * left as an unhandled rejection that would end the process. */
function send(sending: Promise<void>, what: string): void {
  sending.catch((error: unknown) => process.stderr.write(`QED-Nano language server: could not send ${what}: ${error instanceof Error ? error.message : String(error)}\n`));
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  support = clientSupport(params.capabilities);
  workspaceProjects.initialize((params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri }] : [])).map((folder) => folder.uri));
  context = createServerContext(connection, params, support, store, workspaceProjects, diagnostics, settings, send);
  context.models.configure(settings.now).catch((error: unknown) => connection.console.error(`Applying the settings failed: ${String(error)}`));
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      documentSymbolProvider: { label: 'QED-Nano' },
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
      executeCommandProvider: { commands: SERVER_COMMAND_IDS },
      inlineCompletionProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      completionProvider: { triggerCharacters: ['{', ',', '['] },
      hoverProvider: true,
      renameProvider: { prepareProvider: true },
      workspaceSymbolProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'qed-nano-language-server', version: BUILD_INFO.serverVersion },
  };
});

connection.onInitialized(() => {
  // Only where the client offers it (eglot does not, and warns on every connection when asked anyway); a
  // client that does not still sends didChangeConfiguration unasked.
  if (support.pullsConfiguration && support.registersConfiguration) {
    connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch((error: unknown) => {
      connection.console.error(`Could not register for configuration changes: ${String(error)}`);
    });
  }
  connection.console.info(`QED-Nano language server ${BUILD_INFO.serverVersion} ready (Node ${process.version}, pid ${process.pid}).`);
  if (context) send(connection.sendNotification(StatusNotification, context.models.currentStatus), 'qed/status');
  // The workspace's LaTeX projects: read now, and kept in step with the folders and the files on disk.
  if (support.watchesFiles) {
    connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: LATEX_FILES_GLOB }] }).catch((error: unknown) => {
      connection.console.error(`Could not register for file changes: ${String(error)}`);
    });
  }
  if (support.followsFolders) followWorkspaceFolders(connection, () => context);
  if (context) workspaceProjects.start();
});


// What other files see changed (a label, a declaration, an \input, a file read): open documents' findings may
// have changed with it.
// Their lenses too ("Prove" above a statement the project's declarations made one), once per burst.
let lensRefresh: NodeJS.Timeout | undefined;
store.index.onDidChange(() => {
  diagnostics.scheduleAll(DIAGNOSTICS_DELAY_MS, false);
  clearTimeout(lensRefresh);
  lensRefresh = setTimeout(() => context?.client.refreshLenses(), DIAGNOSTICS_DELAY_MS * 4);
});

registerHandlers(connection, store, () => context);
connection.onShutdown(() => context?.models.dispose());

store.listen(connection, (message) => connection.console.warn(message));
connection.listen();
