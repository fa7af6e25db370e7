/**
 * Pins node-llama-cpp's speculative evaluation as patched at install (patches/node-llama-cpp+3.21.1.patch,
 * docs/upstream-speculative-validation.md): every predicted token of an evaluation is validated, not only
 * the first. Driven through the library itself (a context sequence with a token predictor, greedy
 * sampling, the tiny model), with predictors that know the answer or are always wrong, so the counts are
 * the mechanism's and nothing else's. Unpatched, an oracle of any K gives 32 evaluations for 64 tokens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Llama, LlamaModel, Token, TokenPredictor } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { tinyModelPath } from '../support/models';

const TOKENS = 64;
let llama: Llama;
let model: LlamaModel;
let prompt: Token[];
/** The greedy continuation of `prompt`, without any predictor. */
let greedy: Token[];

/** Drives a sequence as the engine does; `next(position)` gives the predictions at a position of the reply. */
class ScriptedPredictor implements TokenPredictor {
  position = 0;
  evaluations = 0;
  constructor(private readonly next: (position: number) => Token[]) {}
  reset(): void {
    this.position = 0;
  }
  pushTokens(tokens: Token[]): void {
    this.position += tokens.length;
  }
  predictTokens(): Token[] {
    this.evaluations++;
    return this.next(this.position);
  }
  updateInputTokens(): void {}
  stop(): void {}
  dispose(): void {}
  [Symbol.dispose](): void {}
}

async function generate(predictor?: TokenPredictor): Promise<{ tokens: Token[]; inputTokens: number; validated: number; refuted: number }> {
  const context = await model.createContext({ contextSize: 512, threads: 1, sequences: 1 });
  try {
    const sequence = context.getSequence(predictor ? { tokenPredictor: predictor } : {});
    const tokens: Token[] = [];
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      tokens.push(token);
      if (tokens.length === TOKENS) break;
    }
    return { tokens, inputTokens: sequence.tokenMeter.usedInputTokens, ...sequence.tokenPredictions };
  } finally {
    await context.dispose();
  }
}

before(async () => {
  const { getLlama } = await import('node-llama-cpp');
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: tinyModelPath('endless') });
  prompt = model.tokenize('Prove that the sum of two even numbers is even.');
  greedy = (await generate()).tokens;
  assert.equal(greedy.length, TOKENS);
});
after(async () => {
  await model.dispose();
  await llama.dispose();
});

for (const k of [1, 2, 4, 8]) {
  test(`an oracle predicting ${k} token(s) confirms all of them: about 64/(${k}+1) evaluations, the greedy text`, async () => {
    const oracle = new ScriptedPredictor((at) => greedy.slice(at, at + k));
    const run = await generate(oracle);
    assert.deepEqual(run.tokens, greedy, 'prediction never changes the text');
    const expected = Math.ceil(TOKENS / (k + 1));
    assert.ok(Math.abs(oracle.evaluations - expected) <= 1, `${oracle.evaluations} evaluations, expected ${expected} ± 1`);
    assert.equal(run.refuted, 0, 'a right prediction is never counted as refuted');
  });
}

test('a predictor that is always wrong changes nothing but one extra evaluated token per evaluation', async () => {
  const wrong = new ScriptedPredictor((at) => [((greedy[at] ?? 0) + 1) as Token]);
  const run = await generate(wrong);
  assert.deepEqual(run.tokens, greedy);
  assert.equal(run.validated, 0);
  assert.ok(wrong.evaluations >= TOKENS - 1 && wrong.evaluations <= TOKENS, `${wrong.evaluations} evaluations`);
  // The prompt, then per evaluation the previous token plus the wrong guess.
  assert.ok(run.inputTokens <= prompt.length + 2 * wrong.evaluations, `${run.inputTokens} tokens evaluated`);
});
