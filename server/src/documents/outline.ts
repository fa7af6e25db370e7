/**
 * The outline of a proof document, complete on its own: sections (LaTeX `\section{...}` and its kin, Markdown
 * headings) are the parents of the statements under them, as texlab's and VS Code's Markdown outlines have
 * them, so that whichever outline a user keeps beside another extension's loses nothing. Each statement's proof
 * is its child, the proof's steps the proof's children.
 *
 * Entries are plain text (plainText.ts), never raw LaTeX: a statement is named by its title, with its label
 * when the title is only its kind (`Lemma (lem:base)`), and described by the first words of its text; a
 * section by its title. A heading that is itself a statement or a solution (`## Problem 2`, `\subsection*{Solution}`)
 * is that entry, not a section too; a heading inside a statement or proof (`#### Case 1`) belongs to it.
 *
 * Pure data: features/symbols.ts maps entries onto LSP document symbols.
 */
import { comparePositions, type Heading, type Position, type Proof, type ProofDocumentAnalysis, type Range, type Statement } from './proofDocument';
import { plainText } from './plainText';

export type OutlineKind = 'section' | 'problem' | 'theorem' | 'proof' | 'paragraphStep' | 'itemStep';

export interface OutlineEntry {
  name: string;
  detail: string;
  kind: OutlineKind;
  /** Everything the entry covers (a statement: with its proof; a section: to the next of its level). */
  range: Range;
  /** What is selected when the entry is chosen: the heading, the statement's or proof's opening marker. */
  selectionRange: Range;
  children: OutlineEntry[];
}

/** At most this many characters of the text in `range`, from its start. */
export type Excerpt = (range: Range, maxLength: number) => string;

const DETAIL_LENGTH = 60;
/** A detail reads at most this much of a body: a statement whose body runs to the end of a large document
 * (20,000 nested theorems) must not copy that whole text for each entry. */
const SUMMARY_SOURCE_LENGTH = 400;

/**
 * The outline of `analysis`. `excerpt` reads the document's text; `lineEnd(line)` is the end of a line (a
 * section ends at the end of the line before the next heading of its level or higher).
 */
export function outline(analysis: ProofDocumentAnalysis, excerpt: Excerpt, lineEnd: (line: number) => Position): OutlineEntry[] {
  const text = (range: Range): string => excerpt(range, SUMMARY_SOURCE_LENGTH);
  const items = [
    ...analysis.statements.map((statement) => statementEntry(statement, text)),
    ...analysis.orphanProofs.map((proof) => proofEntry(proof, 'Proof (no statement)', text)),
    ...analysis.additionalProofs.map((proof) => proofEntry(proof, 'Another proof', text)),
  ].sort((a, b) => comparePositions(a.range.start, b.range.start));
  return nestInSections(sectionHeadings(analysis, items), items, lineEnd);
}

/** A heading of the outline: one that opens a section, or (`entry`) one that is a statement's or proof's own
 * marker, which opens no section but ends those of its level and deeper. */
interface OutlineHeading extends Heading {
  entry: boolean;
}

/** The headings that open or end sections: not those inside an entry. */
function sectionHeadings(analysis: ProofDocumentAnalysis, items: readonly OutlineEntry[]): OutlineHeading[] {
  const markers = new Set<string>();
  const mark = (range: Range): void => void markers.add(`${range.start.line}:${range.start.character}`);
  for (const statement of analysis.statements) {
    mark(statement.headerRange);
    if (statement.proof) mark(statement.proof.headerRange);
  }
  for (const proof of [...analysis.orphanProofs, ...analysis.additionalProofs]) mark(proof.headerRange);
  const kept: OutlineHeading[] = [];
  let next = 0;
  for (const heading of analysis.headings) {
    if (markers.has(`${heading.range.start.line}:${heading.range.start.character}`)) {
      kept.push({ ...heading, entry: true });
      continue;
    }
    // Items are sorted and do not overlap: the first that does not end before the heading is the only one that
    // may hold it.
    while (next < items.length && comparePositions(items[next]!.range.end, heading.range.start) < 0) next++;
    const item = items[next];
    if (item && comparePositions(item.range.start, heading.range.start) <= 0) continue;
    kept.push({ ...heading, entry: false });
  }
  return kept;
}

/** Places `items` (sorted) under the sections `headings` open, in document order. */
function nestInSections(headings: readonly OutlineHeading[], items: readonly OutlineEntry[], lineEnd: (line: number) => Position): OutlineEntry[] {
  const root: OutlineEntry[] = [];
  const open: { entry: OutlineEntry; level: number }[] = [];
  const close = (level: number, before: Position | undefined): void => {
    while (open.length > 0 && open[open.length - 1]!.level >= level) {
      const { entry } = open.pop()!;
      const end = before && before.line > entry.range.start.line ? lineEnd(before.line - 1) : entry.selectionRange.end;
      const last = entry.children.at(-1)?.range.end;
      entry.range.end = last && comparePositions(last, end) > 0 ? last : end;
    }
  };
  const add = (entry: OutlineEntry): void => void (open.length > 0 ? open[open.length - 1]!.entry.children : root).push(entry);
  let h = 0;
  for (const item of [...items, undefined]) {
    // A heading at the item's own start is its marker: it ends the sections it closes before the item is placed.
    while (h < headings.length && (!item || comparePositions(headings[h]!.range.start, item.range.start) <= 0)) {
      const heading = headings[h++]!;
      close(heading.level, heading.range.start);
      if (heading.entry) continue;
      const entry: OutlineEntry = { name: plainText(heading.title) || heading.title, detail: '', kind: 'section', range: { start: heading.range.start, end: heading.range.end }, selectionRange: heading.range, children: [] };
      add(entry);
      open.push({ entry, level: heading.level });
    }
    if (item) add(item);
  }
  close(-1, undefined);
  return root;
}

function statementEntry(statement: Statement, text: (range: Range) => string): OutlineEntry {
  const end = statement.proof && comparePositions(statement.proof.range.end, statement.range.end) > 0 ? statement.proof.range.end : statement.range.end;
  return {
    name: statementName(statement),
    detail: summary(text(statement.bodyRange)),
    kind: statement.kind === 'problem' || statement.kind === 'exercise' ? 'problem' : 'theorem',
    range: { start: statement.range.start, end },
    selectionRange: statement.headerRange,
    children: statement.proof ? [proofEntry(statement.proof, proofName(statement.proof), text)] : [],
  };
}

/** The title in plain text; with the label when the title is no more than its kind ("Lemma (lem:base)"). */
function statementName(statement: Statement): string {
  const title = plainText(statement.title) || statement.title;
  return statement.label !== undefined && /^[\p{L}*]+$/u.test(title) ? `${title} (${statement.label})` : title;
}

function proofEntry(proof: Proof, name: string, text: (range: Range) => string): OutlineEntry {
  return {
    name,
    detail: proofDetail(proof),
    kind: 'proof',
    range: proof.range,
    selectionRange: proof.headerRange,
    children: proof.steps.map((step, index) => ({
      name: `Step ${index + 1}`,
      detail: summary(text(step.range)),
      kind: step.kind === 'item' ? 'itemStep' : 'paragraphStep',
      range: step.range,
      selectionRange: step.range,
      children: [],
    })),
  };
}

/** "3 steps", "3 steps, not closed", or "empty" for a proof label or environment with nothing in it yet (its
 * statement is still to prove: not closing it is no fault). */
function proofDetail(proof: Proof): string {
  const count = proof.steps.length;
  if (count === 0) return 'empty';
  return `${count} ${count === 1 ? 'step' : 'steps'}${proof.closed ? '' : ', not closed'}`;
}

function proofName(proof: Proof): string {
  return proof.environment.toLowerCase().startsWith('sol') ? 'Solution' : 'Proof';
}

/** The first words of a text, in plain text, at most DETAIL_LENGTH characters, cut at a word. */
function summary(source: string): string {
  const flat = plainText(source);
  if (flat.length <= DETAIL_LENGTH) return flat;
  const cut = flat.lastIndexOf(' ', DETAIL_LENGTH - 1);
  return `${flat.slice(0, cut > 0 ? cut : DETAIL_LENGTH - 1)}…`;
}
