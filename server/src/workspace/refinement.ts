/**
 * Refining what a critique flagged, with no LSP in it: a step of a proof, or the whole proof, written again
 * by the model (tasks/refine.ts) and put into the document's format. features/codeActions.ts finds the
 * step or proof the request names, checks it still reads as it did, and maps the result onto the wire.
 */
import { inlineMathOf } from '../documents/inlineMath';
import { inDocumentFormat, proofBody } from '../documents/textFormat';
import type { ChunkSink, Generate, ReplyBudgets } from '../tasks/generate';
import { refineProof, refineStep } from '../tasks/refine';
import type { CritiqueFindings } from './critiqueFindings';
import type { ProofNow } from './proofs';
import type { DocumentSnapshot } from './snapshot';

/** What is refined: a step of `proof` (`step`, 0-based) or, without one, the proof's body (`text`). */
export interface RefinementRequest {
  snapshot: DocumentSnapshot;
  proof: ProofNow;
  step: number | undefined;
  /** The text refined (the step's, or the proof body's), as the client saw it. */
  text: string;
  /** The critique's objection to it. */
  objection: string;
}

export interface Refinement {
  /** The model's text (Markdown with LaTeX math). */
  after: string;
  /** What replaces the step or body in the document (LaTeX in a LaTeX document, as Insert writes it). */
  newText: string;
}

/** The refinement, or undefined when cancelled. A whole proof is refined against the critique's review of
 * it when `findings` has a current one (else against the objection alone). */
export async function refineFlagged(request: RefinementRequest, findings: CritiqueFindings, generate: Generate, budgets: ReplyBudgets, onChunk: ChunkSink, signal: AbortSignal): Promise<Refinement | undefined> {
  const { snapshot, proof } = request;
  const format = snapshot.format;
  // Its inline formulas between the delimiters the document uses, as Insert writes them.
  const inlineMath = inlineMathOf(snapshot.text, snapshot.analysis);
  const problem = snapshot.problem(proof.statement);
  if (request.step !== undefined) {
    const steps = proof.steps.map((s) => s.text);
    const after = await refineStep({ problem, steps, step: request.step + 1, objection: request.objection, format }, generate, budgets, onChunk, signal);
    // The model writes Markdown: a LaTeX document gets LaTeX, as Insert writes it.
    return after === undefined ? undefined : { after, newText: inDocumentFormat(format, after, inlineMath) };
  }
  const review = findings.critiqueOf(snapshot.uri, proof)?.review || request.objection;
  const after = await refineProof(problem, request.text, review, generate, budgets, onChunk, signal);
  return after === undefined ? undefined : { after, newText: format === 'latex' ? `\n${proofBody('latex', after, inlineMath)}\n` : ` ${proofBody('markdown', after)} ` };
}
