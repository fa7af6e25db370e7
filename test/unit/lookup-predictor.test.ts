/**
 * The lookup predictor (engine/lookupPredictor.ts) on token numbers, driven as node-llama-cpp (patched)
 * drives it: reset with the state, then per evaluation predictTokens, and pushTokens with each token the
 * model yields (the sampled one, then each confirmed prediction's sample).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Token, TokenPredictor } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { LookupPredictor, MAX_DRAFT, type DraftModelPredictor } from '../../server/src/engine/lookupPredictor';
import { seededRandom } from '../support/random';

const tokens = (...ids: number[]): Token[] => ids as Token[];

/** Generates `reply` after `state` the way the library does, and returns the number of evaluations and the
 * predicted tokens evaluated (confirmed or not). */
function drive(predictor: LookupPredictor, state: number[], reply: number[], cost?: (drafted: number) => number): { evaluations: number; drafted: number; accepted: number; work: number } {
  predictor.reset({ stateTokens: tokens(...state) });
  let at = 0;
  let evaluations = 0;
  let drafted = 0;
  let accepted = 0;
  let work = 0;
  while (at < reply.length) {
    const draft = predictor.predictTokens() as Token[];
    evaluations++;
    drafted += draft.length;
    // `cost`: what this evaluation costs, reported as the engine reports how long its token was waited for
    // (the first evaluation of a generation goes with the prompt, and is not reported).
    if (cost) {
      work += cost(draft.length);
      predictor.evaluationTimed(evaluations === 1 ? undefined : cost(draft.length));
    }
    // The model samples reply[at]; each predicted token equal to what it sampled there yields the next.
    let yielded = 1;
    while (yielded <= draft.length && draft[yielded - 1] === reply[at + yielded - 1] && at + yielded < reply.length) yielded++;
    accepted += yielded - 1;
    for (let i = 0; i < yielded; i++) predictor.pushTokens(tokens(reply[at + i]!));
    at += yielded;
  }
  return { evaluations, drafted, accepted, work };
}

test('follows the text a reply rewrites, with drafts that grow while confirmed: far fewer evaluations than tokens', () => {
  const text = Array.from({ length: 400 }, (_, i) => 1000 + i);
  const predictor = new LookupPredictor();
  predictor.updateInputTokens(tokens(...text));
  // The reply starts like the text, changes two tokens in the middle, and goes on as the text does.
  const reply = [...text.slice(0, 200), 7, 8, ...text.slice(202)];
  const run = drive(predictor, [5, 6], reply);
  assert.ok(run.evaluations < reply.length / 6, `${run.evaluations} evaluations for ${reply.length} tokens`);
  assert.ok(run.drafted - run.accepted < 3 * MAX_DRAFT, `${run.drafted - run.accepted} predicted tokens evaluated in vain`);
  // The reply's last token can confirm a draft that the generation ends before validating: one more.
  assert.ok(predictor.stats.accepted - run.accepted <= 1, `${predictor.stats.accepted} counted, ${run.accepted} confirmed`);
});

test('without a text to rewrite, a reply that restates what it said earlier (a proof after its thinking) is predicted from it', () => {
  const thinking = Array.from({ length: 300 }, (_, i) => 2000 + i);
  const proof = [9, ...thinking.slice(50, 250)];
  const predictor = new LookupPredictor();
  predictor.updateInputTokens([]);
  const prompt = [1, 2, 3];
  drive(predictor, prompt, thinking);
  // The same generation goes on: the predictor is not reset between thinking and proof.
  let evaluations = 0;
  let at = 0;
  while (at < proof.length) {
    const draft = predictor.predictTokens() as Token[];
    evaluations++;
    let yielded = 1;
    while (yielded <= draft.length && draft[yielded - 1] === proof[at + yielded - 1] && at + yielded < proof.length) yielded++;
    for (let i = 0; i < yielded; i++) predictor.pushTokens(tokens(proof[at + i]!));
    at += yielded;
  }
  assert.ok(evaluations < proof.length / 5, `${evaluations} evaluations for a proof of ${proof.length} tokens`);
});

test('the rewritten text comes before the context, and the most recent occurrence in the context wins', () => {
  const predictor = new LookupPredictor();
  predictor.updateInputTokens(tokens(1, 2, 3, 50, 51));
  predictor.reset({ stateTokens: tokens(1, 2, 3, 40, 41, 9, 1, 2, 3, 60, 61, 9, 1, 2, 3) });
  assert.deepEqual((predictor.predictTokens() as Token[]).slice(0, 1), [50], 'the text the reply rewrites first');
  const other = new LookupPredictor();
  other.updateInputTokens([]);
  other.reset({ stateTokens: tokens(1, 2, 3, 40, 41, 9, 1, 2, 3, 60, 61, 9, 1, 2, 3) });
  // A fresh match in the context is often a common phrase: watched, not drafted, until the reply follows it.
  assert.deepEqual(other.predictTokens() as Token[], [], 'a fresh context match is not drafted');
  other.pushTokens(tokens(60));
  assert.deepEqual((other.predictTokens() as Token[]).slice(0, 1), [61], 'the continuation of the latest 1 2 3, once the reply follows it');
});

test('after a changed passage the rewritten text is picked up where the reply left it, not at the first occurrence of a common phrase', () => {
  // Eight sentences, each opening with the same two tokens (". The" in a proof); the reply rewrites the fifth
  // and goes on with the sixth.
  const sentence = (i: number): number[] => [90, 91, ...Array.from({ length: 12 }, (_, k) => 100 * i + k + 1)];
  const text = [1, 2, 3, 4, 5, 6, 7, 8].flatMap(sentence);
  const predictor = new LookupPredictor(true, undefined, 0.05);
  predictor.updateInputTokens(tokens(...text));
  predictor.reset({ stateTokens: tokens(5, 6) });
  for (const token of [...[1, 2, 3, 4].flatMap(sentence), 90, 91, 7, 8, 9, 10, 90, 91]) predictor.pushTokens(tokens(token));
  assert.equal((predictor.predictTokens() as Token[])[0], 601, 'the sixth sentence, after the rewritten fifth');
  // Where nothing after that point matches (the reply goes back to an earlier sentence), its first occurrence.
  for (const token of [...sentence(6).slice(2), ...sentence(7), ...sentence(8), 90, 91]) predictor.pushTokens(tokens(token));
  assert.equal((predictor.predictTokens() as Token[])[0], 101);
});

test('drafts grow while the reply follows the text, up to the cap, and shrink after a miss', () => {
  const text = Array.from({ length: 200 }, (_, i) => 3000 + i);
  const predictor = new LookupPredictor();
  predictor.updateInputTokens(tokens(...text));
  predictor.reset({ stateTokens: tokens(text[0]!, text[1]!) });
  const lengths: number[] = [];
  let at = 2;
  for (let i = 0; i < 6; i++) {
    const draft = predictor.predictTokens() as Token[];
    lengths.push(draft.length);
    // All confirmed: the sampled token, then each prediction's sample.
    predictor.pushTokens(tokens(...text.slice(at, at + draft.length + 1)));
    at += draft.length + 1;
  }
  assert.ok(lengths[0]! > 0 && lengths[0]! < MAX_DRAFT, `first draft ${lengths[0]}`);
  assert.ok(lengths.every((length, i) => i === 0 || length >= lengths[i - 1]!), `growing: ${lengths.join(', ')}`);
  assert.equal(lengths.at(-1), MAX_DRAFT);
  const draft = predictor.predictTokens() as Token[];
  predictor.pushTokens(tokens(text[at]!, 1)); // the second prediction is refuted
  assert.equal(draft.length, MAX_DRAFT);
  predictor.pushTokens(tokens(text[at + 1]!, text[at + 2]!)); // it picks the text up again, as a fresh match
  const after = (predictor.predictTokens() as Token[]).length;
  assert.ok(after > 0 && after < MAX_DRAFT, `after the miss: ${after}`);
});

test('backs off on a reply whose predictions keep missing: few predicted tokens evaluated over a long reply', () => {
  const random = seededRandom(7);
  // Eight token values: three-token contexts recur all the time, and what follows them is chance.
  const reply = Array.from({ length: 4000 }, () => Math.floor(random() * 8));
  const predictor = new LookupPredictor();
  predictor.updateInputTokens([]);
  const run = drive(predictor, [100, 101, 102], reply);
  const wasted = run.drafted - run.accepted;
  assert.ok(run.drafted > 0, 'it tried');
  assert.ok(wasted < reply.length / 20, `${wasted} predicted tokens evaluated in vain over ${reply.length} tokens`);
});

/** A reply that predicts about half right: stretches of 6 tokens, each a repeat of an earlier stretch
 * (predicted from it) or new tokens (whose prediction, from the stretch that ended like it, misses). */
function halfRepeated(length: number): number[] {
  const random = seededRandom(5);
  const stretches: number[][] = [];
  let fresh = 10_000;
  while (stretches.length * 6 < length) {
    const repeat = stretches.length > 4 && random() < 0.5;
    stretches.push(repeat ? stretches[Math.floor(random() * stretches.length)]! : Array.from({ length: 6 }, () => fresh++));
  }
  return stretches.flat().slice(0, length);
}

test('the break-even share comes from the measured costs: a compute-bound model is not slowed, a memory-bound one keeps predicting', () => {
  const reply = halfRepeated(3000);
  // Work in cost units: without prediction every token takes one evaluation.
  const computeBound = (drafted: number): number => 1 + drafted; // each predicted token costs a whole evaluation
  const memoryBound = (drafted: number): number => 1 + drafted / 20; // the weights are read once for the batch
  const compute = new LookupPredictor();
  compute.updateInputTokens([]);
  const onCompute = drive(compute, [1, 2, 3], reply, computeBound);
  const memory = new LookupPredictor();
  memory.updateInputTokens([]);
  const onMemory = drive(memory, [1, 2, 3], reply, memoryBound);
  assert.ok(Math.abs(compute.breakEven - 1) < 1e-9, `compute-bound break-even ${compute.breakEven}`);
  assert.ok(Math.abs(memory.breakEven - 0.05) < 1e-9, `memory-bound break-even ${memory.breakEven}`);
  const acceptance = onMemory.accepted / onMemory.drafted;
  assert.ok(acceptance > 0.2 && acceptance < 0.8, `the memory-bound run confirmed ${Math.round(100 * acceptance)}% of its predicted tokens`);
  // Compute-bound: about as much work as without prediction (it backs off), not the extra work of predicting.
  assert.ok(onCompute.work <= reply.length * 1.03, `compute-bound: ${onCompute.work} units of work for ${reply.length} without prediction`);
  // Memory-bound, the same reply: it predicts on, and it pays.
  assert.ok(onMemory.drafted > 4 * onCompute.drafted, `${onMemory.drafted} predicted tokens on the memory-bound model, ${onCompute.drafted} on the compute-bound one`);
  assert.ok(onMemory.work < reply.length * 0.9, `memory-bound: ${onMemory.work} units of work for ${reply.length} without prediction`);
  // With the stand-in share (the costs unmeasured), the odds alone keep a compute-bound model's extra work small.
  const fixed = new LookupPredictor();
  fixed.updateInputTokens([]);
  const unmeasured = drive(fixed, [1, 2, 3], reply);
  const fixedWork = unmeasured.evaluations + unmeasured.drafted;
  assert.ok(fixedWork <= reply.length * 1.03, `the stand-in share: ${fixedWork} units of compute-bound work for ${reply.length}`);
});

test('memory stays bounded by the tokens held, across many generations on the same sequence', () => {
  const random = seededRandom(3);
  const predictor = new LookupPredictor();
  const held: number[] = [];
  for (let generation = 0; generation < 50; generation++) {
    // Each generation keeps a random part of the previous state as its prefix and adds new tokens.
    held.length = Math.floor(random() * held.length);
    for (let i = 0; i < 500; i++) held.push(Math.floor(random() * 5000));
    predictor.updateInputTokens(tokens(...held.slice(0, 100)));
    predictor.reset({ stateTokens: tokens(...held) });
    predictor.predictTokens() as Token[];
    assert.ok(predictor.indexEntries <= 3 * held.length + 3 * 100, `${predictor.indexEntries} entries for ${held.length} tokens held`);
  }
});

test('turned off, or disposed, it predicts nothing', () => {
  const off = new LookupPredictor(false);
  off.updateInputTokens(tokens(1, 2, 3, 4));
  off.reset({ stateTokens: tokens(1, 2, 3) });
  assert.deepEqual(off.predictTokens() as Token[], []);
  const on = new LookupPredictor();
  on.updateInputTokens(tokens(1, 2, 3, 4));
  on.reset({ stateTokens: tokens(1, 2, 3) });
  assert.deepEqual(on.predictTokens() as Token[], [4]);
  on.dispose();
  assert.deepEqual(on.predictTokens() as Token[], []);
});

test('a new generation on the same sequence still finds what its prompt holds, after the earlier reply it replaced', () => {
  // A low break-even share, so that a fresh match is drafted and shows where the index points.
  const predictor = new LookupPredictor(true, undefined, 0.01);
  predictor.updateInputTokens([]);
  const prompt = [1, 2, 3, 50, 51, 52, 9];
  drive(predictor, prompt, [1, 2, 3, 60, 61]);
  // The next generation keeps the prompt and replaces the reply.
  predictor.reset({ stateTokens: tokens(...prompt) });
  predictor.pushTokens(tokens(1, 2, 3));
  assert.deepEqual((predictor.predictTokens() as Token[]).slice(0, 2), [50, 51], 'the prompt\'s 1 2 3 50 51, not the replaced reply\'s 1 2 3 60');
});

/** A draft model scripted on the reply: it proposes the reply's next tokens, but another token at each
 * position where `wrong(position)`, and exactly as many as it was last set to draft. */
function scriptedDraftModel(reply: readonly number[], wrong: (position: number) => boolean): DraftModelPredictor & { lengths: number[] } {
  let at = 0;
  let length = MAX_DRAFT;
  const lengths: number[] = [];
  const predictor = {
    reset: () => {
      at = 0;
    },
    pushTokens: (pushed: Token[]) => {
      at += pushed.length;
    },
    predictTokens: () => tokens(...reply.slice(at, at + length).map((token, i) => (wrong(at + i) ? token + 1 : token))),
    stop: () => undefined,
    dispose: () => undefined,
  } as unknown as TokenPredictor;
  return {
    predictor,
    lengths,
    setLength: (tokensToDraft: number) => {
      length = tokensToDraft;
      lengths.push(tokensToDraft);
    },
  };
}

test('a draft model is asked for as many tokens as pay at its accuracy in the reply, and is turned off where none does', () => {
  const reply = Array.from({ length: 2000 }, (_, i) => 5000 + (i % 997));
  // A predicted token costs a fifth of an evaluation (memory-bound): break-even at 20% confirmed.
  const cost = (drafted: number): number => 1 + drafted / 5;
  const run = (wrong: (position: number) => boolean): { work: number; drafted: number; lengths: number[]; singles: number; evaluations: number } => {
    const draftModel = scriptedDraftModel(reply, wrong);
    // The lookup off: only the draft model drafts.
    const predictor = new LookupPredictor(false, draftModel);
    let singles = 0;
    const original = predictor.predictTokens.bind(predictor);
    predictor.predictTokens = () => {
      const draft = original() as Token[];
      if (draft.length === 0) singles++;
      return draft;
    };
    const result = drive(predictor, [1, 2, 3], reply, cost);
    return { ...result, lengths: draftModel.lengths, singles };
  };

  const right = run(() => false);
  assert.equal(Math.max(...right.lengths), MAX_DRAFT, 'a draft right every time is asked for the longest draft');
  assert.ok(right.work < reply.length * 0.3, `always right: ${right.work} units of work for ${reply.length} without a draft`);
  // One evaluation in SINGLE_REMEASURE_AFTER (64) goes without, to measure what an evaluation costs alone.
  assert.ok(right.singles >= 2 && right.singles <= right.evaluations / 32, `${right.singles} evaluations of ${right.evaluations} without a draft`);

  const mostly = run((position) => position % 10 === 9);
  const mean = mostly.lengths.reduce((sum, length) => sum + length, 0) / mostly.lengths.length;
  assert.ok(mean > 4 && mean < MAX_DRAFT, `right 9 in 10: drafts of ${mean.toFixed(1)} tokens on average`);
  assert.ok(mostly.work < reply.length * 0.6, `right 9 in 10: ${mostly.work} units of work for ${reply.length}`);

  const seldom = run((position) => position % 4 !== 0);
  assert.ok(seldom.drafted <= 2 * MAX_DRAFT, `right 1 in 4: ${seldom.drafted} predicted tokens evaluated before it was turned off`);
  assert.ok(seldom.work <= reply.length * 1.03, `right 1 in 4: ${seldom.work} units of work for ${reply.length} without a draft`);
});
