/**
 * The scripted test mode: drives the real model through node-llama-cpp to emit an exact text, by putting a
 * large bias on the next token of a script before each sampled token (temperature 0). The step counter
 * lives in the bias function itself, because chunk callbacks lag behind sampling.
 * It cannot force the end of generation: use the tiny model's `natural` variant to end right after the
 * script, or `maxTokens` equal to the script's length with the `endless` one.
 */
import type { LlamaEngine } from '../../server/src/engine/llamaEngine';

export const SCRIPT_BIAS = 1000;

export function scriptedBias(tokens: readonly number[]): () => Map<number, number> {
  let step = 0;
  return () => {
    const next = tokens[step++];
    return next === undefined ? new Map() : new Map([[next, SCRIPT_BIAS]]);
  };
}

/** The tokens of `text` as the model would write them (special tokens such as `</think>` included). */
export function scriptTokens(engine: LlamaEngine, text: string): number[] {
  return engine.tokenize([{ special: true, text }]);
}
