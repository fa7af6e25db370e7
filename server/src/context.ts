/**
 * The server's state, made once at `initialize`, in two parts as rust-analyzer has them:
 *  - `ServerContext` (its GlobalState): the mutable side, what notifications change (notifications.ts):
 *    the live settings cell, the documents, the workspace's projects, the diagnostics' schedule;
 *  - `ServerSnapshot` (its GlobalStateSnapshot): what a request's handler reads (handlers.ts), taken when the
 *    request comes in (`ServerContext.forRequest()`): a snapshot of any open document (workspace/snapshot.ts:
 *    its analysis, proofs, problems), the project index read-only, the settings as they were then, the
 *    tasks' `generate`, the model, what is kept in the storage folder, the critique's state and the client's
 *    side of things (diagnostics, lenses, progress, messages). It changes nothing itself: the parts it
 *    names own their state (the model its loads, the critique its queue, storage/ what it keeps).
 * Nothing a handler needs lives in a module-level variable.
 */
import type { Connection } from 'vscode-languageserver';
import { ApplyWorkspaceEditRequest, CodeLensRefreshRequest, MessageType, ShowMessageNotification, type InitializeParams, type WorkspaceEdit } from 'vscode-languageserver';
import type { ClientSupport } from './clientSupport';
import { PROJECT_WAIT_MS, type DocumentStore } from './documentStore';
import { ScriptSequence, parseScripts } from './engine/scriptedOutput';
import { liveGenerate } from './model/liveGenerate';
import { ModelManager } from './model/modelManager';
import type { ProgressReporter } from './model/progress';
import { defaultStoragePath } from './model/storagePath';
import type { ProjectReader } from './project/projectIndex';
import type { WorkspaceProjects } from './project/workspaceProjects';
import type { UserPatterns } from './documents/userPatterns';
import { CLIENT_COMMANDS, SERVER_COMMANDS, SETTINGS_SECTION, StatusNotification, type QedNanoInitializationOptions, type QedNanoSettings } from './protocol';
import { resolveSettings } from './settings';
import { answersLabelFeature, type LabelFeature } from './labelFeatures';
import { EndpointConsent } from './storage/consent';
import { ConversationStore } from './storage/conversations';
import { DismissedSteps } from './storage/dismissals';
import { StorageProblem } from './storage/jsonFile';
import type { Generate } from './tasks/generate';
import { CritiqueFindings } from './workspace/critiqueFindings';
import { CritiqueQueue, type CritiqueHost } from './workspace/critiqueQueue';
import { CritiqueTriggers } from './workspace/critiqueTriggers';
import { LatestPerDocument } from './workspace/latestPerDocument';
import type { DocumentSnapshot } from './workspace/snapshot';

/** What the server asks of its client, whatever the request. */
export interface ClientSide {
  /** What the client said it can do. */
  readonly support: ClientSupport;
  /** Progress in the client's UI (window/workDoneProgress), cancellable; a silent one if unsupported. */
  startProgress(title: string): Promise<ProgressReporter>;
  /** The lenses changed: the client asks for them again (when it supports `workspace/codeLens/refresh`). */
  refreshLenses(): void;
  /** The critique's findings of a document changed: its diagnostics are published again (the structural ones stay). */
  publishFindings(uri: string): void;
  /** The server's log (the client's output channel). */
  log(message: string): void;
  /** An error in the server's log. */
  error(message: string): void;
  /** A warning the user reads (`window/showMessageRequest` without actions; nothing waits on it). */
  warn(message: string): void;
  /** The client's `qedNano` settings as it has them now (only where `support.pullsConfiguration`). */
  configuration(): Promise<unknown>;
  /** Has the client apply `edit` (`workspace/applyEdit`); whether it did. False, asking nothing, when the
   * client does not apply edits. */
  applyEdit(label: string, edit: WorkspaceEdit): Promise<boolean>;
  /** A message the user reads (`window/showMessage`, information): a notification, so nothing waits on it. */
  inform(message: string): void;
}


/** The critique's state: its judgements, the queue that makes them, and when they are made unasked. */
export interface CritiqueState {
  readonly findings: CritiqueFindings;
  readonly queue: CritiqueQueue;
  readonly triggers: CritiqueTriggers;
}

/** When each open document's diagnostics are published (diagnosticsScheduler.ts). */
export interface DiagnosticsSchedule {
  /** Publishes `uri`'s diagnostics after `delayMs` (`always` false: only if its analysis changed). */
  schedule(uri: string, delayMs: number, always?: boolean): void;
  /** Every open document's, after `delayMs`. */
  scheduleAll(delayMs: number, always?: boolean): void;
  /** The critique's part of a document's diagnostics replaced by what its findings are now. */
  publishFindings(uri: string, findings: CritiqueFindings): void;
  /** The document was closed: its diagnostics are cleared. */
  closed(uri: string): void;
}

/** The live settings: replaced as a whole when they change, with the user's problem and solution formats
 * compiled from them. */
export interface LiveSettings {
  now: QedNanoSettings;
  patterns: UserPatterns;
  /** The section the client gave at `initialize`: what stays where its configuration names nothing. */
  initial: unknown;
}

/** The server's mutable side: what notifications change, and where each request's snapshot comes from. */
export interface ServerContext {
  /** What a request's handler reads: the server as it is when the request comes in. */
  forRequest(): ServerSnapshot;
  /** The open documents and the project index they are files of. */
  readonly documents: DocumentStore;
  /** The workspace's LaTeX projects, kept in step with the client's folders and files. */
  readonly projects: WorkspaceProjects;
  readonly diagnostics: DiagnosticsSchedule;
  /** The settings cell the notifications replace (a request reads them as they were when it came in). */
  readonly liveSettings: LiveSettings;
  readonly models: ModelManager;
  readonly client: ClientSide;
  readonly critique: CritiqueState;
}

/** What a request's handler reads, taken when the request came in (rust-analyzer's GlobalStateSnapshot). */
export interface ServerSnapshot {
  /** The open document `uri` as it is now; undefined when it is not open or not LaTeX/Markdown. */
  snapshot(uri: string): DocumentSnapshot | undefined;
  /** The same, once the reading of the projects in progress ended (at most a few seconds): for what a client
   * asks once per version (the outline, lenses, folds, labels), which would otherwise miss the project. */
  settled(uri: string): Promise<DocumentSnapshot | undefined>;
  /** Every file the server knows (open, or the workspace's LaTeX files on disk) and the projects they form. */
  readonly index: ProjectReader;
  /** Resolves when the reading of the workspace's projects in progress ended (at most a few seconds). */
  projectsRead(): Promise<void>;
  /** The settings as they were when the request came in. */
  settings(): QedNanoSettings;
  /** Whether the server answers `feature` of labels (`qedNano.latex.labels`, decided in labelFeatures.ts). */
  labelFeatures(feature: LabelFeature): boolean;
  /** `command` (one of CLIENT_COMMANDS) when the client runs it, else the server's own command for it (the
   * client sends it back with `workspace/executeCommand`), else '' (a lens with its title only). */
  lensCommand(command: string): string;
  /** Every model task's way to the model (tasks/generate.ts). */
  readonly generate: Generate;
  readonly models: ModelManager;
  /** Whether a model is loaded now: background work (critiques, completions) waits until one is. */
  modelLoaded(): boolean;
  readonly client: ClientSide;
  readonly critique: CritiqueState;
  readonly conversations: ConversationStore;
  readonly dismissed: DismissedSteps;
  /** The inline completion running for each document: a newer request ends it. */
  readonly runningCompletions: LatestPerDocument;
}

/** The server's command that does what a lens's client command does, with the same arguments. */
const SERVER_COMMAND_FOR: Readonly<Record<string, string>> = { [CLIENT_COMMANDS.prove]: SERVER_COMMANDS.prove, [CLIENT_COMMANDS.critique]: SERVER_COMMANDS.critique };

/** Makes the context from `initialize`'s parameters. `settings` is the server's live settings cell. */
export function createServerContext(
  connection: Connection,
  params: InitializeParams,
  support: ClientSupport,
  documents: DocumentStore,
  projects: WorkspaceProjects,
  diagnostics: DiagnosticsSchedule,
  settings: LiveSettings,
  send: (sending: Promise<void>, what: string) => void,
): ServerContext {
  const options = params.initializationOptions as QedNanoInitializationOptions | undefined;
  settings.initial = options?.[SETTINGS_SECTION];
  settings.now = resolveSettings(settings.initial);
  const storagePath = options?.storagePath ?? defaultStoragePath();
  const workspace = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  const log = (message: string): void => connection.console.log(message);
  const reportStorageProblem = storageProblemReporter(connection, log, send);
  const refreshesLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  const client: ClientSide = {
    support,
    startProgress: (title) => startProgress(connection, title),
    refreshLenses: () => {
      if (refreshesLenses) send(connection.sendRequest(CodeLensRefreshRequest.type), 'workspace/codeLens/refresh');
    },
    publishFindings: (uri) => diagnostics.publishFindings(uri, findings),
    log,
    error: (message) => connection.console.error(message),
    warn: (message) => void connection.window.showWarningMessage(message),
    configuration: () => connection.workspace.getConfiguration(SETTINGS_SECTION),
    applyEdit: async (label, edit) => support.appliesEdits && (await connection.sendRequest(ApplyWorkspaceEditRequest.type, { label, edit })).applied,
    inform: (message) => send(connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message }), 'window/showMessage'),
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
  const generate = liveGenerate(models, () => settings.now);
  const modelLoaded = (): boolean => models.currentStatus.state === 'ready' || models.currentStatus.state === 'busy';
  const host: CritiqueHost = {
    snapshot: documents.snapshot,
    generate,
    settings: () => settings.now,
    modelLoaded,
    findings,
    startProgress: client.startProgress,
    refreshLenses: client.refreshLenses,
    log,
    publishFindings: client.publishFindings,
  };
  const queue = new CritiqueQueue(host);
  const triggers = new CritiqueTriggers({ ...host, waitForModel: (why) => models.explainAbsence(why) }, queue);
  const critique: CritiqueState = { findings, queue, triggers };
  const conversations = new ConversationStore(storagePath, workspace, log, reportStorageProblem);
  const runningCompletions = new LatestPerDocument();
  const lensCommand = (command: string): string => (options?.clientCommands === undefined || options.clientCommands.includes(command) ? command : (SERVER_COMMAND_FOR[command] ?? ''));
  const projectsRead = (): Promise<void> => documents.loader.settled(PROJECT_WAIT_MS);
  const settled = (uri: string): Promise<DocumentSnapshot | undefined> => documents.settled(uri);
  return {
    forRequest: (): ServerSnapshot => {
      const now = settings.now;
      return {
        snapshot: documents.snapshot,
        settled,
        index: documents.index,
        projectsRead,
        settings: () => now,
        labelFeatures: (feature: LabelFeature) => answersLabelFeature(feature, now.latex.labels, options?.latexLabelsElsewhere === true),
        lensCommand,
        generate,
        models,
        modelLoaded,
        client,
        critique,
        conversations,
        dismissed,
        runningCompletions,
      };
    },
    documents,
    projects,
    diagnostics,
    liveSettings: settings,
    models,
    client,
    critique,
  };
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
