/**
 * Refining what a critique flagged, the LSP adapter of workspace/refinement.ts, two ways in:
 *  - `textDocument/codeAction` on QED-Nano's critique diagnostics: "Refine step n", "Refine the whole
 *    proof" (the model runs on `codeAction/resolve`, when one is chosen; for a client that cannot resolve an
 *    action's edit, such as eglot 1.9, the action is the server's `qedNano.server.refine` command instead,
 *    which applies its edit with `workspace/applyEdit`; a client that can do neither is offered no
 *    refinement: never an action that does nothing) and "Dismiss" (a server command, until the step's text
 *    changes);
 *  - `qed/refine`: the same refinement with its thinking and new text streamed (the VS Code extension
 *    shows it in the side panel, before and after, with Apply and Discard).
 * Both return an edit of exactly the step (or the proof's body) for the document version it was computed
 * on, and refuse with a reason when that text changed before or while the model wrote.
 */
import { CodeActionKind, LSPErrorCodes, ResponseError, type CancellationToken, type CodeAction, type CodeActionParams, type Command, type ResultProgressReporter } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { CRITIQUE_DIAGNOSTIC_SOURCE, SERVER_COMMANDS, type GenerationProgress, type RefineActionData, type RefineParams, type RefineResult } from '../protocol';
import { proofWithBody, stepAt, type ProofNow } from '../workspace/proofs';
import { refineFlagged } from '../workspace/refinement';
import type { DocumentSnapshot } from '../workspace/snapshot';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import { ProgressBatcher } from './streaming';

/** `textDocument/codeAction`: the actions for the critique diagnostics among the request's (Commands for a
 * client that takes no CodeAction literals). */
export function critiqueActions(context: ServerSnapshot, params: CodeActionParams): (CodeAction | Command)[] | null {
  const uri = params.textDocument.uri;
  const document = context.snapshot(uri);
  if (!document) return null;
  const { resolvesCodeActionEdits, appliesEdits, takesCodeActionLiterals } = context.client.support;
  /** How a refinement is made for this client: on resolve, by the server's command, or not at all. */
  const refinement = (data: RefineActionData): Pick<CodeAction, 'data' | 'command'> | undefined =>
    resolvesCodeActionEdits ? { data } : appliesEdits ? { command: { title: 'Refine', command: SERVER_COMMANDS.refine, arguments: [data.qedRefine] } } : undefined;
  const proofs = document.proofs();
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== CRITIQUE_DIAGNOSTIC_SOURCE) continue;
    const found = stepAt(proofs, diagnostic.range);
    if (!found) continue;
    const { proof, index } = found;
    const step = proof.steps[index]!;
    const objection = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    const body = proof.statement.proof!.bodyRange;
    const refineStepData: RefineActionData = { qedRefine: { textDocument: { uri }, range: step.range, text: step.text, objection } };
    const refineProofData: RefineActionData = { qedRefine: { textDocument: { uri }, range: body, text: document.text(body), objection, whole: true } };
    const refineStep = refinement(refineStepData);
    const refineProof = refinement(refineProofData);
    if (refineStep) actions.push({ title: `Refine step ${index + 1} with QED-Nano`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, ...refineStep });
    if (refineProof) actions.push({ title: 'Refine the whole proof with QED-Nano', kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], ...refineProof });
    actions.push({
      title: 'Dismiss this finding (until the step changes)',
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      command: { title: 'Dismiss', command: SERVER_COMMANDS.dismissFinding, arguments: [uri, step.text] },
    });
  }
  return takesCodeActionLiterals ? actions : actions.flatMap((action) => (action.command ? [{ ...action.command, title: action.title }] : []));
}

/** `codeAction/resolve`: the refinement's edit (the model runs now). */
export async function resolveRefinement(context: ServerSnapshot, action: CodeAction, token: CancellationToken): Promise<CodeAction> {
  const data = (action.data as RefineActionData | undefined)?.qedRefine;
  if (!data) return action;
  const { edit } = await refine(context, data, token, undefined);
  return { ...action, edit: { documentChanges: [{ textDocument: { uri: data.textDocument.uri, version: edit.version }, edits: [{ range: edit.range, newText: edit.newText }] }] } };
}

/** `qed/refine`, streamed (see protocol.ts). */
export async function refine(context: ServerSnapshot, params: RefineParams, token: CancellationToken, stream: ResultProgressReporter<GenerationProgress> | undefined): Promise<RefineResult> {
  const cancelled = cancellationSignal(token);
  const what = params.whole ? 'the proof' : 'the step';
  try {
    throwIfCancelled(cancelled, `Refining ${what} was cancelled.`);
    const before = locate(context, params);
    const batcher = new ProgressBatcher(stream);
    batcher.push({ kind: 'started', statement: params.text, macros: before.snapshot.katexMacros() });
    const step = params.whole ? undefined : before.step;
    const refined = await refineFlagged({ snapshot: before.snapshot, proof: before.proof, step, text: params.text, objection: params.objection }, context.critique.findings, context.generate, context.settings().generation, batcher.pushChunk, cancelled);
    batcher.flush();
    throwIfCancelled(cancelled, `Refining ${what} was cancelled.`);
    if (!refined) throw new ResponseError(LSPErrorCodes.RequestCancelled, `Refining ${what} was cancelled.`);
    const now = locate(context, params); // refused if the text changed while the model wrote
    return { before: params.text, after: refined.after, edit: { version: now.snapshot.version, range: params.range, newText: refined.newText } };
  } catch (error) {
    throw toResponseError(error);
  }
}

/** The step or proof body at `params.range` now, checked to read as `params.text` still. */
function locate(context: ServerSnapshot, params: RefineParams): { snapshot: DocumentSnapshot; proof: ProofNow; step: number | undefined } {
  const uri = params.textDocument.uri;
  const current = context.snapshot(uri);
  const proofs = current?.proofs() ?? [];
  const whole = params.whole ? proofWithBody(proofs, params.range) : undefined;
  const found: { proof: ProofNow; index?: number } | undefined = params.whole ? whole && { proof: whole } : stepAt(proofs, params.range);
  if (!current || !found || current.text(params.range) !== params.text) {
    throw new ResponseError(
      LSPErrorCodes.RequestFailed,
      `${params.whole ? 'The proof' : 'The step'} changed since QED-Nano critiqued it, so the refinement is not applied. Critique the proof again, then refine.`,
    );
  }
  return { snapshot: current, proof: found.proof, step: found.index };
}
