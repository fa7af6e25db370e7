/**
 * The structure pass shared by both formats: from lexed lines to statements, proofs, steps, labels,
 * references and diagnostics. It is linear in the number of tokens (a 2,000-line file has a few thousand)
 * and never throws on malformed input: whatever is left open at the end is closed there and reported.
 */
import { unclosedBrace } from './braces';
import { describeMath } from './latexLexer';
import { finding } from './precision';
import {
  comparePositions,
  lineLabel,
  range,
  stillToProve,
  TASK_KINDS,
  type Heading,
  type LabelDefinition,
  type Position,
  type Proof,
  type ProofDocumentAnalysis,
  type ProofStep,
  type Range,
  type Reference,
  type Statement,
  type StructuralDiagnostic,
  type DocumentFormat,
  type EnvironmentDeclaration,
  type MacroDefinition,
  type ProjectLinks,
  type CommandWrapper,
} from './proofDocument';
import { ProofPlacer, type ProofHints } from './proofPlacement';
import type { IssueToken, LexedLine, LineToken, MathDelimiter } from './tokens';

/** A token with the line it stands on. */
export interface PlacedToken {
  line: number;
  token: LineToken;
}

export class StructureBuilder {
  readonly statements: Statement[] = [];
  readonly orphanProofs: Proof[] = [];
  /** Further proofs of a statement that already has one (they name it with `\ref`). */
  readonly additionalProofs: Proof[] = [];
  readonly labels: LabelDefinition[] = [];
  readonly headings: Heading[] = [];
  readonly references: Reference[] = [];
  readonly macros: MacroDefinition[] = [];
  readonly diagnostics: StructuralDiagnostic[] = [];
  private openMath: { delimiter: MathDelimiter; range: Range } | undefined;
  private readonly placer: ProofPlacer;
  private readonly proofs: Proof[] = [];
  private readonly links: ProjectLinks = { packages: [], classes: [], includes: [] };

  constructor(
    private readonly format: DocumentFormat,
    private readonly lines: readonly string[],
    private readonly lexed: readonly LexedLine<unknown>[],
  ) {
    this.placer = new ProofPlacer(format, lines, lexed);
  }

  /** Handles the tokens every format shares; returns false for tokens the caller must handle. */
  takeCommonToken({ line, token }: PlacedToken): boolean {
    switch (token.t) {
      case 'mathOpen':
        this.openMath = { delimiter: token.delimiter, range: range(line, token.ch, line, token.endCh) };
        return true;
      case 'mathClose':
        this.openMath = undefined;
        return true;
      case 'mathUnclosed':
        this.reportUnclosedMath(
          token.before === undefined
            ? `before the paragraph ends (${lineLabel({ line, character: 0 })})`
            : `before \`${token.before}\` on ${lineLabel({ line, character: 0 })}`,
          token.depth,
          { line, character: token.ch },
        );
        return true;
      case 'mathBraces':
        this.reportUnbalancedBraces(token.depth, range(line, token.ch, line, token.endCh));
        return true;
      case 'issue':
        this.diagnostics.push(issueFinding(token, range(line, token.ch, line, token.endCh)));
        return true;
      case 'label':
        this.labels.push({ name: token.name, range: range(line, token.ch, line, token.endCh) });
        return true;
      case 'ref':
        this.references.push({ command: token.command, name: token.name, range: range(line, token.ch, line, token.endCh) });
        return true;
      case 'include':
        if (token.target !== undefined) {
          this.links.includes.push({
            command: token.command,
            target: token.target,
            ...(token.folder !== undefined ? { folder: token.folder } : {}),
            ...(token.prefix !== undefined ? { prefix: token.prefix } : {}),
            range: range(line, token.ch, line, token.endCh),
          });
        }
        return true;
      case 'package':
        if (token.kind === 'package') this.links.packages.push(...token.names);
        else {
          this.links.classes.push(...token.names);
          if (!this.links.documentClass && token.names[0] !== undefined) {
            this.links.documentClass = { name: token.names[0], ...(token.option !== undefined ? { option: token.option } : {}) };
          }
        }
        return true;
      case 'rootComment':
        this.links.rootComment ??= token.path;
        return true;
      default:
        return false;
    }
  }

  /** Records a finished statement (`name`: what a proof's title may call it); it is the candidate for the
   * next proof. */
  addStatement(statement: Statement, name?: string): void {
    this.statements.push(statement);
    this.placer.statement(statement, name);
  }

  /** Something a proof may follow that is no statement to prove ends here (proofPlacement.ts, `anchor`). */
  addAnchor(end: Position, theoremLike = false): void {
    this.placer.anchor(end, theoremLike);
  }

  /** The document's text starts here (LaTeX: after `\begin{document}`). */
  bodyStartsAt(position: Position): void {
    this.placer.bodyStartsAt(position);
  }

  /** Places a proof that starts now (proofPlacement.ts): a statement's own, a further one, or an orphan. */
  attachProof(proof: Proof, hints: ProofHints = {}): void {
    this.proofs.push(proof);
    const placement = this.placer.place(proof, hints);
    if (placement === 'additional') this.additionalProofs.push(proof);
    else if (placement === 'orphan') this.orphanProofs.push(proof);
  }

  /**
   * Ends the document: reports what is still open and derives the document-wide diagnostics. References are
   * checked against labels later (references.ts), when it is known which files the labels may be in.
   */
  finish(macros: MacroDefinition[], environments: EnvironmentDeclaration[] = [], wrappers: CommandWrapper[] = []): ProofDocumentAnalysis {
    this.macros.push(...macros);
    if (this.openMath) this.reportUnclosedMath('before the end of the document');
    const nested = nestedProofs(this.proofs);
    for (const proof of this.proofs) proof.steps = this.splitSteps(proof.bodyRange, nested.get(proof) ?? []);

    for (const proof of this.orphanProofs) {
      this.diagnostics.push(finding(
        'proof-without-statement',
        'guess',
        proof.headerRange,
        'This proof seems to follow no statement: nothing before it states what it proves. If it proves a result stated earlier, name it in its title (`Proof of Theorem~\\ref{...}`).',
      ));
    }
    for (const statement of this.statements) {
      if (stillToProve(statement) && TASK_KINDS.has(statement.kind)) {
        this.diagnostics.push(finding('problem-without-proof', statement.certainty === 'guess' ? 'guess' : 'likely', statement.headerRange, `${statement.title} has no proof yet.`));
      }
    }
    this.diagnostics.sort((a, b) => comparePositions(a.range.start, b.range.start));
    return {
      format: this.format,
      statements: this.statements,
      headings: this.headings,
      orphanProofs: this.orphanProofs,
      additionalProofs: this.additionalProofs,
      labels: this.labels,
      references: this.references,
      macros: this.macros,
      environments,
      wrappers,
      links: this.links,
      diagnostics: this.diagnostics,
    };
  }

  /** The text of `line`. */
  lineText(line: number): string {
    return this.lines[line]!;
  }

  /** The end of the document. */
  documentEnd(): Position {
    const last = this.lines.length - 1;
    return { line: last, character: this.lines[last]!.length };
  }

  /** The end of the last meaningful text strictly before `line` (or `fallback` when there is none). */
  contentEndBefore(line: number, fallback: Position): Position {
    for (let l = line - 1; l >= fallback.line; l--) {
      const lexed = this.lexed[l]!;
      if (lexed.kind === 'content') {
        const end = { line: l, character: lexed.contentEnd };
        return comparePositions(end, fallback) > 0 ? end : fallback;
      }
    }
    return fallback;
  }

  /**
   * Math that is not closed `where` (before the paragraph ends, before an environment's end, before the end
   * of the document). With `depth` braces still open in it, the fault is the first of them: every `$` after
   * it was read as text inside the brace, so the finding goes there. Certain in LaTeX (TeX stops there);
   * likely in Markdown, whose math is its renderer's (an unclosed `$` shows as a dollar sign, `\\[` is an
   * escaped bracket, and some renderers let display math run over a blank line).
   */
  private reportUnclosedMath(where: string, depth = 0, at?: Position): void {
    const open = this.openMath;
    if (!open) return;
    this.openMath = undefined;
    if (this.format === 'markdown' && open.delimiter === '$' && isDigit(this.lines[open.range.start.line]!, open.range.end.character)) {
      return; // "$5": Pandoc and markdown-it-katex show an unclosed `$` before a digit as a dollar sign.
    }
    const closer = open.delimiter === '\\(' ? '\\)' : open.delimiter === '\\[' ? '\\]' : open.delimiter;
    const message = `${capitalise(describeMath(open.delimiter))} opened on ${lineLabel(open.range.start)} is not closed with \`${closer}\` ${where}.`;
    const brace = depth > 0 && at ? unclosedBrace(this.lines, this.format, at, depth) : undefined;
    if (brace && comparePositions(brace.start, open.range.end) >= 0) {
      // The cause first: the brace (the math not closed is what it leads to).
      this.diagnostics.push(finding(
        'unclosed-math',
        this.format === 'latex' ? 'certain' : 'likely',
        brace,
        `Unbalanced brace: this \`{\` (${lineLabel(brace.start)}, column ${brace.start.character + 1}) is never closed, so each \`${closer}\` after it is read as text inside it and ${describeMath(open.delimiter)} opened on ${lineLabel(open.range.start)} is not closed ${where}.`,
        [{ range: open.range, message: 'the math opened here' }],
      ));
      return;
    }
    this.diagnostics.push(finding('unclosed-math', this.format === 'latex' ? 'certain' : 'likely', open.range, message));
  }

  /**
   * Math that ends (at `closer`) with braces opened in it still open: reported at the first of them. A `}`
   * that closes a brace opened before the math (negative depth) is left alone: math may begin inside one
   * argument of a macro and end after it (`\\indcase{A}{B}{$x}$`), which only the macro's definition decides.
   */
  private reportUnbalancedBraces(depth: number, closer: Range): void {
    if (depth <= 0) return;
    const brace = unclosedBrace(this.lines, this.format, closer.start, depth);
    this.diagnostics.push(finding(
      'unbalanced-braces-in-math',
      'certain',
      brace ?? closer,
      `Unbalanced braces in math: ${brace ? 'this `{` is' : `${depth} \`{\` ${depth === 1 ? 'is' : 'are'}`} not closed before the math ends on ${lineLabel(closer.start)}.`,
      brace ? [{ range: closer, message: 'the math ends here' }] : undefined,
    ));
  }

  /**
   * Splits a proof body into steps: paragraphs (blank lines separate them), list items, and display math
   * that stands alone, which joins the sentence before it. The proofs nested in it (`children`, in order)
   * are skipped: their lines are their own steps, so splitting every proof stays linear in the text
   * however deeply proofs nest.
   */
  private splitSteps(body: Range, children: readonly Proof[]): ProofStep[] {
    const steps: ProofStep[] = [];
    let current: ProofStep | undefined;
    let afterBreak = false;
    let next = 0;
    let from = body.start.character;
    for (let line = body.start.line; line <= body.end.line; ) {
      const lexed = this.lexed[line]!;
      const child = children[next];
      const childHere = child !== undefined && child.range.start.line === line;
      const segmentEnd = Math.min(line === body.end.line ? body.end.character : Infinity, childHere ? child.range.start.character : Infinity);
      if (lexed.kind === 'blank') {
        current = undefined;
        afterBreak = true;
      } else if (lexed.kind === 'content') {
        const added = this.addSegment(steps, current, afterBreak, line, Math.max(from, lexed.contentStart), Math.min(segmentEnd, lexed.contentEnd), from <= lexed.contentStart);
        if (added) {
          current = added;
          afterBreak = false;
        }
      }
      if (childHere) {
        // The nested proof ends the step before it; text after its end on the same line goes on from there.
        current = undefined;
        afterBreak = false;
        next++;
        line = child.range.end.line;
        from = child.range.end.character;
        continue;
      }
      line++;
      from = 0;
    }
    return steps;
  }

  /** Adds the text of `line` between columns `from` and `to` to the steps; returns the step it went to. */
  private addSegment(steps: ProofStep[], current: ProofStep | undefined, afterBreak: boolean, line: number, from: number, to: number, atLineStart: boolean): ProofStep | undefined {
    const lexed = this.lexed[line]!;
    const text = this.lines[line]!;
    let start = from;
    while (start < to && /\s/.test(text[start]!)) start++;
    let end = to;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end <= start) return undefined;

    for (const token of lexed.tokens) {
      if (token.t !== 'item' || token.ch < start || token.ch >= end) continue;
      if (current && token.ch > start) current.range.end = trimmedEnd(text, line, token.ch, start);
      current = { kind: 'item', range: range(line, token.ch, line, end) };
      steps.push(current);
      afterBreak = false;
    }
    const display = lexed.startsWithDisplay && atLineStart;
    if (current) {
      current.range.end = { line, character: end };
    } else if (display && afterBreak && steps.length > 0) {
      current = steps[steps.length - 1]!;
      current.range.end = { line, character: end };
    } else {
      current = { kind: display ? 'display' : 'paragraph', range: range(line, start, line, end) };
      steps.push(current);
    }
    return current;
  }
}

/** For each proof, the proofs directly nested in its body, in document order (`proofs` is in that order). */
function nestedProofs(proofs: readonly Proof[]): Map<Proof, Proof[]> {
  const children = new Map<Proof, Proof[]>();
  const open: Proof[] = [];
  for (const proof of proofs) {
    while (open.length > 0 && !inside(open[open.length - 1]!.bodyRange, proof.range.start)) open.pop();
    const parent = open[open.length - 1];
    if (parent) {
      const list = children.get(parent);
      if (list) list.push(proof);
      else children.set(parent, [proof]);
    }
    open.push(proof);
  }
  return children;
}

function inside(body: Range, position: Position): boolean {
  return comparePositions(body.start, position) <= 0 && comparePositions(position, body.end) < 0;
}

function trimmedEnd(text: string, line: number, before: number, floor: number): Position {
  let end = before;
  while (end > floor && /\s/.test(text[end - 1]!)) end--;
  return { line, character: end };
}

/** A lexer's finding, placed on its line (the token's type pairs each code with the certainties its rule has). */
function issueFinding(token: IssueToken, at: Range): StructuralDiagnostic {
  const { code, certainty, message } = token as { code: 'unclosed-math'; certainty: 'certain'; message: string };
  return finding(code, certainty, at, message);
}

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
}

function capitalise(text: string): string {
  return text.startsWith('`') ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
