/**
 * The open documents and their analysis, as files of their LaTeX projects. The analysis lives in the
 * project index (project/projectIndex.ts), which holds the workspace's LaTeX files from disk too: an open
 * document is the index's file with the editor's text, taken in when the client sends it (didOpen,
 * didChange) and analysed at most once per version and project state; whoever asks (symbols, folding,
 * diagnostics, the model features) only reads. The store also says where
 * each document changed, for the features that care which part of a document was edited (the critique's
 * triggers).
 */
import { TextDocuments, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalyzerOptions } from './documents/analyzer';
import { analysedFormatOf } from './documents/formats';
import { DEFAULT_MAX_PROJECT_FILES } from './documents/limits';
import type { DocumentFormat, ProofDocumentAnalysis } from './documents/proofDocument';
import { ProjectIndex } from './project/projectIndex';
import { ProjectLoader } from './project/projectLoader';
import { documentSyncGuard } from './transport';
import { DocumentSnapshot } from './workspace/snapshot';

/** How long a request waits for the project of its LaTeX file to be read (a large workspace takes longer:
 * then its answer is made again when the client asks again). */
export const PROJECT_WAIT_MS = 3000;

/** How long after its last change a document's text is taken into the index (`ProjectIndex.set`, which tells
 * the index's listeners when what other files see changed): a burst of keystrokes is taken in once, as the
 * diagnostics of the burst are published once. A read before then analyses the new text (the index holds
 * the editor's document, updated in place) and tells nobody. */
export const TAKE_DELAY_MS = 50;

/** A document's text changed; `line`: where its first change began (undefined for a whole-text change). */
export type ChangeListener = (uri: string, line: number | undefined) => void;

export class DocumentStore {
  /** The documents as the client has them (vscode-languageserver's incremental text sync). */
  readonly documents = new TextDocuments(TextDocument);
  /** Every file the server knows, open or on disk, and the projects they form. */
  readonly index: ProjectIndex;
  /** What reads the index's files from disk (the workspace's folders, the folders around a file, what files name). */
  readonly loader: ProjectLoader;
  private readonly changeListeners: ChangeListener[] = [];
  /** Documents whose new text is still to be taken into the index, by URI. */
  private readonly pendingTakes = new Map<string, NodeJS.Timeout>();

  /** `limits`: the analysis settings (`maxProjectFiles`: how many files the loader reads from disk). */
  constructor(limits: () => AnalyzerOptions & { maxProjectFiles?: number }, log: (message: string) => void = () => undefined) {
    this.index = new ProjectIndex(limits);
    this.loader = new ProjectLoader(this.index, { maxFileSize: () => limits().maxDocumentSize, maxFiles: () => limits().maxProjectFiles ?? DEFAULT_MAX_PROJECT_FILES, log });
    // The writes of an open document's text into the index: on open, before anyone reads it, and after a
    // burst of changes; reads (`analysisOf`, snapshots) only read.
    this.documents.onDidOpen((event) => this.take(event.document));
    this.documents.onDidChangeContent((event) => this.takeSoon(event.document));
    this.documents.onDidClose((event) => {
      clearTimeout(this.pendingTakes.get(event.document.uri));
      this.pendingTakes.delete(event.document.uri);
      this.index.release(event.document.uri);
    });
  }

  /** Starts following the client's document notifications (malformed ones are dropped and logged). */
  listen(connection: Connection, log: (message: string) => void): void {
    this.documents.listen(documentSyncGuard(connection, log, (uri, line) => this.changeListeners.forEach((listener) => listener(uri, line))));
  }

  /** Calls `listener` after every accepted change of a document's text. */
  onDidChange(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  /** The open document `uri` as it is now (workspace/snapshot.ts); undefined when not open or not LaTeX/Markdown. */
  readonly snapshot = (uri: string): DocumentSnapshot | undefined => {
    const document = this.documents.get(uri);
    const analysis = document && this.analysisOf(document);
    return document && analysis ? new DocumentSnapshot(document, analysis, this.index) : undefined;
  };

  /** The open document `uri` as it is now, once the project reads in progress ended (at most `maxMs`): for
   * what a client asks once per version (the outline, folding), which would otherwise miss the project. */
  async settled(uri: string, maxMs = PROJECT_WAIT_MS): Promise<DocumentSnapshot | undefined> {
    if (this.documents.get(uri) && this.index.get(uri)?.format === 'latex') await this.loader.settled(maxMs);
    return this.snapshot(uri);
  }

  /** The analysis of the document's current version, or undefined for a format the server does not handle.
   * A read: it tells no listener (the text is taken in by `take`). */
  analysisOf(document: TextDocument): ProofDocumentAnalysis | undefined {
    return formatOf(document) ? this.index.analysis(document.uri) : undefined;
  }

  /** The editor's text of `document` into the index (its listeners told if what other files see changed). */
  private take(document: TextDocument): void {
    const format = formatOf(document);
    if (format) this.index.set(document, format, true);
  }

  /** The same, `TAKE_DELAY_MS` after the last change of a burst. */
  private takeSoon(document: TextDocument): void {
    clearTimeout(this.pendingTakes.get(document.uri));
    this.pendingTakes.set(
      document.uri,
      setTimeout(() => {
        this.pendingTakes.delete(document.uri);
        this.take(document);
      }, TAKE_DELAY_MS),
    );
  }

  /** Whether some open document is a proof document (LaTeX or Markdown). */
  hasProofDocument(): boolean {
    return this.documents.all().some((document) => this.analysisOf(document) !== undefined);
  }

  /** Forgets every cached analysis (the settings that shape analysis changed). */
  invalidate(): void {
    this.index.invalidate();
  }
}

/** LaTeX or Markdown: from the file name where its extension is one QED-Nano knows (an editor with one
 * server entry for both modes, as eglot often is, sends one language id for both: `.md` files arrive as
 * `latex`), else from the language id (an untitled document, a `.txt` file the user set to LaTeX). */
export function formatOf(document: Pick<TextDocument, 'languageId' | 'uri'>): DocumentFormat | undefined {
  const byName = analysedFormatOf(document.uri);
  if (byName) return byName;
  switch (document.languageId) {
    case 'latex':
    case 'tex':
      return 'latex';
    case 'markdown':
      return 'markdown';
    default:
      return undefined;
  }
}
