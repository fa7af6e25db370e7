/**
 * The proof prompts: the problem text QED-Nano is asked to prove (the statement, preceded by the macros in
 * force, so the model reads the notation it will meet, and the statements of the results before it, which a
 * proof may use: in a LaTeX project, those of its preamble and packages and of the files read before), the
 * trained instruction around it, and the reasoning-cache summary and continuation.
 */
import type { MacroDefinition, ProofDocumentAnalysis, Range, Statement } from '../documents/proofDocument';
import type { ChatMessage } from '../engine/types';
import { comparePositions } from '../documents/proofDocument';
import { clean } from '../documents/queries';

/** At most this many earlier results are quoted, the nearest first. */
const EARLIER_RESULTS = 6;

/** A result stated before the statement to prove: its title and its text as the model reads it. */
export interface EarlierResult {
  title: string;
  text: string;
}

/** What a file's project adds to its prompts: the macros of the whole project (the file's own among them,
 * the packages' and the root's first) and the results of the files read before it. */
export interface ProjectContext {
  macros: readonly MacroDefinition[];
  earlier: readonly EarlierResult[];
}

export function proofProblem(
  analysis: ProofDocumentAnalysis,
  statementText: string,
  before: Range['start'],
  text: (range: Range) => string,
  project?: ProjectContext,
): string {
  const parts: string[] = [];
  const macros = project?.macros ?? analysis.macros;
  if (macros.length > 0) {
    parts.push(`Notation used below (LaTeX macros):\n${macros.map(macroSource).join('\n')}`);
  }
  const inFile = earlierResults([{ analysis, text, before }]);
  const earlier = [...(project?.earlier ?? []), ...inFile].slice(-EARLIER_RESULTS);
  if (earlier.length > 0) {
    parts.push(`Results stated earlier, which may be used:\n${earlier.map((r) => `${r.title}: ${r.text}`).join('\n')}`);
  }
  parts.push(parts.length > 0 ? `Statement to prove:\n${statementText}` : statementText);
  return parts.join('\n\n');
}

/** The problem for a statement of the document: its cleaned text, with the macros and results before it. */
export function statementProblem(analysis: ProofDocumentAnalysis, statement: Statement, text: (range: Range) => string, project?: ProjectContext): string {
  return proofProblem(analysis, clean(text(statement.bodyRange)), statement.range.start, text, project);
}

/**
 * The last results (theorems, lemmas...: not problems or exercises) stated in `files`, in reading order
 * (each file up to its `before`, if given), at most as many as a prompt quotes: the files are read from the
 * last, so the earlier ones of a long project are never cleaned.
 */
export function earlierResults(files: readonly { analysis: ProofDocumentAnalysis; text: (range: Range) => string; before?: Range['start'] }[]): EarlierResult[] {
  const results: EarlierResult[] = [];
  for (let f = files.length - 1; f >= 0 && results.length < EARLIER_RESULTS; f--) {
    const { analysis, text, before } = files[f]!;
    const statements = analysis.statements;
    for (let s = statements.length - 1; s >= 0 && results.length < EARLIER_RESULTS; s--) {
      const statement = statements[s]!;
      if (statement.kind === 'problem' || statement.kind === 'exercise') continue;
      if (before && comparePositions(statement.range.end, before) > 0) continue;
      results.push({ title: statement.title, text: clean(text(statement.bodyRange)) });
    }
  }
  return results.reverse();
}

function macroSource(macro: MacroDefinition): string {
  return `\\newcommand{\\${macro.name}}${macro.arity > 0 ? `[${macro.arity}]` : ''}{${macro.body}}`;
}

/** The instruction QED-Nano was trained with, then a blank line, then the problem. */
export function proofRequest(problem: string): ChatMessage {
  return { role: 'user', content: `Generate a rigorous proof to the following question:\n\n${problem}` };
}

/**
 * The reasoning-cache step QED-Nano was trained with: a summary of an attempt whose thinking ran out of
 * budget, at most two paragraphs, first person, what was tried and found, no new reasoning.
 */
export function summaryRequest(problem: string, thinking: string): ChatMessage {
  return {
    role: 'user',
    content:
      `Below is a problem and the reasoning trace of a previous attempt at it, which ran out of budget before a proof was written.\n\n` +
      `Problem:\n${problem}\n\nReasoning trace:\n${thinking}\n\n` +
      'Summarise this attempt in at most two paragraphs, in the first person: what was tried and what was found. Do not add any new reasoning.',
  };
}

/** A new attempt that starts from the summary of the previous one (a fresh context, as in training). */
export function continuedProofRequest(problem: string, summary: string): ChatMessage {
  return {
    role: 'user',
    content: `Generate a rigorous proof to the following question:\n\n${problem}\n\nA summary of my previous attempt at this question:\n${summary}`,
  };
}
