/**
 * Scripted output: makes the real model, through node-llama-cpp, write an exact text, by putting a large
 * bias on the script's next token before each sampled token (use temperature 0). The step counter lives in
 * the bias function, because streamed chunks lag behind sampling. It cannot force the end of the reply.
 *
 * Used by tests, and by the server only when its environment sets QED_NANO_TEST_SCRIPT (the text every
 * reply is to have): that lets language-server and VS Code tests check exact streamed text end to end.
 */
export const SCRIPT_BIAS = 1000;

export function scriptedBias(tokens: readonly number[]): () => Map<number, number> {
  let step = 0;
  return () => {
    const next = tokens[step++];
    return next === undefined ? new Map() : new Map([[next, SCRIPT_BIAS]]);
  };
}
