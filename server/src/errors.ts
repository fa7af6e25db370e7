/**
 * The errors every layer shares. A `UserFacingError`'s message is a sentence the user reads, with what to do
 * next: the tasks', the model's and the engines' failures that a user can act on extend it, and the LSP side
 * (features/requests.ts) answers any of them with RequestFailed and that sentence, the command line prints it.
 * A `CancelledError` says the work stopped because someone no longer wants it (the user cancelled, the
 * document closed, the text changed while it ran): RequestCancelled on the wire.
 */

/** A failure the user can act on; the message says what happened and what to do. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The work was stopped because nobody wants its result any more; the message says why. */
export class CancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
