/** Folding ranges for statements and proofs (`textDocument/foldingRange`). */
import type { FoldingRange } from 'vscode-languageserver';
import type { ProofDocumentAnalysis, Range } from '../documents/proofDocument';

export function foldingRanges(analysis: ProofDocumentAnalysis): FoldingRange[] {
  // In LaTeX the last line holds `\end{...}`, which stays visible (as a closing bracket does in code).
  const keepLastLine = analysis.format === 'latex' ? 1 : 0;
  const ranges: FoldingRange[] = [];
  const add = (range: Range): void => {
    const endLine = range.end.line - keepLastLine;
    if (endLine > range.start.line) ranges.push({ startLine: range.start.line, endLine, kind: 'region' });
  };
  for (const statement of analysis.statements) {
    add(statement.range);
    if (statement.proof) add(statement.proof.range);
  }
  for (const proof of [...analysis.orphanProofs, ...analysis.additionalProofs]) add(proof.range);
  return ranges;
}
