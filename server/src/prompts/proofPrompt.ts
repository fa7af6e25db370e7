/**
 * The proof prompts: the problem text QED-Nano is asked to prove (the statement, preceded by the macros in
 * force, so the model reads the notation it will meet, and the statements of the results before it, which a
 * proof may use: in a LaTeX project, those of its preamble and packages and of the files read before), the
 * trained instruction around it (single pass), and the reasoning cache's solve and summary steps. The
 * trained texts are trained.ts's, verbatim; the problem text built here is what goes into their placeholder.
 */
import type { MacroDefinition, ProofDocumentAnalysis, Range, Statement } from '../documents/proofDocument';
import type { ChatMessage } from '../engine/types';
import { comparePositions } from '../documents/proofDocument';
import { clean } from '../documents/queries';
import { fill, RC_SOLVE_TEMPLATE, RC_SUMMARIZATION_TEMPLATE, SINGLE_PASS_TEMPLATE } from './trained';

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

/** Single pass: the trained instruction, then a blank line, then the problem (trained.ts). */
export function proofRequest(problem: string): ChatMessage {
  return { role: 'user', content: fill(SINGLE_PASS_TEMPLATE, { problem_statement: problem }) };
}

/** The reasoning cache's solve step: the problem, solved from the summary of the attempts so far
 * (`RC_NO_PREVIOUS_SUMMARY` the first time), in a fresh context. */
export function reasoningCacheSolveRequest(problem: string, summary: string): ChatMessage {
  return { role: 'user', content: fill(RC_SOLVE_TEMPLATE, { problem, curr_summary: summary }) };
}

/** The reasoning cache's summary step: the latest attempt's thinking summarised together with the summary it
 * started from (first person, no new reasoning, at most two paragraphs, as the trained text asks). */
export function reasoningCacheSummaryRequest(problem: string, existingSummary: string, reasoning: string): ChatMessage {
  return { role: 'user', content: fill(RC_SUMMARIZATION_TEMPLATE, { problem, existing_summary: existingSummary, reasoning }) };
}
