/**
 * The project index: every file the server knows (open documents as the editor has them, LaTeX files of the
 * workspace as the disk has them), each analysed once per text, and the LaTeX projects they form.
 *
 * Three parts, each in its own module: the file set (fileSet.ts: each file once, by canonical URI and by
 * path), the include graph (includeGraph.ts: the projects the files form, their roots, reading order,
 * packages and wrappers) and the scopes (scopes.ts: what each file takes from its project). This module
 * takes texts in, analyses each file once per text and scope, and tells its listeners when something other
 * files see changed (links, declarations, labels, files added or removed), which is when the graph and the
 * scopes are made again.
 *
 * No file system here: the loader (projectLoader.ts) reads files and hands them in; the index only says
 * which paths it would like to read (`wanted`).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ProofDocumentAnalyzer, type AnalyzerOptions } from '../documents/analyzer';
import type { DocumentFormat, LabelDefinition, MacroDefinition, ProofDocumentAnalysis, Reference } from '../documents/proofDocument';
import type { ProjectScope } from '../documents/references';
import { wrapperSet, NO_USES } from '../documents/wrappers';
import { FileSet, safePath, type Entry, type IndexedFile } from './fileSet';
import { IncludeGraph, type Project } from './includeGraph';
import { Scopes } from './scopes';

/** What a file's prompts and views take from its project: macros in reading order, and the files before it. */
export interface Surroundings {
  /** Every macro of the project (packages, then files in reading order, this one included). */
  macros: MacroDefinition[];
  /** The files read before this one, in reading order. */
  before: IndexedFile[];
}

/** What a reader of the index may ask (a request's handler, a snapshot, the label queries): no text in, none
 * forgotten. */
export type ProjectReader = Pick<ProjectIndex, 'get' | 'atPath' | 'all' | 'analysis' | 'projectOf' | 'scope' | 'labelsAndReferences' | 'lastAnalysis' | 'surroundings'>;

export class ProjectIndex {
  private readonly files = new FileSet();
  private readonly graph = new IncludeGraph(this.files);
  private readonly scopes = new Scopes(this.graph);
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly limits: () => AnalyzerOptions) {}

  /** The file `uri`, if the index holds it. */
  get(uri: string): IndexedFile | undefined {
    return this.files.get(uri);
  }

  /** The file at `filePath`, if the index holds it. */
  atPath(filePath: string): IndexedFile | undefined {
    return this.files.atPath(filePath);
  }

  /** Every file the index holds. */
  all(): IndexedFile[] {
    return this.files.all();
  }

  /**
   * Takes in a file's text: the editor's document (`open`), or its text on disk. A file the editor has
   * open is not replaced by its disk text. Returns whether anything other files see changed.
   */
  set(document: TextDocument, format: DocumentFormat, open: boolean): boolean {
    const existing = this.files.get(document.uri);
    if (existing && existing.open && !open) return false;
    if (existing && existing.format === format) {
      existing.open = open;
      existing.document = document;
      // The client's documents are updated in place: the text, not the object, says whether it changed (a
      // read may have analysed it already: then only the telling is left).
      if (document.getText() !== existing.analysedText) this.refresh(existing);
      return this.tell(existing);
    }
    const filePath = document.uri.startsWith('file:') ? safePath(document.uri) : undefined;
    const entry: Entry = {
      uri: document.uri,
      path: filePath,
      format,
      document,
      open,
      analyzer: new ProofDocumentAnalyzer(format),
      analysis: undefined as unknown as ProofDocumentAnalysis,
      scope: undefined,
      scoped: false,
      analysedText: '',
      linksKey: '',
      environmentsKey: '',
      labelsKey: '',
      usesKey: undefined,
      uses: undefined,
      untold: false,
    };
    if (existing) this.files.forget(existing);
    this.files.add(entry);
    // A new file: its links differ from the empty ones, so the listeners are told.
    this.refresh(entry);
    return this.tell(entry);
  }

  /** The editor closed `uri`: its text is now the disk's (the loader reads it again). */
  release(uri: string): void {
    const entry = this.files.get(uri);
    if (!entry) return;
    if (entry.path === undefined || entry.format === 'markdown') this.delete(uri);
    else entry.open = false;
  }

  /** Forgets `uri` (deleted from disk, or closed and no file). */
  delete(uri: string): void {
    const entry = this.files.get(uri);
    if (!entry) return;
    this.files.forget(entry);
    this.forgetDerived(true);
    this.tellListeners();
  }

  /** Analyses every file again on next need (the settings that shape analysis changed). */
  invalidate(): void {
    for (const entry of this.files.all()) {
      entry.analysedText = '\u0000';
      entry.scoped = false;
    }
    this.forgetDerived(true);
    this.tellListeners();
  }

  /** Calls `listener` whenever something changed that other files see (links, declarations, labels, files
   * added or removed): the diagnostics of open files may have changed with it. Only what takes text in or
   * out (`set`, `delete`, `invalidate`) calls it: reads never do. */
  onDidChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The analysis of `uri` as a file of its project. */
  analysis(uri: string): ProofDocumentAnalysis | undefined {
    const entry = this.files.get(uri);
    return entry && this.analysisOf(entry);
  }

  /** The project `uri` belongs to: its own root's, else undefined (alone, or several roots). */
  projectOf(uri: string): Project | undefined {
    const entry = this.files.get(uri);
    return entry && this.graph.projectOf(entry);
  }

  /** The scope `uri` is analysed with: its project's labels, external documents, environments and its
   * uses of its project's wrappers (undefined for a file that is not LaTeX). */
  scope(uri: string): ProjectScope | undefined {
    const entry = this.files.get(uri);
    return entry && this.scopes.scopeOf(entry);
  }

  /** The labels and references of `uri` (with those its project's wrappers make), as its text is now,
   * without analysing it again as a file of its project (they do not depend on that). */
  labelsAndReferences(uri: string): { labels: readonly LabelDefinition[]; references: readonly Reference[] } {
    const entry = this.files.get(uri);
    if (!entry) return { labels: [], references: [] };
    if (entry.document.getText() !== entry.analysedText) this.refresh(entry);
    return this.scopes.labelFacts(entry);
  }

  /** The last analysis of `uri`, whatever scope it was made with (for a closed file perhaps only its own
   * facts): its own facts, at no cost, where `analysis` might analyse it again. */
  lastAnalysis(uri: string): ProofDocumentAnalysis | undefined {
    return this.files.get(uri)?.analysis;
  }

  /** What `uri` takes from its project for prompts and views (a file alone: its own macros, nothing before). */
  surroundings(uri: string): Surroundings {
    const entry = this.files.get(uri);
    if (!entry) return { macros: [], before: [] };
    const project = this.graph.projectOf(entry);
    if (!project) return { macros: this.analysisOf(entry).macros, before: [] };
    const at = project.files.indexOf(entry);
    const others = [...project.packages, ...project.files];
    if (at < 0) others.push(entry);
    return {
      // Macros are a file's own facts: the analysis each file last had holds them (this one's is brought up to date).
      macros: others.flatMap((file) => (file === entry ? this.analysisOf(entry) : file.analysis).macros),
      before: at < 0 ? project.files : project.files.slice(0, at),
    };
  }

  // ---------------------------------------------------------------------------------------------------

  /** Analyses the entry's new text with the scope it had (a file not yet analysed as part of its project:
   * only its own facts), and forgets the projects and scopes made from what others saw of it if that changed
   * (then it is `untold`). Tells no listener: the next `set` of the file does (`tell`). */
  private refresh(entry: Entry): boolean {
    const text = entry.document.getText();
    entry.analysis = entry.scoped ? this.analyse(entry, text, entry.scope) : this.factsOf(entry, text);
    entry.analysedText = text;
    const { links, environments, labels, wrappers, macros } = entry.analysis;
    const constants = wrapperSet([], macros).constants;
    const linksKey = JSON.stringify([
      links.rootComment,
      links.documentClass,
      links.packages,
      links.classes,
      links.includes.map((l) => [l.command, l.folder, l.target, l.prefix]),
      wrappers,
      [...constants],
    ]);
    const environmentsKey = environments.length === 0 ? '' : JSON.stringify(environments);
    const labelsKey = labels.filter((l) => !l.via).map((l) => l.name).join('\n');
    // What its uses of its project's wrappers make, when the projects are known (otherwise they are made again anyway).
    const uses = this.graph.known() && entry.format === 'latex' ? this.graph.usesOf(entry, this.graph.wrappersFor(entry)) : undefined;
    const usesKey = uses && (uses === NO_USES ? '' : JSON.stringify([uses.includes.map((l) => [l.command, l.folder, l.target]), uses.labels.map((l) => l.name)]));
    const linksChanged = linksKey !== entry.linksKey || (usesKey !== undefined && usesKey !== (entry.usesKey ?? ''));
    const changed = linksChanged || environmentsKey !== entry.environmentsKey || labelsKey !== entry.labelsKey;
    entry.linksKey = linksKey;
    entry.environmentsKey = environmentsKey;
    entry.labelsKey = labelsKey;
    entry.usesKey = usesKey;
    if (changed) {
      this.forgetDerived(linksChanged);
      entry.untold = true;
    }
    return changed;
  }

  /** What other files see changed: the scopes are made again, and the projects when links changed. */
  private forgetDerived(links: boolean): void {
    if (links) this.graph.invalidate();
    this.scopes.clear();
  }

  /** Tells the listeners if what other files see of `entry` changed since they were last told; says whether. */
  private tell(entry: Entry): boolean {
    if (!entry.untold) return false;
    entry.untold = false;
    this.tellListeners();
    return true;
  }

  private tellListeners(): void {
    for (const listener of this.listeners) listener();
  }

  private analysisOf(entry: Entry): ProofDocumentAnalysis {
    const text = entry.document.getText();
    if (text !== entry.analysedText) this.refresh(entry);
    const scope = this.scopes.scopeOf(entry);
    if (scope !== entry.scope || !entry.scoped) {
      entry.scope = scope;
      entry.scoped = true;
      entry.analysis = this.analyse(entry, text, scope);
    }
    return entry.analysis;
  }

  private factsOf(entry: Entry, text: string): ProofDocumentAnalysis {
    const analysis = entry.analyzer.facts(text, this.limits());
    if (!entry.open) entry.analyzer.compact();
    return analysis;
  }

  /** Analyses a file; one the editor does not have open keeps no line cache (nobody types in it, and the
   * cache is most of an analysis's memory: 51 files of 478 KB held 11 MB with it). */
  private analyse(entry: Entry, text: string, scope: ProjectScope | undefined): ProofDocumentAnalysis {
    const analysis = entry.analyzer.analyze(text, this.limits(), scope);
    if (!entry.open) entry.analyzer.compact();
    return analysis;
  }

  /** Paths the index would like to read: included files, external documents, packages and roots that its
   * files name and it does not hold yet (they may not exist; the loader tries). */
  wanted(): string[] {
    return this.graph.wanted();
  }
}
