/**
 * Detects a generation stuck in a repetition loop: the last `window` tokens are an exact repetition of a
 * block of at most `maxPeriod` tokens (so at least window / maxPeriod repetitions). Thinking models of the
 * QED-Nano family can fall into such loops; stopping them early saves the rest of the budget.
 * Cost: checked every `interval` tokens, at most maxPeriod x window comparisons.
 */
export interface LoopDetectorOptions {
  window: number;
  maxPeriod: number;
  interval: number;
}

export const DEFAULT_LOOP_DETECTION: LoopDetectorOptions = { window: 384, maxPeriod: 96, interval: 32 };

export class LoopDetector {
  private readonly tokens: number[] = [];
  private sinceCheck = 0;

  constructor(private readonly options: LoopDetectorOptions = DEFAULT_LOOP_DETECTION) {}

  /** Records a token; returns the period of the loop when the output has become one. */
  push(token: number): number | undefined {
    const { window, maxPeriod, interval } = this.options;
    this.tokens.push(token);
    if (this.tokens.length > window * 2) this.tokens.splice(0, this.tokens.length - window);
    if (++this.sinceCheck < interval || this.tokens.length < window) return undefined;
    this.sinceCheck = 0;
    const end = this.tokens.length;
    for (let period = 1; period <= maxPeriod; period++) {
      let repeats = true;
      for (let i = end - window; i < end - period; i++) {
        if (this.tokens[i] !== this.tokens[i + period]) {
          repeats = false;
          break;
        }
      }
      if (repeats) return period;
    }
    return undefined;
  }
}
