/**
 * Open documents and their analysis. Each document keeps its own analyzer (and so its line cache); the
 * analysis of a version is computed at most once, on first need, whoever asks (symbols, folding,
 * diagnostics).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ProofDocumentAnalyzer, type AnalyzerOptions } from './documents/analyzer';
import type { DocumentFormat, ProofDocumentAnalysis } from './documents/model';

/** An open document as it is now, with its analysis: what every feature works on. */
export interface OpenDocument {
  document: TextDocument;
  analysis: ProofDocumentAnalysis;
}

/** The open document `uri` as it is now, or undefined when it is not open or not LaTeX/Markdown. */
export type CurrentDocument = (uri: string) => OpenDocument | undefined;

interface Entry {
  analyzer: ProofDocumentAnalyzer;
  version: number;
  analysis: ProofDocumentAnalysis | undefined;
}

export class AnalysisStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private limits: () => AnalyzerOptions) {}

  /** The analysis of the document's current version, or undefined for a format the server does not handle. */
  analysisOf(document: TextDocument): ProofDocumentAnalysis | undefined {
    const format = formatOf(document);
    if (!format) return undefined;
    let entry = this.entries.get(document.uri);
    if (!entry || entry.analyzer.format !== format) {
      entry = { analyzer: new ProofDocumentAnalyzer(format), version: -1, analysis: undefined };
      this.entries.set(document.uri, entry);
    }
    if (entry.version !== document.version || !entry.analysis) {
      entry.analysis = entry.analyzer.analyze(document.getText(), this.limits());
      entry.version = document.version;
    }
    return entry.analysis;
  }

  /** Forgets every cached analysis (the settings that shape analysis changed). */
  invalidate(): void {
    for (const entry of this.entries.values()) entry.analysis = undefined;
  }

  close(uri: string): void {
    this.entries.delete(uri);
  }
}

/** LaTeX or Markdown, from the language id, else from the file name. */
export function formatOf(document: Pick<TextDocument, 'languageId' | 'uri'>): DocumentFormat | undefined {
  switch (document.languageId) {
    case 'latex':
    case 'tex':
      return 'latex';
    case 'markdown':
      return 'markdown';
    default:
      if (/\.(tex|ltx)$/i.test(document.uri)) return 'latex';
      if (/\.(md|markdown)$/i.test(document.uri)) return 'markdown';
      return undefined;
  }
}
