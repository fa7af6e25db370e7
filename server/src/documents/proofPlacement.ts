/**
 * Where a proof belongs, decided as it starts, from what stands before it and what its title says. Real
 * books prove a statement right after it, or later naming it ("Proof of the density theorem", "Proof of
 * Theorem~\ref{x}"); they give second proofs, prove definitions and remarks, nest a solution inside its
 * problem and case proofs inside a proof, and state problems in prose, bold labels or headings. So:
 *
 * 1. inside a statement (a solution inside its problem): it proves that statement;
 * 2. naming a label or a statement's name: it proves that one (a further proof when it has one already);
 * 3. right after a statement that has no proof yet: it proves it;
 * 4. otherwise it is a further proof (`additional`) whenever anything could be what it proves: it stands
 *    inside another proof, has a title of its own, follows a statement, a proof, a theorem-like or unknown
 *    environment, a heading or a bold label, or the document's opening prose;
 * 5. only a proof with nothing before it, or after a proof and then prose with no statement at all, is an
 *    `orphan`, and even that is a guess (precision.ts): prose can state what the proof proves.
 */
import { comparePositions, type DocumentFormat, type Position, type Proof, type Statement } from './proofDocument';
import { StatementNames, titleMeaning } from './statementNames';
import type { LexedLine } from './tokens';

export interface ProofHints {
  /** A label the proof's title references (`Proof of Theorem~\ref{x}`). */
  label?: string;
  /** The proof's title as written (LaTeX: its optional argument; Markdown: its label's words). */
  title?: string;
  /** The statement the proof stands inside (a solution inside its problem): it proves that one. */
  owner?: { proof?: Proof };
  /** The proof stands inside another proof (a case, a claim's proof), or inside an environment that may be
   * what it proves (an example, an unknown one): it belongs there. */
  nested?: boolean;
}

/** `own`: a statement's own proof (attached here); `additional`: a proof where a proof may stand, of no
 * statement of its own; `orphan`: a proof that seems to follow no statement (a guess). */
export type Placement = 'own' | 'additional' | 'orphan';

export class ProofPlacer {
  private readonly names = new StatementNames();
  private readonly byLabel = new Map<string, Statement>();
  /** The statement just before, waiting for the next proof. */
  private candidate: Statement | undefined;
  /** The last statement, statement-like construct or proof (outside other proofs), if any. */
  private last: { kind: 'anchor'; end: Position } | { kind: 'proof'; proof: Proof } | undefined;
  private bodyStart: Position = { line: 0, character: 0 };

  constructor(
    private readonly format: DocumentFormat,
    private readonly lines: readonly string[],
    private readonly lexed: readonly LexedLine<unknown>[],
  ) {}

  /** Where the document's text starts (LaTeX: after `\begin{document}`); the preamble states nothing. */
  bodyStartsAt(position: Position): void {
    this.bodyStart = position;
  }

  /** A finished statement (`name`: what a proof's title may call it); the candidate for the next proof. */
  statement(statement: Statement, name: string | undefined): void {
    if (statement.label !== undefined && !this.byLabel.has(statement.label)) this.byLabel.set(statement.label, statement);
    if (name !== undefined) this.names.add(statement, name);
    this.candidate = statement;
    this.last = { kind: 'anchor', end: statement.range.end };
  }

  /**
   * Something a proof may follow that is no statement to prove ends at `end`: a definition or a fact
   * (`theoremLike`: a proof after it is its own, so the statement before waits no more), or an environment
   * the analysis does not know, a heading (a hint or a remark between a problem and its solution: the
   * problem still waits for it).
   */
  anchor(end: Position, theoremLike: boolean): void {
    if (theoremLike) this.candidate = undefined;
    this.last = { kind: 'anchor', end };
  }

  /** Places `proof`, which starts now; an `own` proof is attached to its statement here. */
  place(proof: Proof, hints: ProofHints): Placement {
    const candidate = this.candidate;
    this.candidate = undefined;
    const previous = this.last;
    if (!hints.nested) this.last = { kind: 'proof', proof };

    if (hints.owner) {
      if (hints.owner.proof !== undefined) return 'additional';
      hints.owner.proof = proof;
      return 'own';
    }
    const title = titleMeaning(hints.title);
    const named = hints.label !== undefined ? this.byLabel.get(hints.label) : title.kind === 'name' ? this.names.find(title.words) : undefined;
    if (named) return attach(named, proof);
    if (candidate && candidate.proof === undefined) return attach(candidate, proof);
    if (hints.nested || hints.label !== undefined || title.kind !== 'none') return 'additional';
    if (previous === undefined) return this.textBetween(this.bodyStart, proof.range.start) === 'none' ? 'orphan' : 'additional';
    if (previous.kind === 'anchor') return 'additional';
    // After a proof: right after it, a further proof; after prose with a label or heading in it, a proof of
    // what that states; after prose alone, perhaps of something stated far before: a guess.
    return this.textBetween(previous.proof.range.end, proof.range.start) === 'prose' ? 'orphan' : 'additional';
  }

  /**
   * What stands between two positions: nothing (blank lines, comments), prose, or prose in which a line
   * starts with a label or heading (`\textbf{Problem 6.}`, `{\bf Lemma}`, `\section`, `**Fact.**`, `#`).
   */
  private textBetween(from: Position, to: Position): 'none' | 'prose' | 'labelled' {
    if (comparePositions(from, to) >= 0) return 'none';
    let found: 'none' | 'prose' = 'none';
    for (let line = from.line; line <= to.line; line++) {
      const lexed = this.lexed[line]!;
      if (lexed.kind !== 'content') continue;
      const start = Math.max(lexed.contentStart, line === from.line ? from.character : 0);
      const end = Math.min(lexed.contentEnd, line === to.line ? to.character : Infinity);
      const text = this.lines[line]!.slice(start, end).trim();
      if (text === '') continue;
      if (this.format === 'latex' ? latexLabelLike(text) : markdownLabelLike(text)) return 'labelled';
      found = 'prose';
    }
    return found;
  }
}

function attach(statement: Statement, proof: Proof): Placement {
  if (statement.proof !== undefined) return 'additional';
  statement.proof = proof;
  return 'own';
}

/** Commands that only space or indent, skipped before a label. */
const SPACING = ['\\noindent', '\\medskip', '\\bigskip', '\\smallskip', '\\par', '\\indent'];
/** A label or heading at the start of LaTeX text: bold, italic or emphasised words, a sectioning command,
 * a list item. */
const LATEX_LABEL = /^(?:\\(?:textbf|textit|emph|textsc|underline|paragraph|subparagraph|subsubsection|subsection|section|chapter|part|item|problem|exercise)\b|\{\\(?:bf|it|em|sc|bfseries|itshape|scshape)\b)/;

function latexLabelLike(text: string): boolean {
  let rest = text;
  for (let i = 0; i < 8; i++) {
    const spacing = SPACING.find((command) => rest.startsWith(command) && !/[A-Za-z]/.test(rest[command.length] ?? ''));
    if (!spacing) break;
    rest = rest.slice(spacing.length).trimStart();
  }
  return LATEX_LABEL.test(rest);
}

/** A label or heading at the start of Markdown text: bold or italic words, a heading, an HTML emphasis. */
const MARKDOWN_LABEL = /^(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?(?:\*\*|__|\*[^\s*]|_[^\s_]|#|<(?:b|strong|em|i)>)/i;

function markdownLabelLike(text: string): boolean {
  return MARKDOWN_LABEL.test(text);
}
