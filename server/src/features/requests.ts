/**
 * What every model-backed LSP request shares: its cancellation as an AbortSignal, and errors as the LSP
 * errors a client shows (RequestCancelled, or RequestFailed with the sentence a user reads).
 */
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import { CancelledError, UserFacingError } from '../errors';
import { ModelUnavailableError } from '../model/modelManager';
import type { ModelUnavailableErrorData } from '../protocol';

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

/** An error as the client should see it: a reason a user understands (errors.ts) becomes RequestFailed,
 * work nobody wants any more RequestCancelled. */
export function toResponseError(error: unknown): unknown {
  if (error instanceof ResponseError) return error;
  if (error instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, error.message);
  if (error instanceof ModelUnavailableError) {
    const data: ModelUnavailableErrorData = { modelUnavailable: true, state: error.state };
    return new ResponseError(LSPErrorCodes.RequestFailed, error.message, data);
  }
  if (error instanceof UserFacingError) return new ResponseError(LSPErrorCodes.RequestFailed, error.message);
  return error;
}
