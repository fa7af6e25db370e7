/**
 * What a generation has produced so far, for every engine: its text split into thinking and answer as it
 * streams, its running totals (GenerationTally) and, at the end or when cancelled midway, its result with
 * the same measures.
 */
import { ThinkSplitter, type SplitEvent } from './thinkSplitter';
import type { ThinkingMode } from './types';
import type { GenerationChunk, GenerationResult, GenerationTally, StopReason, TokenPredictions } from './types';

export class LiveGeneration {
  readonly splitter: ThinkSplitter;
  raw = '';
  promptTokens = 0;
  evaluatedPromptTokens = 0;
  generated = 0;
  thinkingTokens = 0;
  firstTokenAt: number | undefined;
  /** When the thinking ended (the last `</think>` so far). */
  thinkingEndedAt: number | undefined;
  loopPeriod: number | undefined;
  predictedTokens: TokenPredictions = { validated: 0, refuted: 0 };

  constructor(
    private readonly requested: number,
    thinking: ThinkingMode,
    continuing: boolean,
  ) {
    this.splitter = new ThinkSplitter(thinking, continuing);
    // A prompt that closed the thought (a completion, a JSON read-out): no token of the reply is thinking.
    if (thinking === 'closed') this.thinkingEndedAt = requested;
  }

  /** One token generated (its text may come with the next ones: a UTF-8 character can span tokens). */
  countToken(): void {
    this.firstTokenAt ??= performance.now();
    this.generated++;
    if (!this.splitter.answering) this.thinkingTokens++;
  }

  /**
   * The exact number of tokens generated, from a server's usage report (streamed deltas were counted as one
   * token each, but a delta can carry several). A thought that never closed was all thinking.
   */
  correctGenerated(generated: number): void {
    if (generated < this.generated) return;
    this.generated = generated;
    if (!this.splitter.answering) this.thinkingTokens = generated;
  }

  /** Generated text: split into thinking and answer and streamed to `onChunk` with the running totals. */
  push(text: string, onChunk: (chunk: GenerationChunk) => void): void {
    this.raw += text;
    this.emit(this.splitter.push(text), onChunk);
    if (this.splitter.answering) this.thoughtClosed(false);
  }

  /** The end of the text: what the splitter still held back. */
  finish(onChunk: (chunk: GenerationChunk) => void): void {
    this.emit(this.splitter.finish().events, onChunk);
  }

  private emit(events: readonly SplitEvent[], onChunk: (chunk: GenerationChunk) => void): void {
    for (const event of events) {
      // A later `</think>`: everything up to it was thinking after all.
      if (event.kind === 'answerRetracted') this.thoughtClosed(true);
      onChunk({ ...event, tally: this.tally() });
    }
  }

  /** The thought closed with the token just generated: the first time, or again (`again`: a later `</think>`
   * made the answer so far thinking). Thinking tokens and time then count up to here. */
  private thoughtClosed(again: boolean): void {
    if (this.thinkingEndedAt !== undefined && !again) return;
    this.thinkingEndedAt = performance.now();
    this.thinkingTokens = this.generated;
  }

  tally(now = performance.now()): GenerationTally {
    return { generated: this.generated, thinkingTokens: this.thinkingTokens, tokensPerSecond: this.tokensPerSecond(now) };
  }

  /** Generated tokens per second after the first one: the one measure of speed, live and final. */
  private tokensPerSecond(now: number): number {
    const decodeSeconds = this.firstTokenAt === undefined ? 0 : (now - this.firstTokenAt) / 1000;
    return decodeSeconds > 0 && this.generated > 1 ? (this.generated - 1) / decodeSeconds : 0;
  }

  result(stopReason: StopReason): GenerationResult {
    const { thinking, answer, thoughtClosed } = this.splitter.snapshot();
    const now = performance.now();
    return {
      thinking,
      answer: thoughtClosed ? answer : '',
      raw: this.raw,
      thoughtClosed,
      stopReason,
      ...(this.loopPeriod !== undefined ? { loopPeriod: this.loopPeriod } : {}),
      stats: {
        promptTokens: this.promptTokens,
        evaluatedPromptTokens: this.evaluatedPromptTokens,
        thinkingTokens: this.thinkingTokens,
        answerTokens: this.generated - this.thinkingTokens,
        timeToFirstTokenMs: this.firstTokenAt === undefined ? 0 : Math.round(this.firstTokenAt - this.requested),
        thinkingMs: Math.round((thoughtClosed && this.thinkingEndedAt !== undefined ? this.thinkingEndedAt : now) - this.requested),
        ms: Math.round(now - this.requested),
        tokensPerSecond: this.tokensPerSecond(now),
        predictedTokens: this.predictedTokens,
      },
    };
  }
}
