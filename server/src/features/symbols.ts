/**
 * `textDocument/documentSymbol`: documents/outline.ts's entries as LSP document symbols (sections, each
 * statement, its proof, the proof's steps). The Outline view, breadcrumbs and "Go to Symbol" of every LSP
 * editor show them.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { outline, type Excerpt, type OutlineEntry, type OutlineKind } from '../documents/outline';
import type { ProofDocumentAnalysis } from '../documents/proofDocument';

/** The excerpts of a document's text, without copying more of it than asked for. */
function excerptOf(document: TextDocument): Excerpt {
  return (range, maxLength) => {
    const start = document.offsetAt(range.start);
    return document.getText().slice(start, Math.min(document.offsetAt(range.end), start + maxLength));
  };
}

const KINDS: Readonly<Record<OutlineKind, SymbolKind>> = {
  section: SymbolKind.Namespace,
  problem: SymbolKind.Event,
  theorem: SymbolKind.Class,
  proof: SymbolKind.Method,
  paragraphStep: SymbolKind.Field,
  itemStep: SymbolKind.EnumMember,
};

/** Symbols of an analysis, computed once per analysis (each document version has its own). */
const computed = new WeakMap<ProofDocumentAnalysis, DocumentSymbol[]>();

export function documentSymbols(analysis: ProofDocumentAnalysis, document: TextDocument): DocumentSymbol[] {
  let symbols = computed.get(analysis);
  if (!symbols) {
    const lineEnd = (line: number) => document.positionAt(document.offsetAt({ line: line + 1, character: 0 }) - (line + 1 < document.lineCount ? 1 : 0));
    symbols = outline(analysis, excerptOf(document), lineEnd).map(symbol);
    computed.set(analysis, symbols);
  }
  return symbols;
}

function symbol(entry: OutlineEntry): DocumentSymbol {
  return { name: entry.name, detail: entry.detail, kind: KINDS[entry.kind], range: entry.range, selectionRange: entry.selectionRange, children: entry.children.map(symbol) };
}
