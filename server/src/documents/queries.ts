/**
 * Questions every feature asks of an analysed document: which statement is at a position, which proof
 * holds it, a statement's text as the model reads it, the macros as KaTeX takes them, and the one key
 * that names a statement across edits (critique and chat agree on it). Pure: analysis in, answers out.
 */
import { comparePositions, type MacroDefinition, type Position, type ProofDocumentAnalysis, type Range, type Statement } from './proofDocument';

/** The statement to prove at a position: the one around it, or the one whose proof it is in. */
export function statementAt(analysis: ProofDocumentAnalysis, position: Range['start']): Statement | undefined {
  const inside = (range: Range): boolean => comparePositions(range.start, position) <= 0 && comparePositions(position, range.end) <= 0;
  return analysis.statements.findLast((s) => inside(s.range) || (s.proof !== undefined && inside(s.proof.range)));
}

/** The statement whose proof's body holds `position` (its end included: the cursor at the proof's end). */
export function proofAround(analysis: ProofDocumentAnalysis, position: Position): Statement | undefined {
  return analysis.statements.find((s) => {
    const body = s.proof?.bodyRange;
    return body !== undefined && comparePositions(body.start, position) <= 0 && comparePositions(position, body.end) <= 0;
  });
}

/**
 * A statement's text as the model should read it: no labels, no white space at line ends, no surrounding
 * blank lines. Linear in the text: a label's name stops at the next brace (so 100,000 unclosed `\label{`
 * are not each scanned to the end), and line ends are trimmed by a loop, not by `/[ \t]+\n/`, which
 * backtracks quadratically over a long run of spaces.
 */
export function clean(text: string): string {
  return text
    .replace(/\\label\s*\{[^{}]*\}/g, '')
    .split('\n')
    .map(trimSpacesAtEnd)
    .join('\n')
    .trim();
}

function trimSpacesAtEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** A range's text in the analysed document. */
export type TextOf = (range: Range) => string;

/** A statement's key, and its text as the model reads it (`clean`), computed once for both. */
export interface StatementIdentity {
  key: string;
  text: string;
}

/**
 * The names of a document's statements that outlive edits elsewhere in the document: a labelled
 * statement is its label (so it stays itself while its text is edited), any other its text as the model
 * reads it with its rank among statements of the same text (so it stays itself while text around it moves).
 * Critique (which proof a judgement belongs to) and chat (which problem a conversation is about) know
 * statements by it. Each comes with its cleaned text, which those callers need too.
 */
export function statementIdentities(analysis: ProofDocumentAnalysis, text: TextOf): Map<Statement, StatementIdentity> {
  const seen = new Map<string, number>();
  const identities = new Map<Statement, StatementIdentity>();
  const labels = new Set<string>();
  for (const statement of analysis.statements) {
    const cleanText = clean(text(statement.bodyRange));
    // A label used twice (a mistake the structure check reports) names only its first statement.
    if (statement.label && !labels.has(statement.label)) {
      labels.add(statement.label);
      identities.set(statement, { key: `label:${statement.label}`, text: cleanText });
      continue;
    }
    const rank = seen.get(cleanText) ?? 0;
    seen.set(cleanText, rank + 1);
    identities.set(statement, { key: `text:${rank}:${cleanText}`, text: cleanText });
  }
  return identities;
}

/** The statement whose key (statementIdentities) is `key` now. */
export function statementWithKey(analysis: ProofDocumentAnalysis, text: TextOf, key: string): Statement | undefined {
  for (const [statement, identity] of statementIdentities(analysis, text)) if (identity.key === key) return statement;
  return undefined;
}

/** The first statement whose text, as the model reads it, is `cleanText`: where a proof of that text goes
 * (the request named it by its text, which may also be a selection that is no statement of its own). */
export function statementWithText(analysis: ProofDocumentAnalysis, text: TextOf, cleanText: string): Statement | undefined {
  return analysis.statements.find((s) => clean(text(s.bodyRange)) === cleanText);
}

/** The document's macros as KaTeX takes them (`{"\\R": "\\mathbb{R}"}`): what the views typeset with. */
export function katexMacros(analysis: { macros: readonly MacroDefinition[] }): Record<string, string> {
  return Object.fromEntries(analysis.macros.map((m) => [`\\${m.name}`, m.body]));
}
