/**
 * Pins node-llama-cpp's DraftSequenceTokenPredictor as patched at install (patches/node-llama-cpp+3.21.1.patch,
 * docs/upstream-draft-predictor-resume.md). First: when tokens pushed to the predictor cut its drafting loop
 * short and `predictTokens` waits for `minTokens`, the loop starts again and the wait ends with a fresh draft.
 * Second: tokens pushed in the same tick are all applied before the next draft is handed out. Then: the draft
 * sequence holds the target's text before each drafting run; a reply's state after the same prompt starts
 * from the prompt; and after a refuted draft the next one is drafted at once. Also pins the draft length that
 * the engine sets through the library's internals (server/src/engine/draftLength.ts).
 * Unpatched, the first wait never ends (the loop exits on its abort with nobody to restart it), and that test
 * fails: node:test cancels it when nothing is left to run (or at its timeout, which only detects a hang and
 * checks no speed).
 *
 * Driven through the library's own predictor as its target sequence drives it (reset with the target's
 * tokens, ask for a draft, push what the target accepted plus its own different sample, ask again), on the
 * tiny model, with a token bias that makes the draft confident so that it drafts at all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DraftSequenceTokenPredictor, Llama, LlamaContext, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { setDraftLength } from '../../server/src/engine/draftLength';
import { tinyModelPath } from '../support/models';

const MIN_TOKENS = 8;
let llama: Llama;
let model: LlamaModel;
const contexts: LlamaContext[] = [];

before(async () => {
  const { getLlama } = await import('node-llama-cpp');
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: tinyModelPath('endless') });
});
after(async () => {
  for (const context of contexts) await context.dispose();
  await model.dispose();
  await llama.dispose();
});

/** The library's draft predictor on its own draft context, reset to a prompt on a target context, with a
 * draft that always proposes `yes`, confidently; `no` is a token the target can sample instead. */
async function confidentYesDraft(minTokens: number, maxTokens: number): Promise<{ predictor: DraftSequenceTokenPredictor; prompt: Token[]; yes: Token; no: Token }> {
  const { DraftSequenceTokenPredictor, TokenBias } = await import('node-llama-cpp');
  const prompt = model.tokenize('Prove that the sum of two even numbers is even.');
  const [yes, no] = model.tokenize(' yes no') as [Token, Token];
  const bias = new TokenBias(model.tokenizer);
  bias.set(yes, { logit: 1000 });
  const targetContext = await model.createContext({ contextSize: 512, threads: 1 });
  const draftContext = await model.createContext({ contextSize: 512, threads: 1 });
  contexts.push(targetContext, draftContext);
  const predictor = new DraftSequenceTokenPredictor(draftContext.getSequence(), { minTokens, maxTokens });
  await predictor.reset({ targetSequence: targetContext.getSequence(), stateTokens: prompt, evaluateOptions: { temperature: 0, tokenBias: bias } });
  return { predictor, prompt, yes, no };
}

test('a draft that waits for minTokens after pushed tokens cut the drafting short gets a fresh draft (unpatched: it waits forever)', { timeout: 120_000 }, async () => {
  const { predictor, yes, no } = await confidentYesDraft(MIN_TOKENS, 2 * MIN_TOKENS);

  const first = await predictor.predictTokens();
  assert.ok(first.length >= MIN_TOKENS && first.every((token) => token === yes), `first draft: ${first.length} tokens`);
  // The target confirmed the first MIN_TOKENS of them and sampled `no` after them, while the draft was still
  // drafting on (maxTokens > minTokens): the push aborts that loop, and the next draft starts after `no`.
  predictor.pushTokens([...first.slice(0, MIN_TOKENS), no]);
  const next = await predictor.predictTokens();
  assert.ok(next.length >= MIN_TOKENS, `the draft after the push: ${next.length} tokens`);
  assert.ok(next.every((token) => token === yes));
  predictor.dispose();
});

test('tokens pushed one call at a time in the same tick are all dropped from the head of the draft at once (unpatched: the second waited for a lock)', async () => {
  const { DraftSequenceTokenPredictor, TokenBias } = await import('node-llama-cpp');
  const prompt = model.tokenize('Prove that the sum of two even numbers is even.');
  // The draft writes this script in order, one token per sample: each draft token names its position.
  const script = model.tokenize(' one two three four five six seven eight nine ten') as Token[];
  let sampled = 0;
  const tokenBias = (): InstanceType<typeof TokenBias> => {
    const bias = new TokenBias(model.tokenizer);
    bias.set(script[sampled++ % script.length]!, { logit: 1000 });
    return bias;
  };
  const targetContext = await model.createContext({ contextSize: 512, threads: 1 });
  const draftContext = await model.createContext({ contextSize: 512, threads: 1 });
  contexts.push(targetContext, draftContext);
  // minTokens below what remains after the pushes: the next draft is handed out at once, as it stands.
  const predictor = new DraftSequenceTokenPredictor(draftContext.getSequence(), { minTokens: 2, maxTokens: 8 });
  await predictor.reset({ targetSequence: targetContext.getSequence(), stateTokens: prompt, evaluateOptions: { temperature: 0, tokenBias } });
  let first = await predictor.predictTokens();
  // The draft goes on in the background up to maxTokens: wait for it to get there (no timing, a state).
  while (first.length < 8) {
    await new Promise((resolve) => setImmediate(resolve));
    first = await predictor.predictTokens();
  }
  first = first.slice();
  assert.deepEqual(first, script.slice(0, 8));
  // As the target does when it hands out a confirmed prediction: one push per token, with no evaluation
  // (and so no await) between them, then the next draft.
  predictor.pushTokens([first[0]!]);
  predictor.pushTokens([first[1]!]);
  predictor.pushTokens([first[2]!]);
  assert.deepEqual(await predictor.predictTokens(), script.slice(3, 8), 'the draft goes on after the last token pushed');
  predictor.dispose();
});

test('a token the draft sampled and never evaluated, then confirmed by the target, is in the draft sequence before the next draft (unpatched: the draft was one token short)', async () => {
  const { predictor, prompt, yes, no } = await confidentYesDraft(2, 4);
  // The drafting loop stops at maxTokens: its last sample is held as a prediction but not evaluated.
  let draft = await predictor.predictTokens();
  while (draft.length < 4) {
    await new Promise((resolve) => setImmediate(resolve));
    draft = await predictor.predictTokens();
  }
  // The target confirms all four and samples `no` after them: the draft must hold the prompt, the four, `no`.
  predictor.pushTokens(draft.slice());
  predictor.pushTokens([no]);
  const next = await predictor.predictTokens();
  assert.ok(next.length >= 2 && next.every((token) => token === yes), `the draft after the push: ${next.length} tokens`);
  const held = [...predictor.draftSequence.contextTokens];
  assert.deepEqual(held.slice(0, prompt.length + 5), [...prompt, yes, yes, yes, yes, no], 'the draft sequence holds the target\'s text');
  predictor.dispose();
});

test('after a refuted draft the next draft is drafted at once (unpatched: the evaluation after every refutation went without one)', async () => {
  const { predictor, yes, no } = await confidentYesDraft(4, 4);
  const draft = (await predictor.predictTokens()).slice();
  assert.equal(draft.length, 4);
  // What the target does on a refutation: it stops the predictor until its predictions are exhausted, then
  // pushes the confirmed prediction and its own sample where the second was refuted.
  predictor.stop(true);
  predictor.pushTokens([yes, no]);
  const next = await predictor.predictTokens();
  assert.equal(next.length, 4, `the draft after the refutation: ${next.length} tokens`);
  assert.ok(next.every((token) => token === yes));
  predictor.dispose();
});

test('a draft length set before drafting (draftLength.ts) is what the draft drafts, and it drafts no further while the target checks it', async () => {
  const { predictor, prompt, yes } = await confidentYesDraft(16, 16);
  setDraftLength(predictor, 3);
  const draft = (await predictor.predictTokens()).slice();
  assert.deepEqual(draft, [yes, yes, yes]);
  // Whatever runs meanwhile (the target evaluating those three), the draft stays at three.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await predictor.predictTokens()).length, 3);
  assert.ok(predictor.draftSequence.nextTokenIndex <= prompt.length + 3, `the draft sequence holds ${predictor.draftSequence.nextTokenIndex - prompt.length} tokens after the prompt`);
  predictor.dispose();
});

test('adaptStateToTokens to a prefix of what a sequence holds erases the rest (unpatched: the next reply\'s draft began after the last reply)', async () => {
  const prompt = model.tokenize('Prove that the sum of two even numbers is even.');
  const reply = model.tokenize(' Let the numbers be 2a and 2b.');
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  contexts.push(context);
  const sequence = context.getSequence();
  await sequence.evaluateWithoutGeneratingNewTokens([...prompt, ...reply]);
  // The draft predictor's reset does this with the target's state when the same prompt comes again.
  await sequence.adaptStateToTokens(prompt, true);
  assert.equal(sequence.nextTokenIndex, prompt.length);
  assert.deepEqual([...sequence.contextTokens], [...prompt]);
});
