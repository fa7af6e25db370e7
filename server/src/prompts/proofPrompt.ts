/**
 * The proof prompts: the problem text QED-Nano is asked to prove (the statement, preceded by the document's
 * own macros, so the model reads the notation it will meet, and the statements of the results before it,
 * which a proof may use), the trained instruction around it, and the reasoning-cache summary and
 * continuation.
 */
import type { MacroDefinition, ProofDocumentAnalysis, Range, Statement } from '../documents/proofDocument';
import type { ChatMessage } from '../engine/types';
import { comparePositions } from '../documents/proofDocument';
import { clean } from '../documents/queries';

/** At most this many earlier results are quoted, the nearest first. */
const EARLIER_RESULTS = 6;

export function proofProblem(
  analysis: ProofDocumentAnalysis,
  statementText: string,
  before: Range['start'],
  text: (range: Range) => string,
): string {
  const parts: string[] = [];
  if (analysis.macros.length > 0) {
    parts.push(`Notation used below (LaTeX macros):\n${analysis.macros.map(macroSource).join('\n')}`);
  }
  const earlier = analysis.statements
    .filter((s) => comparePositions(s.range.end, before) <= 0 && s.kind !== 'problem' && s.kind !== 'exercise')
    .slice(-EARLIER_RESULTS);
  if (earlier.length > 0) {
    parts.push(`Results stated earlier, which may be used:\n${earlier.map((s) => `${s.title}: ${clean(text(s.bodyRange))}`).join('\n')}`);
  }
  parts.push(parts.length > 0 ? `Statement to prove:\n${statementText}` : statementText);
  return parts.join('\n\n');
}

/** The problem for a statement of the document: its cleaned text, with the macros and results before it. */
export function statementProblem(analysis: ProofDocumentAnalysis, statement: Statement, text: (range: Range) => string): string {
  return proofProblem(analysis, clean(text(statement.bodyRange)), statement.range.start, text);
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
