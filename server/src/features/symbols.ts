/**
 * `textDocument/documentSymbol`: each statement a symbol, its proof a child, the proof's steps children of
 * the proof. The Outline view, breadcrumbs and "Go to Symbol" of every LSP editor show them.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Proof, ProofDocumentAnalysis, Range, Statement } from '../documents/proofDocument';

const DETAIL_LENGTH = 60;
/** A summary reads at most this much of a body: a statement whose body runs to the end of a large document
 * (20,000 nested theorems) must not copy that whole text for each symbol. */
const SUMMARY_SOURCE_LENGTH = 400;

/** At most this many characters of the text in `range`, from its start. */
export type Excerpt = (range: Range, maxLength: number) => string;

/** The excerpts of a document's text, without copying more of it than asked for. */
export function excerptOf(document: TextDocument): Excerpt {
  return (range, maxLength) => {
    const start = document.offsetAt(range.start);
    return document.getText().slice(start, Math.min(document.offsetAt(range.end), start + maxLength));
  };
}

/** Symbols of an analysis, computed once per analysis (each document version has its own). */
const computed = new WeakMap<ProofDocumentAnalysis, DocumentSymbol[]>();

export function documentSymbols(analysis: ProofDocumentAnalysis, excerpt: Excerpt): DocumentSymbol[] {
  let symbols = computed.get(analysis);
  if (!symbols) {
    symbols = buildSymbols(analysis, (range) => excerpt(range, SUMMARY_SOURCE_LENGTH));
    computed.set(analysis, symbols);
  }
  return symbols;
}

function buildSymbols(analysis: ProofDocumentAnalysis, lines: (range: Range) => string): DocumentSymbol[] {
  const symbols = analysis.statements.map((statement) => statementSymbol(statement, lines));
  for (const proof of analysis.orphanProofs) symbols.push(proofSymbol(proof, 'Proof (no statement)', lines));
  for (const proof of analysis.additionalProofs) symbols.push(proofSymbol(proof, 'Another proof', lines));
  return symbols.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

function statementSymbol(statement: Statement, text: (range: Range) => string): DocumentSymbol {
  const end = statement.proof && after(statement.proof.range.end, statement.range.end) ? statement.proof.range.end : statement.range.end;
  return {
    name: statement.title,
    detail: summary(text(statement.bodyRange)) + (statement.label ? `  [${statement.label}]` : ''),
    kind: statement.kind === 'problem' || statement.kind === 'exercise' ? SymbolKind.Event : SymbolKind.Class,
    range: { start: statement.range.start, end },
    selectionRange: statement.headerRange,
    children: statement.proof ? [proofSymbol(statement.proof, proofName(statement.proof), text)] : [],
  };
}

function proofSymbol(proof: Proof, name: string, text: (range: Range) => string): DocumentSymbol {
  return {
    name,
    detail: proofDetail(proof),
    kind: SymbolKind.Method,
    range: proof.range,
    selectionRange: proof.headerRange,
    children: proof.steps.map((step, index) => ({
      name: `Step ${index + 1}`,
      detail: summary(text(step.range)),
      kind: step.kind === 'item' ? SymbolKind.EnumMember : SymbolKind.Field,
      range: step.range,
      selectionRange: step.range,
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

/** The first words of a text (at most SUMMARY_SOURCE_LENGTH characters of it), on one line, without its
 * `\label{...}`s. */
function summary(text: string): string {
  const flat = text.replace(/\\label\s*\{[^{}]*\}/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > DETAIL_LENGTH ? `${flat.slice(0, cutOutsideMath(flat, DETAIL_LENGTH - 1))}…` : flat;
}

/** The last word boundary at or before `limit` that is outside `$...$` math (a label never ends inside a
 * formula or on half of one); `limit` itself when there is none. */
function cutOutsideMath(text: string, limit: number): number {
  let inMath = false;
  let cut = -1;
  for (let i = 0; i < limit; i++) {
    if (text[i] === '$' && text[i - 1] !== '\\') inMath = !inMath;
    else if (text[i] === ' ' && !inMath) cut = i;
  }
  return cut > 0 ? cut : limit;
}

function after(a: Range['end'], b: Range['end']): boolean {
  return a.line > b.line || (a.line === b.line && a.character > b.character);
}
