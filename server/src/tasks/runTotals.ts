/**
 * The running cost of a task made of several generations (deep mode, the reasoning cache): the sums of
 * their statistics, in the measures of one generation's.
 */
import type { GenerationResult } from '../engine/types';

export class RunTotals {
  promptTokens = 0;
  evaluatedPromptTokens = 0;
  thinkingTokens = 0;
  answerTokens = 0;
  readonly predictedTokens = { validated: 0, refuted: 0 };

  add({ stats }: GenerationResult): void {
    this.promptTokens += stats.promptTokens;
    this.evaluatedPromptTokens += stats.evaluatedPromptTokens;
    this.thinkingTokens += stats.thinkingTokens;
    this.answerTokens += stats.answerTokens;
    this.predictedTokens.validated += stats.predictedTokens.validated;
    this.predictedTokens.refuted += stats.predictedTokens.refuted;
  }

  /** Every token of every call: prompts, thinking and answers. */
  get all(): number {
    return this.promptTokens + this.thinkingTokens + this.answerTokens;
  }

  /** The totals as a finished task reports them, over `ms` of wall time. */
  cost(ms: number): { promptTokens: number; evaluatedPromptTokens: number; thinkingTokens: number; answerTokens: number; ms: number; tokensPerSecond: number; predictedTokens: { validated: number; refuted: number } } {
    const generated = this.thinkingTokens + this.answerTokens;
    return {
      promptTokens: this.promptTokens,
      evaluatedPromptTokens: this.evaluatedPromptTokens,
      thinkingTokens: this.thinkingTokens,
      answerTokens: this.answerTokens,
      ms,
      tokensPerSecond: ms > 0 ? (generated * 1000) / ms : 0,
      predictedTokens: { ...this.predictedTokens },
    };
  }
}
