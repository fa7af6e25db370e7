/**
 * Labels across a LaTeX project: `textDocument/definition` from a `\ref` (or `\eqref`, `\cref`...) to its
 * `\label` in any file of the project, `textDocument/references` from a label or a reference to every
 * reference of that label in the project, and `workspace/symbol`: the statements of every file the server
 * knows (the workspace's LaTeX files, read from disk, and the open documents).
 */
import * as path from 'node:path';
import { SymbolKind, type DefinitionParams, type Location, type ReferenceParams, type SymbolInformation, type WorkspaceSymbolParams } from 'vscode-languageserver';
import { comparePositions, type Position, type Range } from '../documents/proofDocument';
import type { ServerContext } from '../context';

/** At most this many workspace symbols are answered (the client filters them further as the user types). */
const MAX_WORKSPACE_SYMBOLS = 1000;

export function labelDefinition(context: ServerContext, params: DefinitionParams): Location[] | null {
  const name = labelAt(context, params.textDocument.uri, params.position);
  if (name === undefined) return null;
  const places = context.documents.index
    .reach(params.textDocument.uri)
    .flatMap((file) => (context.documents.index.analysis(file.uri)?.labels ?? []).filter((l) => l.name === name).map((l) => ({ uri: file.uri, range: l.range })));
  return places.length > 0 ? places : null;
}

export function labelReferences(context: ServerContext, params: ReferenceParams): Location[] | null {
  const name = labelAt(context, params.textDocument.uri, params.position);
  if (name === undefined) return null;
  const locations: Location[] = [];
  for (const file of context.documents.index.reach(params.textDocument.uri)) {
    const analysis = context.documents.index.analysis(file.uri);
    if (!analysis) continue;
    if (params.context.includeDeclaration) for (const label of analysis.labels) if (label.name === name) locations.push({ uri: file.uri, range: label.range });
    for (const reference of analysis.references) if (reference.name === name) locations.push({ uri: file.uri, range: reference.range });
  }
  return locations;
}

export function workspaceSymbols(context: ServerContext, params: WorkspaceSymbolParams): SymbolInformation[] {
  const query = params.query.toLowerCase();
  const symbols: SymbolInformation[] = [];
  const index = context.documents.index;
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

/** The label named at `position`: by a `\label` there, or by a reference (in `\cref{a,b}`, the name under
 * the cursor). */
function labelAt(context: ServerContext, uri: string, position: Position): string | undefined {
  const current = context.current(uri);
  if (!current) return undefined;
  const within = (range: Range): boolean => comparePositions(range.start, position) <= 0 && comparePositions(position, range.end) <= 0;
  const label = current.analysis.labels.find((l) => within(l.range));
  if (label) return label.name;
  const references = current.analysis.references.filter((r) => within(r.range));
  if (references.length <= 1) return references[0]?.name;
  const line = current.document.getText({ start: { line: position.line, character: 0 }, end: { line: position.line + 1, character: 0 } });
  let start = position.character;
  while (start > 0 && !'{,'.includes(line[start - 1]!)) start--;
  let end = position.character;
  while (end < line.length && !'},'.includes(line[end]!)) end++;
  const word = line.slice(start, end).trim();
  return references.find((r) => r.name === word)?.name ?? references[0]!.name;
}
