/**
 * What every generating request (prove, chat, refine) streams, and how: the wire values of the model's
 * chunks (its stats: workspace/generationCost.ts), and the batcher of partial results (`$/progress` with the request's
 * `partialResultToken`), coalesced into one message per interval (16 ms, a display frame): at hundreds of
 * tokens per second a message per token costs more than the tokens. Consecutive text values of the same
 * kind (thinking, answer) are joined (their text concatenated, their other fields the newest).
 * Values go out at once until the first streamed text has, so the time to the first visible token does
 * not change.
 */
import type { ResultProgressReporter } from 'vscode-languageserver';
import type { GenerationChunk } from '../engine/types';
import type { GenerationProgress } from '../protocol';

/** The streamed-text kinds: joined when batched. */
const GENERATED_TEXT: ReadonlySet<GenerationProgress['kind']> = new Set(['thinking', 'answer']);

/** A generation's chunk as a value of the wire's stream (thinking or answer text, or a retraction). */
export function toProgress(chunk: GenerationChunk): GenerationProgress {
  if (chunk.kind === 'answerRetracted') return { kind: 'answerRetracted', movedToThinking: chunk.movedToThinking };
  return { kind: chunk.kind, text: chunk.text, thinkingTokens: chunk.tally.thinkingTokens };
}

export class ProgressBatcher {
  private pending: GenerationProgress[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether a text value went out yet: until then every value is sent at once. */
  private sentText = false;

  /** `stream`: the request's partial results; without one (the client gave no token) values are dropped. */
  constructor(
    private readonly stream: ResultProgressReporter<GenerationProgress> | undefined,
    private readonly intervalMs = 16,
  ) {}

  push(value: GenerationProgress): void {
    const last = this.pending[this.pending.length - 1];
    // Joined text keeps the newest of the value's other fields (running counts).
    if (last && 'text' in last && 'text' in value && GENERATED_TEXT.has(value.kind) && last.kind === value.kind) Object.assign(last, value, { text: last.text + value.text });
    else this.pending.push({ ...value });
    if (!this.sentText) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** A chunk of the model's text, as its wire value. */
  readonly pushChunk = (chunk: GenerationChunk): void => this.push(toProgress(chunk));

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const value of this.pending.splice(0)) {
      this.stream?.report(value);
      if (GENERATED_TEXT.has(value.kind)) this.sentText = true;
    }
  }
}
