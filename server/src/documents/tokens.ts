/**
 * Tokens that the per-line lexers of both formats emit, and the scanning helpers they share.
 * A token holds columns on its own line only (see incremental.ts for why).
 */
import type { CertaintyOf } from './precision';
import type { DiagnosticCode, EnvironmentDeclaration, StatementKind } from './proofDocument';

export type MathDelimiter = '$' | '$$' | '\\(' | '\\[' | `env:${string}`;

/** A finding a lexer makes on its own line, at the certainty its rule allows. */
export type IssueToken = {
  [C in DiagnosticCode]: { t: 'issue'; code: C; certainty: CertaintyOf<C>; message: string; ch: number; endCh: number };
}[DiagnosticCode];

export type LineToken =
  /** `textDepth`: the text's brace depth there, counted from the line's start (absent: 0). Inside a brace
   * group (a macro's argument, perhaps) whether an environment balances is not known for sure. */
  | { t: 'begin'; name: string; ch: number; endCh: number; option?: string; textDepth?: number }
  | { t: 'end'; name: string; ch: number; endCh: number; textDepth?: number }
  /** The line's text braces do not balance: `delta` more `{` than `}` (negative: more `}`), at its end. */
  | { t: 'textBraces'; delta: number; ch: number; endCh: number }
  /** `\if...`, `\else`/`\or`, `\fi`: TeX's conditionals, which the analysis cannot evaluate. */
  | { t: 'conditional'; part: 'if' | 'else' | 'fi'; ch: number; endCh: number }
  | { t: 'label'; name: string; ch: number; endCh: number }
  | { t: 'ref'; command: string; name: string; ch: number; endCh: number }
  | { t: 'item'; ch: number; endCh: number }
  | { t: 'mathOpen'; delimiter: MathDelimiter; ch: number; endCh: number }
  | { t: 'mathClose'; delimiter: MathDelimiter; ch: number; endCh: number }
  /** The paragraph ended (blank line), or the environment around the math ended (`before`), while the
   * math was still open; `depth`: braces opened in it and not closed (each `$` after them was text). */
  | { t: 'mathUnclosed'; ch: number; endCh: number; before?: string; depth: number }
  /** Math ends here (its closer at ch..endCh) with `depth` braces opened in it not closed (negative: `}`
   * closing groups opened before it). */
  | { t: 'mathBraces'; depth: number; ch: number; endCh: number }
  | IssueToken
  | { t: 'definition'; definition: Definition; ch: number; endCh: number }
  | { t: 'heading'; level: number; text: string; ch: number; endCh: number }
  | { t: 'statementLabel'; kind: StatementKind; title: string; ch: number; endCh: number }
  /** `**Proof of Lemma 2.**`: `title` is the label's words when there are more than the proof word. */
  | { t: 'proofLabel'; word: string; title?: string; ch: number; endCh: number }
  | { t: 'proofEnd'; ch: number; endCh: number }
  /** `\input`, `\include`, `\subfile`, `\import`...: another file of the project. `target` is the file as
   * written (undefined when its argument is not on this line); `folder` the folder `\import`/`\subimport` name;
   * `prefix` xr's `\externaldocument[prefix]`. */
  | { t: 'include'; command: string; target: string | undefined; folder?: string; prefix?: string; ch: number; endCh: number }
  /** `\documentclass`, `\LoadClass` (`class`), `\usepackage`, `\RequirePackage` (`package`): the names as
   * written, and the options (a subfiles chapter names its main file there). */
  | { t: 'package'; kind: 'class' | 'package'; names: string[]; option: string | undefined; ch: number; endCh: number }
  /** A `% !TEX root = ../main.tex` magic comment: the project's root file, relative to this file. */
  | { t: 'rootComment'; path: string; ch: number; endCh: number };

/** What a LaTeX definition command declares (`command`: xparse's `\NewDocumentCommand` and kin, with their
 * argument specification). */
export type Definition =
  | EnvironmentDeclaration
  | { kind: 'macro'; name: string; arity: number; body: string; defaultArgument?: string }
  | { kind: 'command'; name: string; spec: string; body: string };

/** Whether a line has text that counts (comments do not). */
export type LineKind = 'blank' | 'comment' | 'content';

export interface LexedLine<S> {
  readonly endState: S;
  readonly tokens: readonly LineToken[];
  readonly kind: LineKind;
  /** First and one-past-last column of the line's meaningful text (0/0 when none). */
  readonly contentStart: number;
  readonly contentEnd: number;
  /** The line's text begins with display math (`$$`, `\[`, an equation environment): it belongs to the
   * sentence before it when proofs are split into steps. */
  readonly startsWithDisplay: boolean;
}

/** Reference commands whose argument names labels (cleveref's take comma lists). */
export const REFERENCE_COMMANDS: ReadonlySet<string> = new Set([
  'ref', 'eqref', 'cref', 'Cref', 'autoref', 'pageref', 'nameref', 'vref', 'cpageref', 'Cpageref', 'labelcref',
  'crefrange', 'Crefrange', 'hyperref',
]);

/** One `ref` token per label of a reference's argument (`\cref{a,b}` names two), all over the command. */
export function referenceTokens(command: string, argument: string, ch: number, endCh: number): LineToken[] {
  return argument
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '')
    .map((name) => ({ t: 'ref', command, name, ch, endCh }));
}

/** Maps a title or environment word ("Theorem", "lem", "Problem") to the kind of statement it introduces. */
export function classifyStatementWord(word: string): StatementKind | undefined {
  const w = word.trim().toLowerCase().replace(/\*$/, '');
  return STATEMENT_WORDS.get(w);
}

const STATEMENT_WORDS = new Map<string, StatementKind>([
  ['theorem', 'theorem'], ['thm', 'theorem'], ['satz', 'theorem'], ['théorème', 'theorem'],
  ['lemma', 'lemma'], ['lem', 'lemma'],
  ['proposition', 'proposition'], ['prop', 'proposition'],
  ['corollary', 'corollary'], ['cor', 'corollary'], ['coro', 'corollary'],
  ['claim', 'claim'], ['clm', 'claim'],
  ['problem', 'problem'], ['prob', 'problem'], ['pb', 'problem'], ['question', 'problem'],
  ['exercise', 'exercise'], ['ex', 'exercise'], ['exer', 'exercise'],
  ['conjecture', 'conjecture'], ['conj', 'conjecture'],
]);

/** Whether an environment or label word introduces a proof: `proof`, `solution`, their short forms (`pf`,
 * `sol`, `soln`), `answer`, and any name that says proof or solution (`mysolution`, `proofsketch`), starred
 * or not: a package's solution environment is one even where its definition cannot be seen. */
export function isProofWord(word: string): boolean {
  const w = word.trim().toLowerCase().replace(/\*$/, '');
  return PROOF_WORDS.has(w) || w.includes('proof') || w.includes('solution');
}

const PROOF_WORDS: ReadonlySet<string> = new Set(['proof', 'solution', 'pf', 'sol', 'soln', 'solu', 'answer', 'ans']);

export function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 64; /* @ in packages */
}

/**
 * The longest name, label or optional argument a scan looks for (`\begin{...}`, `\label{...}`, `[...]`).
 * No real one comes near it; the bound keeps a line of 100,000 unclosed `\begin{` linear instead of
 * scanning to the end of the line from each of them.
 */
export const MAX_GROUP_LENGTH = 256;

/**
 * Reads a `{...}` group starting at `from` (after optional spaces) on one line, at most `maxLength`
 * characters long. Returns the inner text and the column after the closing brace, or undefined if there is
 * none within the bound.
 */
export function readBraceGroup(text: string, from: number, maxLength = MAX_GROUP_LENGTH): { inner: string; end: number } | undefined {
  const i = skipWhitespace(text, from);
  if (text[i] !== '{') return undefined;
  let depth = 0;
  const stop = Math.min(text.length, i + maxLength + 2);
  for (let j = i; j < stop; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { inner: text.slice(i + 1, j), end: j + 1 };
  }
  return undefined;
}

/** Reads a `[...]` optional argument starting at `from` (after optional spaces), brace-aware, at most
 * `maxLength` characters long. */
export function readBracketGroup(text: string, from: number, maxLength = MAX_GROUP_LENGTH): { inner: string; end: number } | undefined {
  const i = skipWhitespace(text, from);
  if (text[i] !== '[') return undefined;
  let depth = 0;
  const stop = Math.min(text.length, i + maxLength + 2);
  for (let j = i + 1; j < stop; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ']' && depth <= 0) return { inner: text.slice(i + 1, j), end: j + 1 };
  }
  return undefined;
}

/** Describes a line's meaningful extent, given where its meaningful text stops (a comment, or its end). */
export function describeLine(
  text: string,
  stop: number,
): { kind: LineKind; contentStart: number; contentEnd: number } {
  let start = 0;
  while (start < stop && isSpace(text.charCodeAt(start))) start++;
  let end = stop;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (end > start) return { kind: 'content', contentStart: start, contentEnd: end };
  return { kind: stop < text.length ? 'comment' : 'blank', contentStart: 0, contentEnd: 0 };
}

/** The first column at or after `from` that is not white space (line breaks included). */
export function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (isSpace(text.charCodeAt(i)) || text[i] === '\n')) i++;
  return i;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 0xa0 || code === 0xfeff;
}
