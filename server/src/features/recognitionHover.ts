/**
 * `textDocument/hover` on a heading, or a label-like paragraph, that was not read as a problem or a solution:
 * which formats were tried and why none took it (documents/recognitionHint.ts).
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { recognitionHint } from '../documents/recognitionHint';

export async function recognitionHover(context: ServerSnapshot, params: HoverParams): Promise<Hover | null> {
  const current = await context.settled(params.textDocument.uri);
  if (!current) return null;
  const line = params.position.line;
  const text = current.document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
  const hint = recognitionHint(current.analysis, current.analysis.format, text, line);
  return hint ? { contents: { kind: MarkupKind.Markdown, value: hint }, range: { start: { line, character: 0 }, end: { line, character: text.length } } } : null;
}
