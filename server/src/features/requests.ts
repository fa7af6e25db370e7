/**
 * What every model-backed LSP request shares: its cancellation as an AbortSignal, and errors as the LSP
 * errors a client shows (RequestCancelled, or RequestFailed with the sentence a user reads).
 */
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import { GenerationRefusedError } from '../engine/llamaEngine';
import { ModelUnavailableError } from '../model/modelManager';

/**
 * The request's cancellation as a signal. A `$/cancelRequest` that arrived before the request was
 * dispatched gives a token that is already cancelled and whose event never fires: that is checked here.
 */
export function cancellationSignal(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Rejects with RequestCancelled when `signal` has fired: call it at the start and after every await. */
export function throwIfCancelled(signal: AbortSignal, message: string): void {
  if (signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, message);
}

/** `work`, or RequestCancelled as soon as `signal` fires (the work itself goes on: a model load, say). */
export async function untilCancelled<T>(work: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  throwIfCancelled(signal, message);
  work.catch(() => undefined); // if the request is cancelled first, a later failure of the work is nobody's
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ResponseError(LSPErrorCodes.RequestCancelled, message));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** An error as the client should see it: a reason a user understands becomes RequestFailed. */
export function toResponseError(error: unknown): unknown {
  if (error instanceof ResponseError) return error;
  if (error instanceof ModelUnavailableError || error instanceof GenerationRefusedError) return new ResponseError(LSPErrorCodes.RequestFailed, error.message);
  return error;
}
