/**
 * The file set of the project index: every file it holds, each once, by URI and by path. URIs are keyed
 * canonically (VS Code and Node spell some characters of a file URI differently), each spelling worked out
 * once per set: the cache is the set's own, no module state.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProofDocumentAnalyzer } from '../documents/analyzer';
import type { DocumentFormat, ProofDocumentAnalysis } from '../documents/proofDocument';
import type { ProjectScope } from '../documents/references';
import type { WrapperSet, WrapperUses } from '../documents/wrappers';

/** A file the index holds, with its analysis as part of its project. */
export interface IndexedFile {
  /** The URI as the client (or the loader) names it. */
  readonly uri: string;
  /** Its path on disk; undefined for a document that is no file (untitled). */
  readonly path: string | undefined;
  readonly format: DocumentFormat;
  /** Its text: the editor's document while open, else as read from disk. */
  document: TextDocument;
  /** Whether the editor has it open (its text is then the editor's, whatever the disk says). */
  open: boolean;
}

/** A file as the index keeps it: its text, its last analysis and what other files depend on. */
export interface Entry extends IndexedFile {
  readonly analyzer: ProofDocumentAnalyzer;
  /** The last analysis and the scope it was made with (its links, labels, declarations and macros never
   * depend on the scope: they are what the file itself writes); `scoped` false: only the file's own facts,
   * made before its project was asked for. */
  analysis: ProofDocumentAnalysis;
  scope: ProjectScope | undefined;
  scoped: boolean;
  analysedText: string;
  /** What other files depend on, as strings: when one changes, projects or scopes are made again. */
  linksKey: string;
  environmentsKey: string;
  labelsKey: string;
  /** The includes and labels its uses of its project's wrappers make, as a string (undefined: not known). */
  usesKey: string | undefined;
  /** Whether what other files see of it changed since the index's listeners were last told (a read that
   * analysed new text tells nobody: the next `set` does). */
  untold: boolean;
  /** Its uses of a set of wrappers, for the text it was found in. */
  uses: { text: string; bySet: Map<WrapperSet, WrapperUses> } | undefined;
}

/** The key two spellings of one file URI share, each worked out once (every feature asks for its document
 * by URI on every keystroke): one cache per index, bounded, no module state. */
class CanonicalUris {
  private readonly known = new Map<string, string>();

  of(uri: string): string {
    if (!uri.startsWith('file:')) return uri;
    let canonical = this.known.get(uri);
    if (canonical === undefined) {
      try {
        canonical = pathToFileURL(fileURLToPath(uri)).href;
      } catch {
        canonical = uri;
      }
      if (this.known.size >= 10_000) this.known.clear();
      this.known.set(uri, canonical);
    }
    return canonical;
  }
}

export class FileSet {
  private readonly canonical = new CanonicalUris();
  private readonly entries = new Map<string, Entry>();
  private readonly byPath = new Map<string, Entry>();

  /** The file `uri` (any spelling of it), if held. */
  get(uri: string): Entry | undefined {
    return this.entries.get(this.canonical.of(uri));
  }

  /** The file at `filePath`, if held. */
  atPath(filePath: string): Entry | undefined {
    return this.byPath.get(filePath);
  }

  /** Every file held. */
  all(): Entry[] {
    return [...this.entries.values()];
  }

  /** Holds `entry` (in place of any file of the same URI). */
  add(entry: Entry): void {
    this.entries.set(this.canonical.of(entry.uri), entry);
    if (entry.path !== undefined) this.byPath.set(entry.path, entry);
  }

  /** Holds `entry` no more. */
  forget(entry: Entry): void {
    this.entries.delete(this.canonical.of(entry.uri));
    if (entry.path !== undefined && this.byPath.get(entry.path) === entry) this.byPath.delete(entry.path);
  }
}

/** The path of a file URI; undefined for one that is no file path. */
export function safePath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
