/**
 * Scripted output: makes the real model, through node-llama-cpp, write an exact text, by putting a large
 * bias on the script's token at each position before it is sampled (use temperature 0). The engine says
 * which position a sample is for (with prompt-lookup prediction, one evaluation samples several). It cannot
 * force the end of the reply.
 *
 * Used by tests, and by the server only when its environment sets QED_NANO_TEST_SCRIPT: the text every
 * reply is to have, or a JSON array of texts that successive replies take in turn (the last one repeats).
 * That lets language-server and VS Code tests check exact streamed text end to end.
 */
export const SCRIPT_BIAS = 1000;

export function scriptedBias(tokens: readonly number[]): (position: number) => Map<number, number> {
  return (position) => {
    const next = tokens[position];
    return next === undefined ? new Map() : new Map([[next, SCRIPT_BIAS]]);
  };
}

/** The scripts from QED_NANO_TEST_SCRIPT's value: one text, or a JSON array of texts. */
export function parseScripts(value: string): string[] {
  if (value.startsWith('[')) {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') && parsed.length > 0) return parsed as string[];
    throw new Error('QED_NANO_TEST_SCRIPT must be a text or a JSON array of texts');
  }
  return [value];
}

/** Hands out the scripts in turn; the last one repeats. */
export class ScriptSequence {
  private next = 0;
  constructor(private readonly scripts: readonly string[]) {}
  take(): string {
    const script = this.scripts[Math.min(this.next, this.scripts.length - 1)]!;
    this.next++;
    return script;
  }
}
