/**
 * Draft-model decoding (qedNano.draftModel): a second tiny model with the same vocabulary drafts for the
 * target through node-llama-cpp's DraftSequenceTokenPredictor, combined with the lookup. What is written
 * never changes (greedy), the draft's figures reach the engine's description, and a draft with another
 * vocabulary is refused at load with a sentence naming both files. The tiny models' random weights give
 * their own tokens low confidence (the draft seldom passes node-llama-cpp's 0.6 threshold), so drafting is
 * exercised with the scripted test mode for the draft too (draftScript.ts): a confident draft of the same
 * script, or of one that differs every few tokens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlamaEngine, ModelLoadError, type LlamaEngineOptions } from '../../server/src/engine/llamaEngine';
import { BREAK_EVEN, MAX_DRAFT } from '../../server/src/engine/lookupPredictor';
import type { GenerationRequest } from '../../server/src/engine/types';
import { proofRequest } from '../../server/src/prompts/proofPrompt';
import { brokenTinyModel, tinyModelPath } from '../support/models';
import { scriptedBias, scriptTokens } from '../support/script';

const OPTIONS: Omit<LlamaEngineOptions, 'modelPath'> = { gpu: false, threads: 1, contextSize: 2048, batchSize: 512, sequences: 1 };
let drafted: LlamaEngine;
let plain: LlamaEngine;

before(async () => {
  // The share fixed: measured on the tiny target (compute-bound: a predicted token costs a whole evaluation),
  // it says no draft pays, and these tests count what the drafting does.
  drafted = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('natural'), draftModelPath: tinyModelPath('endless'), predictionBreakEven: BREAK_EVEN });
  plain = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('natural'), tokenPrediction: false });
});
after(async () => {
  await drafted.dispose();
  await plain.dispose();
});

test('a draft model beside the target changes nothing in what is written (greedy, scripted and unscripted), and its figures reach the description', async () => {
  const script = 'Try $n = 1$ first.\n</think>\n\n**Proof.** By induction on $n$: the case $n = 1$ holds, and each step adds one. ∎';
  const requests: GenerationRequest[] = [
    { messages: [proofRequest('Show that $n^2 \\ge n$.')], maxTokens: 300, sampling: { temperature: 0 }, tokenBias: scriptedBias(scriptTokens(plain, script)) },
    { messages: [proofRequest('Show that there are infinitely many primes.')], maxTokens: 120, sampling: { temperature: 0 }, detectLoops: false },
  ];
  for (const request of requests) {
    const withDraft = await drafted.generate(request, () => undefined);
    const without = await plain.generate(request, () => undefined);
    assert.equal(withDraft.raw, without.raw);
  }
  const described = drafted.describe().local!;
  assert.equal(described.draftModel?.path, tinyModelPath('endless'));
  assert.equal(described.draftModel?.threads, 1);
  assert.ok(described.draftModel!.drafted >= described.draftModel!.accepted);
});

test('a draft model whose vocabulary differs is refused at load, with a sentence naming both files', async () => {
  const other = brokenTinyModel('other-vocabulary.gguf', ({ metadata }) => {
    // Two tokens trade places: the same size and tokens, another numbering.
    const list = (metadata.find(([key]) => key === 'tokenizer.ggml.tokens')![1] as { value: string[] }).value;
    [list[40], list[41]] = [list[41]!, list[40]!];
  });
  const target = tinyModelPath('natural');
  await assert.rejects(LlamaEngine.load({ ...OPTIONS, modelPath: target, draftModelPath: other }), (error: unknown) => {
    assert.ok(error instanceof ModelLoadError);
    assert.match(error.message, /^The draft model .*other-vocabulary\.gguf cannot draft for .*tiny-natural\.gguf: their vocabularies differ/);
    assert.match(error.message, /qedNano\.draftModel/);
    return true;
  });
});

/** The draft's figures since the load (Setup Information's). */
function draftFigures(): { drafted: number; accepted: number; evaluatedTokens: number } {
  const { drafted: proposed, accepted, evaluatedTokens } = drafted.describe().local!.draftModel!;
  return { drafted: proposed, accepted, evaluatedTokens };
}

const SCRIPT = 'We argue by induction on $n$. For $n = 1$ both sides equal one. Assume it for $n$; adding $2n + 1$ to both sides gives it for $n + 1$. ∎';

test('a draft scripted to the target\'s text really drafts: the target confirms its drafts, and the text is the one written without a draft', async () => {
  const tokens = scriptTokens(plain, SCRIPT);
  const request: GenerationRequest = { messages: [proofRequest('Show that $1 + 3 + \\dots + (2n - 1) = n^2$.')], maxTokens: tokens.length, sampling: { temperature: 0 }, detectLoops: false, tokenBias: scriptedBias(tokens) };
  const before = draftFigures();
  const withDraft = await drafted.generate(request, () => undefined);
  const after = draftFigures();
  const without = await plain.generate(request, () => undefined);
  assert.equal(withDraft.raw, without.raw);
  assert.ok(withDraft.raw.includes('adding $2n + 1$'), withDraft.raw);
  const proposed = after.drafted - before.drafted;
  const confirmed = after.accepted - before.accepted;
  assert.ok(proposed > 0, `the draft proposed ${proposed} tokens`);
  assert.ok(confirmed > 0, `the target confirmed ${confirmed} of them`);
  // The same script: every drafted token the target got to check is its own next token (the draft's last
  // tokens may be left unchecked where the reply reached maxTokens).
  assert.ok(confirmed >= proposed - 16, `${confirmed} of ${proposed} confirmed`);
});

test('a draft that differs from the target\'s script every second token is refuted there, and the text is still the target\'s', async () => {
  // Another text than the test above's: the lookup would predict that one from the sequence's last reply.
  const tokens = scriptTokens(plain, 'Suppose there were finitely many primes; multiply them all and add one. No prime divides the result. ∎');
  const other = scriptTokens(plain, ' the')[0]!;
  // Every second: the engine hands out only as much of a draft as the draft's record says pays (at one token
  // in two right, one token), so the wrong tokens cannot be stepped around (with every fourth, drafts of three
  // that start after a wrong token never met one).
  const diverging = tokens.map((token, i) => (i % 2 === 1 ? other : token));
  const request: GenerationRequest = { messages: [proofRequest('Show that there are infinitely many primes.')], maxTokens: tokens.length, sampling: { temperature: 0 }, detectLoops: false, tokenBias: scriptedBias(tokens) };
  const before = draftFigures();
  const withDraft = await drafted.generate({ ...request, draftTokenBias: scriptedBias(diverging) }, () => undefined);
  const after = draftFigures();
  const without = await plain.generate(request, () => undefined);
  assert.equal(withDraft.raw, without.raw);
  const proposed = after.drafted - before.drafted;
  const confirmed = after.accepted - before.accepted;
  assert.ok(confirmed > 0, `${confirmed} of ${proposed} confirmed: the right stretches are`);
  assert.ok(confirmed < proposed, `${confirmed} of ${proposed} confirmed: the diverging tokens are not`);
  assert.ok(withDraft.stats.predictedTokens.refuted > 0);
  // Setup Information's speeds: evaluations with a draft (they carried one) and without (the first, and one in
  // every SINGLE_REMEASURE_AFTER, goes without). Measured, so only their presence is checked.
  const { withDraft: speedWith, without: speedWithout } = drafted.describe().local!.draftModel!.tokensPerSecond;
  assert.ok(speedWith !== undefined && speedWith > 0, `with a draft: ${speedWith} tokens/s`);
  assert.ok(speedWithout !== undefined && speedWithout > 0, `without: ${speedWithout} tokens/s`);
});

test('a draft that is always wrong is turned off for the rest of the reply: it stops drafting, and the text is the target\'s', async () => {
  const text = 'Suppose there were finitely many primes; multiply them all and add one. No prime divides the result, so the list was not complete. ∎ '.repeat(3);
  const tokens = scriptTokens(plain, text);
  const other = scriptTokens(plain, ' the')[0]!;
  const request: GenerationRequest = { messages: [proofRequest('Show that there are infinitely many primes, thrice.')], maxTokens: tokens.length, sampling: { temperature: 0 }, detectLoops: false, tokenBias: scriptedBias(tokens) };
  const before = draftFigures();
  const withDraft = await drafted.generate({ ...request, draftTokenBias: scriptedBias(tokens.map((token) => (token === other ? other + 1 : other))) }, () => undefined);
  const after = draftFigures();
  assert.equal(withDraft.raw, (await plain.generate(request, () => undefined)).raw);
  // Drafting on to the end, the draft would evaluate a token for each of the reply's (and more, ahead of it).
  const evaluated = after.evaluatedTokens - before.evaluatedTokens;
  assert.ok(evaluated < tokens.length / 2, `the draft evaluated ${evaluated} tokens over a reply of ${tokens.length}`);
  assert.ok(after.drafted - before.drafted <= MAX_DRAFT, `${after.drafted - before.drafted} wrong tokens handed to the target`);
});

test('a generation cancelled while the draft drafts ends cancelled, the draft evaluates at most one more draft, and the next generation drafts again', async () => {
  const tokens = scriptTokens(plain, SCRIPT);
  const request: GenerationRequest = { messages: [proofRequest('Show that $1 + 3 + \\dots + (2n - 1) = n^2$, once more.')], maxTokens: tokens.length, sampling: { temperature: 0 }, detectLoops: false, tokenBias: scriptedBias(tokens) };
  const controller = new AbortController();
  const before = draftFigures();
  let chunks = 0;
  let evaluatedAtCancel = 0;
  let draftedAtCancel = 0;
  const result = await drafted.generate(
    request,
    () => {
      if (++chunks !== 20) return;
      ({ evaluatedTokens: evaluatedAtCancel, drafted: draftedAtCancel } = draftFigures());
      controller.abort();
    },
    controller.signal,
  );
  assert.equal(result.stopReason, 'cancelled');
  assert.ok(draftedAtCancel > before.drafted, 'the draft was drafting when the generation was cancelled');
  await drafted.settled();
  // Another model's whole generation gives a draft that went on by itself every chance to show it.
  await plain.generate({ ...request, maxTokens: 40 }, () => undefined);
  const evaluatedAfter = drafted.describe().local!.draftModel!.evaluatedTokens;
  assert.ok(evaluatedAfter - evaluatedAtCancel <= MAX_DRAFT, `the draft evaluated ${evaluatedAfter - evaluatedAtCancel} tokens after the cancel (one draft: at most ${MAX_DRAFT})`);

  const next = draftFigures();
  const again = await drafted.generate({ ...request, messages: [proofRequest('And once again.')] }, () => undefined);
  assert.equal(again.stopReason, 'maxTokens');
  assert.ok(draftFigures().accepted > next.accepted, 'the draft drafts for the next generation');
});
