/**
 * Model text in a document's own format: the model writes Markdown; a LaTeX document gets LaTeX (bold,
 * emphasis, lists, headings, display math; math itself kept as its source). Used wherever model text goes
 * into a document: Insert, refinements, chat replies inserted at the cursor, the command line's --write.
 * Pure text in, text out (the VS Code client uses it too).
 */

/**
 * How a LaTeX document writes inline math: `$…$` (the model's own way, kept as written) or `\(…\)` (the
 * model's `$…$` rewritten to it, so that the inserted text reads like the user's and ChkTeX, which warns
 * about every `$` of a document written with `\(`, finds nothing new in it). Which one a document
 * uses: documents/inlineMath.ts.
 */
export type InlineMath = '$' | '\\(';

/** Model text as it goes into a document of `format` (a LaTeX one writing inline math as `inlineMath`). */
export function inDocumentFormat(format: 'latex' | 'markdown', text: string, inlineMath: InlineMath = '$'): string {
  return format === 'latex' ? markdownToLatex(text.trim(), inlineMath) : text.trim();
}

/**
 * Where and how `text` goes as a paragraph of its own, for a cursor on line `line` of `lines`: after the
 * paragraph the cursor is in (never inside a line or a formula: a formula cannot cross a blank line), with a
 * blank line on each side, in the document's format (a LaTeX one writing inline math as `inlineMath`).
 */
export function asParagraphAt(lines: readonly string[], line: number, text: string, format: 'latex' | 'markdown', inlineMath: InlineMath = '$'): { line: number; character: number; text: string } {
  const body = inDocumentFormat(format, text, inlineMath);
  const at = Math.max(0, Math.min(line, lines.length - 1));
  if ((lines[at] ?? '').trim() === '') return { line: at, character: 0, text: `\n${body}\n` };
  let end = at;
  while (end + 1 < lines.length && lines[end + 1]!.trim() !== '') end++;
  return { line: end, character: lines[end]!.length, text: `\n\n${body}${end + 1 < lines.length ? '' : '\n'}` };
}

/**
 * A proof from the model as the body of a proof in the document: without the model's own "Proof." label
 * and end mark (the document's are used), and in LaTeX converted from the model's Markdown (the proof
 * environment draws its own QED box).
 */
export function proofBody(format: 'latex' | 'markdown', proof: string, inlineMath: InlineMath = '$'): string {
  const bare = stripEndMark(stripProofLabel(proof));
  return inDocumentFormat(format, bare, inlineMath);
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
 * math; inline code as \texttt. Math itself is left exactly as written; only its `$…$` delimiters become
 * `\(…\)` where `inlineMath` asks for them.
 */
export function markdownToLatex(markdown: string, inlineMath: InlineMath = '$'): string {
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
      out.push(`  \\item ${inline((bullet ?? numbered)![1]!, inlineMath)}`);
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
      out.push(`\\paragraph{${inline(heading[1]!, inlineMath)}}`);
      continue;
    }
    if (list && /^\s+\S/.test(raw)) {
      out.push(`    ${inline(line.trim(), inlineMath)}`);
      continue;
    }
    closeList();
    out.push(inline(line, inlineMath));
  }
  closeList();
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** An inline formula with LaTeX's delimiters: `$$x$$` as `\[x\]`, `$x$` as `inlineMath` asks; its math as written. */
function formula(part: string, inlineMath: InlineMath): string {
  if (part.startsWith('$$')) return `\\[${part.slice(2, -2)}\\]`;
  if (part.startsWith('$') && inlineMath === '\\(') return `\\(${part.slice(1, -1)}\\)`;
  return part;
}

/**
 * Inline Markdown to LaTeX outside math: **bold**, *emphasis*, _emphasis_, `code`. Linear in the line: an
 * inline formula `\(..\)` cannot hold another `\(`, so its scan stops there, and a bold or emphasised span
 * is at most 300 characters (unbounded, a line of 30,000 ` *a` scans to its end from every `*`).
 */
function inline(text: string, inlineMath: InlineMath): string {
  return text
    .split(/(\$\$[^$]+\$\$|\$[^$]+\$|\\\((?:(?!\\\()[^\n])*?\\\))/)
    .map((part, i) =>
      i % 2 === 1
        ? formula(part, inlineMath)
        : part
            .replace(/\*\*(.{1,300}?)\*\*/g, '\\textbf{$1}')
            .replace(/__(.{1,300}?)__/g, '\\textbf{$1}')
            .replace(/(^|[^*\w])\*(?!\s)(.{1,300}?)\*(?!\w)/g, '$1\\emph{$2}')
            .replace(/(^|[^_\w])_(?!\s)(.{1,300}?)_(?!\w)/g, '$1\\emph{$2}')
            .replace(/`([^`]+)`/g, '\\texttt{$1}'),
    )
    .join('');
}
