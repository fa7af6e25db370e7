/**
 * Streams a request's partial results (`$/progress` with its `partialResultToken`), coalesced into one
 * message per interval (16 ms, a display frame): at hundreds of tokens per second a message per token costs
 * more than the tokens. Consecutive values of the same streamed-text kind (thinking, proof...) are joined
 * (their text concatenated, their other fields the newest).
 * Values go out at once until the first streamed text has, so the time to the first visible token does
 * not change. Every streamed request (prove, chat, refine) uses this one.
 */
import type { ResultProgressReporter } from 'vscode-languageserver';

/** A streamed value; those of a `textKinds` kind carry a `text` that batching joins. */
export type StreamedValue = { kind: string; text?: string };

export class ProgressBatcher<T extends StreamedValue> {
  private pending: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether a text value went out yet: until then every value is sent at once. */
  private sentText = false;

  constructor(
    private readonly send: (value: T) => void,
    private readonly textKinds: ReadonlySet<T['kind']>,
    private readonly intervalMs = 16,
  ) {}

  /** A batcher for the request's partial results; one that drops everything when the client gave no token. */
  static for<T extends StreamedValue>(stream: ResultProgressReporter<T> | undefined, textKinds: ReadonlySet<T['kind']>): ProgressBatcher<T> {
    return new ProgressBatcher<T>((value) => stream?.report(value), textKinds);
  }

  push(value: T): void {
    const last = this.pending[this.pending.length - 1];
    // Joined text keeps the newest of the value's other fields (running counts).
    if (last && this.textKinds.has(value.kind) && last.kind === value.kind) Object.assign(last, value, { text: (last.text ?? '') + (value.text ?? '') });
    else this.pending.push({ ...value });
    if (!this.sentText) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const value of this.pending.splice(0)) {
      this.send(value);
      if (this.textKinds.has(value.kind)) this.sentText = true;
    }
  }
}
