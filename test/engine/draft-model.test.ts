/**
 * Draft-model decoding (qedNano.draftModel): a second tiny model with the same vocabulary drafts for the
 * target through node-llama-cpp's DraftSequenceTokenPredictor, combined with the lookup. What is written
 * never changes (greedy), the draft's figures reach the engine's description, and a draft with another
 * vocabulary is refused at load with a sentence naming both files. (The tiny models' random weights give
 * their tokens low confidence: the draft seldom passes node-llama-cpp's 0.6 threshold, so acceptance is
 * not exercised here.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlamaEngine, ModelLoadError, type LlamaEngineOptions } from '../../server/src/engine/llamaEngine';
import type { GenerationRequest } from '../../server/src/engine/types';
import { proofRequest } from '../../server/src/prompts/proofPrompt';
import { brokenTinyModel, tinyModelPath } from '../support/models';
import { scriptedBias, scriptTokens } from '../support/script';

const OPTIONS: Omit<LlamaEngineOptions, 'modelPath'> = { gpu: false, threads: 1, contextSize: 2048, batchSize: 512, sequences: 1 };
let drafted: LlamaEngine;
let plain: LlamaEngine;

before(async () => {
  drafted = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('natural'), draftModelPath: tinyModelPath('endless') });
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
