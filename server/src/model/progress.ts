/** Progress shown to the user for long work (a download, a load, a critique); `cancelled` fires when the
 * user cancels. The client's side makes it (context.ts: window/workDoneProgress); model/ and the workspace
 * layer report through it. */
export interface ProgressReporter {
  report(fraction: number, message: string): void;
  readonly cancelled: AbortSignal;
  done(): void;
}
