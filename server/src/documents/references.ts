/**
 * References checked against labels: a file alone against its own labels, a file of a project against the
 * labels of every file of the project (`ProjectScope`, made by the project index), and against the documents
 * xr's `\externaldocument[prefix]{file}` names (a reference `prefix` + name means that document's label).
 * Also what else a file takes from its project: the theorem-like environments declared in it (the root's
 * preamble, local packages, other chapters) and the uses of its macros that wrap `\label` and `\ref`. Pure:
 * analysis and scope in, findings out; linear in references and labels (and the external documents'
 * prefixes).
 */
import type { WrapperUses } from './wrappers';
import { finding } from './precision';
import { shortName, type EnvironmentDeclaration, type LabelDefinition, type ProofDocumentAnalysis, type Range, type Reference, type StructuralDiagnostic } from './proofDocument';

/** Where a label is defined in a file of the project. */
export interface LabelPlace {
  uri: string;
  /** The file as a message names it (relative to the project's root folder). */
  file: string;
  range: Range;
  /** The environment the label stands in (`LabelDefinition.in`). */
  in?: LabelDefinition['in'];
}

/** A document whose labels the project's references may name (xr's `\externaldocument[prefix]{file}`). */
export interface ExternalDocument {
  /** What the project's references put before its label names ('' for none). */
  prefix: string;
  /** The file as a message names it. */
  file: string;
  /** Its labels (a root's: those of its whole project), or undefined when it could not be read. */
  labels: ReadonlyMap<string, readonly LabelPlace[]> | undefined;
  /** The `\externaldocument` that names it. */
  declared: { uri: string; range: Range };
}

/** What the rest of a file's project gives its analysis. One object per state of the project (and of the
 * file's text, where its project has macros that wrap `\label` or `\ref`): analyses are cached by its
 * identity, so a new one is made only when what it holds changed. */
export interface ProjectScope {
  /** Environments declared in the project's files and packages (the file's own declarations, among them,
   * win over the others). */
  environments: readonly EnvironmentDeclaration[];
  /** Labels defined in the project's files, this one's among them (shared by every file of the project:
   * `file` says which places are this file's own). */
  labels: ReadonlyMap<string, readonly LabelPlace[]>;
  /** The documents whose labels references may name with their prefix: the project's `\externaldocument`s
   * (for a file alone: those of the documents beside it). */
  external: readonly ExternalDocument[];
  /** The URI of the file this scope is for. */
  file: string;
  /** The file has no project (no root brings it in): messages speak of the file. */
  alone: boolean;
  /** Some file of the project could not be read (for a file alone: it includes files): a reference to a
   * label found nowhere is then only information. */
  incomplete: boolean;
  /** The labels and references this file makes through its project's macros (wrappers.ts). */
  uses: WrapperUses;
}

/** At most this many other places are listed with a finding about a label. */
const MAX_RELATED = 5;

/** What a reference named `name` may mean: the project's labels of that name (`prefix` ''), and the labels of
 * each external document whose prefix it starts with; `unread`: the external documents it may name that
 * could not be read. */
export function lookUpLabel(scope: Pick<ProjectScope, 'labels' | 'external'>, name: string): { matches: { prefix: string; document?: ExternalDocument; places: readonly LabelPlace[] }[]; unread: ExternalDocument[] } {
  const matches: { prefix: string; document?: ExternalDocument; places: readonly LabelPlace[] }[] = [];
  const unread: ExternalDocument[] = [];
  const own = scope.labels.get(name);
  if (own) matches.push({ prefix: '', places: own });
  for (const document of documentsPrefixing(scope.external, name)) {
    if (!document.labels) {
      unread.push(document);
      continue;
    }
    const places = document.labels.get(name.slice(document.prefix.length));
    if (places) matches.push({ prefix: document.prefix, document, places });
  }
  return { matches, unread };
}

/** The external documents by prefix (made once per list: a project's list is shared by its files). */
const prefixIndexes = new WeakMap<readonly ExternalDocument[], { lengths: number[]; byPrefix: Map<string, { document: ExternalDocument; at: number }[]> }>();

/** The documents of `external` whose prefix `name` starts with, in their order: a lookup per prefix length,
 * not per document (a chapter of a book names its 99 others). */
function documentsPrefixing(external: readonly ExternalDocument[], name: string): ExternalDocument[] {
  if (external.length === 0) return [];
  let index = prefixIndexes.get(external);
  if (!index) {
    const byPrefix = new Map<string, { document: ExternalDocument; at: number }[]>();
    external.forEach((document, at) => {
      const list = byPrefix.get(document.prefix);
      if (list) list.push({ document, at });
      else byPrefix.set(document.prefix, [{ document, at }]);
    });
    index = { lengths: [...new Set(external.map((d) => d.prefix.length))].sort((a, b) => a - b), byPrefix };
    prefixIndexes.set(external, index);
  }
  const found: { document: ExternalDocument; at: number }[] = [];
  for (const length of index.lengths) {
    if (length > name.length) break;
    const list = index.byPrefix.get(name.slice(0, length));
    if (list) found.push(...list);
  }
  if (found.length > 1) found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.document);
}

/** The file's labels and references, with those it makes through its project's macros. */
export function labelsAndReferences(analysis: Pick<ProofDocumentAnalysis, 'labels' | 'references'>, scope: ProjectScope | undefined): { labels: readonly LabelDefinition[]; references: readonly Reference[] } {
  const uses = scope?.uses;
  return {
    labels: uses && uses.labels.length > 0 ? [...analysis.labels, ...uses.labels] : analysis.labels,
    references: uses && uses.references.length > 0 ? [...analysis.references, ...uses.references] : analysis.references,
  };
}

/**
 * `duplicate-label` for each definition of a label that is defined more than once (in this file or across
 * the project); one `undefined-reference` per label that references name and no file in reach defines (on its
 * first reference, the others listed with it); one `missing-external-document` for each `\externaldocument`
 * of this file whose file cannot be read (the references it may answer are not checked).
 */
export function labelDiagnostics(analysis: Pick<ProofDocumentAnalysis, 'format' | 'labels' | 'references' | 'links'>, scope: ProjectScope | undefined): StructuralDiagnostic[] {
  const diagnostics: StructuralDiagnostic[] = [];
  const { labels, references } = labelsAndReferences(analysis, scope);
  const own = new Map<string, Range>();
  for (const label of labels) {
    const first = own.get(label.name);
    const quoted = `\`\\label{${shortName(label.name)}}\``;
    if (first) {
      diagnostics.push(finding('duplicate-label', 'certain', label.range, `${quoted} is defined twice in this file: references go to one of them only. Rename one.`, [{ range: first, message: 'first defined here' }]));
      continue;
    }
    own.set(label.name, label.range);
    // Once per name: a name defined 20,000 times in this file is not looked up 20,000 times.
    const elsewhere = scope ? (scope.labels.get(label.name) ?? []).filter((place) => place.uri !== scope.file) : [];
    if (elsewhere.length > 0) {
      // Other files, each named once (a label defined four times in one file is one more file, not four).
      const files = new Set(elsewhere.map((place) => place.uri)).size;
      diagnostics.push(finding(
        'duplicate-label',
        'certain',
        label.range,
        `${quoted} is also defined in ${elsewhere[0]!.file}${files > 1 ? ` and ${files - 1} more file${files > 2 ? 's' : ''}` : ''} of this project: references go to one of them only. Rename one.`,
        elsewhere.slice(0, MAX_RELATED).map((place) => ({ uri: place.uri, range: place.range, message: `also defined in ${place.file}` })),
      ));
    }
  }
  for (const document of scope?.external ?? []) {
    if (document.labels || document.declared.uri !== scope!.file) continue;
    // xr reads the other document's .aux, which may exist where the project's sources are not read from.
    diagnostics.push(finding(
      'missing-external-document',
      'likely',
      document.declared.range,
      `No file ${document.file} to read labels from: references to its labels${document.prefix ? ` (\`${shortName(document.prefix)}\`...)` : ''} are not checked.`,
    ));
  }
  const missing = new Map<string, Reference[]>();
  for (const reference of references) {
    if (own.has(reference.name) || scope?.labels.has(reference.name)) continue;
    if (scope) {
      const { matches, unread } = lookUpLabel(scope, reference.name);
      if (matches.length > 0 || unread.length > 0) continue;
    }
    const same = missing.get(reference.name);
    if (same) same.push(reference);
    else missing.set(reference.name, [reference]);
  }
  // A LaTeX file alone that is part of another document, without \documentclass or a subfiles chapter, is a
  // fragment: that document may hold the label (or name another document's, as the Stacks project's
  // chapters.tex does through its includers' preamble), and it may not have been found.
  const documentClass = analysis.links.documentClass?.name;
  const fragment = analysis.format === 'latex' && (documentClass === undefined || documentClass === 'subfiles');
  const alone = !scope || scope.alone;
  const mayBeElsewhere = (scope?.incomplete ?? false) || (alone && (analysis.links.includes.length > 0 || fragment));
  for (const [name, [first, ...others]] of missing) {
    const command = `\`\\${first!.command}{${shortName(name)}}\``;
    const label = `\`\\label{${shortName(name)}}\``;
    const more = others.length > 0 ? ` (and ${others.length} more reference${others.length > 1 ? 's' : ''} to it in this file)` : '';
    diagnostics.push(finding(
      'undefined-reference',
      mayBeElsewhere ? 'likely' : 'certain',
      first!.range,
      mayBeElsewhere
        ? `${command}${more}: no ${label} in ${alone ? 'this file' : 'the files of this project that could be read'} (it may be in ${alone ? (analysis.links.includes.length > 0 || !fragment ? 'an included file' : 'the document this file is part of') : 'another document'}).`
        : `${command}${more}: no ${label} in this ${alone ? 'document' : 'project'}.`,
      others.length > 0 ? others.slice(0, MAX_RELATED).map((reference) => ({ range: reference.range, message: `also references \`${shortName(name)}\`` })) : undefined,
    ));
  }
  return diagnostics;
}
