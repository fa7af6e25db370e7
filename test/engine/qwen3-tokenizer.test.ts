/**
 * The engine on the tokenizer QED-Nano really uses. Every other model test runs on a tiny byte-level
 * vocabulary; this one loads the same tiny layers with Qwen3's tokenizer (151,643 BPE tokens, 151,387
 * merges, the ChatML and think tokens as added tokens at their real ids) and checks what a real vocabulary
 * can change: the prompt's special tokens, exact scripted text with multi-byte characters, the prefix cache
 * after an edit that BPE re-merges, and a completion that continues in the middle of a word.
 *
 * What differs from the byte-level vocabulary (found here, and checked): an edit inside a word changes that
 * word's token, so the cached prefix ends before the word, not at the edit (the engine re-evaluates from
 * the first differing token and the reply is the one a fresh sequence gives); a suggestion that continues a
 * word starts a new token where BPE would have written one ("Th" + "en", not "Then"), and its text is still
 * exactly the continuation.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlamaEngine } from '../../server/src/engine/llamaEngine';
import type { GenerationChunk } from '../../server/src/engine/types';
import { proofRequest } from '../../server/src/prompts/proofPrompt';
import { completionRequest } from '../../server/src/prompts/completionPrompt';
import { tinyModelPath } from '../support/models';
import { scriptedBias, scriptTokens } from '../support/script';

const GREEDY = { temperature: 0 };
const OPTIONS = { gpu: false as const, threads: 1, contextSize: 4096, batchSize: 512, sequences: 1 };
let engine: LlamaEngine;

before(async () => {
  engine = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('qwen3') });
});
after(async () => {
  await engine.dispose();
});

const ID = { imStart: 151644, imEnd: 151645, think: 151667, endThink: 151668 };

test('the prompt carries Qwen3\'s special tokens at their real ids; document text that looks like one stays text', () => {
  assert.equal(engine.tokenize([{ special: true, text: '<|im_start|>' }])[0], ID.imStart);
  const tokens = engine.promptTokens({ messages: [{ role: 'user', content: 'Show <|im_end|> and </think> are only text here.' }] });
  assert.equal(tokens[0], ID.imStart);
  assert.equal(tokens.filter((t) => t === ID.imEnd).length, 1, 'only the template closes the user turn');
  assert.ok(!tokens.includes(ID.endThink), 'the document\'s </think> is text');
  assert.deepEqual(tokens.slice(-5), [ID.imStart, ...engine.tokenize([{ special: false, text: 'assistant\n' }]), ID.think, ...engine.tokenize([{ special: false, text: '\n' }])]);
});

test('a scripted reply with multi-byte characters streams exactly, split at the real </think> token', async () => {
  const script = 'Try $n = 1$: 1 ≥ 1 holds … \n</think>\n\n**Proof.** For every $n ≥ 1$, $n² − n = n(n − 1) ≥ 0$. ∎';
  const chunks: GenerationChunk[] = [];
  const result = await engine.generate(
    { messages: [proofRequest('Show that $n^2 \\ge n$.')], maxTokens: 200, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(engine, script)) },
    (c) => chunks.push(c),
  );
  assert.equal(result.stopReason, 'endOfText');
  assert.equal(result.thinking, 'Try $n = 1$: 1 ≥ 1 holds …');
  assert.equal(result.answer, '**Proof.** For every $n ≥ 1$, $n² − n = n(n − 1) ≥ 0$. ∎');
  const streamed = chunks.map((c) => (c.kind === 'answer' ? c.text : '')).join('');
  assert.equal(streamed.trim(), result.answer, 'what streamed is what was returned: no character split or doubled');
  assert.ok(!chunks.some((c) => 'text' in c && c.text.includes('\uFFFD')), 'no broken UTF-8 in any chunk');
});

test('after an edit inside a word, the cached prefix ends where the tokens differ, and the reply is the one a fresh sequence gives', async () => {
  const before = 'Let $a_n$ be the sequence defined by $a_1 = 1$. Show that it converges to a limit.';
  const edited = 'Let $a_n$ be the sequences defined by $a_1 = 1$. Show that it converges to a limit.';
  const first = engine.promptTokens({ messages: [proofRequest(before)] });
  const second = engine.promptTokens({ messages: [proofRequest(edited)] });
  let common = 0;
  while (first[common] === second[common]) common++;
  const textCommon = proofRequest(before).content.indexOf('sequence') + 'sequence'.length;
  const charsBeforeToken = engine.tokenize([{ special: false, text: proofRequest(before).content }]);
  assert.ok(charsBeforeToken.length > 0);
  // BPE: "sequence" and "sequences" are different tokens, so the shared tokens stop before the word.
  assert.notEqual(first[common], second[common]);
  await engine.generate({ messages: [proofRequest(before)], maxTokens: 1, sampling: GREEDY }, () => undefined);
  const reused = await engine.generate({ messages: [proofRequest(edited)], maxTokens: 12, sampling: GREEDY, detectLoops: false }, () => undefined);
  assert.equal(reused.stats.evaluatedPromptTokens, second.length - common, `evaluated from the first differing token (text shared up to ${textCommon} characters)`);
  const fresh = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('qwen3') });
  try {
    const cold = await fresh.generate({ messages: [proofRequest(edited)], maxTokens: 12, sampling: GREEDY, detectLoops: false }, () => undefined);
    assert.equal(cold.stats.evaluatedPromptTokens, second.length);
    assert.deepEqual([reused.thinking, reused.answer], [cold.thinking, cold.answer], 'the reused prefix gives the same reply');
  } finally {
    await fresh.dispose();
  }
});

test('a completion that continues in the middle of a word writes exactly the continuation', async () => {
  const proofSoFar = 'Let $n \\ge 1$. Th';
  const continuation = 'en $n^2 - n = n(n-1) \\ge 0$.';
  const request = { ...completionRequest('Show that $n^2 \\ge n$.'), answerPrefix: proofSoFar, maxTokens: 40 };
  const result = await engine.generate({ ...request, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(engine, continuation)) }, () => undefined);
  assert.equal(result.answer.startsWith(continuation), true, JSON.stringify(result.answer));
  // The word is split across the prefix and the suggestion where BPE would have one token for it.
  const whole = engine.tokenize([{ special: false, text: 'Then' }]);
  const split = [...engine.tokenize([{ special: false, text: 'Th' }]), ...engine.tokenize([{ special: false, text: 'en' }])];
  assert.ok(whole.length < split.length, `"Then" is ${whole.length} token(s); written as "Th" + "en" it is ${split.length}`);
});
