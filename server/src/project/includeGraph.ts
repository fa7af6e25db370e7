/**
 * The include graph of the project index: the LaTeX projects its files form (texlab's dependency graph is
 * the model). A project is a root (a file with `\documentclass`) and the files it brings in (`\input`,
 * `\include`, `\subfile`, `\import`, `\subimport`), in reading order, with the local packages and classes
 * (`.sty`, `.cls` found by the names `\usepackage`/`\documentclass` give). A file's root is its `% !TEX root`
 * magic comment, else the subfiles main file its `\documentclass[main]{subfiles}` names, else itself when
 * it has `\documentclass`, else the one root that brings it in; a file with several roots or none is
 * analysed alone (with several, references are checked against all of them, so none is a false alarm).
 *
 * A project's macros that wrap `\input`, `\label` or `\ref` (documents/wrappers.ts: `\olimport`, `\mylabel`)
 * and its constants (`\olpath`) are expanded before links are decided: the project is read again with the
 * wrappers its files define until they stay the same (at most `MAX_WRAPPER_ROUNDS` times). The graph is made
 * on first need from the files' own facts (their links) and kept until some file's links change
 * (`invalidate`). Paths are resolved with node:path; no file system here: `wanted` says which paths the index
 * would like the loader to read.
 */
import * as path from 'node:path';
import type { CommandWrapper, IncludeLink, MacroDefinition } from '../documents/proofDocument';
import { isLatexFile } from '../documents/formats';
import { expandConstants, findWrapperUses, NO_USES, NO_WRAPPERS, wrapperSet, type WrapperSet, type WrapperUses } from '../documents/wrappers';
import type { Entry, FileSet, IndexedFile } from './fileSet';

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

/** How many times a project is read again with the wrappers it was found to define (OpenLogic's root needs
 * three: its constants, then the `\olimport` its packages define). */
const MAX_WRAPPER_ROUNDS = 4;
/** At most this many documents are a project's external documents (each `\externaldocument`'s prefix and
 * file once); those beyond are as unreadable ones. */
const MAX_EXTERNAL_DOCUMENTS = 1000;
/** Wrapper sets whose uses a file remembers (a file of several projects is asked with each one's). */
const MAX_USE_SETS = 8;

export class IncludeGraph {
  /** The projects, made again when some file's links changed (undefined: to be made). */
  private graph: { projects: Map<Entry, Project<Entry>>; rootsOf: Map<Entry, Entry[]> } | undefined;
  /** The wrappers each root's project had when the projects were last made: where the next reading starts. */
  private lastWrappers = new Map<Entry, WrapperSet>();
  /** Wrapper sets by what they hold: a scope keeps the same one while they stay. */
  private wrapperSets = new Map<string, WrapperSet>();

  constructor(private readonly files: FileSet) {}

  /** Some file's links changed: the projects are made again on next need. */
  invalidate(): void {
    this.graph = undefined;
  }

  /** Whether the projects are made (else they will be, from the files' links as they are then). */
  known(): boolean {
    return this.graph !== undefined;
  }

  /** Every root's project. */
  projects(): ReadonlyMap<Entry, Project<Entry>> {
    return this.graphNow().projects;
  }

  projectOf(entry: Entry): Project<Entry> | undefined {
    const roots = this.rootsOf(entry);
    return roots.length === 1 ? this.graphNow().projects.get(roots[0]!) : undefined;
  }

  /** The roots `entry` belongs to (see the module comment). */
  rootsOf(entry: Entry): Entry[] {
    return this.graphNow().rootsOf.get(entry) ?? [];
  }

  /** The wrappers in force in `entry`: its project's (all its roots'), else its own. */
  wrappersFor(entry: Entry): WrapperSet {
    const roots = this.rootsOf(entry);
    if (roots.length === 0) return this.ownWrappers(entry);
    const sets = roots.map((root) => this.graphNow().projects.get(root)!.wrappers);
    return sets.length === 1 ? sets[0]! : this.wrappersOf(roots.flatMap((root) => { const p = this.graphNow().projects.get(root)!; return [...p.packages, ...p.files]; }));
  }

  ownWrappers(entry: Entry): WrapperSet {
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
  usesOf(entry: Entry, set: WrapperSet): WrapperUses {
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
  includesOf(entry: Entry, set: WrapperSet): IncludeLink[] {
    const expand = (link: IncludeLink): IncludeLink =>
      set.constants.size === 0 ? link : { ...link, target: expandConstants(link.target, set.constants), ...(link.folder !== undefined ? { folder: expandConstants(link.folder, set.constants) } : {}) };
    const written = entry.analysis.links.includes;
    const used = this.usesOf(entry, set).includes;
    if (set.constants.size === 0 && used.length === 0) return written;
    return [...written, ...used].map(expand);
  }

  private graphNow(): NonNullable<IncludeGraph['graph']> {
    if (this.graph) return this.graph;
    const projects = new Map<Entry, Project<Entry>>();
    const rootsOf = new Map<Entry, Entry[]>();
    const latex = this.files.all().filter((e) => e.format === 'latex' && e.path !== undefined);
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
    return this.files.atPath(withTexExtension(target)) ?? this.files.atPath(target);
  }

  /**
   * The root's files in reading order (depth first, each once), its packages and what is missing. Walked
   * with an explicit stack: a chain of thousands of `\input`s must not exhaust the call stack.
   */
  projectFrom(root: Entry, set: WrapperSet, follow = true): Project<Entry> {
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
        const document = includeCandidates(link, top.file.path!, root.path!).map((p) => this.files.atPath(p)).find((e) => e !== undefined && e.format === 'latex');
        // Beyond the bound, a document is one whose labels could not be read (each reference would look in all).
        if (project.external.length < MAX_EXTERNAL_DOCUMENTS) project.external.push({ from: top.file, link, document });
        else project.missing.push({ from: top.file, link });
        continue;
      }
      if (link.command === 'externalcitedocument' || !follow) continue;
      const target = includeCandidates(link, top.file.path!, root.path!).map((p) => this.files.atPath(p)).find((e) => e !== undefined && e.format === 'latex');
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
        const sty = this.files.atPath(candidate);
        if (sty && !packages.has(sty) && !visited.has(sty)) {
          packages.add(sty);
          queue.push(sty);
        }
      }
    }
    project.packages = [...packages];
    return project;
  }

  /** Paths the index would like to read: included files, external documents, packages and roots that its
   * files name and it does not hold yet (they may not exist; the loader tries). */
  wanted(): string[] {
    const paths = new Set<string>();
    for (const entry of this.files.all()) {
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
    return [...paths].filter((p) => this.files.atPath(p) === undefined);
  }
}

/** `chapters/one` names `chapters/one.tex` (as TeX reads `\input`); a name with `.tex` is kept. */
export function withTexExtension(file: string): string {
  return /\.(tex|ltx)$/i.test(file) ? file : `${file}.tex`;
}

/** The main file a subfiles chapter names: `\documentclass[../main]{subfiles}`. */
export function subfilesMain(documentClass: { name: string; option?: string } | undefined): string | undefined {
  return documentClass?.name === 'subfiles' && documentClass.option ? documentClass.option : undefined;
}

/**
 * Where an include may point, most likely first: `\input`/`\include` relative to the root's folder (TeX's
 * working folder), then to the including file's; `\subimport`/`\subfile` relative to the including file;
 * `\import` to its folder (relative to the root's). Each with `.tex` added, then as written.
 */
export function includeCandidates(link: IncludeLink, from: string, root: string): string[] {
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
export function packageCandidates(name: string, extension: '.sty' | '.cls', from: string, root: string): string[] {
  if (name.includes('/') && !name.startsWith('.')) return [path.resolve(path.dirname(root), `${name}${extension}`)];
  return [...new Set([path.resolve(path.dirname(root), `${name}${extension}`), path.resolve(path.dirname(from), `${name}${extension}`)])];
}
