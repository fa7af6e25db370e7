/**
 * Every request the server answers, in one table (as rust-analyzer's main_loop.rs registers its handlers):
 * the message type and the feature function that answers it, given the server's one context. Registering
 * the table answers ServerNotInitialized (-32002) for every entry until `initialize` has made the context,
 * and gives a streamed request its partial-result reporter.
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
  type CancellationToken,
  type Connection,
  type ProtocolRequestType,
  type RequestType0,
  type ResultProgressReporter,
} from 'vscode-languageserver';
import type { ServerContext } from './context';
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

/** A request's handler: the context, the params, cancellation, and (for a streamed request) its stream. */
type Handler<P, R, PR> = (context: ServerContext, params: P, token: CancellationToken, stream: ResultProgressReporter<PR> | undefined) => R | Promise<R>;

interface Entry {
  register(connection: Connection, context: () => ServerContext | undefined): void;
}

/** One row of the table. `streamed`: the request's partial results carry a stream (`partialResultToken`). */
function on<P, R, PR, E, RO>(type: ProtocolRequestType<P, R, PR, E, RO>, handle: Handler<P, R, PR>, options?: { streamed: true }): Entry;
function on<R, E>(type: RequestType0<R, E>, handle: Handler<void, R, never>): Entry;
// `any` only here: the overloads above type each row.
function on(type: { method: string }, handle: Handler<any, unknown, any>, options: { streamed?: true } = {}): Entry {
  return {
    register(connection, context) {
      connection.onRequest(type.method, (params: unknown, token: CancellationToken) => {
        const now = context();
        if (!now) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'The QED-Nano server is not initialized yet: send `initialize` first.');
        const stream = options.streamed ? connection.languages.attachPartialResultProgress(new ProgressType<unknown>(), params as { partialResultToken?: string }) : undefined;
        return handle(now, params, token, stream);
      });
    },
  };
}

const HANDLERS: readonly Entry[] = [
  // Model and setup.
  on(SetupInfoRequest, (context) => context.models.setupInfo()),
  on(LoadModelRequest, loadModel),
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

/** A row for a label feature: null where `context.labelFeatures` turns it off, else its answer once the
 * reading of the document's project in progress ends. */
function onLabels<P extends { textDocument: { uri: string } }, R, PR, E, RO>(
  feature: LabelFeature,
  type: ProtocolRequestType<P, R | null, PR, E, RO>,
  answer: (context: ServerContext, params: P) => R | null,
): Entry {
  return on(type, async (context, params) => {
    if (!context.labelFeatures(feature)) return null;
    await context.settled(params.textDocument.uri);
    return answer(context, params);
  });
}

/** Registers every request of the table on `connection`; `context` is undefined until `initialize`. */
export function registerHandlers(connection: Connection, context: () => ServerContext | undefined): void {
  for (const entry of HANDLERS) entry.register(connection, context);
}

/** `qed/loadModel`: an explicit load uses the settings as they are now, even if their change notification
 * is still on its way. */
async function loadModel(context: ServerContext) {
  await context.pullSettings();
  try {
    await context.models.ensureLoaded(true);
  } catch (error) {
    throw toResponseError(error);
  }
  return context.models.currentStatus;
}
