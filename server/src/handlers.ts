/**
 * Every request and notification the server takes, in one table (as rust-analyzer's main_loop.rs dispatches
 * through its RequestDispatcher and NotificationDispatcher): the message type and the function that handles
 * it, given the server's one context. Registering the table answers ServerNotInitialized (-32002) for every
 * request until `initialize` has made the context (a notification before then is dropped, as LSP says),
 * gives a streamed request its partial-result reporter, and logs a notification's failure (nobody answers
 * a notification). Notification handlers are notifications.ts's.
 */
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  ErrorCodes,
  ExecuteCommandRequest,
  FoldingRangeRequest,
  HoverRequest,
  InlineCompletionRequest,
  PrepareRenameRequest,
  ProgressType,
  ReferencesRequest,
  RenameRequest,
  ResponseError,
  WorkspaceSymbolRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  type CancellationToken,
  type Connection,
  type ProtocolNotificationType,
  type ProtocolRequestType,
  type RequestType0,
  type ResultProgressReporter,
  type TextDocumentChangeEvent,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerContext, ServerSnapshot } from './context';
import type { DocumentStore } from './documentStore';
import {
  configurationChanged,
  documentChanged,
  documentChangedAt,
  documentClosed,
  documentOpened,
  documentSaved,
  pullSettings,
  watchedFilesChanged,
  workspaceFoldersChanged,
} from './notifications';
import type { LabelFeature } from './labelFeatures';
import { critiqueActions, refine, resolveRefinement } from './features/codeActions';
import { codeLenses } from './features/codeLens';
import { chat, chatHistory } from './features/chat';
import { critique, critiqueLenses } from './features/critique';
import { foldingRanges } from './features/folding';
import { inlineCompletion, stepCompletion } from './features/completion';
import { executeCommand } from './features/serverCommands';
import { recognitionHover } from './features/recognitionHover';
import { labelCompletion, labelDefinition, labelHover, labelReferences, prepareLabelRename, renameLabel, workspaceSymbols } from './features/labels';
import { proofInsertionNow, prove } from './features/prove';
import { toResponseError } from './features/requests';
import { documentSymbols } from './features/symbols';
import {
  ChatHistoryRequest,
  ChatRequest,
  CritiqueRequest,
  LoadModelRequest,
  ProofInsertionRequest,
  ProveRequest,
  RefineRequest,
  SetupInfoRequest,
} from './protocol';

/** A request's handler: the server's snapshot taken when the request came in, the params, cancellation, and
 * (for a streamed request) its stream. */
type Handler<P, R, PR> = (context: ServerSnapshot, params: P, token: CancellationToken, stream: ResultProgressReporter<PR> | undefined) => R | Promise<R>;

interface Entry {
  register(sources: Sources, context: () => ServerContext | undefined): void;
}

/** Where the table's messages come from: the connection, and the document notifications as the store's
 * TextDocuments takes them in (it keeps the documents' text before any row sees them). */
interface Sources {
  connection: Connection;
  documents: DocumentStore;
}

/** A notification's handler: the server's mutable side and the params. */
type NotificationHandler<P> = (server: ServerContext, params: P) => void | Promise<void>;

/** One row of the table. `streamed`: the request's partial results carry a stream (`partialResultToken`). */
function on<P, R, PR, E, RO>(type: ProtocolRequestType<P, R, PR, E, RO>, handle: Handler<P, R, PR>, options?: { streamed: true }): Entry;
function on<R, E>(type: RequestType0<R, E>, handle: Handler<void, R, never>): Entry;
// `any` only here and in `request`: the overloads above type each row.
function on(type: { method: string }, handle: Handler<any, unknown, any>, options: { streamed?: true } = {}): Entry {
  return request(type.method, (context) => context.forRequest(), handle, options);
}

/** A row for a request that changes the server itself (rust-analyzer's `on_sync_mut`): its handler gets the
 * mutable side. */
function onMut<R, E>(type: RequestType0<R, E>, handle: (server: ServerContext) => R | Promise<R>): Entry {
  return request(type.method, (context) => context, handle, {});
}

function request<C>(method: string, take: (context: ServerContext) => C, handle: (context: C, params: any, token: CancellationToken, stream: any) => unknown, options: { streamed?: true }): Entry {
  return {
    register({ connection }, context) {
      connection.onRequest(method, (params: unknown, token: CancellationToken) => {
        const now = context();
        if (!now) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'The QED-Nano server is not initialized yet: send `initialize` first.');
        const stream = options.streamed ? connection.languages.attachPartialResultProgress(new ProgressType<unknown>(), params as { partialResultToken?: string }) : undefined;
        return handle(take(now), params, token, stream);
      });
    },
  };
}

const HANDLERS: readonly Entry[] = [
  // Model and setup.
  on(SetupInfoRequest, (context) => context.models.setupInfo()),
  onMut(LoadModelRequest, loadModel),
  // The model features.
  on(ProveRequest, prove, { streamed: true }),
  on(ProofInsertionRequest, proofInsertionNow),
  on(CritiqueRequest, critique),
  on(RefineRequest, refine, { streamed: true }),
  on(ChatRequest, chat, { streamed: true }),
  on(ChatHistoryRequest, chatHistory),
  on(InlineCompletionRequest.type, inlineCompletion),
  on(CodeActionRequest.type, critiqueActions),
  on(CodeActionResolveRequest.type, (context, action, token) => resolveRefinement(context, action, token)),
  on(ExecuteCommandRequest.type, executeCommand),
  // Document structure.
  // (A LaTeX file's outline, lenses and folds wait briefly for its project to be read: the client asks again
  // only after an edit.)
  on(DocumentSymbolRequest.type, async (context, params) => {
    const current = await context.settled(params.textDocument.uri);
    if (!current) return null;
    // Turned off for this format (qedNano.outline.*): another extension's outline is kept alone.
    return context.settings().outline[current.analysis.format] ? documentSymbols(current.analysis, current.document) : [];
  }),
  on(CodeLensRequest.type, async (context, params) => {
    const current = await context.settled(params.textDocument.uri);
    return current ? [...codeLenses(params.textDocument.uri, current.analysis, context.lensCommand), ...critiqueLenses(context, params.textDocument.uri)] : null;
  }),
  on(FoldingRangeRequest.type, async (context, params) => {
    const current = await context.settled(params.textDocument.uri);
    return current ? foldingRanges(current.analysis) : null;
  }),
  // Labels and statements across a project (each label feature answers once the project is read, unless
  // the context says another tool answers it).
  onLabels('definition', DefinitionRequest.type, labelDefinition),
  onLabels('references', ReferencesRequest.type, labelReferences),
  // Inside `\ref{` the labels; elsewhere, for a client without inline completion, the next step as one item.
  on(CompletionRequest.type, async (context, params, token) => {
    if (context.labelFeatures('completion')) {
      await context.settled(params.textDocument.uri);
      const labels = labelCompletion(context, params);
      if (labels) return labels;
    }
    return stepCompletion(context, params, token);
  }),
  // A reference's label first; else, on a heading or label that was not read as a problem, why not.
  on(HoverRequest.type, async (context, params) => {
    if (context.labelFeatures('hover')) {
      await context.settled(params.textDocument.uri);
      const label = labelHover(context, params);
      if (label) return label;
    }
    return recognitionHover(context, params);
  }),
  onLabels('rename', PrepareRenameRequest.type, prepareLabelRename),
  onLabels('rename', RenameRequest.type, renameLabel),
  on(WorkspaceSymbolRequest.type, async (context, params) => {
    await context.projectsRead();
    return workspaceSymbols(context, params);
  }),
];

/** A notification's row: dropped before `initialize`; a failure is logged. */
function onNotification<P, RO>(type: ProtocolNotificationType<P, RO>, handle: NotificationHandler<P>): Entry {
  return { register: ({ connection }, context) => connection.onNotification(type, (params: P) => dispatch(connection, context(), type.method, handle, params)) };
}

/** A row for a document notification, as the store's TextDocuments reports it (after it took the text in);
 * `changedAt` is the store's own report of where a change began. */
function onDocuments(event: 'open' | 'change' | 'save' | 'close', handle: NotificationHandler<TextDocumentChangeEvent<TextDocument>>): Entry {
  const method = `textDocument/did${event[0]!.toUpperCase()}${event.slice(1)}`;
  return {
    register({ connection, documents }, context) {
      const listener = (params: TextDocumentChangeEvent<TextDocument>): void => dispatch(connection, context(), method, handle, params);
      if (event === 'open') documents.documents.onDidOpen(listener);
      else if (event === 'change') documents.documents.onDidChangeContent(listener);
      else if (event === 'save') documents.documents.onDidSave(listener);
      else documents.documents.onDidClose(listener);
    },
  };
}

function onDocumentChangedAt(handle: NotificationHandler<{ uri: string; line: number | undefined }>): Entry {
  return { register: ({ connection, documents }, context) => documents.onDidChange((uri, line) => dispatch(connection, context(), 'textDocument/didChange', handle, { uri, line })) };
}

/** Runs a notification's handler with the context (none yet: dropped), its failure logged. */
function dispatch<P>(connection: Connection, context: ServerContext | undefined, method: string, handle: NotificationHandler<P>, params: P): void {
  if (!context) return;
  const failed = (error: unknown): void => connection.console.error(`Handling ${method} failed: ${error instanceof Error ? error.message : String(error)}`);
  try {
    Promise.resolve(handle(context, params)).catch(failed);
  } catch (error) {
    failed(error);
  }
}

const NOTIFICATIONS: readonly Entry[] = [
  onNotification(DidChangeConfigurationNotification.type, configurationChanged),
  onNotification(DidChangeWatchedFilesNotification.type, watchedFilesChanged),
  onDocuments('open', documentOpened),
  onDocuments('change', documentChanged),
  onDocumentChangedAt(documentChangedAt),
  onDocuments('save', documentSaved),
  onDocuments('close', documentClosed),
];

/** A row for a label feature: null where `context.labelFeatures` turns it off, else its answer once the
 * reading of the document's project in progress ends. */
function onLabels<P extends { textDocument: { uri: string } }, R, PR, E, RO>(
  feature: LabelFeature,
  type: ProtocolRequestType<P, R | null, PR, E, RO>,
  answer: (context: ServerSnapshot, params: P) => R | null,
): Entry {
  return on(type, async (context, params) => {
    if (!context.labelFeatures(feature)) return null;
    await context.settled(params.textDocument.uri);
    return answer(context, params);
  });
}

/** Registers every row of the table: requests and notifications from `connection`, the documents' from
 * `documents`; `context` is undefined until `initialize`. */
export function registerHandlers(connection: Connection, documents: DocumentStore, context: () => ServerContext | undefined): void {
  for (const entry of [...HANDLERS, ...NOTIFICATIONS]) entry.register({ connection, documents }, context);
}

/** `workspace/didChangeWorkspaceFolders`, through the same dispatch: the LSP library takes that notification
 * itself once `initialize` said the client sends it, so it is followed from `initialized` on, and only then. */
export function followWorkspaceFolders(connection: Connection, context: () => ServerContext | undefined): void {
  connection.workspace.onDidChangeWorkspaceFolders((event) => dispatch(connection, context(), 'workspace/didChangeWorkspaceFolders', workspaceFoldersChanged, event));
}

/** `qed/loadModel`: an explicit load uses the settings as they are now, even if their change notification
 * is still on its way. */
async function loadModel(context: ServerContext) {
  await pullSettings(context);
  try {
    await context.models.ensureLoaded(true);
  } catch (error) {
    throw toResponseError(error);
  }
  return context.models.currentStatus;
}
