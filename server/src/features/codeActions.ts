/**
 * Code actions on QED-Nano's critique diagnostics (`textDocument/codeAction`, computed lazily on
 * `codeAction/resolve`), the LSP adapter of tasks/refine.ts:
 *  - "Refine this step": the model rewrites the flagged step in the document's format, answering the
 *    finding; the edit replaces exactly that step.
 *  - "Refine the whole proof": the deep scaffold's refinement with the critique's review; the edit replaces
 *    the proof's body.
 *  - "Dismiss": hides the finding until the step's text changes (a server command).
 * The model runs only when an action is resolved (chosen). Its edit is for the document version it was
 * computed on, and is refused with a reason when the step or proof changed while the model wrote.
 */
import { CodeActionKind, LSPErrorCodes, ResponseError, type CancellationToken, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProofDocumentAnalysis, Range } from '../documents/model';
import { CRITIQUE_DIAGNOSTIC_SOURCE, DISMISS_FINDING_COMMAND, type QedNanoSettings } from '../protocol';
import type { Generate } from '../tasks/generate';
import { refineProof, refineStep } from '../tasks/refine';
import type { Critic } from './critique';
import { proofBody } from './proofInsertion';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';

/** What a refinement action carries from `codeAction` to `codeAction/resolve`. */
interface RefineData {
  uri: string;
  /** The proof's identity (see Critic). */
  key: string;
  /** `step`: the 0-based step; `proof`: the whole proof. */
  target: { step: number; text: string; objection: string } | { proof: true; text: string };
}

export interface RefineHost {
  critic: Critic;
  generate: Generate;
  settings(): QedNanoSettings;
  current(uri: string): { document: TextDocument; analysis: ProofDocumentAnalysis } | undefined;
}

/** The actions for the critique diagnostics among `diagnostics`. */
export function critiqueActions(document: TextDocument, diagnostics: readonly Diagnostic[], critic: Critic): CodeAction[] {
  const uri = document.uri;
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== CRITIQUE_DIAGNOSTIC_SOURCE) continue;
    const found = critic.stepAt(uri, diagnostic.range);
    if (!found) continue;
    const { proof, index } = found;
    const step = proof.steps[index]!;
    const stepData: RefineData = { uri, key: proof.key, target: { step: index, text: step.text, objection: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value } };
    const body = proof.statement.proof!.bodyRange;
    actions.push(
      { title: `Refine step ${index + 1} with QED-Nano`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, data: stepData },
      { title: 'Refine the whole proof with QED-Nano', kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], data: { uri, key: proof.key, target: { proof: true, text: document.getText(body) } } satisfies RefineData },
      {
        title: 'Dismiss this finding (until the step changes)',
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: { title: 'Dismiss', command: DISMISS_FINDING_COMMAND, arguments: [uri, step.text] },
      },
    );
  }
  return actions;
}

/** Computes a refinement action's edit (the model runs now). */
export async function resolveRefinement(action: CodeAction, host: RefineHost, token: CancellationToken): Promise<CodeAction> {
  const data = action.data as RefineData | undefined;
  if (!data) return action;
  const cancelled = cancellationSignal(token);
  const what = 'step' in data.target ? `step ${data.target.step + 1}` : 'proof';
  try {
    const before = locate(host, data);
    const format = host.current(data.uri)!.analysis.format;
    const settings = host.settings();
    const problem = host.critic.problemOf(data.uri, before.proof);
    let newText: string | undefined;
    if ('step' in data.target) {
      const steps = before.proof.steps.map((s) => s.text);
      newText = await refineStep({ problem, steps, step: data.target.step + 1, objection: data.target.objection, format }, host.generate, settings.generation, cancelled);
    } else {
      const review = host.critic.critiqueOf(data.uri, before.proof)?.review || 'A critique found steps that do not follow.';
      const refined = await refineProof(problem, data.target.text, review, host.generate, settings.generation, cancelled);
      newText = refined === undefined ? undefined : format === 'latex' ? `\n${proofBody('latex', refined)}\n` : ` ${proofBody('markdown', refined)} `;
    }
    throwIfCancelled(cancelled, `Refining the ${what} was cancelled.`);
    if (newText === undefined) throw new ResponseError(LSPErrorCodes.RequestCancelled, `Refining the ${what} was cancelled.`);
    const after = locate(host, data); // refused if the text changed while the model wrote
    return {
      ...action,
      edit: { documentChanges: [{ textDocument: { uri: data.uri, version: after.version }, edits: [{ range: after.range, newText }] }] },
    };
  } catch (error) {
    throw toResponseError(error);
  }
}

/** Where the action's step or proof body is now, checked to read as it did when the action was offered. */
function locate(host: RefineHost, data: RefineData): { proof: NonNullable<ReturnType<Critic['proof']>>; range: Range; version: number } {
  const document = host.current(data.uri)?.document;
  const proof = document && host.critic.proof(data.uri, data.key);
  const range = proof && ('step' in data.target ? proof.steps[data.target.step]?.range : proof.statement.proof!.bodyRange);
  if (!document || !proof || !range || document.getText(range) !== data.target.text) {
    throw new ResponseError(
      LSPErrorCodes.RequestFailed,
      `The ${'step' in data.target ? `step ${data.target.step + 1}` : 'proof'} changed since QED-Nano critiqued it, so the refinement is not applied. Critique the proof again, then refine.`,
    );
  }
  return { proof, range, version: document.version };
}
