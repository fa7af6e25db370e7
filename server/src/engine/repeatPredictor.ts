/**
 * Prompt-lookup prediction for node-llama-cpp's speculative evaluation (a sequence's `tokenPredictor`):
 * while the reply follows the text it repeats (GenerationRequest.repeats), the next token is the one that
 * comes next in that text; when the reply leaves it, the text is searched again for the reply's last two
 * tokens (from where it left, since a rewrite goes forward), and followed from there. The model's own
 * sample at each predicted position confirms the prediction or not, so what is generated never changes.
 *
 * Why not node-llama-cpp's InputLookupTokenPredictor: 3.21.1 validates only the first predicted token of an
 * evaluation (LlamaContext's speculative loop compares the later ones with a list it never fills), so one
 * token per evaluation is the most that pays, and that predictor raises its prediction length to its
 * pattern length: a pattern of two tokens (one token matches too much text to be worth an evaluation)
 * would evaluate a second token in vain every time. It also rescans the whole text whenever its match
 * breaks; this one keeps an index of the text's token pairs, so a prediction costs O(1).
 *
 * It implements node-llama-cpp's TokenPredictor contract without extending the class, which lives in the
 * library's ESM module that the engine loads only with the first model.
 */
import type { Token, TokenPredictor } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

/** One key per ordered pair of token ids (ids are far below 2^21; the key stays an exact integer). */
const pairKey = (first: number, second: number): number => first * 0x200000 + second;

export class RepeatPredictor implements TokenPredictor {
  private text: readonly Token[] = [];
  /** Where each token pair of the text starts, in text order. */
  private readonly pairs = new Map<number, number[]>();
  /** The reply's last two tokens (-1: none yet). */
  private previous = -1;
  private last = -1;
  /** While the reply follows the text: the index of the text's token expected next. */
  private following: number | undefined;
  /** Where the reply last left the text: a new match is looked for from there first. */
  private leftAt = 0;

  /** The text to predict from (empty: predict nothing). Called before each generation. */
  updateInputTokens(tokens: Token[]): void {
    this.text = tokens.slice();
    this.pairs.clear();
    for (let i = 0; i + 1 < tokens.length; i++) {
      const key = pairKey(tokens[i]!, tokens[i + 1]!);
      const starts = this.pairs.get(key);
      if (starts) starts.push(i);
      else this.pairs.set(key, [i]);
    }
    this.following = undefined;
    this.leftAt = 0;
  }

  /** The sequence's state is these tokens now (a generation begins). */
  reset({ stateTokens }: { stateTokens: Token[] }): void {
    this.previous = stateTokens.at(-2) ?? -1;
    this.last = stateTokens.at(-1) ?? -1;
    this.following = undefined;
  }

  /** Tokens added to the state (generated, or confirmed predictions). */
  pushTokens(tokens: Token[]): void {
    for (const token of tokens) {
      if (this.following !== undefined) {
        if (this.text[this.following] === token) this.following++;
        else {
          this.leftAt = this.following;
          this.following = undefined;
        }
      }
      this.previous = this.last;
      this.last = token;
    }
  }

  /** The next token of the text the reply follows, or none. */
  predictTokens(): Token[] {
    this.following ??= this.match();
    const next = this.following === undefined ? undefined : this.text[this.following];
    return next === undefined ? [] : [next];
  }

  /** Nothing runs in the background: predictions are made when asked. */
  stop(): void {}

  dispose(): void {
    this.text = [];
    this.pairs.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Where the text goes on after the reply's last two tokens: the first such place from where the reply
   * last left the text, else the first in the text. */
  private match(): number | undefined {
    if (this.previous < 0 || this.last < 0) return undefined;
    const starts = this.pairs.get(pairKey(this.previous, this.last));
    if (!starts) return undefined;
    const start = starts.find((at) => at + 2 > this.leftAt) ?? starts[0]!;
    return start + 2;
  }
}
