/**
 * Headings inside HTML blocks, in files written for Pandoc. CommonMark shows a line inside an HTML block
 * (`<text lang="en">` on the line before) as raw text, so the lexer gives it no heading token; Pandoc, whose
 * Markdown reads Markdown inside HTML blocks, shows it as a heading. A file that uses Pandoc's own syntax
 * (attributes after an image or link, `![](a.png){ width=300px }`, or a fenced div `:::`) is read as Pandoc
 * reads it: a `## Solution` inside its `<text>` blocks is a heading (a per-file convention, as in
 * recognition.ts).
 */
import type { MarkdownState } from './markdownLexer';
import type { LexedLine, LineToken } from './tokens';

const PANDOC_SYNTAX = /\)\{[ \t]{0,4}(?:width|height|#|\.)|^:::/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+/;

/** The heading tokens Pandoc would see inside the HTML blocks of the file, by line (none unless the file
 * uses Pandoc's syntax). */
export function pandocHeadings(lines: readonly string[], lexed: readonly LexedLine<MarkdownState>[]): Map<number, LineToken> {
  const headings = new Map<number, LineToken>();
  if (!lines.some((line) => PANDOC_SYNTAX.test(line.slice(0, 4000)))) return headings;
  for (let line = 1; line < lexed.length; line++) {
    if (lexed[line - 1]!.endState.raw !== 'blank' || lexed[line]!.kind !== 'content') continue;
    const text = lines[line]!;
    const open = HEADING.exec(text);
    if (!open) continue;
    const words = text.slice(open[0].length).trim();
    if (words !== '') headings.set(line, { t: 'heading', level: open[1]!.length, text: words, ch: 0, endCh: text.trimEnd().length });
  }
  return headings;
}
