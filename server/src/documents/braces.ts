/**
 * Where a brace left open in math was opened. The lexers count braces in math as they go (a `$` inside
 * `\text{...}` is text, not the math's end); when math ends with braces still open, or never ends because a
 * `}` was forgotten and every `$` after it was read as text, the finding belongs at the `{` that is not
 * closed, which may be many lines before the place the lexer noticed. That `{` is found by reading back
 * from there, only when such a finding is made, and never more than MAX_LINES_BACK lines.
 */
import { range, type DocumentFormat, type Position, type Range } from './proofDocument';

const MAX_LINES_BACK = 200;

/**
 * The outermost of the `depth` braces still open at `before` (reading back from it: the depth-th `{` not
 * matched by a `}` after it), or undefined when it is not within reach.
 */
export function unclosedBrace(lines: readonly string[], format: DocumentFormat, before: Position, depth: number): Range | undefined {
  let needed = depth;
  let closers = 0;
  for (let line = before.line; line >= 0 && line > before.line - MAX_LINES_BACK; line--) {
    const braces = bracesOf(lines[line]!, format, line === before.line ? before.character : Infinity);
    for (let k = braces.length - 1; k >= 0; k--) {
      const at = braces[k]!;
      if (at < 0) closers++;
      else if (closers > 0) closers--;
      else if (--needed === 0) return range(line, at, line, at + 1);
    }
  }
  return undefined;
}

/** The braces of a line before column `end`, in order: a `{` as its column, a `}` as -1. Escaped braces
 * (`\{`) are none; in LaTeX a comment (`%`) ends the line. */
function bracesOf(text: string, format: DocumentFormat, end: number): number[] {
  const braces: number[] = [];
  const stop = Math.min(end, text.length);
  for (let i = 0; i < stop; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '%' && format === 'latex') break;
    else if (c === '{') braces.push(i);
    else if (c === '}') braces.push(-1);
  }
  return braces;
}
