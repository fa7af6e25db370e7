/**
 * The life of one streamed request of the client (a proof, a refinement, a chat reply), written once for
 * the three controllers: begin (the run before is stopped, a fresh cancellation source is made), stream
 * (values from a run that is no longer the current one are dropped), finish (the outcome in one of three
 * kinds: done, stopped by the user, failed) and cancel (Stop). No VS Code in it, so it is unit-tested
 * (test/unit/run-lifecycle.test.ts); the controllers pass VS Code's CancellationTokenSource in.
 */

/** A cancellation source as VS Code (and vscode-jsonrpc) make one. */
export interface CancellationSource<Token extends { readonly isCancellationRequested: boolean }> {
  readonly token: Token;
  cancel(): void;
  dispose(): void;
}

/** How a run ended: its work's value, Stop (the work threw after its token was cancelled), or an error.
 * `elapsedMs` counts from the end of `begin` (what the view shows as the run's time). `superseded`: another
 * run began before this one ended (that is what stopped it), so this one must not touch the view, which
 * shows the other now. */
export type RunOutcome<T> = (
  | { kind: 'done'; value: T }
  | { kind: 'stopped'; error: unknown }
  | { kind: 'failed'; error: unknown }
) & { elapsedMs: number; superseded: boolean };

/** What the work of one run gets: the token to pass to the request, and whether its values still count. */
export interface ActiveRun<Token> {
  readonly token: Token;
  /** False once another run began: its streamed values must not reach the view any more. */
  isCurrent(): boolean;
}

export class RunLifecycle<Token extends { readonly isCancellationRequested: boolean }> {
  private current: CancellationSource<Token> | undefined;

  constructor(
    private readonly newSource: () => CancellationSource<Token>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a run is under way. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** Cancels the run under way, if any (its work then ends as `stopped`). */
  stop(): void {
    this.current?.cancel();
  }

  /**
   * Runs one request: stops the run under way, makes this one current, awaits `begin` (e.g. revealing the
   * view), then `work`. Never throws: the work's error comes back as the outcome (`stopped` when the token
   * was cancelled by then, else `failed`). A value returned after Stop is still `done`: the reply is whole.
   */
  async run<T>(work: (run: ActiveRun<Token>) => Promise<T>, begin?: () => Promise<void>): Promise<RunOutcome<T>> {
    this.stop();
    const source = this.newSource();
    this.current = source;
    const run: ActiveRun<Token> = { token: source.token, isCurrent: () => this.current === source };
    try {
      await begin?.();
      const started = this.now();
      const ended = () => ({ elapsedMs: this.now() - started, superseded: !run.isCurrent() });
      try {
        const value = await work(run);
        return { kind: 'done', value, ...ended() };
      } catch (error) {
        return { kind: source.token.isCancellationRequested ? 'stopped' : 'failed', error, ...ended() };
      }
    } finally {
      if (this.current === source) this.current = undefined;
      source.dispose();
    }
  }
}
