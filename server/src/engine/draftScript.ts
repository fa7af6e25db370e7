/**
 * The scripted test mode (scriptedOutput.ts) for a draft model: the bias that makes the draft propose a
 * script's tokens, confidently, at the reply positions it drafts for, so that tests and the bench exercise
 * drafting with the tiny generated models (whose own tokens never pass node-llama-cpp's 0.6 confidence).
 *
 * node-llama-cpp asks for a sample's token bias without saying which position the sample is for, and the
 * draft sequence's `nextTokenIndex` is still where the batch being evaluated began, whose size the
 * predictor chose (the tokens the target pushed since its last draft). So the position comes from the
 * drafting itself: `sequence` is the draft sequence as handed to DraftSequenceTokenPredictor, the same
 * native sequence, except that each `evaluateWithMetadata` (one drafting run: a batch, then one token at a
 * time) notes where its first sample falls; each sample after it is one position further.
 */
import type { LlamaContextSequence, Token, TokenBias } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

type TokenBiasClass = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).TokenBias;

export class DraftScript {
  /** The sequence index the draft's next sample is for. */
  private nextSample = 0;
  private script: { biasAt: (position: number) => Map<number, number>; promptLength: number } | undefined;
  readonly sequence: LlamaContextSequence;

  constructor(
    private readonly TokenBiasClass: TokenBiasClass,
    private readonly native: LlamaContextSequence,
  ) {
    const evaluateWithMetadata: LlamaContextSequence['evaluateWithMetadata'] = (tokens, metadata, options) => {
      this.nextSample = native.nextTokenIndex + tokens.length;
      return native.evaluateWithMetadata(tokens, metadata, options);
    };
    // Every other member is the native sequence's own, bound to it.
    this.sequence = new Proxy(native, {
      get: (target, property) => {
        if (property === 'evaluateWithMetadata') return evaluateWithMetadata;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Scripts the generation about to begin (undefined: none): `biasAt(position)` for each reply position,
   * the reply starting after `promptLength` tokens. */
  begin(biasAt: ((position: number) => Map<number, number>) | undefined, promptLength: number): void {
    this.script = biasAt ? { biasAt, promptLength } : undefined;
  }

  /** node-llama-cpp's `tokenBias` option for the draft: asked once before each sample the draft takes. */
  readonly tokenBias = (): TokenBias => {
    const bias = new this.TokenBiasClass(this.native.model.tokenizer);
    const position = this.nextSample++;
    if (this.script) for (const [token, value] of this.script.biasAt(position - this.script.promptLength)) bias.set(token as Token, value);
    return bias;
  };
}
