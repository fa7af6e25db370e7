/**
 * The questions LaTeX users ask of labels, answered across a project and the documents xr joins to it: which
 * label a name at the cursor means (a `\label`, a key of `\cref{a,b}`, a use of a project macro that wraps
 * them), where a reference leads, every place that writes a label's name (its definitions and every reference
 * that means it, `prefix`-named ones of other documents included), the labels a reference may name with
 * what each labels, and the edits that rename one. No LSP here: features/labels.ts translates.
 */
import { environmentRoles, type EnvironmentRole } from '../documents/latexStructure';
import { writtenRange } from '../documents/labelNames';
import { comparePositions, type LabelDefinition, type Position, type Range, type Reference, type Statement } from '../documents/proofDocument';
import { clean } from '../documents/queries';
import { lookUpLabel, type LabelPlace } from '../documents/references';
import type { IndexedFile } from './fileSet';
import type { ProjectReader } from './projectIndex';

/** The label or reference at a position, and how its name is written there. */
export interface NameAt {
  kind: 'label' | 'reference';
  item: LabelDefinition | Reference;
  /** Where the name is written (the key itself), if one argument writes it. */
  written: Range | undefined;
}

/** A label a reference in a file can name: the name it writes (with the xr prefix), and where it is defined. */
export interface LabelChoice {
  name: string;
  place: LabelPlace;
}

/** A place that writes a label's name: what rename changes. `name`: the whole name there (a reference's
 * with its document's xr prefix); `prefix`: that xr prefix. */
export interface Occurrence {
  uri: string;
  kind: 'label' | 'reference';
  item: LabelDefinition | Reference;
  written: Range | undefined;
  prefix: string;
}

/** The label or reference whose command holds `position` in `uri` (in `\cref{a,b}`, the name under the
 * cursor, else the first). */
export function nameAt(index: ProjectReader, uri: string, position: Position): NameAt | undefined {
  const file = index.get(uri);
  if (!file) return undefined;
  const { labels, references } = index.labelsAndReferences(uri);
  const within = (range: Range): boolean => comparePositions(range.start, position) <= 0 && comparePositions(position, range.end) <= 0;
  const line = lineOf(file, position.line);
  const candidates: NameAt[] = [
    ...labels.filter((l) => within(l.range)).map((item) => ({ kind: 'label' as const, item, written: writtenRange(item, line) })),
    ...references.filter((r) => within(r.range)).map((item) => ({ kind: 'reference' as const, item, written: writtenRange(item, line) })),
  ];
  return candidates.find((c) => c.written !== undefined && within(c.written)) ?? candidates[0];
}

/** A label a name means: where it is defined, its own name there, and the xr prefix the name was written
 * with (a reference to another document's label). */
export interface Meant {
  place: LabelPlace;
  name: string;
  prefix: string;
}

/** Where a reference named `name` in `uri` leads: the labels it means (with the xr prefix it was written
 * with), in the file's project or its external documents. */
function labelTargets(index: ProjectReader, uri: string, name: string): { place: LabelPlace; prefix: string }[] {
  const scope = index.scope(uri);
  if (!scope) {
    return index.labelsAndReferences(uri).labels.filter((l) => l.name === name).map((l) => ({ place: { uri, file: uri, range: l.range }, prefix: '' }));
  }
  return lookUpLabel(scope, name).matches.flatMap((match) => match.places.map((place) => ({ place, prefix: match.prefix })));
}

/** The labels the name at `at` means: the label itself, or where the reference leads. */
export function labelsMeant(index: ProjectReader, uri: string, at: NameAt): Meant[] {
  if (at.kind === 'label') return [{ place: { uri, file: uri, range: at.item.range }, name: at.item.name, prefix: '' }];
  return labelTargets(index, uri, at.item.name).map((target) => ({ place: target.place, name: at.item.name.slice(target.prefix.length), prefix: target.prefix }));
}

/**
 * Every place in the files the index holds that writes the name of the label `name` defined at `label`: the
 * definitions of that name in its project (a duplicate is renamed with it), and the references that lead to
 * one of them, from its project or from documents that name it as an external document.
 */
export function occurrencesOf(index: ProjectReader, label: LabelPlace, name: string): Occurrence[] {
  const home = index.scope(label.uri);
  const definitions = home?.labels.get(name) ?? [label];
  const defined = new Set(definitions.map((place) => key(place.uri, place.range)));
  const occurrences: Occurrence[] = [];
  for (const place of definitions) {
    const file = index.get(place.uri);
    const item = file && index.labelsAndReferences(place.uri).labels.find((l) => l.name === name && comparePositions(l.range.start, place.range.start) === 0);
    if (file && item) occurrences.push({ uri: place.uri, kind: 'label', item, written: writtenRange(item, lineOf(file, item.range.start.line)), prefix: '' });
  }
  for (const file of index.all()) {
    const references = index.labelsAndReferences(file.uri).references.filter((r) => r.name.endsWith(name));
    for (const reference of references) {
      const target = labelTargets(index, file.uri, reference.name).find((t) => defined.has(key(t.place.uri, t.place.range)));
      if (target) occurrences.push({ uri: file.uri, kind: 'reference', item: reference, written: writtenRange(reference, lineOf(file, reference.range.start.line)), prefix: target.prefix });
    }
  }
  return occurrences;
}

/** The labels a reference in `uri` may name, by the name it would write (xr's prefix included), each once. */
export function labelChoices(index: ProjectReader, uri: string): LabelChoice[] {
  const scope = index.scope(uri);
  const choices: LabelChoice[] = [];
  const seen = new Set<string>();
  const add = (name: string, place: LabelPlace | undefined): void => {
    if (!place || seen.has(name)) return;
    seen.add(name);
    choices.push({ name, place });
  };
  if (!scope) {
    for (const label of index.labelsAndReferences(uri).labels) add(label.name, { uri, file: uri, range: label.range });
    return choices;
  }
  for (const [name, places] of scope.labels) add(name, places[0]);
  for (const document of scope.external) for (const [name, places] of document.labels ?? []) add(document.prefix + name, places[0]);
  return choices;
}

/** What a label labels, with `roles` (`rolesIn`): "Proposition (AM-GM)", "equation"; and the first line of
 * its text. */
export function describeLabel(index: ProjectReader, place: LabelPlace, roles: ReturnType<typeof rolesIn>): { title: string; firstLine: string | undefined } {
  const within = place.in;
  if (!within) return { title: 'label', firstLine: undefined };
  const role = roles(within.environment);
  const title = role?.role === 'statement' ? (within.option ? `${role.title} (${within.option.trim()})` : role.title) : within.environment;
  const file = index.get(place.uri);
  return { title, firstLine: file && firstLineAfter(file, within.header.end) };
}

/** What each environment is in `uri`: its project's declarations and its own, over the built-in names. */
export function rolesIn(index: ProjectReader, uri: string): (environment: string) => EnvironmentRole | undefined {
  const own = index.lastAnalysis(uri)?.environments ?? [];
  return environmentRoles([...(index.scope(uri)?.environments ?? []), ...own]);
}

/** The statement that holds the label at `place` (its file analysed as part of its project), with its text as
 * the model reads it; else the source lines around the label. */
export function labelledText(index: ProjectReader, place: LabelPlace): { statement: Statement | undefined; text: string } {
  const file = index.get(place.uri);
  const analysis = index.analysis(place.uri);
  if (!file || !analysis) return { statement: undefined, text: '' };
  // The innermost statement around it (a claim inside a theorem's statement is its own).
  const statement = analysis.statements
    .filter((s) => comparePositions(s.range.start, place.range.start) <= 0 && comparePositions(place.range.end, s.range.end) <= 0)
    .reduce<Statement | undefined>((inner, s) => (inner && comparePositions(inner.range.start, s.range.start) >= 0 ? inner : s), undefined);
  if (statement) return { statement, text: clean(file.document.getText(statement.bodyRange)) };
  const from = Math.max(0, place.range.start.line - 2);
  const to = Math.min(file.document.lineCount, place.range.start.line + 4);
  return { statement: undefined, text: file.document.getText({ start: { line: from, character: 0 }, end: { line: to, character: 0 } }).trimEnd() };
}

/**
 * The edits that rename the label whose name is written at `at` in `uri` to `newName` (what the user wrote
 * there, so a reference's xr prefix and a macro's constant text stay as they are): every place that writes
 * the name, by file. A string says why it cannot be done.
 */
export function renameEdits(index: ProjectReader, uri: string, at: NameAt, newName: string): Map<string, { range: Range; newText: string }[]> | string {
  if (!at.written) return `\`${at.item.name}\` is made by a macro from several arguments: rename it where the macro is used.`;
  const meant = labelsMeant(index, uri, at)[0];
  if (!meant) return `No \\label{${at.item.name}} in reach to rename.`;
  const { place: label, name, prefix } = meant;
  const here = affixes(at.item);
  const whole = here.prefix + newName + here.suffix;
  if (!whole.startsWith(prefix)) return `The new name must keep the prefix \`${prefix}\` of the document the reference names.`;
  const renamed = whole.slice(prefix.length);
  if (renamed === '' || /[{}%,#\\\s]/.test(renamed)) return `\`${renamed}\` cannot be a label name: it must not be empty or hold braces, commas, %, #, backslashes or spaces.`;
  const edits = new Map<string, { range: Range; newText: string }[]>();
  for (const occurrence of occurrencesOf(index, label, name)) {
    const { prefix: before, suffix: after } = affixes(occurrence.item);
    const full = occurrence.prefix + renamed;
    if (!occurrence.written || !full.startsWith(before) || !full.endsWith(after) || full.length < before.length + after.length) {
      return `\`${occurrence.item.name}\` in ${occurrence.uri} is written through a macro that adds \`${before}\`...\`${after}\`: the new name does not fit it.`;
    }
    const list = edits.get(occurrence.uri) ?? [];
    list.push({ range: occurrence.written, newText: full.slice(before.length, full.length - after.length) });
    edits.set(occurrence.uri, list);
  }
  return edits;
}

// -----------------------------------------------------------------------------------------------------------

function affixes(item: LabelDefinition | Reference): { prefix: string; suffix: string } {
  return item.via ? { prefix: item.via.prefix, suffix: item.via.suffix } : { prefix: '', suffix: '' };
}

function key(uri: string, range: Range): string {
  return `${uri}\n${range.start.line}:${range.start.character}`;
}

function lineOf(file: IndexedFile, line: number): string {
  return file.document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

/** The first line of text after `from` (a statement's header): the rest of its line, else the next line that
 * holds more than labels. */
function firstLineAfter(file: IndexedFile, from: Position): string | undefined {
  for (let line = from.line; line < Math.min(file.document.lineCount, from.line + 5); line++) {
    const text = lineOf(file, line).slice(line === from.line ? from.character : 0);
    const words = clean(text);
    if (words !== '') return words;
  }
  return undefined;
}
