/**
 * Statements by the names a proof's title gives them: "Proof of density theorem" and "Proof of Jacobson
 * density theorem" both name `\begin{theorem}[Jacobson density theorem]`, "Proof of Schur's lemma" names
 * `[Schur]`, "Proof of Theorem 2" names Markdown's `**Theorem 2.**`. A title names a statement when every
 * word it has beyond proof words, small words and statement kinds is a word of that statement's name; the
 * latest such statement wins. When no statement matches, nothing is attached: the title only says that the
 * proof knows what it proves.
 *
 * Words are looked up in an index (word -> statements that have it), so a book of thousands of statements
 * and titled proofs stays linear.
 */
import type { Statement } from './proofDocument';

/** Words a title says about itself, not about what it proves. */
const PROOF_WORDS: ReadonlySet<string> = new Set([
  'proof', 'proofs', 'solution', 'solutions', 'sol', 'pf', 'sketch', 'of', 'the', 'a', 'an', 'for', 'and', 'to', 'our', 'its',
]);

/** Words that only say which kind of statement (the number LaTeX prints is not in the source). */
const KIND_WORDS: ReadonlySet<string> = new Set([
  'theorem', 'thm', 'lemma', 'lem', 'proposition', 'prop', 'corollary', 'cor', 'claim', 'problem', 'exercise',
  'conjecture', 'fact', 'observation', 'statement', 'result',
]);

/** Words that make a title a further proof of what came before, not a name: "Second proof", "Another proof". */
const FURTHER_WORDS: ReadonlySet<string> = new Set([
  'second', 'third', 'fourth', 'fifth', 'another', 'alternative', 'alternate', 'new', 'different', 'direct', 'shorter',
  'longer', 'original', 'first', 'general', 'special', 'case', 'cases', 'using', 'not', 'without', 'via', 'by', 'with',
]);

/** How many statements sharing a title's rarest word are compared with it, latest first. */
const MAX_CANDIDATES = 64;

/** The words of a title or name: lower case, LaTeX commands and punctuation dropped, possessives cut. */
export function nameWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.toLowerCase().replace(/\\[a-z@]+\*?/g, ' ').matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    const word = match[0].replace(/['’]s$/, '');
    words.push(word);
  }
  return words;
}

/** What a proof's title says about the proof. */
export type TitleMeaning =
  /** No title, or only "Proof", "Solution", "Proof sketch". */
  | { kind: 'none' }
  /** It names a statement: these are the words to look it up by. */
  | { kind: 'name'; words: string[] }
  /** Anything else ("Second proof", "Proof in the general case", "Evidence"): the author says what it is. */
  | { kind: 'own' };

export function titleMeaning(title: string | undefined): TitleMeaning {
  if (title === undefined) return { kind: 'none' };
  const words = nameWords(title);
  const rest = words.filter((w) => !PROOF_WORDS.has(w));
  if (rest.length === 0) return { kind: 'none' };
  if (rest.some((w) => FURTHER_WORDS.has(w)) || !/\bof\b/.test(title.toLowerCase())) return { kind: 'own' };
  return { kind: 'name', words: rest };
}

export class StatementNames {
  private readonly byWord = new Map<string, { statement: Statement; words: ReadonlySet<string> }[]>();

  /** Indexes `statement` by the words of its name (`name`: its optional argument, or its title). */
  add(statement: Statement, name: string): void {
    const words = new Set(nameWords(name));
    const entry = { statement, words };
    for (const word of words) {
      const list = this.byWord.get(word);
      if (list) list.push(entry);
      else this.byWord.set(word, [entry]);
    }
  }

  /** The latest statement that `words` (a title's, see titleMeaning) name, if any. */
  find(words: readonly string[]): Statement | undefined {
    const wanted = words.filter((w) => !KIND_WORDS.has(w));
    if (wanted.length === 0) return undefined;
    // The rarest word has the shortest list to check.
    let shortest: { statement: Statement; words: ReadonlySet<string> }[] | undefined;
    for (const word of wanted) {
      const list = this.byWord.get(word);
      if (!list) return undefined;
      if (!shortest || list.length < shortest.length) shortest = list;
    }
    // The latest few only: a book of 10,000 statements sharing a word must not be searched per proof.
    for (let i = shortest!.length - 1; i >= Math.max(0, shortest!.length - MAX_CANDIDATES); i--) {
      const entry = shortest![i]!;
      if (wanted.every((w) => entry.words.has(w))) return entry.statement;
    }
    return undefined;
  }
}
