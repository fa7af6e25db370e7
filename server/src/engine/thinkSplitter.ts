/**
 * Separates a QED-Nano reply into its thinking and its answer while it streams. Generation starts inside
 * the thinking (the prompt ends with `<think>\n`); the answer is what follows the LAST `</think>`. Spacing
 * around the tag varies (`\n</think>\n\n`, `</think>\n\n`, `\n</think>\n`...) and is trimmed; a tag split
 * across chunks is recognised; a later `</think>` moves everything before it back into the thinking.
 */

export const THINK_CLOSE = '</think>';

export type SplitEvent =
  | { kind: 'thinking'; text: string }
  | { kind: 'answer'; text: string }
  /** A further `</think>` appeared: the answer so far was thinking after all; the answer starts anew. */
  | { kind: 'answerRetracted'; movedToThinking: string };

export class ThinkSplitter {
  private thinking = '';
  private answer = '';
  private inAnswer = false;
  /** The end of the text so far that might be the start of `</think>` (at most 7 characters). */
  private tagPrefix = '';
  /** Thinking: white space at the end of the text so far, held back because a `</think>` after it trims
   * it. Kept apart from `tagPrefix` and never scanned again, so a long run of spaces streams in linear time. */
  private heldSpace = '';
  /** Leading line breaks of the answer are dropped until its first other character. */
  private answerStarted = false;

  /**
   * `closed`: the prompt already closed the thinking (`<think>\n\n</think>`), so all text is answer.
   * `continuing`: the answer continues text already written (a completion): its white space is kept as
   * generated, at the start and at the end.
   */
  constructor(
    thinking: 'open' | 'closed' = 'open',
    private readonly continuing = false,
  ) {
    this.inAnswer = thinking === 'closed';
    this.answerStarted = continuing;
  }

  /** Whether `</think>` has been seen: new text is answer. */
  get answering(): boolean {
    return this.inAnswer;
  }

  /** The split so far, without ending the stream (held-back text is not included). */
  snapshot(): { thinking: string; answer: string; thoughtClosed: boolean } {
    return { thinking: this.thinking.trimEnd(), answer: this.continuing ? this.answer : this.answer.trim(), thoughtClosed: this.inAnswer };
  }

  /** Feeds streamed text; returns what can be shown now. */
  push(text: string): SplitEvent[] {
    const events: SplitEvent[] = [];
    let input = this.tagPrefix + text;
    this.tagPrefix = '';
    for (;;) {
      const close = input.indexOf(THINK_CLOSE);
      if (close < 0) break;
      const before = input.slice(0, close);
      if (this.inAnswer) {
        const moved = this.answer + before;
        this.thinking += (this.thinking && !/\s/.test(this.thinking[this.thinking.length - 1]!) ? '\n' : '') + moved;
        events.push({ kind: 'answerRetracted', movedToThinking: moved });
        this.answer = '';
        this.answerStarted = false;
      } else {
        // White space before the tag is trimmed, the held-back run with it.
        const body = before.trimEnd();
        if (body) this.emitThinking(this.heldSpace + body, events);
        this.heldSpace = '';
      }
      this.inAnswer = true;
      input = input.slice(close + THINK_CLOSE.length);
    }
    // Hold back a suffix that could be the beginning of `</think>`.
    const hold = partialTagLength(input);
    this.tagPrefix = input.slice(input.length - hold);
    input = input.slice(0, input.length - hold);
    if (this.inAnswer) this.emitAnswer(input, events);
    else {
      // Trailing white space may precede `</think>`, which trims it: hold it back too.
      const body = input.trimEnd();
      if (body) {
        this.emitThinking(this.heldSpace + body, events);
        this.heldSpace = '';
      }
      this.heldSpace += input.slice(body.length);
    }
    return events;
  }

  /** Ends the stream: returns what was held back, and the final split. */
  finish(): { events: SplitEvent[]; thinking: string; answer: string; thoughtClosed: boolean } {
    const events: SplitEvent[] = [];
    const rest = this.heldSpace + this.tagPrefix;
    this.heldSpace = '';
    this.tagPrefix = '';
    if (this.inAnswer) this.emitAnswer(rest, events);
    else this.emitThinking(rest, events);
    return { events, thinking: this.thinking.trimEnd(), answer: this.continuing ? this.answer : this.answer.trim(), thoughtClosed: this.inAnswer };
  }

  private emitThinking(text: string, events: SplitEvent[]): void {
    if (!text) return;
    this.thinking += text;
    events.push({ kind: 'thinking', text });
  }

  private emitAnswer(text: string, events: SplitEvent[]): void {
    let shown = text;
    if (!this.answerStarted) {
      shown = shown.replace(/^\s+/, '');
      if (!shown) return;
      this.answerStarted = true;
    }
    this.answer += shown;
    events.push({ kind: 'answer', text: shown });
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `</think>`. */
function partialTagLength(text: string): number {
  for (let length = Math.min(THINK_CLOSE.length - 1, text.length); length > 0; length--) {
    if (THINK_CLOSE.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
