/**
 * The server's one context, made at `initialize` and handed to every handler (handlers.ts), as
 * rust-analyzer hands its GlobalStateSnapshot: the documents, the live settings, the tasks' `generate`,
 * the model, what is kept in the storage folder, the critique's findings and queue, and the client's side
 * of things (diagnostics, lenses, progress, messages). A handler reads what it needs from it; nothing a
 * handler needs lives in a module-level variable.
 */
import type { Connection } from 'vscode-languageserver';
import { CodeLensRefreshRequest, MessageType, ShowMessageNotification, type InitializeParams } from 'vscode-languageserver';
import type { DocumentStore, CurrentDocument } from './documentStore';
import { CritiqueFindings, proofsNow, type ProofNow } from './features/critiqueFindings';
import { CritiqueQueue } from './features/critiqueQueue';
import { CritiqueTriggers } from './features/critiqueTriggers';
import { DiagnosticsPublisher } from './features/diagnostics';
import { ScriptSequence, parseScripts } from './engine/scriptedOutput';
import { liveGenerate } from './model/liveGenerate';
import { ModelManager, type ProgressReporter } from './model/modelManager';
import { defaultStoragePath } from './model/storagePath';
import { CRITIQUE_DIAGNOSTIC_SOURCE, SETTINGS_SECTION, StatusNotification, type QedNanoInitializationOptions, type QedNanoSettings } from './protocol';
import { resolveSettings } from './settings';
import { answersLabelFeature } from './labelFeatures';
import { EndpointConsent } from './storage/consent';
import { ConversationStore } from './storage/conversations';
import { DismissedSteps } from './storage/dismissals';
import { StorageProblem } from './storage/jsonFile';
import type { Generate } from './tasks/generate';
import { projectContext } from './features/projectContext';
import type { ProjectContext } from './prompts/proofPrompt';

/** What the server asks of its client, whatever the request. */
export interface ClientSide {
  /** Progress in the client's UI (window/workDoneProgress), cancellable; a silent one if unsupported. */
  startProgress(title: string): Promise<ProgressReporter>;
  /** The lenses changed: the client asks for them again (when it supports `workspace/codeLens/refresh`). */
  refreshLenses(): void;
  /** Replaces the diagnostics of one source of a document (the others stay). */
  publishDiagnostics(uri: string, source: string, diagnostics: ReturnType<CritiqueFindings['diagnostics']>): void;
  /** The server's log (the client's output channel). */
  log(message: string): void;
}

/** The label features: each can be turned off where another tool answers the same question. */
export type LabelFeature = 'definition' | 'references' | 'completion' | 'hover' | 'rename';

export interface ServerContext {
  /** The open documents and their analysis. */
  readonly documents: DocumentStore;
  /** An open document as it is now (`documents.current`). */
  readonly current: CurrentDocument;
  /** What a LaTeX file's project adds to its prompts and views (macros, earlier files' results); undefined
   * for a file alone. */
  projectContext(uri: string): ProjectContext | undefined;
  /** The settings as they are now (they change with `workspace/didChangeConfiguration`). */
  settings(): QedNanoSettings;
  /** Whether the server answers `feature` of labels (`qedNano.latex.labels`, decided in labelFeatures.ts). */
  labelFeatures(feature: LabelFeature): boolean;
  /** `command` (one of CLIENT_COMMANDS) when the client runs it, else '' (a lens with its title only). */
  lensCommand(command: string): string;
  /** Takes in the settings as the client has them now, when it lets them be pulled (`workspace/configuration`). */
  pullSettings(): Promise<void>;
  /** Every model task's way to the model (tasks/generate.ts). */
  readonly generate: Generate;
  readonly models: ModelManager;
  /** Whether a model is loaded now: background work (critiques, completions) waits until one is. */
  modelLoaded(): boolean;
  /** Background work waits for a model: the model's status says so, in these words. */
  waitForModel(why: string): void;
  readonly client: ClientSide;
  /** The critiques' judgements, and the queue that makes them. */
  readonly findings: CritiqueFindings;
  readonly critiques: CritiqueQueue;
  /** When proofs are critiqued without being asked (save, a pause in typing). */
  readonly critiqueTriggers: CritiqueTriggers;
  /** The proofs of a document as they are now (none when it is not open). */
  proofs(uri: string): ProofNow[];
  /** Publishes a document's critique findings as they stand on its text now. */
  publishFindings(uri: string): void;
  readonly conversations: ConversationStore;
  readonly dismissed: DismissedSteps;
  /** The inline completion running for each document: a newer request ends it. */
  readonly runningCompletions: Map<string, AbortController>;
}

/** Makes the context from `initialize`'s parameters. `settings` is the server's live settings cell. */
export function createServerContext(
  connection: Connection,
  params: InitializeParams,
  documents: DocumentStore,
  publisher: DiagnosticsPublisher,
  settings: { now: QedNanoSettings },
  pullSettings: () => Promise<void>,
  send: (sending: Promise<void>, what: string) => void,
): ServerContext {
  const options = params.initializationOptions as QedNanoInitializationOptions | undefined;
  settings.now = resolveSettings(options?.[SETTINGS_SECTION]);
  const storagePath = options?.storagePath ?? defaultStoragePath();
  const workspace = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  const log = (message: string): void => connection.console.log(message);
  const reportStorageProblem = storageProblemReporter(connection, log, send);
  const refreshesLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  const client: ClientSide = {
    startProgress: (title) => startProgress(connection, title),
    refreshLenses: () => {
      if (refreshesLenses) send(connection.sendRequest(CodeLensRefreshRequest.type), 'workspace/codeLens/refresh');
    },
    publishDiagnostics: (uri, source, diagnostics) => publisher.set(uri, { [source]: diagnostics }, documents.documents.get(uri)?.version),
    log,
  };
  const consent = new EndpointConsent(
    storagePath,
    workspace,
    async (message, actions) => (await connection.window.showInformationMessage(message, ...actions.map((title) => ({ title }))))?.title,
    log,
    reportStorageProblem,
  );
  const models = new ModelManager({
    storagePath,
    onStorageProblem: reportStorageProblem,
    sendStatus: (status) => send(connection.sendNotification(StatusNotification, status), 'qed/status'),
    startProgress: client.startProgress,
    log,
    // Only from the server's own environment, never from (possibly untrusted) workspace settings.
    ...(process.env.QED_NANO_HF_ENDPOINT ? { huggingFaceEndpoint: process.env.QED_NANO_HF_ENDPOINT } : {}),
    // Tests only: exact replies (see engine/scriptedOutput.ts).
    ...(process.env.QED_NANO_TEST_SCRIPT ? { scripts: new ScriptSequence(parseScripts(process.env.QED_NANO_TEST_SCRIPT)) } : {}),
    // The remote engine's key: from the environment only (VS Code's client puts it there from its secret
    // storage), so it never travels in a message that a protocol trace would print.
    ...(process.env.QED_NANO_API_KEY ? { apiKey: process.env.QED_NANO_API_KEY } : {}),
    allowEndpoint: (endpoint, askAgain) => consent.allowed(endpoint, askAgain),
  });
  const dismissed = new DismissedSteps(storagePath, workspace, log, reportStorageProblem);
  const findings = new CritiqueFindings(dismissed);
  const proofs = (uri: string): ProofNow[] => {
    const now = documents.current(uri);
    return now ? proofsNow(now) : [];
  };
  const base = {
    documents,
    current: documents.current,
    projectContext: (uri: string) => projectContext(documents.index, uri),
    settings: () => settings.now,
    labelFeatures: (feature: LabelFeature) => answersLabelFeature(feature, settings.now.latex.labels, options?.latexLabelsElsewhere === true),
    pullSettings,
    lensCommand: (command: string) => (options?.clientCommands === undefined || options.clientCommands.includes(command) ? command : ''),
    generate: liveGenerate(models, () => settings.now),
    models,
    modelLoaded: () => models.currentStatus.state === 'ready' || models.currentStatus.state === 'busy',
    waitForModel: (why: string) => models.explainAbsence(why),
    client,
    findings,
    proofs,
    publishFindings: (uri: string) => client.publishDiagnostics(uri, CRITIQUE_DIAGNOSTIC_SOURCE, findings.diagnostics(uri, proofs(uri))),
    conversations: new ConversationStore(storagePath, workspace, log, reportStorageProblem),
    dismissed,
    runningCompletions: new Map<string, AbortController>(),
  };
  const critiques = new CritiqueQueue(base);
  return { ...base, critiques, critiqueTriggers: new CritiqueTriggers(base, critiques) };
}

/** A store of the storage folder cannot keep what it holds: the feature goes on in memory; the user reads
 * why (the path and the reason) once per file, and what follows from it. A notification, not a request:
 * nothing waits on it, and a client that does not show messages cannot make it fail. */
function storageProblemReporter(connection: Connection, log: (message: string) => void, send: (sending: Promise<void>, what: string) => void): (problem: Error) => void {
  const shown = new Set<string>();
  return (problem) => {
    log(problem.message);
    const key = problem instanceof StorageProblem ? problem.file : problem.message;
    if (shown.has(key)) return;
    shown.add(key);
    send(
      connection.sendNotification(ShowMessageNotification.type, {
        type: MessageType.Warning,
        message: `${problem.message} Until that is fixed, what it would keep (conversations, dismissed findings, allowed endpoints, crash records) lasts only until the server stops.`,
      }),
      'a storage warning',
    );
  };
}

async function startProgress(connection: Connection, title: string): Promise<ProgressReporter> {
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
