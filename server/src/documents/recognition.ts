/**
 * How a heading or a paragraph's first words are recognised as a statement, a proof or a part of a problem:
 * the one table of recognisers (docs/recognition.md shows each with an example). A new format is one entry.
 *
 * Each recogniser says how sure it is (precision.ts's certainties). A `guess` applies in a file only when the
 * file's own conventions confirm it (`Conventions`, decided once per file from the whole text): `A1.` starts
 * a problem only where at least two paragraphs start that way, an identifier heading (`IMO.SHL.2019.A1`)
 * only where the file also writes solutions. A statement found by a guess is shown (outline, Prove lens) but
 * no finding about it is louder than a guess (structure.ts).
 *
 * Every pattern is anchored at the text's start and every run in it is bounded, and it is tried on at most
 * `RECOGNISED_PREFIX` characters: recognising stays linear in the document and cannot backtrack badly.
 */
import type { Certainty } from './proofDocument';
import type { StatementKind } from './proofDocument';
import { classifyStatementWord } from './tokens';
import { matchAtStart, type UserPatterns } from './userPatterns';

/** What a recogniser finds: a statement of a kind, a proof (a solution), or a part of the problem above. */
export type Recognised =
  | { role: 'statement'; kind: StatementKind }
  | { role: 'proof' }
  | { role: 'part' };

/** Where a recogniser is tried: a heading's text (Markdown `#`, LaTeX `\section`), or the first words of a
 * paragraph in plain text (Markdown). */
export type Place = 'heading' | 'paragraph';

/** What the file must also contain for a `guess` recogniser to apply (see `Conventions`). */
export type Convention = 'series' | 'solutions';

export interface Recogniser {
  name: string;
  place: Place;
  /** Anchored at the start; `kind` (when the role is a statement) is read from group 1 unless fixed. */
  pattern: RegExp;
  recognises: Recognised | 'statementWord';
  certainty: Certainty;
  /** For a guess: the convention of the file that confirms it. */
  convention?: Convention;
  /** One example, as docs/recognition.md shows it. */
  example: string;
}

/** The longest prefix of a line any recogniser looks at. */
export const RECOGNISED_PREFIX = 200;

const STATEMENT_WORD = '(Theorem|Lemma|Proposition|Corollary|Claim|Problem|Exercise|Conjecture|Question)';
/** After a statement word in a heading: nothing, punctuation, or a number or identifier ("Problem A1",
 * "Question IV", "Lemma 3.2"), never another word ("Problem Selection Committee", "Theorem about x"). */
const HEADING_AFTER_WORD = '(?=$|[ \\t]{0,4}[.:(\\-\\u2013\\u2014#,]|[ \\t]{1,4}(?:[A-Z]{0,3}\\d|[IVXivx]{1,6}\\b|[A-Za-z]\\b|\\$))';
const NUMBERED = '(?:\\d{1,4}[.)][ \\t]{0,4})?';
const SOLUTION_ADJECTIVE =
  '(?:(?:Original|Official|Alternative|Alternate|Another|First|Second|Third|Fourth|Model|Full|Sample|Complete|Short|Sketch of|Sketch of the|My|Our|The)[ \\t]{1,4})?';

/** Words that name a solution or proof, in the languages problem sets are written in (the English ones,
 * and `Atrisinājums`, `Lösung`, `Beweis`, `Preuve`, `Solución`, `Решение`...). */
const SOLUTION_WORD =
  '(?:Proof|Solution|Answer|Atrisin\u0101jums|L\u00f6sung|Beweis|Preuve|D\u00e9monstration|Soluci\u00f3n|Demostraci\u00f3n|\u0420\u0435\u0448\u0435\u043d\u0438\u0435|\u0414\u043e\u043a\u0430\u0437\u0430\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e)';

/** Every recogniser, in the order they are tried (the first that matches wins). */
export const RECOGNISERS: readonly Recogniser[] = [
  {
    name: 'solution heading',
    place: 'heading',
    pattern: new RegExp(`^${NUMBERED}${SOLUTION_ADJECTIVE}${SOLUTION_WORD}s?(?![A-Za-z])`, 'i'),
    recognises: { role: 'proof' },
    certainty: 'certain',
    example: '### Original Solution · \\subsection*{Proof (a)} · ## Solution 2 · ## Atrisinājums',
  },
  {
    name: 'statement heading',
    place: 'heading',
    pattern: new RegExp(`^${NUMBERED}${STATEMENT_WORD}${HEADING_AFTER_WORD}`, 'i'),
    recognises: 'statementWord',
    certainty: 'likely',
    example: '## Problem 2 · \\section*{Question 3} · ### Theorem (AM-GM)',
  },
  {
    name: 'part heading',
    place: 'heading',
    pattern: /^Part[ \t]{1,4}\(?[A-Za-z0-9]{1,3}\)?(?=$|[ \t.:)])/i,
    recognises: { role: 'part' },
    certainty: 'likely',
    example: '#### Part A (under ## Problem 3)',
  },
  {
    name: 'identifier heading',
    place: 'heading',
    pattern: /^[A-Za-z]{2,12}(?:[._\-/][A-Za-z0-9]{1,12}){1,5}[._\-/ ][A-Z]{0,2}\d{1,3}[A-Z]?$/,
    recognises: { role: 'statement', kind: 'problem' },
    certainty: 'guess',
    convention: 'solutions',
    example: '# <lo-sample/> IMO.SHL.2019.A1 · # LV.AMO.2023.5.1',
  },
  {
    name: 'plain statement label',
    place: 'paragraph',
    pattern: new RegExp(`^${STATEMENT_WORD}(?:[ \\t]{1,4}(?:[A-Z]{0,2}\\d{1,4}(?:\\.\\d{1,4}){0,3}[a-z]?|[IVX]{1,6}))?[ \\t]{0,4}(?:\\([^()\\n]{0,80}\\)[ \\t]{0,4})?[.:](?![^ \\t])`),
    recognises: 'statementWord',
    certainty: 'likely',
    example: 'Lemma 1. If $a>0$ ...',
  },
  {
    name: 'solution label',
    place: 'paragraph',
    pattern: new RegExp(`^(?:\\d{1,2}\\.[ \\t]{0,4})?${SOLUTION_WORD}(?:[ \\t]{1,4}\\d{1,2})?[ \\t]{0,4}[.:](?![^ \\t])`, 'i'),
    recognises: { role: 'proof' },
    certainty: 'likely',
    example: 'Atrisinājums. Pamatosim, ka ... · 1. atrisinājums. Ņemot vērā ... (plain English `Solution.` and `Proof.` are the lexer\'s)',
  },
  {
    name: 'problem code',
    place: 'paragraph',
    pattern: /^[A-Z]{1,2}\d{1,3}\.[ \t]/,
    recognises: { role: 'statement', kind: 'problem' },
    certainty: 'guess',
    convention: 'series',
    example: 'A1. Let $a_n$ be ...',
  },
  {
    name: 'numbered problem',
    place: 'paragraph',
    pattern: /^\d{1,2}\.\d{1,2}\.[ \t]/,
    recognises: { role: 'statement', kind: 'problem' },
    certainty: 'guess',
    convention: 'series',
    example: '5.1. Dotās $3 \\times 3$ rūtiņu tabulas ... (a converted PDF: grade 5, problem 1)',
  },
];

/** The conventions a file uses, decided once from the whole file (`conventionsOf`). */
export interface Conventions {
  /** At least two paragraphs start with the same guessed shape (`A1.`, `A2.`): a numbered series. */
  series: boolean;
  /** The file writes solutions or proofs (a proof label, a solution heading or environment). */
  solutions: boolean;
}

/** A recognised heading or paragraph start: what it is, the words that say so (its title), how sure. */
export interface Recognition {
  recognised: Recognised;
  recogniser: Recogniser;
  /** The text that names it (a heading's text; a paragraph label's words without the final `.` or `:`). */
  title: string;
  /** How many characters of the text the label covers (paragraphs; a heading's whole text). */
  length: number;
}

/**
 * The first recogniser of `place` matching the start of `text` (the user's patterns first), whatever the
 * file's conventions: `conventionsOf` decides them from all that was found, and `applies` says whether a
 * guess stands.
 */
export function recognise(text: string, place: Place, user?: UserPatterns): Recognition | undefined {
  const prefix = place === 'heading' ? headingWords(text) : text.slice(0, RECOGNISED_PREFIX);
  if (user && user.key !== '') {
    const taught = taughtRecognition(prefix, place, text, user);
    if (taught) return taught;
  }
  for (const recogniser of RECOGNISERS) {
    if (recogniser.place !== place) continue;
    const match = recogniser.pattern.exec(prefix);
    if (!match) continue;
    const recognised: Recognised | undefined =
      recogniser.recognises === 'statementWord' ? statementOf(match[1]!) : recogniser.recognises;
    if (!recognised) continue;
    const label = match[0].replace(/[ \t.:]+$/, '');
    return { recognised, recogniser, title: place === 'heading' ? prefix : label, length: place === 'heading' ? text.length : match[0].length };
  }
  return undefined;
}

/** The recognisers of the user's own patterns (userPatterns.ts): as sure as a plain label. */
const TAUGHT_PROBLEM: Recogniser = { name: 'problem pattern (qedNano.structure.problemPatterns)', place: 'paragraph', pattern: /^/, recognises: { role: 'statement', kind: 'problem' }, certainty: 'likely', example: '"Aufgabe \\d+\\." for "Aufgabe 3. Zeige ..."' };
const TAUGHT_SOLUTION: Recogniser = { name: 'solution pattern (qedNano.structure.solutionPatterns)', place: 'paragraph', pattern: /^/, recognises: { role: 'proof' }, certainty: 'likely', example: '"Lösungsvorschlag[.:]"' };

/** What the user's patterns recognise at the start of `prefix`: a problem, or a solution. */
function taughtRecognition(prefix: string, place: Place, text: string, user: UserPatterns): Recognition | undefined {
  for (const [patterns, recogniser] of [[user.problem, TAUGHT_PROBLEM], [user.solution, TAUGHT_SOLUTION]] as const) {
    for (const pattern of patterns) {
      const length = matchAtStart(pattern, prefix);
      if (!length) continue;
      const label = prefix.slice(0, length).replace(/[ \t.:]+$/, '');
      return { recognised: recogniser.recognises as Recognised, recogniser, title: place === 'heading' ? prefix : label, length: place === 'heading' ? text.length : length };
    }
  }
  return undefined;
}

/** Whether the file's conventions let `recogniser` stand (only guesses depend on them). */
export function applies(recogniser: Recogniser, conventions: Conventions): boolean {
  if (recogniser.certainty !== 'guess' || recogniser.convention === undefined) return true;
  return conventions[recogniser.convention];
}

/** Decides a file's conventions from what its recognisers found before conventions were applied. */
export function conventionsOf(found: readonly Recognition[], writesSolutions: boolean): Conventions {
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.recogniser.name, (counts.get(f.recogniser.name) ?? 0) + 1);
  const series = RECOGNISERS.some((r) => r.convention === 'series' && (counts.get(r.name) ?? 0) >= 2);
  const solutions = writesSolutions || found.some((f) => f.recognised.role === 'proof');
  return { series, solutions };
}

/** A heading's words, without HTML tags (`<lo-sample/>`) and at most RECOGNISED_PREFIX characters. */
function headingWords(text: string): string {
  const prefix = text.slice(0, RECOGNISED_PREFIX);
  return prefix.includes('<') ? prefix.replace(/<[^<>]{0,80}>/g, '').trim() : prefix.trim();
}

function statementOf(word: string): Recognised | undefined {
  const kind = classifyStatementWord(word);
  return kind ? { role: 'statement', kind } : undefined;
}
