/**
 * Problems written as a labelled list, as the Putnam archive's files write them:
 *
 *     \begin{itemize}
 *     \item[A1] The answer is all $n \not\equiv 3, 6 \pmod 9$. ...
 *     \item[A2] ...
 *
 * Each `\item[CODE]` whose label is a problem code (`A1`, `B6`, `A--1`, `B-6`) is a problem, titled by its
 * code, running to the next item of its list or the list's end. The same shape marks ordinary lists (a list
 * of sources `\item[S1]`, `\item[E1]`), so it is a guess (recognition.ts's policy: an outline entry and a
 * Prove lens, never a warning) and it needs the list's own convention, a series: at least two of its items
 * with codes of one letter (`A1`, `A2`; then `B1` beside them is one too).
 *
 * Such a list is either the problems (each item its statement, waiting for a proof; a proof environment inside
 * the item is then its proof) or, in a file whose text before the list says "Solution(s)" (`Solutions to the
 * 80th Putnam`), the solutions: each item's text is the solution of the problem its code names, and the
 * problem is the code alone.
 */
import { range, type Position, type Range } from './proofDocument';
import type { LatexState } from './latexLexer';
import type { LexedLine } from './tokens';

/** List environments whose items may carry codes. */
const LISTS = new Set(['itemize', 'enumerate', 'description', 'list', 'itemize*', 'enumerate*']);
/** A problem code in an item's optional argument, right after `\item`: a letter or two, a number. */
const CODE = /^[ \t]{0,4}\[[ \t]{0,2}([A-Z]{1,2})[ \t]{0,2}(?:-{1,3}|\u2013|\u2014)?[ \t]{0,2}(\d{1,2})[ \t]{0,2}\]/;
/** What the text before the list says when the list is of solutions. */
const SOLUTIONS_TITLE = /\bsolutions?\b/i;

/** One item of a list that is a problem: its code, where `\item[CODE]` stands, and how far its text runs. */
export interface ItemProblem {
  /** The code as a title: `A1` (also for `A--1`). */
  title: string;
  /** `\item[A1]`. */
  header: Range;
  /** The end of the item's text (before the next item or the list's end). */
  end: Position;
  /** The end of the problem's own text: before a proof environment inside the item, else `end`. */
  statementEnd: Position;
  /** The item's text is the solution (the file's list is of solutions), not the problem. */
  solution: boolean;
}

interface OpenItem extends Pick<ItemProblem, 'title' | 'header'> {
  letter: string;
  /** Which list it is an item of (numbered in order of `\begin`). */
  list: number;
  /** Where a proof environment inside the item begins, if one does. */
  proofAt?: Position;
  depth: number;
}

/**
 * The coded items of a file that form a series, keyed by `line:character` of their `\item`. `isProof` says
 * which environment names are proofs.
 */
export function itemProblems(lines: readonly string[], lexed: readonly LexedLine<LatexState>[], isProof: (name: string) => boolean): Map<string, ItemProblem> {
  const found: (OpenItem & { end: Position })[] = [];
  const open: OpenItem[] = [];
  /** The lists open, innermost last, by number. */
  const lists: number[] = [];
  let opened = 0;
  let firstTextLine = 0;
  const close = (until: number, at: Position): void => {
    while (open.length > 0 && open[open.length - 1]!.depth >= until) {
      const item = open.pop()!;
      found.push({ ...item, end: endBefore(lines, lexed, at, item.header.end) });
    }
  };
  for (let line = 0; line < lexed.length; line++) {
    for (const token of lexed[line]!.tokens) {
      if (token.t === 'begin') {
        if (token.name === 'document') firstTextLine = line + 1;
        else if (LISTS.has(token.name)) lists.push(opened++);
        else if (isProof(token.name) && open.length > 0) open[open.length - 1]!.proofAt ??= { line, character: token.ch };
      } else if (token.t === 'end') {
        if (LISTS.has(token.name) && lists.length > 0) {
          close(lists.length, { line, character: token.ch });
          lists.pop();
        }
        else if (token.name === 'document') close(0, { line, character: token.ch });
      } else if (token.t === 'item' && lists.length > 0) {
        close(lists.length, { line, character: token.ch });
        const code = CODE.exec(lines[line]!.slice(token.endCh, token.endCh + 24));
        const header = code && range(line, token.ch, line, token.endCh + code[0].length);
        if (header) open.push({ title: `${code[1]}${code[2]}`, letter: code[1]!, header, depth: lists.length, list: lists[lists.length - 1]! });
      }
    }
  }
  close(0, { line: lexed.length - 1, character: lines[lexed.length - 1]?.length ?? 0 });

  // A list is a series when two of its codes share a letter (A1, A2); all its coded items are then problems.
  const perLetter = new Map<string, number>();
  for (const item of found) perLetter.set(`${item.list}:${item.letter}`, (perLetter.get(`${item.list}:${item.letter}`) ?? 0) + 1);
  const seriesLists = new Set([...perLetter].filter(([, count]) => count >= 2).map(([key]) => Number(key.split(':')[0])));
  const series = found.filter((item) => seriesLists.has(item.list)).sort((a, b) => a.header.start.line - b.header.start.line || a.header.start.character - b.header.start.character);
  const result = new Map<string, ItemProblem>();
  if (series.length === 0) return result;
  const solutions = saysSolutions(lines, lexed, firstTextLine, series[0]!.header.start.line);
  for (const { title, header, end, proofAt } of series) {
    const statementEnd = proofAt ? endBefore(lines, lexed, proofAt, header.end) : end;
    result.set(`${header.start.line}:${header.start.character}`, { title, header, end, statementEnd, solution: solutions && proofAt === undefined });
  }
  return result;
}

/** Whether the text (not the comments) from `from` to before `to` says "Solution" or "Solutions". */
function saysSolutions(lines: readonly string[], lexed: readonly LexedLine<LatexState>[], from: number, to: number): boolean {
  for (let line = from; line < to; line++) {
    const here = lexed[line]!;
    if (here.kind === 'content' && SOLUTIONS_TITLE.test(lines[line]!.slice(here.contentStart, here.contentEnd))) return true;
  }
  return false;
}

/** The end of the text before `at`: `at` itself when text stands before it on its line, else the end of the
 * last line with text (never before `floor`). */
function endBefore(lines: readonly string[], lexed: readonly LexedLine<LatexState>[], at: Position, floor: Position): Position {
  if (lines[at.line]!.slice(0, at.character).trim() !== '') return at;
  for (let line = at.line - 1; line >= floor.line; line--) {
    const here = lexed[line]!;
    if (here.kind !== 'content') continue;
    return line > floor.line || here.contentEnd > floor.character ? { line, character: here.contentEnd } : floor;
  }
  return floor;
}
