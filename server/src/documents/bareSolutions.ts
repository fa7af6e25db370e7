/**
 * A solution written as a bare paragraph right after its problem (`\end{problem*}` and then "Let $L$ be the
 * midpoint ..." with no `\begin{proof}`), as olympiad notes sometimes do. It is a guess, so it is made only
 * where the file's convention confirms it: the file writes other solutions as proof environments, and the
 * problem's `\end` ends its line. The paragraph is the solution: it runs to the next blank line, or to a line
 * that begins an environment or a sectioning command.
 */
import { range, type Proof, type Statement, TASK_KINDS } from './proofDocument';
import type { StructureBuilder } from './structure';
import type { LexedLine } from './tokens';

/** Lines that end a bare paragraph: they begin or end an environment, or a section, or an item. */
const BLOCK_START = /^\\(?:begin|end|section|subsection|subsubsection|chapter|paragraph|item|noindent\\textbf|textbf)(?![A-Za-z])/;

export class BareSolutions {
  /** The problem just closed, waiting to see whether a bare paragraph follows. */
  private waiting: Statement | undefined;

  constructor(
    private readonly builder: StructureBuilder,
    private readonly lines: readonly string[],
    private readonly lexed: readonly LexedLine<unknown>[],
    /** The file writes solutions as proof environments (the convention that lets the guess stand). */
    private readonly enabled: boolean,
  ) {}

  /** A statement ended at the top level on `line`, at column `endCh`. */
  statementEnded(statement: Statement, line: number, endCh: number): void {
    this.waiting = this.enabled && TASK_KINDS.has(statement.kind) && statement.proof === undefined && this.lines[line]!.slice(endCh).trim() === '' ? statement : undefined;
  }

  /** Content at the top level starts on `line` (before its tokens are read). */
  content(line: number): void {
    const statement = this.waiting;
    if (!statement || line <= statement.range.end.line) return;
    this.waiting = undefined;
    const here = this.lexed[line]!;
    if (statement.proof !== undefined || BLOCK_START.test(this.lines[line]!.slice(here.contentStart, here.contentStart + 24))) return;
    let last = line;
    while (last + 1 < this.lexed.length) {
      const next = this.lexed[last + 1]!;
      if (next.kind === 'blank' || (next.kind === 'content' && BLOCK_START.test(this.lines[last + 1]!.slice(next.contentStart, next.contentStart + 24)))) break;
      last++;
    }
    const end = this.builder.contentEndBefore(last + 1, { line, character: here.contentStart });
    const start = { line, character: here.contentStart };
    const proof: Proof = { environment: 'paragraph', range: { start, end }, headerRange: range(line, here.contentStart, line, here.contentStart), bodyRange: { start, end }, closed: true, steps: [] };
    this.builder.attachProof(proof);
  }
}
