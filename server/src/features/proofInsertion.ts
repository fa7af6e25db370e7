/**
 * Where and how a generated proof goes into the document, as one text edit: after the statement (replacing
 * an empty proof that is already there), in the document's own format and style.
 *  - LaTeX: `\begin{proof} ... \end{proof}` (or the document's own proof environment); the model's Markdown
 *    becomes LaTeX (bold, emphasis, lists, headings, display math); math is kept as its LaTeX source.
 *  - Markdown: the proof label and end mark this document already uses (`**Proof.**` and ∎ by default); an
 *    empty proof's own label ("**Solution.**") is kept and the proof written under it.
 */
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProofDocumentAnalysis, Statement } from '../documents/model';

export function proofInsertion(document: TextDocument, analysis: ProofDocumentAnalysis, statement: Statement, proof: string): TextEdit {
  const existing = statement.proof;
  const existingEmpty = existing !== undefined && existing.steps.length === 0;
  if (analysis.format === 'latex') {
    const environment = existingEmpty ? existing.environment : latexProofEnvironment(analysis);
    const body = proofBody('latex', proof);
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
  const text = `${label} ${body} ${end}`;
  return { range: { start: statement.range.end, end: statement.range.end }, newText: `\n\n${text}` };
}

/**
 * A proof from the model as the body of a proof in the document: without the model's own "Proof." label
 * and end mark (the document's are used), and in LaTeX converted from the model's Markdown (the proof
 * environment draws its own QED box).
 */
export function proofBody(format: 'latex' | 'markdown', proof: string): string {
  const bare = stripEndMark(stripProofLabel(proof));
  return format === 'latex' ? markdownToLatex(bare) : bare;
}

/** The proof environment the document uses most (`proof` when it has none). */
function latexProofEnvironment(analysis: ProofDocumentAnalysis): string {
  const counts = new Map<string, number>();
  for (const s of analysis.statements) if (s.proof) counts.set(s.proof.environment, (counts.get(s.proof.environment) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'proof';
}

/** The proof label and end mark of the document's first closed proof (defaults: **Proof.** and ∎). */
function markdownStyle(document: TextDocument, analysis: ProofDocumentAnalysis): { label: string; end: string } {
  const sample = analysis.statements.find((s) => s.proof?.closed && s.proof.environment === 'proof')?.proof;
  if (!sample) return { label: '**Proof.**', end: '∎' };
  const header = document.getText(sample.headerRange).replace(/^(?:\s*>\s*|\s*(?:[-+]|\d+[.)])\s+)*/, '').trim();
  // The end mark as written on the proof's last line (a proof's range stops inside `$\blacksquare$`).
  const lastLine = document.getText({ start: { line: sample.range.end.line, character: 0 }, end: { line: sample.range.end.line + 1, character: 0 } }).trimEnd();
  const end = /(∎|□|■|\$\\(?:blacksquare|square|Box)\$|\\qed|Q\.?E\.?D\.?)$/.exec(lastLine)?.[1] ?? '∎';
  return { label: /^[*_]*Proof/i.test(header) ? header : '**Proof.**', end };
}

/** Drops the end mark the model wrote itself (the document's own is added). */
function stripEndMark(proof: string): string {
  // Trimmed first: a leading `\s*` in the expression backtracks quadratically over a long run of spaces.
  const trimmed = proof.trimEnd();
  const mark = /(?:∎|□|■|\$\\(?:blacksquare|square|Box)\$|\\qed|Q\.?E\.?D\.?)$/.exec(trimmed);
  return mark ? trimmed.slice(0, mark.index).trimEnd() : proof;
}

/** Drops a leading "Proof." label the model wrote itself. */
function stripProofLabel(proof: string): string {
  // "## Proof" on its own line, or "**Proof.**", "*Proof:*", "**Proof**.", "Proof." at the start; never a
  // sentence that merely begins with the word ("Proof B works...").
  return proof
    .replace(/^\s*(?:#{1,6}[ \t]*(?:Proof|Solution)\b[^\n]*\n|(?:\*\*|__|\*|_)?(?:Proof|Solution)(?:\*\*|__|\*|_)?[ \t]*[.:][ \t]*(?:\*\*|__|\*|_)?)\s*/i, '')
    .trim();
}

/**
 * The model's Markdown as LaTeX: bold, emphasis, headings, bullet and numbered lists, `$$`..`$$` display
 * math; inline code as \texttt. Math itself is left exactly as written.
 */
export function markdownToLatex(markdown: string): string {
  const out: string[] = [];
  let list: 'itemize' | 'enumerate' | undefined;
  let inDisplay = false;
  const closeList = (): void => {
    if (list) out.push(`\\end{${list}}`);
    list = undefined;
  };
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (inDisplay || /^\s*\$\$/.test(line)) {
      // Display math: `$$` lines become \[ and \], the math between is kept as it is.
      const opens: boolean = !inDisplay;
      let converted = line;
      if (opens) converted = converted.replace(/^(\s*)\$\$/, '$1\\[');
      const closesHere: boolean = opens ? /\$\$\s*$/.test(converted.replace(/^\s*\\\[/, '')) : /\$\$\s*$/.test(converted);
      if (closesHere) converted = converted.replace(/\$\$\s*$/, '\\]');
      if (opens) closeList();
      inDisplay = !closesHere;
      out.push(converted);
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      const kind = bullet ? 'itemize' : 'enumerate';
      if (list !== kind) {
        closeList();
        out.push(`\\begin{${kind}}`);
        list = kind;
      }
      out.push(`  \\item ${inline((bullet ?? numbered)![1]!)}`);
      continue;
    }
    if (line.trim() === '') {
      closeList();
      out.push('');
      continue;
    }
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      closeList();
      out.push(`\\paragraph{${inline(heading[1]!)}}`);
      continue;
    }
    if (list && /^\s+\S/.test(raw)) {
      out.push(`    ${inline(line.trim())}`);
      continue;
    }
    closeList();
    out.push(inline(line));
  }
  closeList();
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * Inline Markdown to LaTeX outside math: **bold**, *emphasis*, _emphasis_, `code`. Linear in the line: an
 * inline formula `\(..\)` cannot hold another `\(`, so its scan stops there, and a bold or emphasised span
 * is at most 300 characters (unbounded, a line of 30,000 ` *a` scans to its end from every `*`).
 */
function inline(text: string): string {
  return text
    .split(/(\$\$[^$]+\$\$|\$[^$]+\$|\\\((?:(?!\\\()[^\n])*?\\\))/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/^\$\$([^$]+)\$\$$/, '\\[$1\\]')
        : part
            .replace(/\*\*(.{1,300}?)\*\*/g, '\\textbf{$1}')
            .replace(/__(.{1,300}?)__/g, '\\textbf{$1}')
            .replace(/(^|[^*\w])\*(?!\s)(.{1,300}?)\*(?!\w)/g, '$1\\emph{$2}')
            .replace(/(^|[^_\w])_(?!\s)(.{1,300}?)_(?!\w)/g, '$1\\emph{$2}')
            .replace(/`([^`]+)`/g, '\\texttt{$1}'),
    )
    .join('');
}
