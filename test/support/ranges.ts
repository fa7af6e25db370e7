/** Every range an analysis reports, with a name saying where it came from (for assertion messages). */
import type { ProofDocumentAnalysis, Range } from '../../server/src/documents/proofDocument';

export function allRanges(a: ProofDocumentAnalysis): [string, Range][] {
  const out: [string, Range][] = [];
  const proofRanges = (prefix: string, proof: NonNullable<ProofDocumentAnalysis['statements'][number]['proof']>): void => {
    out.push([`${prefix}.range`, proof.range], [`${prefix}.header`, proof.headerRange], [`${prefix}.body`, proof.bodyRange]);
    proof.steps.forEach((step, i) => out.push([`${prefix}.step${i}`, step.range]));
  };
  a.statements.forEach((s, i) => {
    out.push([`statement${i}.range`, s.range], [`statement${i}.header`, s.headerRange], [`statement${i}.body`, s.bodyRange]);
    if (s.proof) proofRanges(`statement${i}.proof`, s.proof);
  });
  a.orphanProofs.forEach((p, i) => proofRanges(`orphan${i}`, p));
  a.additionalProofs.forEach((p, i) => proofRanges(`additional${i}`, p));
  a.labels.forEach((l, i) => out.push([`label${i}`, l.range]));
  a.references.forEach((r, i) => out.push([`reference${i}`, r.range]));
  a.diagnostics.forEach((d, i) => {
    out.push([`diagnostic${i}`, d.range]);
    d.related?.forEach((r, j) => out.push([`diagnostic${i}.related${j}`, r.range]));
  });
  return out;
}

/** Undefined when every range is ordered and inside the document; otherwise a description of the first bad one. */
export function rangeProblem(a: ProofDocumentAnalysis, text: string): string | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const inside = (p: Range['start']): boolean =>
    Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line]!.length;
  for (const [name, r] of allRanges(a)) {
    if (!inside(r.start) || !inside(r.end)) return `${name} ${JSON.stringify(r)} is outside the document`;
    if (r.start.line > r.end.line || (r.start.line === r.end.line && r.start.character > r.end.character)) {
      return `${name} ${JSON.stringify(r)} ends before it starts`;
    }
  }
  return undefined;
}
