/**
 * The next step of a proof, the adapter of workspace/nextStep.ts, three ways in:
 *  - `textDocument/inlineCompletion` (LSP 3.18): inside a proof, the rest of the current step as ghost text
 *    from the cursor; anywhere else nothing, at once;
 *  - `textDocument/completion`, only for a client without inline completion (eglot, most editors): the
 *    same text as one completion item (labels come first: features/labels.ts answers inside `\ref{`);
 *  - the `qedNano.server.suggestNextStep` command (features/serverCommands.ts), through `nextStepAt`.
 * Completions never load a model (a pause in typing must not start a 2.5 GB download); they run at
 * interactive priority, so they pre-empt background critiques and never queue behind one; a newer request
 * for a document ends the older one. `qedNano.completion.mode`: `automatic`, `manual` (only when the user
 * asks: trigger kind Invoked), `off`.
 */
import {
  CompletionItemKind,
  CompletionTriggerKind,
  InlineCompletionTriggerKind,
  InsertTextFormat,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type CompletionList,
  type CompletionParams,
  type InlineCompletionList,
  type InlineCompletionParams,
  type Position,
} from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { proofAround } from '../documents/queries';
import { eitherSignal } from '../engine/eitherSignal';
import { nextStep } from '../workspace/nextStep';
import { cancellationSignal } from './requests';

export async function inlineCompletion(context: ServerSnapshot, params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList | null> {
  if (!wanted(context, params.context.triggerKind === InlineCompletionTriggerKind.Invoked)) return null;
  const text = await nextStepAsYouType(context, params.textDocument.uri, params.position, token);
  return text ? { items: [{ insertText: text, range: { start: params.position, end: params.position } }] } : null;
}

/** `textDocument/completion` where the client has no inline completion: the next step as one item (null
 * elsewhere, and always for a client with inline completion, which gets it as ghost text). */
export async function stepCompletion(context: ServerSnapshot, params: CompletionParams, token: CancellationToken): Promise<CompletionList | null> {
  if (context.client.support.completesInline) return null;
  // A trigger character (`{`, `,`, `[`) asks for labels, never for a step.
  const kind = params.context?.triggerKind ?? CompletionTriggerKind.Invoked;
  if (kind === CompletionTriggerKind.TriggerCharacter || !wanted(context, kind === CompletionTriggerKind.Invoked)) return null;
  const text = await nextStepAsYouType(context, params.textDocument.uri, params.position, token);
  const current = text ? context.snapshot(params.textDocument.uri) : undefined;
  if (!text || !current) return null;
  // The word before the cursor is replaced by itself followed by the step, so that an editor that filters
  // items by the word at the cursor (Emacs's completion styles) keeps this one.
  const { line, character } = params.position;
  const before = current.text({ start: { line, character: 0 }, end: params.position });
  let start = before.length;
  while (start > 0 && WORD_CHARACTER.test(before[start - 1]!)) start--;
  const word = before.slice(start);
  const shown = word + text;
  return {
    isIncomplete: false,
    items: [
      {
        label: shown,
        filterText: shown,
        kind: CompletionItemKind.Text,
        detail: 'QED-Nano: next step',
        insertTextFormat: InsertTextFormat.PlainText,
        textEdit: { range: { start: { line, character: character - word.length }, end: params.position }, newText: shown },
      },
    ],
  };
}

/** A letter, digit or underscore (one UTF-16 unit: a surrogate pair ends the word, which costs nothing but
 * the filter's help). */
const WORD_CHARACTER = /^[\p{L}\p{N}_]$/u;

/** Whether the completion mode lets a request of this kind run (`invoked`: the user asked for it). */
function wanted(context: ServerSnapshot, invoked: boolean): boolean {
  const { mode } = context.settings().completion;
  return mode === 'automatic' || (mode === 'manual' && invoked);
}

/** The next step while the user types: only in a proof, only with a model loaded, one at a time per
 * document (a newer request ends the older). RequestCancelled when cancelled. */
async function nextStepAsYouType(context: ServerSnapshot, uri: string, position: Position, token: CancellationToken): Promise<string | undefined> {
  if (!context.modelLoaded()) return undefined;
  const current = context.snapshot(uri);
  if (!current || !proofAround(current.analysis, position)) return undefined;
  const run = context.runningCompletions.start(uri);
  const cancelled = cancellationSignal(token);
  const stop = eitherSignal(cancelled, run.superseded);
  try {
    const text = await nextStepAt(context, uri, position, stop.signal);
    if (cancelled.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The completion was cancelled.');
    return text;
  } finally {
    stop.done();
    run.done();
  }
}

/** The rest of the step at `position` as the model writes it: undefined outside a proof, when the model
 * wrote nothing, or when `signal` stopped it. Uses the model as `generate` does (loading it if none is:
 * callers that must not load check `modelLoaded` first). */
export async function nextStepAt(context: ServerSnapshot, uri: string, position: Position, signal: AbortSignal): Promise<string | undefined> {
  const current = context.snapshot(uri);
  const statement = current && proofAround(current.analysis, position);
  if (!current || !statement) return undefined;
  return (await nextStep(current, statement, position, context.generate, signal)) || undefined;
}
