/**
 * The QED-Nano language server: wiring only. Start it with `node dist/server.js --stdio` (other editors)
 * or `--node-ipc` (the VS Code extension); `createConnection` picks the transport from the arguments.
 */
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  createConnection,
  DidChangeConfigurationNotification,
  ErrorCodes,
  MessageType,
  ProgressType,
  ProposedFeatures,
  ResponseError,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { BUILD_INFO } from './buildInfo';
import { AnalysisStore } from './documentStore';
import { codeLenses } from './features/codeLens';
import { critiqueActions, refine, resolveRefinement, type RefineHost } from './features/codeActions';
import { Chats } from './features/chat';
import { EndpointConsent } from './storage/consent';
import { StorageProblem } from './storage/jsonFile';
import { ConversationStore } from './storage/conversations';
import { DismissedSteps } from './storage/dismissals';
import { Completer } from './features/completion';
import { Critic } from './features/critique';
import { DiagnosticsPublisher, structuralDiagnostics } from './features/diagnostics';
import { foldingRanges } from './features/folding';
import { documentSymbols, excerptOf } from './features/symbols';
import { ModelManager, type ProgressReporter } from './model/modelManager';
import { insertionNow, prove } from './features/prove';
import { toResponseError } from './features/requests';
import {
  ChatHistoryRequest,
  ChatRequest,
  CRITIQUE_DIAGNOSTIC_SOURCE,
  CritiqueRequest,
  DISMISS_FINDING_COMMAND,
  LoadModelRequest,
  ProofInsertionRequest,
  ProveRequest,
  RefineRequest,
  SETTINGS_SECTION,
  SetupInfoRequest,
  STRUCTURE_DIAGNOSTIC_SOURCE,
  StatusNotification,
  type GenerationProgress,
  type QedNanoInitializationOptions,
} from './protocol';
import { DEFAULT_SETTINGS, resolveSettings } from './settings';
import { parseScripts, ScriptSequence } from './engine/scriptedOutput';
import { liveGenerate } from './model/liveGenerate';
import { defaultStoragePath } from './model/storagePath';
import type { Generate } from './tasks/generate';
import { documentSyncGuard, watchFraming } from './transport';

/** Diagnostics are published this long after the last edit, so a burst of keystrokes publishes once. */
const DIAGNOSTICS_DELAY_MS = 50;

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
const documents = new TextDocuments(TextDocument);
let settings = DEFAULT_SETTINGS;
let pullsConfiguration = false;
const store = new AnalysisStore(() => settings.analysis);
const pendingDiagnostics = new Map<string, NodeJS.Timeout>();
let models: ModelManager | undefined;
/** The one generate function of every model task (tasks/generate.ts), made at initialize. */
let generate: Generate | undefined;
let critic: Critic | undefined;
let completer: Completer | undefined;
let chats: Chats | undefined;
const publisher = new DiagnosticsPublisher((uri, diagnostics, version) =>
  send(connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics }), 'diagnostics'),
);

/** Sends without waiting; a failure (the client gone, a message that cannot be written) is logged, never
 * left as an unhandled rejection that would end the process. */
function send(sending: Promise<void>, what: string): void {
  sending.catch((error: unknown) => process.stderr.write(`QED-Nano language server: could not send ${what}: ${error instanceof Error ? error.message : String(error)}\n`));
}

function log(message: string): void {
  connection.console.log(message);
}

/** Storage files whose problem was shown: each is said once (every occurrence stays in the log). */
const storageProblemsShown = new Set<string>();

/** A store of the storage folder cannot keep what it holds: the feature goes on in memory; the user reads
 * why (the path and the reason) once per file, and what follows from it. A notification, not a request:
 * nothing waits on it, and a client that does not show messages cannot make it fail. */
function reportStorageProblem(problem: Error): void {
  log(problem.message);
  const key = problem instanceof StorageProblem ? problem.file : problem.message;
  if (storageProblemsShown.has(key)) return;
  storageProblemsShown.add(key);
  send(
    connection.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Warning,
      message: `${problem.message} Until that is fixed, what it would keep (conversations, dismissed findings, allowed endpoints, crash records) lasts only until the server stops.`,
    }),
    'a storage warning',
  );
}

/** A request handler that answers ServerNotInitialized (-32002) until `initialize` has been received. */
function afterInitialize<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    if (!models) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'The QED-Nano server is not initialized yet: send `initialize` first.');
    return handler(...args);
  };
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const options = params.initializationOptions as QedNanoInitializationOptions | undefined;
  settings = resolveSettings(options?.[SETTINGS_SECTION]);
  pullsConfiguration = params.capabilities.workspace?.configuration === true;
  const storagePath = options?.storagePath ?? defaultStoragePath();
  const workspace = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  models = new ModelManager({
    storagePath,
    onStorageProblem: reportStorageProblem,
    sendStatus: (status) => send(connection.sendNotification(StatusNotification, status), 'qed/status'),
    startProgress,
    log: (message) => connection.console.log(message),
    // Only from the server's own environment, never from (possibly untrusted) workspace settings.
    ...(process.env.QED_NANO_HF_ENDPOINT ? { huggingFaceEndpoint: process.env.QED_NANO_HF_ENDPOINT } : {}),
    // Tests only: exact replies (see engine/scriptedOutput.ts).
    ...(process.env.QED_NANO_TEST_SCRIPT ? { scripts: new ScriptSequence(parseScripts(process.env.QED_NANO_TEST_SCRIPT)) } : {}),
    // The remote engine's key: from the environment only (VS Code's client puts it there from its secret
    // storage), so it never travels in a message that a protocol trace would print.
    ...(process.env.QED_NANO_API_KEY ? { apiKey: process.env.QED_NANO_API_KEY } : {}),
    allowEndpoint: (endpoint, askAgain) => consent.allowed(endpoint, askAgain),
  });
  const consent = new EndpointConsent(
    storagePath,
    workspace,
    async (message, actions) => (await connection.window.showInformationMessage(message, ...actions.map((title) => ({ title }))))?.title,
    log,
    reportStorageProblem,
  );
  generate = liveGenerate(models, () => settings);
  const manager = models;
  const modelLoaded = (): boolean => manager.currentStatus.state === 'ready' || manager.currentStatus.state === 'busy';
  completer = new Completer({ current: currentDocument, generate, settings: () => settings, modelLoaded });
  const refreshesLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  critic = new Critic({
    current: currentDocument,
    generate,
    settings: () => settings,
    modelLoaded,
    waitForModel: () => manager.explainAbsence('Critiques wait for a model: click to load it.'),
    publish: (uri, diagnostics) => publisher.set(uri, { [CRITIQUE_DIAGNOSTIC_SOURCE]: diagnostics }, documents.get(uri)?.version),
    refreshLenses: () => {
      if (refreshesLenses) send(connection.sendRequest(CodeLensRefreshRequest.type), 'workspace/codeLens/refresh');
    },
    startProgress,
    dismissed: new DismissedSteps(storagePath, workspace, log, reportStorageProblem),
    log: (message) => connection.console.info(message),
    concurrency: () => (settings.engine === 'remote' ? settings.remote.endpoints.length * settings.remote.maxConcurrency : 1),
  });
  chats = new Chats({ current: currentDocument, generate, settings: () => settings, critic }, new ConversationStore(storagePath, workspace, log, reportStorageProblem));
  models.configure(settings).catch((error: unknown) => connection.console.error(`Applying the settings failed: ${String(error)}`));
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      documentSymbolProvider: { label: 'QED-Nano' },
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
      executeCommandProvider: { commands: [DISMISS_FINDING_COMMAND] },
      inlineCompletionProvider: true,
    },
    serverInfo: { name: 'qed-nano-language-server', version: BUILD_INFO.serverVersion },
  };
});

connection.onInitialized(() => {
  if (pullsConfiguration) {
    connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch((error: unknown) => {
      connection.console.error(`Could not register for configuration changes: ${String(error)}`);
    });
  }
  connection.console.info(`QED-Nano language server ${BUILD_INFO.serverVersion} ready (Node ${process.version}, pid ${process.pid}).`);
  if (models) send(connection.sendNotification(StatusNotification, models.currentStatus), 'qed/status');
});

connection.onRequest(SetupInfoRequest, afterInitialize(() => requireModels().setupInfo()));
connection.onRequest(
  LoadModelRequest,
  afterInitialize(async () => {
    // An explicit load uses the settings as they are now, even if their change notification is still on its way.
    if (pullsConfiguration) await applySettings(await connection.workspace.getConfiguration(SETTINGS_SECTION));
    try {
      await requireModels().ensureLoaded(true);
    } catch (error) {
      throw toResponseError(error);
    }
    return requireModels().currentStatus;
  }),
);
connection.onRequest(
  ProveRequest,
  afterInitialize(async (params, token) => {
    const stream = connection.languages.attachPartialResultProgress(new ProgressType<GenerationProgress>(), params);
    return prove(params, () => currentDocument(params.textDocument.uri), settings, generate!, token, stream);
  }),
);
connection.onCodeAction(
  afterInitialize((params) => {
    const document = documents.get(params.textDocument.uri);
    return document && critic ? critiqueActions(document, params.context.diagnostics, critic) : null;
  }),
);
connection.onCodeActionResolve(afterInitialize((action, token) => resolveRefinement(action, refineHost(), token)));
connection.onRequest(
  RefineRequest,
  afterInitialize((params, token) =>
    refine(params, refineHost(), token, connection.languages.attachPartialResultProgress(new ProgressType<GenerationProgress>(), params)),
  ),
);
connection.onExecuteCommand(
  afterInitialize((params) => {
    const [uri, stepText] = params.arguments ?? [];
    if (params.command === DISMISS_FINDING_COMMAND && typeof uri === 'string' && typeof stepText === 'string') critic?.dismiss(uri, stepText);
  }),
);
connection.languages.inlineCompletion.on(afterInitialize((params, token) => completer!.complete(params, token)));
connection.onRequest(
  ChatRequest,
  afterInitialize((params, token) => chats!.chat(params, token, connection.languages.attachPartialResultProgress(new ProgressType<GenerationProgress>(), params))),
);
connection.onRequest(
  ChatHistoryRequest,
  afterInitialize((params) => chats!.history(params.textDocument.uri, params.position)),
);
connection.onRequest(
  CritiqueRequest,
  afterInitialize((params, token) => critic!.request(params.textDocument.uri, params.position, token)),
);
connection.onRequest(
  ProofInsertionRequest,
  afterInitialize((params) => insertionNow(() => currentDocument(params.textDocument.uri), params.statement, params.proof, params.position) ?? null),
);
connection.onShutdown(() => models?.dispose());

connection.onDidChangeConfiguration(async (change) => {
  const pushed = (change.settings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
  try {
    await applySettings(pullsConfiguration ? await connection.workspace.getConfiguration(SETTINGS_SECTION) : pushed);
  } catch (error) {
    // A notification has nobody to answer: a failure is logged, never left to end the process.
    connection.console.error(`Applying the settings failed: ${error instanceof Error ? error.message : String(error)}`);
  }
});

async function applySettings(raw: unknown): Promise<void> {
  const next = resolveSettings(raw);
  const analysisChanged = next.analysis.maxDocumentSize !== settings.analysis.maxDocumentSize;
  settings = next;
  await models?.configure(settings);
  loadModelInBackground();
  if (!analysisChanged) return;
  store.invalidate();
  for (const document of documents.all()) scheduleDiagnostics(document.uri, 0);
}

documents.onDidOpen((event) => {
  scheduleDiagnostics(event.document.uri, 0);
  loadModelInBackground();
});

/** With a proof document open, loads the model when that needs nothing from the user (qedNano.loadModelOnOpen). */
function loadModelInBackground(): void {
  if (!models || !settings.loadModelOnOpen || !documents.all().some((document) => store.analysisOf(document))) return;
  models.loadIfAtHand().catch((error: unknown) => connection.console.error(`Loading the model in the background failed: ${String(error)}`));
}
documents.onDidChangeContent((event) => scheduleDiagnostics(event.document.uri, DIAGNOSTICS_DELAY_MS));
documents.onDidSave((event) => critic?.saved(event.document.uri));
documents.onDidClose((event) => {
  clearTimeout(pendingDiagnostics.get(event.document.uri));
  pendingDiagnostics.delete(event.document.uri);
  store.close(event.document.uri);
  critic?.closed(event.document.uri);
  publisher.clear(event.document.uri);
});

connection.onDocumentSymbol(afterInitialize((params) => {
  const document = documents.get(params.textDocument.uri);
  const analysis = document && store.analysisOf(document);
  if (!document || !analysis) return null;
  return documentSymbols(analysis, excerptOf(document));
}));

connection.onCodeLens(afterInitialize((params) => {
  const document = documents.get(params.textDocument.uri);
  const analysis = document && store.analysisOf(document);
  return analysis ? [...codeLenses(params.textDocument.uri, analysis), ...(critic?.lenses(params.textDocument.uri) ?? [])] : null;
}));

connection.onFoldingRanges(afterInitialize((params) => {
  const document = documents.get(params.textDocument.uri);
  const analysis = document && store.analysisOf(document);
  return analysis ? foldingRanges(analysis) : null;
}));

function scheduleDiagnostics(uri: string, delayMs: number): void {
  clearTimeout(pendingDiagnostics.get(uri));
  pendingDiagnostics.set(
    uri,
    setTimeout(() => {
      pendingDiagnostics.delete(uri);
      const document = documents.get(uri);
      const analysis = document && store.analysisOf(document);
      if (!document || !analysis) return;
      // The critique's findings follow their steps' text: an edited step's findings go at once.
      publisher.set(
        uri,
        { [STRUCTURE_DIAGNOSTIC_SOURCE]: structuralDiagnostics(analysis, uri), [CRITIQUE_DIAGNOSTIC_SOURCE]: critic?.diagnostics(uri) ?? [] },
        document.version,
      );
    }, delayMs),
  );
}

/** An open document as it is now, with its analysis (undefined when not open or not LaTeX/Markdown). */
function currentDocument(uri: string) {
  const document = documents.get(uri);
  const analysis = document && store.analysisOf(document);
  return document && analysis ? { document, analysis } : undefined;
}

function refineHost(): RefineHost {
  return { critic: critic!, generate: generate!, settings: () => settings, current: currentDocument };
}

function requireModels(): ModelManager {
  if (!models) throw new Error('the server is not initialized');
  return models;
}

/** Progress in the client's UI (window/workDoneProgress), cancellable; a silent one if unsupported. */
async function startProgress(title: string): Promise<ProgressReporter> {
  const reporter = await connection.window.createWorkDoneProgress();
  const cancel = new AbortController();
  reporter.token.onCancellationRequested(() => cancel.abort(new Error('cancelled by the user')));
  reporter.begin(title, 0, undefined, true);
  return {
    report: (fraction, message) => reporter.report(Math.round(fraction * 100), message),
    cancelled: cancel.signal,
    done: () => reporter.done(),
  };
}

documents.listen(
  documentSyncGuard(
    connection,
    (message) => connection.console.warn(message),
    (uri, line) => critic?.changed(uri, line),
  ),
);
connection.listen();
