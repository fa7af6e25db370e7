/**
 * Labels across a LaTeX project and the documents xr joins to it, as LSP requests (project/labelQueries.ts
 * answers them): `textDocument/definition` from a `\ref` (or `\eqref`, `\cref`, a `prefix`-named reference to
 * another document, a project macro that wraps one) to its `\label`; `textDocument/references` from a label
 * or a reference to every reference of that label; `textDocument/completion` of the names a reference may
 * take, with what each labels; `textDocument/hover` on a reference: the labelled statement; `prepareRename`
 * and `rename` of a label everywhere its name is written; and `workspace/symbol`: the statements of every
 * file the server knows.
 */
import * as path from 'node:path';
import {
  CompletionItemKind,
  ErrorCodes,
  MarkupKind,
  ResponseError,
  SymbolKind,
  type CompletionList,
  type CompletionParams,
  type DefinitionParams,
  type Hover,
  type HoverParams,
  type Location,
  type PrepareRenameParams,
  type Range,
  type ReferenceParams,
  type RenameParams,
  type SymbolInformation,
  type WorkspaceEdit,
  type WorkspaceSymbolParams,
} from 'vscode-languageserver';
import { referenceArgumentAt } from '../documents/labelNames';
import { describeLabel, rolesIn, labelChoices, labelledText, labelsMeant, nameAt, occurrencesOf, renameEdits } from '../project/labelQueries';
import type { ServerSnapshot } from '../context';

/** At most this many workspace symbols are answered (the client filters them further as the user types). */
const MAX_WORKSPACE_SYMBOLS = 1000;
/** At most this many labels are offered at once (the list is marked incomplete: typing more asks again). */
const MAX_COMPLETIONS = 1000;

export function labelDefinition(context: ServerSnapshot, params: DefinitionParams): Location[] | null {
  const at = nameAt(context.index, params.textDocument.uri, params.position);
  if (!at) return null;
  const meant = labelsMeant(context.index, params.textDocument.uri, at);
  return meant.length > 0 ? meant.map(({ place }) => ({ uri: place.uri, range: place.range })) : null;
}

export function labelReferences(context: ServerSnapshot, params: ReferenceParams): Location[] | null {
  const index = context.index;
  const at = nameAt(index, params.textDocument.uri, params.position);
  if (!at) return null;
  const meant = labelsMeant(index, params.textDocument.uri, at)[0];
  if (!meant) {
    // A reference that leads nowhere: the references of its name in its own file.
    return index.labelsAndReferences(params.textDocument.uri).references.filter((r) => r.name === at.item.name).map((r) => ({ uri: params.textDocument.uri, range: r.range }));
  }
  return occurrencesOf(index, meant.place, meant.name)
    .filter((o) => params.context.includeDeclaration || o.kind === 'reference')
    .map((o) => ({ uri: o.uri, range: o.item.range }));
}

/** Inside the argument of a reference command: the labels it may name, with each one's statement title
 * (detail), its file (description) and the first line of its text (documentation). */
export function labelCompletion(context: ServerSnapshot, params: CompletionParams): CompletionList | null {
  const index = context.index;
  const uri = params.textDocument.uri;
  const file = index.get(uri);
  if (!file) return null;
  const { line, character } = params.position;
  const text = file.document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  const argument = referenceArgumentAt(text.replace(/\r?\n$/, ''), character);
  if (!argument) return null;
  const typed = argument.typed.toLowerCase();
  const choices = labelChoices(index, uri).filter((choice) => choice.name.toLowerCase().includes(typed));
  const shown = choices.slice(0, MAX_COMPLETIONS);
  const roles = rolesIn(index, uri);
  const replaced: Range = { start: { line, character: argument.start }, end: { line, character: argument.end } };
  return {
    isIncomplete: choices.length > shown.length,
    items: shown.map((choice, i) => {
      const { title, firstLine } = describeLabel(index, choice.place, roles);
      return {
        label: choice.name,
        kind: CompletionItemKind.Reference,
        detail: title,
        // Shown on every line of the list: the title after the key, the file on the right.
        labelDetails: { detail: ` ${title}`, description: choice.place.file.startsWith('file:') ? path.basename(choice.place.file) : choice.place.file },
        ...(firstLine ? { documentation: firstLine } : {}),
        textEdit: { range: replaced, newText: choice.name },
        sortText: String(i).padStart(5, '0'),
      };
    }),
  };
}

/** On a reference: what its label labels, as its statement (title, file and line, its text) or the source
 * lines around the label. */
export function labelHover(context: ServerSnapshot, params: HoverParams): Hover | null {
  const index = context.index;
  const uri = params.textDocument.uri;
  const at = nameAt(index, uri, params.position);
  if (!at || at.kind !== 'reference') return null;
  const place = labelsMeant(index, uri, at)[0]?.place;
  if (!place) return null;
  const { statement, text } = labelledText(index, place);
  const where = `${place.file.startsWith('file:') ? path.basename(place.file) : place.file}:${place.range.start.line + 1}`;
  const title = statement ? statement.title : `\\label{${at.item.name}}`;
  return {
    contents: { kind: MarkupKind.Markdown, value: `**${escapeMarkdown(title)}** — ${escapeMarkdown(where)}\n\n\`\`\`latex\n${text.replace(/```/g, '`\u200b``')}\n\`\`\`` },
    range: at.written ?? at.item.range,
  };
}

/** The name under the cursor, if it can be renamed: where it is written, and as written. */
export function prepareLabelRename(context: ServerSnapshot, params: PrepareRenameParams): { range: Range; placeholder: string } | null {
  const index = context.index;
  const at = nameAt(index, params.textDocument.uri, params.position);
  if (!at) return null;
  if (!at.written) throw new ResponseError(ErrorCodes.InvalidRequest, `\`${at.item.name}\` is made by a macro from several arguments: it cannot be renamed here.`);
  if (labelsMeant(index, params.textDocument.uri, at).length === 0) throw new ResponseError(ErrorCodes.InvalidRequest, `No \\label{${at.item.name}} in reach to rename.`);
  const file = index.get(params.textDocument.uri)!;
  return { range: at.written, placeholder: file.document.getText(at.written) };
}

/** Every place that writes the label's name, in every file, renamed. */
export function renameLabel(context: ServerSnapshot, params: RenameParams): WorkspaceEdit | null {
  const index = context.index;
  const at = nameAt(index, params.textDocument.uri, params.position);
  if (!at) return null;
  const edits = renameEdits(index, params.textDocument.uri, at, params.newName.trim());
  if (typeof edits === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, edits);
  return { changes: Object.fromEntries(edits) };
}

export function workspaceSymbols(context: ServerSnapshot, params: WorkspaceSymbolParams): SymbolInformation[] {
  const query = params.query.toLowerCase();
  const symbols: SymbolInformation[] = [];
  const index = context.index;
  const files = index.all().sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  for (const file of files) {
    const analysis = index.analysis(file.uri);
    if (!analysis) continue;
    const container = file.path ? path.basename(file.path) : file.uri;
    for (const statement of analysis.statements) {
      const name = statement.label ? `${statement.title} [${statement.label}]` : statement.title;
      if (!matches(name.toLowerCase(), query)) continue;
      symbols.push({
        name,
        kind: statement.kind === 'problem' || statement.kind === 'exercise' ? SymbolKind.Event : SymbolKind.Class,
        location: { uri: file.uri, range: statement.headerRange },
        containerName: container,
      });
      if (symbols.length >= MAX_WORKSPACE_SYMBOLS) return symbols;
    }
  }
  return symbols;
}

/** The characters of `query` appear in `name` in order (what VS Code's own symbol filter accepts). */
function matches(name: string, query: string): boolean {
  let at = 0;
  for (const c of query) {
    if (c === ' ') continue;
    at = name.indexOf(c, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}
