/**
 * Problems and solutions written as sectioning commands: `\section*{Problem 1}` followed by
 * `\subsection*{Solution}` (or `\section*{Question 2}`, `\subsection*{Proof (a)}`), as course homework
 * writes them, or as bold labels at a line's start (`\noindent\textbf{Problem 1.}`, `{\bf Solution.}`), which
 * count as the deepest heading (a bold label that names neither is text). What a heading's title means is recognition.ts's to say; this module reads the headings and
 * keeps what they open:
 *
 * - a statement heading opens a statement that runs to the next heading of its level or higher, the next
 *   solution heading, a proof environment or `\end{document}`; deeper headings (`\subsection*{Part (a)}`)
 *   stay inside it. A statement environment begun inside it makes the heading its title.
 * - a solution heading opens a proof that runs to the next heading of its level or higher, or
 *   `\end{document}`. When the first thing under it is a proof environment, that environment is the proof
 *   and the heading only its title.
 */
import { range, type Position, type Proof, type Range, type StatementKind } from './proofDocument';
import { recognise } from './recognition';
import type { UserPatterns } from './userPatterns';
import type { StructureBuilder } from './structure';
import { readBraceGroup, readBracketGroup, type LexedLine } from './tokens';
import type { LatexState } from './latexLexer';

const LEVELS: Readonly<Record<string, number>> = { part: 0, chapter: 1, section: 2, subsection: 3, subsubsection: 4, paragraph: 5, subparagraph: 6 };
const SECTIONING = /^\\(part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\*?(?![A-Za-z@])/;
/** A bold label at a line's start (`\noindent\textbf{Problem 1.}`, `{\bf Solution.}`): the deepest level, so
 * any heading or other label ends what it opens. */
export const LABEL_LEVEL = 9;
const BOLD_LABEL = /^(?:\\noindent\s{0,4})?(?:\\textbf(?=\{)|(?=\{\\(?:bf|bfseries)(?![A-Za-z])))/;

/** A sectioning command at the start of a line: its level (lower is outer), title and extent. */
export interface SectionHeading {
  level: number;
  title: string;
  header: Range;
}

/** The sectioning command `line` starts with (its title on the same line), outside verbatim, math and
 * definitions, or undefined. */
export function sectionHeading(lines: readonly string[], lexed: readonly LexedLine<LatexState>[], line: number): SectionHeading | undefined {
  const here = lexed[line]!;
  if (here.kind !== 'content') return undefined;
  const state = line > 0 ? lexed[line - 1]!.endState : undefined;
  if (state && (state.verbatim !== null || state.math !== null || state.definition !== null || state.skip !== 0)) return undefined;
  const text = lines[line]!;
  const match = SECTIONING.exec(text.slice(here.contentStart, here.contentStart + 16));
  if (!match) return boldLabel(text, here.contentStart, line);
  let at = here.contentStart + match[0].length;
  const short = readBracketGroup(text, at);
  if (short) at = short.end;
  const title = readBraceGroup(text, at);
  if (!title) return undefined;
  return { level: LEVELS[match[1]!]!, title: title.inner.trim(), header: range(line, here.contentStart, line, title.end) };
}

/** A bold label at column `from` of `line`: its words without the bold command and the final `.` or `:`. */
function boldLabel(text: string, from: number, line: number): SectionHeading | undefined {
  const match = BOLD_LABEL.exec(text.slice(from, from + 24));
  if (!match) return undefined;
  const group = readBraceGroup(text, from + match[0].length);
  if (!group) return undefined;
  const title = group.inner.replace(/^\\(?:bf|bfseries)(?![A-Za-z])/, '').trim().replace(/[.:]$/, '').trim();
  return title === '' ? undefined : { level: LABEL_LEVEL, title, header: range(line, from, line, group.end) };
}

interface OpenSectionStatement {
  kind: StatementKind;
  title: string;
  header: Range;
  level: number;
}

/** The statement and proof that sectioning commands have open at the top level of a document. */
export class SectionStructure {
  private statement: OpenSectionStatement | undefined;
  private proof: { proof: Proof; level: number } | undefined;
  /** A solution heading whose proof waits for the first text under it (`takeContent`). */
  private pending: { header: Range; level: number; title: string } | undefined;

  constructor(
    private readonly builder: StructureBuilder,
    private readonly user?: UserPatterns,
  ) {}

  /** A heading at the top level, on its own line: closes what it ends, opens what it starts. */
  heading(heading: SectionHeading): void {
    const found = recognise(heading.title, 'heading', this.user);
    const role = found?.recognised.role;
    const line = heading.header.start.line;
    // A bold label that names no problem or solution (`\textbf{Case 1.}`, `\textbf{Note.}`) is text.
    if (heading.level === LABEL_LEVEL && role !== 'statement' && role !== 'proof') return this.takeContent(line, false);
    if (this.pending && heading.level <= this.pending.level) this.pending = undefined;
    if (this.proof && heading.level <= this.proof.level) this.closeProof(line);
    if (this.statement && (role === 'statement' || role === 'proof' || heading.level <= this.statement.level)) this.closeStatement(line);
    // A guess needs conventions a heading alone cannot confirm: only headings that name a kind count here.
    if (found?.recognised.role === 'statement' && found.recogniser.certainty !== 'guess') {
      this.closeProof(line);
      this.pending = undefined;
      this.statement = { kind: found.recognised.kind, title: found.title, header: heading.header, level: heading.level };
    } else if (role === 'proof') {
      const pending = { header: heading.header, level: heading.level, title: found!.title };
      // A label's solution goes on after it on the same line (`\textbf{Solution.} For $n \le 0$ ...`).
      if (this.builder.lineText(line).slice(heading.header.end.character).trim() !== '') this.openProof(pending);
      else this.pending = pending;
    }
  }

  /** The first text after a solution heading is on `line`: its proof starts at the heading, unless that text
   * is a proof environment (`environmentProof`), which is then the proof. */
  takeContent(line: number, environmentProof: boolean): void {
    const pending = this.pending;
    if (!pending || line === pending.header.start.line) return;
    this.pending = undefined;
    if (!environmentProof) this.openProof(pending);
  }

  /** The proof a solution heading or label opens, from its header on. */
  private openProof(opened: { header: Range; level: number; title: string }): void {
    const proof: Proof = { environment: 'solution', range: { ...opened.header }, headerRange: opened.header, bodyRange: { start: opened.header.end, end: opened.header.end }, closed: false, steps: [] };
    this.proof = { proof, level: opened.level };
    this.builder.attachProof(proof, { title: opened.title });
  }

  /** A proof environment begins at the top level on `line`: it ends the statement above it (and is its
   * proof, unless a heading's proof is open: then it is nested in that one, returned true). */
  proofEnvironment(line: number, ch: number): boolean {
    this.takeContent(line, true);
    if (this.statement) this.closeStatement(line, { line, character: ch });
    return this.proof !== undefined;
  }

  /** A statement environment begins at the top level on `line`: a statement heading above it is its title; a
   * statement a bold label opened ends there. */
  statementEnvironment(line: number, ch: number): void {
    if (!this.statement) return;
    if (this.statement.level === LABEL_LEVEL) return this.closeStatement(line, { line, character: ch });
    this.builder.addAnchor(this.statement.header.end);
    this.statement = undefined;
  }

  /** The document's text ends on `line` (`\end{document}`, or after the last line). */
  end(line: number): void {
    this.pending = undefined;
    this.closeProof(line);
    this.closeStatement(line);
  }

  private closeStatement(line: number, at?: Position): void {
    const s = this.statement;
    if (!s) return;
    this.statement = undefined;
    const end = at && this.textBefore(at) ? at : this.builder.contentEndBefore(line, s.header.end);
    this.builder.addStatement(
      {
        kind: s.kind,
        environment: 'section',
        title: s.title,
        range: { start: s.header.start, end },
        headerRange: s.header,
        bodyRange: { start: s.header.end, end },
      },
      s.title,
    );
  }

  private closeProof(line: number): void {
    const open = this.proof;
    if (!open) return;
    this.proof = undefined;
    const end = this.builder.contentEndBefore(line, open.proof.headerRange.end);
    open.proof.range.end = end;
    open.proof.bodyRange.end = end;
    open.proof.closed = true;
  }

  /** Whether text stands before `at` on its line (then the statement ends there, not on the line before). */
  private textBefore(at: Position): boolean {
    return this.builder.lineText(at.line).slice(0, at.character).trim() !== '';
  }
}
