/**
 * `textDocument/inlineCompletion` (LSP 3.18), the adapter of workspace/nextStep.ts: inside a proof, the next
 * step as ghost text from the cursor; anywhere else nothing, at once. Completions never load a model (a
 * pause in typing must not start a 2.5 GB download); they run at interactive priority, so they pre-empt
 * background critiques and never queue behind one; a newer request for a document ends the older one.
 * `qedNano.completion.mode`: `automatic`, `manual` (only when the user asks: trigger kind Invoked), `off`.
 */
import { InlineCompletionTriggerKind, LSPErrorCodes, ResponseError, type CancellationToken, type InlineCompletionList, type InlineCompletionParams } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { proofAround } from '../documents/queries';
import { eitherSignal } from '../engine/eitherSignal';
import { nextStep } from '../workspace/nextStep';
import { cancellationSignal } from './requests';

export async function inlineCompletion(context: ServerSnapshot, params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList | null> {
  const { mode } = context.settings().completion;
  if (mode === 'off' || (mode === 'manual' && params.context.triggerKind !== InlineCompletionTriggerKind.Invoked)) return null;
  const uri = params.textDocument.uri;
  const current = context.snapshot(uri);
  const statement = current && proofAround(current.analysis, params.position);
  if (!current || !statement || !context.modelLoaded()) return null;
  const run = context.runningCompletions.start(uri);
  const cancelled = cancellationSignal(token);
  try {
    const stop = eitherSignal(cancelled, run.superseded);
    const text = await nextStep(current, statement, params.position, context.generate, stop.signal).finally(stop.done);
    if (cancelled.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The completion was cancelled.');
    if (!text) return null;
    return { items: [{ insertText: text, range: { start: params.position, end: params.position } }] };
  } finally {
    run.done();
  }
}
