/**
 * The scopes of the project index: what a file takes from its project (documents/references.ts's
 * `ProjectScope`): the environments declared in the project, the labels of its files and of the documents
 * xr's `\externaldocument[prefix]{file}` names (relative to the root's folder; a root's, its whole
 * project's; a file alone, no root bringing it in, may name the external documents of the roots beside it),
 * made once per project and shared by all its files (so thousands of files cost linear time), and the
 * file's own uses of the project's wrappers. Scopes are kept until some file's links, declarations or labels
 * change (`clear`), and their environments keep their identity while those stay the same, so an edit
 * re-analyses its own file, and the project's other files only when their structure depends on it.
 */
import * as path from 'node:path';
import type { EnvironmentDeclaration, LabelDefinition, Reference } from '../documents/proofDocument';
import type { ExternalDocument, LabelPlace, ProjectScope } from '../documents/references';
import { NO_USES } from '../documents/wrappers';
import type { Entry } from './fileSet';
import { withTexExtension, type IncludeGraph, type Project } from './includeGraph';

const NO_ENVIRONMENTS: readonly EnvironmentDeclaration[] = Object.freeze([]) as readonly EnvironmentDeclaration[];

export class Scopes {
  /** The scopes handed out since the last change of declarations or labels (with the text they were made
   * for: a file's uses of its project's wrappers are in its scope). */
  private scopes = new Map<Entry, { scope: ProjectScope | undefined; text: string }>();
  /** What every file of a project shares (by root), since the last change: made once per project, not per
   * file, so a project of thousands of files costs linear time. */
  private shared = new Map<Entry, Omit<ProjectScope, 'file' | 'uses'>>();
  private sharedByRoots = new Map<string, Omit<ProjectScope, 'file' | 'uses'>>();
  /** The labels of each document (a root's project, or a file alone), since the last change. */
  private documentLabelMaps = new Map<Entry, Map<string, LabelPlace[]>>();
  /** Environments lists by what they hold: a scope keeps the same one while they stay. */
  private environmentLists = new Map<string, readonly EnvironmentDeclaration[]>();

  constructor(private readonly graph: IncludeGraph) {}

  /** Some file's links, declarations or labels changed: every scope is made again on next need. */
  clear(): void {
    this.scopes = new Map();
    this.shared = new Map();
    this.sharedByRoots = new Map();
    this.documentLabelMaps = new Map();
  }

  scopeOf(entry: Entry): ProjectScope | undefined {
    if (entry.format !== 'latex') return undefined;
    const cached = this.scopes.get(entry);
    if (cached && (cached.scope?.uses === NO_USES || cached.text === entry.analysedText)) return cached.scope;
    const roots = this.graph.rootsOf(entry);
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
        incomplete: this.graph.includesOf(entry, this.graph.ownWrappers(entry)).some((link) => link.command !== 'externaldocument'),
      };
    }
    const scope: ProjectScope = { ...shared, file: entry.uri, uses: this.graph.usesOf(entry, this.graph.wrappersFor(entry)) };
    this.scopes.set(entry, { scope, text: entry.analysedText });
    return scope;
  }

  private sharedBy(root: Entry): Omit<ProjectScope, 'file' | 'uses'> {
    let shared = this.shared.get(root);
    if (!shared) {
      const project = this.graph.projects().get(root)!;
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
      const projects = roots.map((root) => this.graph.projects().get(root)!);
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
    const externals = this.externalsOf(this.graph.projectFrom(entry, this.graph.ownWrappers(entry), false));
    const folder = path.dirname(entry.path);
    const seen = new Set(externals.map((e) => `${e.prefix}\n${e.file}`));
    for (const [root, project] of this.graph.projects()) {
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
      const project = this.graph.projects().get(document);
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
  labelFacts(entry: Entry): { labels: readonly LabelDefinition[]; references: readonly Reference[] } {
    const uses = entry.format === 'latex' ? this.graph.usesOf(entry, this.graph.wrappersFor(entry)) : NO_USES;
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
}
