/** The proofs of a document as they are now: each with its statement's identity, its steps and the hash a
 * critique is valid for; and how a range names one of them (a finding's step, a proof's body). */
import { createHash } from 'node:crypto';
import { comparePositions, type ProofDocumentAnalysis, type Range, type Statement } from '../documents/proofDocument';
import type { StatementIdentity } from '../documents/queries';

/** A proof as it is now in its document. */
export interface ProofNow {
  /** The statement's identity (documents/queries.ts statementIdentities): its label, else its text and rank. */
  key: string;
  statement: Statement;
  steps: { range: Range; text: string }[];
  /** The hash of the statement and every step: what a critique is valid for. */
  hash: string;
}

/** The proofs (with steps) of `analysis`, whose statements have `identities`, in document order. */
export function proofsOf(analysis: ProofDocumentAnalysis, text: (range: Range) => string, identities: ReadonlyMap<Statement, StatementIdentity>): ProofNow[] {
  const proofs: ProofNow[] = [];
  for (const statement of analysis.statements) {
    if (!statement.proof || statement.proof.steps.length === 0) continue;
    const { key, text: statementText } = identities.get(statement)!;
    const steps = statement.proof.steps.map((step) => ({ range: step.range, text: text(step.range) }));
    const hash = createHash('sha256').update(statementText).update('\u0000').update(steps.map((s) => s.text).join('\u0000')).digest('hex');
    proofs.push({ key, statement, steps, hash });
  }
  return proofs.sort((a, b) => comparePositions(a.statement.range.start, b.statement.range.start));
}

/** The proof whose step stands at exactly `range`, with that step's index (a finding's diagnostic range). */
export function stepAt(proofs: readonly ProofNow[], range: Range): { proof: ProofNow; index: number } | undefined {
  for (const proof of proofs) {
    const index = proof.steps.findIndex((s) => sameRange(s.range, range));
    if (index >= 0) return { proof, index };
  }
  return undefined;
}

/** The proof whose body stands at exactly `range`. */
export function proofWithBody(proofs: readonly ProofNow[], range: Range): ProofNow | undefined {
  return proofs.find((p) => sameRange(p.statement.proof!.bodyRange, range));
}

function sameRange(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.start) === 0 && comparePositions(a.end, b.end) === 0;
}
