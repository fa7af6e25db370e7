/**
 * Where and how a generated proof goes into the document, as one text edit: after the statement (replacing
 * an empty proof that is already there), in the document's own format and style.
 *  - LaTeX: `\begin{proof} ... \end{proof}` (or the document's own proof environment); the model's Markdown
 *    becomes LaTeX (bold, emphasis, lists, headings, display math); math is kept as its LaTeX source, its
 *    inline formulas between the delimiters the document uses (documents/inlineMath.ts).
 *  - Markdown: the proof label and end mark this document already uses (`**Proof.**` and ∎ by default); an
 *    empty proof's own label ("**Solution.**") is kept and the proof written under it.
 */
import type { ProofDocumentAnalysis, Range, Statement } from './proofDocument';
import { inlineMathOf } from './inlineMath';
import { proofBody } from './textFormat';

/** The document's text by range (a TextDocument is one). */
export interface DocumentText {
  getText(range: Range): string;
}

/** One text edit (an LSP TextEdit is one). */
export interface TextReplacement {
  range: Range;
  newText: string;
}

export function proofInsertion(document: DocumentText, analysis: ProofDocumentAnalysis, statement: Statement, proof: string): TextReplacement {
  const existing = statement.proof;
  const existingEmpty = existing !== undefined && existing.steps.length === 0;
  if (analysis.format === 'latex') {
    const environment = existingEmpty ? existing.environment : latexProofEnvironment(analysis);
    const body = proofBody('latex', proof, inlineMathOf((range) => document.getText(range), analysis));
    const text = `\\begin{${environment}}\n${body}\n\\end{${environment}}`;
    if (existingEmpty) return { range: existing.range, newText: text };
    return { range: { start: statement.range.end, end: statement.range.end }, newText: `\n${text}` };
  }
  const { label, end } = markdownStyle(document, analysis);
  const body = proofBody('markdown', proof);
  if (existingEmpty) {
    // The user's own label ("**Solution.**", "## Proof") stays as written; the proof goes under it, ended by
    // the mark already there or the document's.
    const header = document.getText(existing.headerRange);
    const ownEnd = existing.closed ? document.getText({ start: existing.headerRange.end, end: existing.range.end }).trim() : '';
    return { range: existing.range, newText: `${header}\n\n${body} ${ownEnd || end}` };
  }
  // A heading label ("## Solution") stands on its own line; a bold one ("**Solution.**") begins the paragraph.
  const text = label.startsWith('#') ? `${label}\n\n${body} ${end}` : `${label} ${body} ${end}`;
  return { range: { start: statement.range.end, end: statement.range.end }, newText: `\n\n${text}` };
}

/** The proof environment the document uses most (`proof` when it has none). */
function latexProofEnvironment(analysis: ProofDocumentAnalysis): string {
  const counts = new Map<string, number>();
  for (const s of analysis.statements) if (s.proof) counts.set(s.proof.environment, (counts.get(s.proof.environment) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'proof';
}

/**
 * The proof label and end mark of the document's first closed proof, or of its first closed solution when
 * it writes only solutions, as the user wrote them (`*Proof.*`, `**Solution.**`, `## Solution`; defaults:
 * **Proof.** and ∎).
 */
function markdownStyle(document: DocumentText, analysis: ProofDocumentAnalysis): { label: string; end: string } {
  const closed = (environment: string): Statement['proof'] => analysis.statements.find((s) => s.proof?.closed && s.proof.environment === environment)?.proof;
  const sample = closed('proof') ?? closed('solution');
  if (!sample) return { label: '**Proof.**', end: '∎' };
  const header = document.getText(sample.headerRange).replace(/^(?:\s*>\s*|\s*(?:[-+]|\d+[.)])\s+)*/, '').trim();
  // The end mark as written on the proof's last line (a proof's range stops inside `$\blacksquare$`).
  const lastLine = document.getText({ start: { line: sample.range.end.line, character: 0 }, end: { line: sample.range.end.line + 1, character: 0 } }).trimEnd();
  const end = /(∎|□|■|\$\\(?:blacksquare|square|Box)\$|\\qed|Q\.?E\.?D\.?)$/.exec(lastLine)?.[1] ?? '∎';
  return { label: /^(?:#{1,6}\s*)?[*_]*(?:Proof|Solution)/i.test(header) ? header : '**Proof.**', end };
}
