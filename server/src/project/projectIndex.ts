/**
 * The project index: every file the server knows (open documents as the editor has them, LaTeX files of the
 * workspace as the disk has them), each analysed once per text, and the LaTeX projects they form.
 *
 * A project is a root (a file with `\documentclass`) and the files it brings in (`\input`, `\include`,
 * `\subfile`, `\import`, `\subimport`), in reading order, with the local packages and classes (`.sty`,
 * `.cls` found by the names `\usepackage`/`\documentclass` give). A file's root is its `% !TEX root`
 * magic comment, else the subfiles main file its `\documentclass[main]{subfiles}` names, else itself when
 * it has `\documentclass`, else the one root that brings it in; a file with several roots or none is
 * analysed alone (with several, references are checked against all of them, so none is a false alarm).
 *
 * A project's macros that wrap `\input`, `\label` or `\ref` (documents/wrappers.ts: `\olimport`, `\mylabel`)
 * and its constants (`\olpath`) are expanded before links and labels are decided: the project is read again
 * with the wrappers its files define until they stay the same (at most `MAX_WRAPPER_ROUNDS` times). xr's
 * `\externaldocument[prefix]{file}` (relative to the root's folder) names a document whose labels the
 * project's references may name with the prefix: a root's, its whole project's; a file alone (no root brings
 * it in) may name the external documents of the roots beside it.
 *
 * What a file takes from its project is a `ProjectScope` (documents/references.ts): the environments
 * declared in the project, the labels of its files and of its external documents, made once per project and
 * shared by all its files (so thousands of files cost linear time), and the file's own uses of the project's
 * wrappers. Scopes are cached until some file's links, declarations or labels change, and their environments
 * keep their identity while those stay the same, so an edit re-analyses its own file, and the project's other
 * files only when their structure depends on it.
 *
 * No file system here: the loader (projectLoader.ts) reads files and hands them in; this module only says
 * which paths it would like to read (`wanted`). Paths are resolved with node:path, URIs keyed canonically
 * (VS Code and Node spell some characters of a file URI differently).
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ProofDocumentAnalyzer, type AnalyzerOptions } from '../documents/analyzer';
import type { CommandWrapper, DocumentFormat, EnvironmentDeclaration, IncludeLink, LabelDefinition, MacroDefinition, ProofDocumentAnalysis, Reference } from '../documents/proofDocument';
import type { ExternalDocument, LabelPlace, ProjectScope } from '../documents/references';
import { isLatexFile } from '../documents/formats';
import { expandConstants, findWrapperUses, NO_USES, NO_WRAPPERS, wrapperSet, type WrapperSet, type WrapperUses } from '../documents/wrappers';

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

interface Entry extends IndexedFile {
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
  /** Its uses of a set of wrappers, for the text it was found in. */
  uses: { text: string; bySet: Map<WrapperSet, WrapperUses> } | undefined;
}

/** A project; `F`: how its files are seen (the index sees its own entries, everyone else IndexedFiles). */
export interface Project<F extends IndexedFile = IndexedFile> {
  root: F;
  /** The root and the files it brings in, in reading order, each once (an `\input` cycle is cut). */
  files: F[];
  /** Local packages and classes the project's files name (and the ones those name). */
  packages: F[];
  /** Includes whose file the index does not hold (missing, unreadable, or not yet read). */
  missing: { from: F; link: IncludeLink }[];
  /** The documents xr's `\externaldocument` names, each prefix and file once (`document` undefined: not held). */
  external: { from: F; link: IncludeLink; document: F | undefined }[];
  /** The wrappers and constants its files and packages define. */
  wrappers: WrapperSet;
}


/** What a file's prompts and views take from its project: macros in reading order, and the files before it. */
export interface Surroundings {
  /** Every macro of the project (packages, then files in reading order, this one included). */
  macros: MacroDefinition[];
  /** The files read before this one, in reading order. */
  before: IndexedFile[];
}


/** How many times a project is read again with the wrappers it was found to define (OpenLogic's root needs
 * three: its constants, then the `\olimport` its packages define). */
const MAX_WRAPPER_ROUNDS = 4;

/** At most this many documents are a project's external documents (each `\externaldocument`'s prefix and
 * file once); those beyond are as unreadable ones. */
const MAX_EXTERNAL_DOCUMENTS = 1000;
/** Wrapper sets whose uses a file remembers (a file of several projects is asked with each one's). */
const MAX_USE_SETS = 8;

const NO_ENVIRONMENTS: readonly EnvironmentDeclaration[] = Object.freeze([]) as readonly EnvironmentDeclaration[];

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

/** What a reader of the index may ask (a request's handler, a snapshot, the label queries): no text in, none
 * forgotten. */
export type ProjectReader = Pick<ProjectIndex, 'get' | 'atPath' | 'all' | 'analysis' | 'projectOf' | 'scope' | 'labelsAndReferences' | 'lastAnalysis' | 'surroundings'>;

export class ProjectIndex {
  private readonly canonical = new CanonicalUris();
  private readonly entries = new Map<string, Entry>();
  private readonly byPath = new Map<string, Entry>();
  /** The projects, made again when some file's links changed (undefined: to be made). */
  private graph: { projects: Map<Entry, Project<Entry>>; rootsOf: Map<Entry, Entry[]> } | undefined;
  /** The wrappers each root's project had when the projects were last made: where the next reading starts. */
  private lastWrappers = new Map<Entry, WrapperSet>();
  /** The scopes handed out since the last change of declarations or labels (with the text they were made
   * for: a file's uses of its project's wrappers are in its scope). */
  private scopes = new Map<Entry, { scope: ProjectScope | undefined; text: string }>();
  /** What every file of a project shares (by root), since the last change: made once per project, not per
   * file, so a project of thousands of files costs linear time. */
  private shared = new Map<Entry, Omit<ProjectScope, 'file' | 'uses'>>();
  private sharedByRoots = new Map<string, Omit<ProjectScope, 'file' | 'uses'>>();
  /** The labels of each document (a root's project, or a file alone), since the last change. */
  private documentLabelMaps = new Map<Entry, Map<string, LabelPlace[]>>();
  /** Environments lists and wrapper sets by what they hold: a scope keeps the same one while they stay. */
  private environmentLists = new Map<string, readonly EnvironmentDeclaration[]>();
  private wrapperSets = new Map<string, WrapperSet>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly limits: () => AnalyzerOptions) {}

  /** The file `uri`, if the index holds it. */
  get(uri: string): IndexedFile | undefined {
    return this.entries.get(this.canonical.of(uri));
  }

  /** The file at `filePath`, if the index holds it. */
  atPath(filePath: string): IndexedFile | undefined {
    return this.byPath.get(filePath);
  }

  /** Every file the index holds. */
  all(): IndexedFile[] {
    return [...this.entries.values()];
  }

  /**
   * Takes in a file's text: the editor's document (`open`), or its text on disk. A file the editor has
   * open is not replaced by its disk text. Returns whether anything other files see changed.
   */
  set(document: TextDocument, format: DocumentFormat, open: boolean): boolean {
    const key = this.canonical.of(document.uri);
    const existing = this.entries.get(key);
    if (existing && existing.open && !open) return false;
    if (existing && existing.format === format) {
      existing.open = open;
      existing.document = document;
      // The client's documents are updated in place: the text, not the object, says whether it changed.
      return document.getText() === existing.analysedText ? false : this.refresh(existing);
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
    };
    if (existing) this.forget(existing);
    this.entries.set(key, entry);
    if (filePath) this.byPath.set(filePath, entry);
    // A new file: its links differ from the empty ones, so refresh tells the listeners.
    return this.refresh(entry);
  }

  /** The editor closed `uri`: its text is now the disk's (the loader reads it again). */
  release(uri: string): void {
    const entry = this.entries.get(this.canonical.of(uri));
    if (!entry) return;
    if (entry.path === undefined || entry.format === 'markdown') this.delete(uri);
    else entry.open = false;
  }

  /** Forgets `uri` (deleted from disk, or closed and no file). */
  delete(uri: string): void {
    const entry = this.entries.get(this.canonical.of(uri));
    if (!entry) return;
    this.forget(entry);
    this.changed(true);
  }

  /** Analyses every file again on next need (the settings that shape analysis changed). */
  invalidate(): void {
    for (const entry of this.entries.values()) {
      entry.analysedText = '\u0000';
      entry.scoped = false;
    }
    this.changed(true);
  }

  /** Calls `listener` whenever something changed that other files see (links, declarations, labels, files
   * added or removed): the diagnostics of open files may have changed with it. */
  onDidChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The analysis of `uri` as a file of its project. */
  analysis(uri: string): ProofDocumentAnalysis | undefined {
    const entry = this.entries.get(this.canonical.of(uri));
    return entry && this.analysisOf(entry);
  }

  /** The project `uri` belongs to: its own root's, else undefined (alone, or several roots). */
  projectOf(uri: string): Project | undefined {
    const entry = this.entries.get(this.canonical.of(uri));
    return entry && this.projectOfEntry(entry);
  }

  /** The scope `uri` is analysed with: its project's labels, external documents, environments and its
   * uses of its project's wrappers (undefined for a file that is not LaTeX). */
  scope(uri: string): ProjectScope | undefined {
    const entry = this.entries.get(this.canonical.of(uri));
    return entry && this.scopeOf(entry);
  }

  /** The labels and references of `uri` (with those its project's wrappers make), as its text is now,
   * without analysing it again as a file of its project (they do not depend on that). */
  labelsAndReferences(uri: string): { labels: readonly LabelDefinition[]; references: readonly Reference[] } {
    const entry = this.entries.get(this.canonical.of(uri));
    if (!entry) return { labels: [], references: [] };
    if (entry.document.getText() !== entry.analysedText) this.refresh(entry);
    return this.labelFacts(entry);
  }

  /** The last analysis of `uri`, whatever scope it was made with (for a closed file perhaps only its own
   * facts): its own facts, at no cost, where `analysis` might analyse it again. */
  lastAnalysis(uri: string): ProofDocumentAnalysis | undefined {
    return this.entries.get(this.canonical.of(uri))?.analysis;
  }

  /** What `uri` takes from its project for prompts and views (a file alone: its own macros, nothing before). */
  surroundings(uri: string): Surroundings {
    const entry = this.entries.get(this.canonical.of(uri));
    if (!entry) return { macros: [], before: [] };
    const project = this.projectOfEntry(entry);
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

  /** Paths the index would like to read: included files, external documents, packages and roots that its
   * files name and it does not hold yet (they may not exist; the loader tries). */
  wanted(): string[] {
    const paths = new Set<string>();
    for (const entry of this.entries.values()) {
      if (entry.path === undefined || entry.format !== 'latex') continue;
      // The links are the file's own: any analysis of its text has them, whatever its scope.
      const links = entry.analysis.links;
      const dir = path.dirname(entry.path);
      if (links.rootComment) paths.add(withTexExtension(path.resolve(dir, links.rootComment)));
      const main = subfilesMain(links.documentClass);
      if (main) paths.add(withTexExtension(path.resolve(dir, main)));
      const roots = this.rootsOf(entry);
      for (const root of roots.length > 0 ? roots : [entry]) {
        const set = roots.length > 0 ? this.graphNow().projects.get(root)!.wrappers : this.ownWrappers(entry);
        for (const link of this.includesOf(entry, set)) for (const candidate of includeCandidates(link, entry.path, root.path!)) paths.add(candidate);
        for (const name of links.packages) for (const candidate of packageCandidates(name, '.sty', entry.path, root.path!)) paths.add(candidate);
        for (const name of links.classes) for (const candidate of packageCandidates(name, '.cls', entry.path, root.path!)) paths.add(candidate);
      }
    }
    return [...paths].filter((p) => !this.byPath.has(p));
  }

  // ---------------------------------------------------------------------------------------------------

  private forget(entry: Entry): void {
    this.entries.delete(this.canonical.of(entry.uri));
    if (entry.path !== undefined && this.byPath.get(entry.path) === entry) this.byPath.delete(entry.path);
  }

  /** Analyses the entry's new text with the scope it had (a file not yet analysed as part of its project:
   * only its own facts); says whether what others see changed. */
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
    const uses = this.graph && entry.format === 'latex' ? this.usesOf(entry, this.wrappersFor(entry)) : undefined;
    const usesKey = uses && (uses === NO_USES ? '' : JSON.stringify([uses.includes.map((l) => [l.command, l.folder, l.target]), uses.labels.map((l) => l.name)]));
    const linksChanged = linksKey !== entry.linksKey || (usesKey !== undefined && usesKey !== (entry.usesKey ?? ''));
    const changed = linksChanged || environmentsKey !== entry.environmentsKey || labelsKey !== entry.labelsKey;
    entry.linksKey = linksKey;
    entry.environmentsKey = environmentsKey;
    entry.labelsKey = labelsKey;
    entry.usesKey = usesKey;
    if (changed) this.changed(linksChanged);
    return changed;
  }

  private changed(links: boolean): void {
    if (links) this.graph = undefined;
    this.scopes = new Map();
    this.shared = new Map();
    this.sharedByRoots = new Map();
    this.documentLabelMaps = new Map();
    for (const listener of this.listeners) listener();
  }

  private analysisOf(entry: Entry): ProofDocumentAnalysis {
    const text = entry.document.getText();
    if (text !== entry.analysedText) this.refresh(entry);
    const scope = this.scopeOf(entry);
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

  private projectOfEntry(entry: Entry): Project<Entry> | undefined {
    const roots = this.rootsOf(entry);
    return roots.length === 1 ? this.graphNow().projects.get(roots[0]!) : undefined;
  }

  /** The roots `entry` belongs to (see the module comment). */
  private rootsOf(entry: Entry): Entry[] {
    return this.graphNow().rootsOf.get(entry) ?? [];
  }

  /** The wrappers in force in `entry`: its project's (all its roots'), else its own. */
  private wrappersFor(entry: Entry): WrapperSet {
    const roots = this.rootsOf(entry);
    if (roots.length === 0) return this.ownWrappers(entry);
    const sets = roots.map((root) => this.graphNow().projects.get(root)!.wrappers);
    return sets.length === 1 ? sets[0]! : this.wrappersOf(roots.flatMap((root) => { const p = this.graphNow().projects.get(root)!; return [...p.packages, ...p.files]; }));
  }

  private ownWrappers(entry: Entry): WrapperSet {
    return this.wrappersOf([entry]);
  }

  /** The wrappers and constants `files` define, as one set that stays the same object while they stay. */
  private wrappersOf(files: readonly Entry[]): WrapperSet {
    const wrappers: CommandWrapper[] = [];
    const macros: MacroDefinition[] = [];
    for (const file of files) {
      wrappers.push(...file.analysis.wrappers);
      macros.push(...file.analysis.macros);
    }
    const made = wrapperSet(wrappers, macros);
    if (made === NO_WRAPPERS) return made;
    const known = this.wrapperSets.get(made.key);
    if (known) return known;
    if (this.wrapperSets.size > 100) this.wrapperSets.clear();
    this.wrapperSets.set(made.key, made);
    return made;
  }

  /** What `entry`'s text does through the wrappers of `set` (found once per text and set: at most
   * MAX_USE_SETS sets are remembered per file). */
  private usesOf(entry: Entry, set: WrapperSet): WrapperUses {
    if (set.wrappers.size === 0) return NO_USES;
    // A file of several projects is asked with each one's set (and its own): one entry per set, per text.
    if (entry.uses?.text !== entry.analysedText) entry.uses = { text: entry.analysedText, bySet: new Map() };
    const cached = entry.uses.bySet.get(set);
    if (cached) return cached;
    const uses = findWrapperUses(entry.analysedText, set);
    if (entry.uses.bySet.size >= MAX_USE_SETS) entry.uses.bySet.clear();
    entry.uses.bySet.set(set, uses);
    return uses;
  }

  /** The files `entry` brings in: the includes it writes and those its uses of `set`'s wrappers make, with the
   * set's constants written out (`\input{\olpath/sty/x}`). */
  private includesOf(entry: Entry, set: WrapperSet): IncludeLink[] {
    const expand = (link: IncludeLink): IncludeLink =>
      set.constants.size === 0 ? link : { ...link, target: expandConstants(link.target, set.constants), ...(link.folder !== undefined ? { folder: expandConstants(link.folder, set.constants) } : {}) };
    const written = entry.analysis.links.includes;
    const used = this.usesOf(entry, set).includes;
    if (set.constants.size === 0 && used.length === 0) return written;
    return [...written, ...used].map(expand);
  }

  private scopeOf(entry: Entry): ProjectScope | undefined {
    if (entry.format !== 'latex') return undefined;
    const cached = this.scopes.get(entry);
    if (cached && (cached.scope?.uses === NO_USES || cached.text === entry.analysedText)) return cached.scope;
    const roots = this.rootsOf(entry);
    let shared: Omit<ProjectScope, 'file' | 'uses'>;
    if (roots.length === 1) {
      shared = this.sharedBy(roots[0]!);
    } else if (roots.length > 1) {
      shared = this.sharedByAll(roots);
    } else {
      // No root brings it in: its own labels, and the external documents of the roots beside it.
      shared = {
        environments: NO_ENVIRONMENTS,
        labels: this.documentLabels(entry),
        external: this.externalsBeside(entry),
        alone: true,
        incomplete: this.includesOf(entry, this.ownWrappers(entry)).some((link) => link.command !== 'externaldocument'),
      };
    }
    const scope: ProjectScope = { ...shared, file: entry.uri, uses: this.usesOf(entry, this.wrappersFor(entry)) };
    this.scopes.set(entry, { scope, text: entry.analysedText });
    return scope;
  }

  private sharedBy(root: Entry): Omit<ProjectScope, 'file' | 'uses'> {
    let shared = this.shared.get(root);
    if (!shared) {
      const project = this.graphNow().projects.get(root)!;
      shared = {
        environments: this.environmentsOf([...project.packages, ...project.files]),
        labels: this.documentLabels(root),
        external: this.externalsOf(project),
        alone: false,
        incomplete: project.missing.length > 0,
      };
      this.shared.set(root, shared);
    }
    return shared;
  }

  /** What the files several roots bring in share (OpenLogic's sections, in every book and course that
   * imports them): made once per set of roots. */
  private sharedByAll(roots: readonly Entry[]): Omit<ProjectScope, 'file' | 'uses'> {
    const key = roots.map((root) => root.uri).join('\n');
    let shared = this.sharedByRoots.get(key);
    if (!shared) {
      const projects = roots.map((root) => this.graphNow().projects.get(root)!);
      const files = new Set(projects.flatMap((p) => [...p.packages, ...p.files]));
      shared = {
        environments: this.environmentsOf(files),
        labels: this.labelsOf(projects.flatMap((p) => p.files), roots[0]!.path!),
        external: projects.flatMap((p) => this.externalsOf(p)),
        alone: false,
        incomplete: true,
      };
      this.sharedByRoots.set(key, shared);
    }
    return shared;
  }

  /** The documents `project`'s `\externaldocument`s name. */
  private externalsOf(project: Project<Entry>): ExternalDocument[] {
    const rootDir = path.dirname(project.root.path!);
    return project.external.map(({ from, link, document }) => ({
      prefix: link.prefix ?? '',
      file: document?.path ? path.relative(rootDir, document.path) : withTexExtension(link.target),
      labels: document ? this.documentLabels(document) : undefined,
      declared: { uri: from.uri, range: link.range },
    }));
  }

  /** For a file no root brings in: its own external documents, and those of the roots in its folder (a list
   * of chapters beside the chapters that declare each other). */
  private externalsBeside(entry: Entry): ExternalDocument[] {
    if (entry.path === undefined) return [];
    const externals = this.externalsOf(this.projectFrom(entry, this.ownWrappers(entry), false));
    const folder = path.dirname(entry.path);
    const seen = new Set(externals.map((e) => `${e.prefix}\n${e.file}`));
    for (const [root, project] of this.graphNow().projects) {
      if (path.dirname(root.path!) !== folder) continue;
      for (const external of this.externalsOf(project)) {
        const key = `${external.prefix}\n${external.file}`;
        if (seen.has(key) || !external.labels) continue;
        seen.add(key);
        externals.push({ ...external, declared: { uri: entry.uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } });
      }
    }
    return externals;
  }

  /** The labels of a document: a root's, its whole project's; another file's, its own. */
  private documentLabels(document: Entry): Map<string, LabelPlace[]> {
    let labels = this.documentLabelMaps.get(document);
    if (!labels) {
      const project = this.graphNow().projects.get(document);
      labels = project ? this.labelsOf(project.files, document.path!) : this.labelsOf([document], document.path ?? document.uri);
      this.documentLabelMaps.set(document, labels);
    }
    return labels;
  }

  /** The declarations of `files`, as one list that stays the same object while they stay the same. */
  private environmentsOf(files: Iterable<Entry>): readonly EnvironmentDeclaration[] {
    const declaring = [...files].filter((file) => file.environmentsKey !== '');
    const key = declaring.map((file) => `${file.uri}\n${file.environmentsKey}`).join('\n');
    let list = this.environmentLists.get(key);
    if (!list) {
      list = declaring.flatMap((file) => file.analysis.environments);
      if (this.environmentLists.size > 100) this.environmentLists.clear();
      this.environmentLists.set(key, list);
    }
    return list;
  }

  /** The labels and references of `entry`'s last analysed text, with those its project's wrappers make. */
  private labelFacts(entry: Entry): { labels: readonly LabelDefinition[]; references: readonly Reference[] } {
    const uses = entry.format === 'latex' ? this.usesOf(entry, this.wrappersFor(entry)) : NO_USES;
    const direct = <T extends { via?: unknown }>(items: readonly T[], used: readonly T[]): readonly T[] => {
      const own = items.some((item) => item.via) ? items.filter((item) => !item.via) : items;
      return used.length > 0 ? [...own, ...used] : own;
    };
    return { labels: direct(entry.analysis.labels, uses.labels), references: direct(entry.analysis.references, uses.references) };
  }

  /** The labels `files` define (with those their uses of their project's wrappers make), by name. */
  private labelsOf(files: readonly Entry[], rootPath: string): Map<string, LabelPlace[]> {
    const labels = new Map<string, LabelPlace[]>();
    const seen = new Set<Entry>();
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const name = file.path ? path.relative(path.dirname(rootPath), file.path) : file.uri;
      for (const label of this.labelFacts(file).labels) {
        const place: LabelPlace = { uri: file.uri, file: name, range: label.range, ...(label.in ? { in: label.in } : {}) };
        const list = labels.get(label.name);
        if (list) list.push(place);
        else labels.set(label.name, [place]);
      }
    }
    return labels;
  }

  private graphNow(): NonNullable<ProjectIndex['graph']> {
    if (this.graph) return this.graph;
    const projects = new Map<Entry, Project<Entry>>();
    const rootsOf = new Map<Entry, Entry[]>();
    const latex = [...this.entries.values()].filter((e) => e.format === 'latex' && e.path !== undefined);
    // The projects are made before `this.graph` is set: a file's uses are found with the set being tried.
    for (const entry of latex) {
      const links = entry.analysis.links;
      if (links.documentClass && !subfilesMain(links.documentClass)) projects.set(entry, this.projectWithWrappers(entry));
    }
    this.lastWrappers = new Map([...projects].map(([root, project]) => [root, project.wrappers]));
    const membership = new Map<Entry, Entry[]>();
    for (const [root, project] of projects) {
      for (const file of project.files) {
        const list = membership.get(file);
        if (list) list.push(root);
        else membership.set(file, [root]);
      }
    }
    for (const entry of latex) {
      const named = this.namedRoot(entry);
      const members = membership.get(entry) ?? [];
      // A subfiles main file that does not bring the file in is a template for compiling it alone (OpenLogic's
      // include/open-logic-section.tex): the roots that do bring it in are its projects.
      const template = named !== undefined && !entry.analysis.links.rootComment && !members.includes(named) && members.length > 0;
      if (named && projects.has(named) && !template) rootsOf.set(entry, [named]);
      else if (projects.has(entry)) rootsOf.set(entry, [entry]);
      else rootsOf.set(entry, members);
    }
    this.graph = { projects, rootsOf };
    return this.graph;
  }

  /** The root's project, read again with the wrappers its files define until they stay the same. */
  private projectWithWrappers(root: Entry): Project<Entry> {
    let set = this.lastWrappers.get(root) ?? this.ownWrappers(root);
    for (let round = 1; ; round++) {
      const project = this.projectFrom(root, set);
      const found = this.wrappersOf([...project.packages, ...project.files]);
      if (found === set || round >= MAX_WRAPPER_ROUNDS) return { ...project, wrappers: found };
      set = found;
    }
  }

  /** The root a file names itself: its magic comment's, or its subfiles main file. */
  private namedRoot(entry: Entry): Entry | undefined {
    const links = entry.analysis.links;
    const dir = path.dirname(entry.path!);
    const named = links.rootComment ?? subfilesMain(links.documentClass);
    if (named === undefined) return undefined;
    const target = path.resolve(dir, named);
    return this.byPath.get(withTexExtension(target)) ?? this.byPath.get(target);
  }

  /**
   * The root's files in reading order (depth first, each once), its packages and what is missing. Walked
   * with an explicit stack: a chain of thousands of `\input`s must not exhaust the call stack.
   */
  private projectFrom(root: Entry, set: WrapperSet, follow = true): Project<Entry> {
    const project: Project<Entry> = { root, files: [], packages: [], missing: [], external: [], wrappers: set };
    const visited = new Set<Entry>([root]);
    const externals = new Set<string>();
    project.files.push(root);
    const stack: { file: Entry; links: IncludeLink[]; next: number }[] = [{ file: root, links: this.includesOf(root, set), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const link = top.links[top.next++];
      if (!link) {
        stack.pop();
        continue;
      }
      if (link.command === 'externaldocument') {
        const key = `${link.prefix ?? ''}\n${link.target}`;
        if (externals.has(key)) continue;
        externals.add(key);
        const document = includeCandidates(link, top.file.path!, root.path!).map((p) => this.byPath.get(p)).find((e) => e !== undefined && e.format === 'latex');
        // Beyond the bound, a document is one whose labels could not be read (each reference would look in all).
        if (project.external.length < MAX_EXTERNAL_DOCUMENTS) project.external.push({ from: top.file, link, document });
        else project.missing.push({ from: top.file, link });
        continue;
      }
      if (link.command === 'externalcitedocument' || !follow) continue;
      const target = includeCandidates(link, top.file.path!, root.path!).map((p) => this.byPath.get(p)).find((e) => e !== undefined && e.format === 'latex');
      if (!target) project.missing.push({ from: top.file, link });
      else if (!visited.has(target)) {
        visited.add(target);
        project.files.push(target);
        stack.push({ file: target, links: this.includesOf(target, set), next: 0 });
      }
    }
    // Packages the files name, then the packages those name (`\RequirePackage` in a .sty), each once.
    const packages = new Set<Entry>();
    const queue = [...project.files];
    for (let at = 0; at < queue.length; at++) {
      const file = queue[at]!;
      const { packages: names, classes } = file.analysis.links;
      const candidates = [
        ...names.flatMap((name) => packageCandidates(name, '.sty', file.path!, root.path!)),
        ...classes.flatMap((name) => packageCandidates(name, '.cls', file.path!, root.path!)),
      ];
      for (const candidate of candidates) {
        const sty = this.byPath.get(candidate);
        if (sty && !packages.has(sty) && !visited.has(sty)) {
          packages.add(sty);
          queue.push(sty);
        }
      }
    }
    project.packages = [...packages];
    return project;
  }
}

function safePath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** `chapters/one` names `chapters/one.tex` (as TeX reads `\input`); a name with `.tex` is kept. */
function withTexExtension(file: string): string {
  return /\.(tex|ltx)$/i.test(file) ? file : `${file}.tex`;
}

/** The main file a subfiles chapter names: `\documentclass[../main]{subfiles}`. */
function subfilesMain(documentClass: { name: string; option?: string } | undefined): string | undefined {
  return documentClass?.name === 'subfiles' && documentClass.option ? documentClass.option : undefined;
}

/**
 * Where an include may point, most likely first: `\input`/`\include` relative to the root's folder (TeX's
 * working folder), then to the including file's; `\subimport`/`\subfile` relative to the including file;
 * `\import` to its folder (relative to the root's). Each with `.tex` added, then as written.
 */
function includeCandidates(link: IncludeLink, from: string, root: string): string[] {
  const rootDir = path.dirname(root);
  const fileDir = path.dirname(from);
  const relativeToFile = link.command.startsWith('sub') || link.command === 'subfile';
  const bases = link.folder !== undefined
    ? [path.resolve(relativeToFile ? fileDir : rootDir, link.folder), path.resolve(fileDir, link.folder)]
    : relativeToFile ? [fileDir, rootDir] : [rootDir, fileDir];
  const out: string[] = [];
  for (const base of bases) {
    const target = path.resolve(base, link.target);
    out.push(withTexExtension(target));
    // As written, when that is a LaTeX file of another kind (`\input{defs.sty}`); only those are read.
    if (withTexExtension(target) !== target && isLatexFile(target)) out.push(target);
  }
  return [...new Set(out)];
}

/** A local package or class: `name.sty` (or `.cls`) beside the root, or beside the file that names it. */
function packageCandidates(name: string, extension: '.sty' | '.cls', from: string, root: string): string[] {
  if (name.includes('/') && !name.startsWith('.')) return [path.resolve(path.dirname(root), `${name}${extension}`)];
  return [...new Set([path.resolve(path.dirname(root), `${name}${extension}`), path.resolve(path.dirname(from), `${name}${extension}`)])];
}
