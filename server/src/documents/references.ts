/**
 * References checked against labels: a file alone against its own labels, a file of a project against the
 * labels of every file of the project (`ProjectScope`, made by the project index). Also what else a file
 * takes from its project: the theorem-like environments declared in it (the root's preamble, local
 * packages, other chapters). Pure: analysis and scope in, findings out; linear in references and labels.
 */
import { finding } from './precision';
import { shortName, type EnvironmentDeclaration, type ProofDocumentAnalysis, type Range, type StructuralDiagnostic } from './proofDocument';

/** Where a label is defined in a file of the project. */
export interface LabelPlace {
  uri: string;
  /** The file as a message names it (relative to the project's root folder). */
  file: string;
  range: Range;
}

/** What the rest of a file's project gives its analysis. One object per state of the project: analyses are
 * cached by its identity, so a new one is made only when what it holds changed. */
export interface ProjectScope {
  /** Environments declared in the project's files and packages (the file's own declarations, among them,
   * win over the others). */
  environments: readonly EnvironmentDeclaration[];
  /** Labels defined in the project's files, this one's among them (shared by every file of the project:
   * `file` says which places are this file's own). */
  labels: ReadonlyMap<string, readonly LabelPlace[]>;
  /** The URI of the file this scope is for. */
  file: string;
  /** Some file of the project could not be read, or labels may come from another document (xr's
   * `\externaldocument`): a reference to a label found nowhere is then only information. */
  incomplete: boolean;
}

/** At most this many other places are listed with a duplicate label. */
const MAX_RELATED = 5;

/** `undefined-reference` for each reference to a label defined nowhere in reach, `duplicate-label` for each
 * definition of a label that is defined more than once (in this file or across the project). */
export function labelDiagnostics(analysis: Pick<ProofDocumentAnalysis, 'format' | 'labels' | 'references' | 'links'>, scope: ProjectScope | undefined): StructuralDiagnostic[] {
  const diagnostics: StructuralDiagnostic[] = [];
  const own = new Map<string, Range>();
  for (const label of analysis.labels) {
    const first = own.get(label.name);
    const elsewhere = scope ? (scope.labels.get(label.name) ?? []).filter((place) => place.uri !== scope.file) : [];
    const quoted = `\`\\label{${shortName(label.name)}}\``;
    if (first) {
      diagnostics.push(finding('duplicate-label', 'certain', label.range, `${quoted} is defined twice in this file: references go to one of them only. Rename one.`, [{ range: first, message: 'first defined here' }]));
    } else if (elsewhere.length > 0) {
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
    if (!first) own.set(label.name, label.range);
  }
  // A LaTeX file alone that is part of another document, without \documentclass or a subfiles chapter, is a
  // fragment: that document may hold the label (or name another document's, as the Stacks project's
  // chapters.tex does through its includers' preamble), and it may not have been found.
  const documentClass = analysis.links.documentClass?.name;
  const fragment = analysis.format === 'latex' && (documentClass === undefined || documentClass === 'subfiles');
  const mayBeElsewhere = scope ? scope.incomplete : analysis.links.includes.length > 0 || fragment;
  for (const reference of analysis.references) {
    if (own.has(reference.name) || scope?.labels.has(reference.name)) continue;
    const command = `\`\\${reference.command}{${shortName(reference.name)}}\``;
    const label = `\`\\label{${shortName(reference.name)}}\``;
    diagnostics.push(finding(
      'undefined-reference',
      mayBeElsewhere ? 'likely' : 'certain',
      reference.range,
      mayBeElsewhere
        ? `${command}: no ${label} in ${scope ? 'the files of this project that could be read' : 'this file'} (it may be in ${scope ? 'another document' : analysis.links.includes.length > 0 ? 'an included file' : 'the document this file is part of'}).`
        : `${command}: no ${label} in this ${scope ? 'project' : 'document'}.`,
    ));
  }
  return diagnostics;
}
