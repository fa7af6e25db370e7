import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlamaEngine, type LlamaEngineOptions } from '../../server/src/engine/llamaEngine';
import { InvalidModelFileError } from '../../server/src/engine/ggufHeader';
import { proofRequest } from '../../server/src/prompts/proofPrompt';
import type { GenerationChunk, GenerationRequest, GenerationResult } from '../../server/src/engine/types';
import { BREAK_EVEN, MAX_DRAFT } from '../../server/src/engine/lookupPredictor';
import { scratchFile, tinyModelPath, brokenTinyModel } from '../support/models';
import { scriptedBias, scriptTokens } from '../support/script';
import { seededRandom } from '../support/random';

/** The back-off share fixed (the measured one follows the machine's timing, and these tests count
 * predictions); the unit tests cover the measured rule. */
const OPTIONS: Omit<LlamaEngineOptions, 'modelPath'> = { gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 4, predictionBreakEven: BREAK_EVEN };
let natural: LlamaEngine;
let endless: LlamaEngine;
/** The same models without lookup prediction (qedNano.prediction: false): the text to compare with. */
let unpredicted: LlamaEngine;
let endlessUnpredicted: LlamaEngine;

before(async () => {
  natural = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('natural') });
  endless = await LlamaEngine.load({ ...OPTIONS, modelPath: tinyModelPath('endless') });
  unpredicted = await LlamaEngine.load({ ...OPTIONS, sequences: 1, tokenPrediction: false, modelPath: tinyModelPath('natural') });
  endlessUnpredicted = await LlamaEngine.load({ ...OPTIONS, sequences: 1, tokenPrediction: false, modelPath: tinyModelPath('endless') });
});
after(async () => {
  await natural.dispose();
  await endless.dispose();
  await unpredicted.dispose();
  await endlessUnpredicted.dispose();
});

function collect(): { chunks: GenerationChunk[]; onChunk: (c: GenerationChunk) => void; text: (kind: 'thinking' | 'answer') => string } {
  const chunks: GenerationChunk[] = [];
  return {
    chunks,
    onChunk: (c) => chunks.push(c),
    text: (kind) => chunks.map((c) => (c.kind === kind ? c.text : '')).join(''),
  };
}

const GREEDY = { temperature: 0 };

test('loads the tiny qwen3 model on the CPU with explicit threads, and says why no GPU is used', () => {
  assert.equal(natural.info.device, 'cpu');
  assert.match(natural.info.gpuUnusedReason ?? '', /turned off in the settings/);
  assert.equal(natural.info.threads, 1);
  assert.equal(natural.info.sequences, 4);
  assert.ok(natural.info.contextSize >= 2048);
  assert.equal(natural.header.architecture, 'qwen3');
});

test('the prompt is the QED-Nano chat format, and document text is never parsed for special tokens', () => {
  const tokens = natural.promptTokens({ messages: [{ role: 'user', content: 'Show <|im_end|> is text.' }] });
  const special = (text: string): number => natural.tokenize([{ special: true, text }])[0]!;
  assert.equal(tokens[0], special('<|im_start|>'));
  assert.equal(tokens.filter((t) => t === special('<|im_end|>')).length, 1, 'only the template closes the user turn');
  const opening = natural.tokenize([{ special: true, text: '<|im_start|>assistant\n<think>\n' }]);
  assert.deepEqual(tokens.slice(-opening.length), opening, 'generation starts inside the thinking');
});

test('streams thinking, then the answer, with the exact scripted text and a natural stop', async () => {
  const script = 'Try small cases: $n=1$ works.\n</think>\n\n**Proof.** By induction on $n$. ∎';
  const { chunks, onChunk, text } = collect();
  const result = await natural.generate(
    { messages: [proofRequest('Show that $n^2 \\ge n$.')], maxTokens: 200, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, script)) },
    onChunk,
  );
  assert.equal(result.stopReason, 'endOfText');
  assert.equal(result.thoughtClosed, true);
  assert.equal(result.thinking, 'Try small cases: $n=1$ works.');
  assert.equal(result.answer, '**Proof.** By induction on $n$. ∎');
  assert.equal(text('thinking').trimEnd(), result.thinking);
  assert.equal(text('answer'), result.answer);
  const firstAnswer = chunks.findIndex((c) => c.kind === 'answer');
  assert.ok(firstAnswer > 0 && chunks.slice(0, firstAnswer).every((c) => c.kind === 'thinking'), 'thinking streams first');
  assert.equal(result.stats.thinkingTokens + result.stats.answerTokens, scriptTokens(natural, script).length);
  assert.ok(result.stats.tokensPerSecond > 0);
});

test('each chunk carries the running totals in the final measures: the last ones agree with the stats', async () => {
  const script = `Think ${'a little more, '.repeat(20)}then stop.\n</think>\n\n**Proof.** ${'Step. '.repeat(30)}∎`;
  const { chunks, onChunk } = collect();
  const result = await natural.generate(
    { messages: [proofRequest('Show that $n^2 \\ge n$.')], maxTokens: 400, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, script)) },
    onChunk,
  );
  const last = chunks[chunks.length - 1]!.tally;
  assert.equal(last.thinkingTokens, result.stats.thinkingTokens, 'streamed thinking tokens = final');
  assert.equal(last.generated, result.stats.thinkingTokens + result.stats.answerTokens);
  const lastThinking = chunks.filter((c) => c.kind === 'thinking').at(-1)!.tally;
  assert.ok(lastThinking.thinkingTokens <= result.stats.thinkingTokens && lastThinking.thinkingTokens >= result.stats.thinkingTokens - 3, 'counted as the thinking streams');
  // Speed: generated tokens per second after the first one, live and final alike (not time since the request).
  assert.ok(Math.abs(last.tokensPerSecond - result.stats.tokensPerSecond) / result.stats.tokensPerSecond < 0.25, `${last.tokensPerSecond} vs ${result.stats.tokensPerSecond}`);
  // Thinking time: to the end of the thinking, less than the whole reply's.
  assert.ok(result.stats.thinkingMs > 0 && result.stats.thinkingMs < result.stats.ms, `thinking ${result.stats.thinkingMs} ms of ${result.stats.ms} ms`);
});

test('a thinking budget reached before </think> stops with no answer: an unfinished thought is never a proof', async () => {
  const result = await endless.generate({ messages: [proofRequest('Hard problem.')], maxTokens: 500, thinkingBudget: 40, sampling: { temperature: 0.8, seed: 1 }, detectLoops: false }, () => {});
  assert.equal(result.stopReason, 'thinkingBudget');
  assert.equal(result.thoughtClosed, false);
  assert.equal(result.answer, '');
  assert.equal(result.stats.thinkingTokens, 40);
});

test('a repetition loop is stopped early with its reason', async () => {
  const phrase = 'Let me check the case n=2 again. ';
  const script = scriptTokens(endless, `Start. ${phrase.repeat(200)}`);
  const result = await endless.generate({ messages: [proofRequest('Loop.')], maxTokens: 5000, sampling: GREEDY, tokenBias: scriptedBias(script) }, () => {});
  assert.equal(result.stopReason, 'repetitionLoop');
  assert.equal(result.loopPeriod, scriptTokens(endless, phrase).length);
  assert.ok(result.stats.thinkingTokens < 600, `stopped after ${result.stats.thinkingTokens} tokens`);
});

test('JSON-schema output (thought closed first) is valid on 20 seeds', async () => {
  const schema = {
    type: 'object',
    properties: { verdict: { enum: ['correct', 'minor gaps', 'fatal error'] }, score: { enum: [0, 0.5, 1] }, stepsChecked: { type: 'boolean' } },
    required: ['verdict', 'score', 'stepsChecked'],
  };
  for (let seed = 1; seed <= 20; seed++) {
    const result = await endless.generate({ messages: [proofRequest('Grade this.')], maxTokens: 200, jsonSchema: schema, sampling: { temperature: 0.9, seed } }, () => {});
    assert.equal(result.stopReason, 'endOfText', `seed ${seed}`);
    assert.equal(result.thinking, '', 'the JSON is the answer, not thinking');
    const parsed = JSON.parse(result.answer) as { verdict: string; score: number; stepsChecked: boolean };
    assert.ok(['correct', 'minor gaps', 'fatal error'].includes(parsed.verdict), result.answer);
    assert.ok([0, 0.5, 1].includes(parsed.score), result.answer);
    assert.equal(typeof parsed.stepsChecked, 'boolean');
  }
});

test('abort mid-stream settles at once with what was generated (at most the evaluation in flight after it, counted), and the engine stays usable', async () => {
  const controller = new AbortController();
  let chunks = 0;
  // Counted, not timed (a loaded CI machine moves milliseconds): what the model evaluated after the abort.
  const evaluated = (): number => endless.sequenceMeters().reduce((sum, m) => sum + m.usedInputTokens, 0);
  let evaluatedAtAbort = 0;
  const running = endless.generate(
    { messages: [proofRequest('Long one.')], maxTokens: 100_000, sampling: { temperature: 0.8, seed: 2 }, detectLoops: false },
    () => {
      if (++chunks === 30) {
        evaluatedAtAbort = evaluated();
        controller.abort();
      }
    },
    controller.signal,
  );
  const result = await running;
  const afterAbort = evaluated() - evaluatedAtAbort;
  assert.equal(result.stopReason, 'cancelled');
  assert.ok(afterAbort <= 1 + MAX_DRAFT, `${afterAbort} tokens evaluated after the abort: more than the one evaluation in flight`);
  assert.ok(result.stats.thinkingTokens >= 29, 'the partial output is kept');
  const chunksAtAbort = chunks;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(chunks, chunksAtAbort, 'nothing streams after the abort');
  const again = await natural.generate({ messages: [proofRequest('Next.')], maxTokens: 50, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, 'ok</think>done')) }, () => {});
  assert.equal(again.answer, 'done');
});

test('a second request sharing a long prefix evaluates only its new tokens (sequence token meter)', async () => {
  const problem = Array.from({ length: 64 }, (_, i) => `Let $a_{${i}}$ be the ${i}-th term.`).join(' ');
  const first = await natural.generate({ messages: [proofRequest(`${problem} Prove A.`)], maxTokens: 1, sampling: GREEDY }, () => {});
  assert.ok(first.stats.promptTokens > 1500, `${first.stats.promptTokens} prompt tokens`);
  const before = natural.sequenceMeters().reduce((sum, m) => sum + m.usedInputTokens, 0);
  const second = await natural.generate({ messages: [proofRequest(`${problem} Prove B.`)], maxTokens: 1, sampling: GREEDY }, () => {});
  const evaluated = natural.sequenceMeters().reduce((sum, m) => sum + m.usedInputTokens, 0) - before;
  assert.ok(evaluated <= 0.05 * second.stats.promptTokens, `evaluated ${evaluated} of ${second.stats.promptTokens} prompt tokens`);
  assert.ok(Math.abs(second.stats.evaluatedPromptTokens - evaluated) <= 1, `reported ${second.stats.evaluatedPromptTokens}, metered ${evaluated}`);
});

test('four candidates generate side by side on separate sequences, each with its own exact text', async () => {
  const texts = ['one</think>A', 'two</think>B', 'three</think>C', 'four</think>D'];
  const results = await Promise.all(
    texts.map((script, i) =>
      natural.generate(
        { messages: [proofRequest(`Candidate ${i}`)], maxTokens: 40, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, script)) },
        () => {},
      ),
    ),
  );
  assert.deepEqual(results.map((r) => [r.thinking, r.answer]), [['one', 'A'], ['two', 'B'], ['three', 'C'], ['four', 'D']]);
});

test('an interactive request pre-empts a background one when every sequence is busy', async () => {
  const single = await LlamaEngine.load({ ...OPTIONS, sequences: 1, modelPath: tinyModelPath('endless') });
  try {
    let started!: () => void;
    const backgroundStarted = new Promise<void>((resolve) => (started = resolve));
    const background = single.generate(
      { messages: [proofRequest('Background critique.')], maxTokens: 100_000, priority: 'background', detectLoops: false, sampling: { temperature: 0.8, seed: 3 } },
      () => started(),
    );
    await backgroundStarted;
    const interactive = await single.generate({ messages: [proofRequest('Prove now.')], maxTokens: 20, priority: 'interactive', detectLoops: false }, () => {});
    assert.equal((await background).stopReason, 'preempted');
    assert.equal(interactive.stopReason, 'maxTokens');
  } finally {
    await single.dispose();
  }
});

test('corrupt, truncated and non-GGUF files give a clear error before llama.cpp sees them; loading goes on working', async () => {
  const load = (modelPath: string): Promise<LlamaEngine> => LlamaEngine.load({ ...OPTIONS, sequences: 1, modelPath });
  await assert.rejects(load(scratchFile('readme.gguf', '# not a model')), InvalidModelFileError);
  await assert.rejects(load(scratchFile('half.gguf', (await import('node:fs')).readFileSync(tinyModelPath()).subarray(0, 200_000))), /incomplete download/);
  // This one would abort the whole process inside llama.cpp (GGML_ASSERT) if it got that far.
  await assert.rejects(
    load(brokenTinyModel('dup.gguf', ({ metadata }) => {
      const tokens = metadata.find(([k]) => k === 'tokenizer.ggml.tokens')![1];
      if ('elementType' in tokens && Array.isArray(tokens.value)) (tokens.value as string[])[290] = (tokens.value as string[])[3]!;
    })),
    /twice/,
  );
  const fine = await load(tinyModelPath('natural'));
  await fine.dispose();
});

test('a cancel during a long prompt stops its evaluation within a batch, and the sequence serves the next request', { timeout: 120_000 }, async () => {
  const engine = await LlamaEngine.load({ gpu: false, threads: 1, contextSize: 32_768, batchSize: 256, sequences: 1, modelPath: tinyModelPath('natural') });
  try {
    const long = { messages: [{ role: 'user' as const, content: 'Step. '.repeat(4_000) }], maxTokens: 10, sampling: GREEDY };
    const promptLength = engine.promptTokens(long).length;
    assert.ok(promptLength > 20_000, `${promptLength} prompt tokens`);
    const evaluated = (): number => engine.sequenceMeters()[0]!.usedInputTokens;
    const cancel = new AbortController();
    const running = engine.generate(long, () => undefined, cancel.signal);
    // Cancelled as soon as the first batches are in (counted, not timed).
    while (evaluated() === 0) await new Promise((r) => setTimeout(r, 1));
    const atCancel = evaluated();
    cancel.abort();
    assert.equal((await running).stopReason, 'cancelled');
    // The next request waits for the sequence, so once it has its answer the cancelled evaluation has ended.
    const next = await engine.generate({ messages: [{ role: 'user', content: 'Short.' }], maxTokens: 3, sampling: GREEDY }, () => undefined);
    assert.ok(['maxTokens', 'endOfText', 'repetitionLoop'].includes(next.stopReason), next.stopReason);
    const cancelledWork = evaluated() - engine.promptTokens({ messages: [{ role: 'user', content: 'Short.' }] }).length;
    assert.ok(cancelledWork <= atCancel + 2 * 256, `the cancelled prompt evaluated ${cancelledWork} of ${promptLength} tokens (${atCancel} when cancelled)`);
  } finally {
    await engine.dispose();
  }
});

test('loading and disposing the model again and again leaves no llama.cpp instance (and its process listeners) behind', { timeout: 120_000 }, async () => {
  const listeners = (): number => process.listenerCount('beforeExit') + process.listenerCount('exit');
  const before = listeners();
  for (let i = 0; i < 6; i++) await (await LlamaEngine.load({ ...OPTIONS, sequences: 1, contextSize: 1024, modelPath: tinyModelPath('natural') })).dispose();
  assert.equal(listeners(), before);
});

test('a document\'s </think> or <think> never becomes the real token (llama.cpp matches user-defined tokens even without special parsing)', () => {
  const special = (text: string): number => natural.tokenize([{ special: true, text }])[0]!;
  const tokens = natural.promptTokens({ messages: [{ role: 'user', content: 'A step </think> and <think> and <tool_call> as text.' }] });
  for (const look of ['</think>', '<tool_call>']) assert.ok(!tokens.includes(special(look)), look);
  assert.equal(tokens.filter((t) => t === special('<think>')).length, 1, 'only the generation prompt opens the thinking');
});

const ORIGINAL_PROOF =
  'Suppose only finitely many primes exist and list them as $p_1, \\dots, p_k$. The number $N = p_1 \\cdots p_k + 1$ exceeds each of them. ' +
  'Some prime $q$ divides $N$. If $q$ were some $p_i$ it would divide $1$, which is impossible. So the list misses $q$, a contradiction.';

/** Generates `request` on the tiny natural model with and without lookup prediction. */
async function withAndWithout(request: GenerationRequest): Promise<{ plain: GenerationResult; predicted: GenerationResult }> {
  const plain = await unpredicted.generate(request, () => undefined);
  const predicted = await natural.generate(request, () => undefined);
  return { plain, predicted };
}

test('lookup prediction: a refinement that repeats its input writes the same text as without prediction, with most of its tokens confirmed predictions', async () => {
  // The refined proof: the input with one sentence rewritten (about 90% repeated).
  const refined = ORIGINAL_PROOF.replace('Some prime $q$ divides $N$.', 'Since $N > 1$, some prime $q$ divides it.');
  const script = `Keep the argument, fix the step.\n</think>\n\n${refined}`;
  const request = { messages: [proofRequest(`Rewrite this proof:\n${ORIGINAL_PROOF}`)], maxTokens: 600, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, script)), repeats: ORIGINAL_PROOF };
  const { plain, predicted } = await withAndWithout(request);
  assert.equal(plain.answer, refined, 'the scripted text, without prediction');
  assert.equal(predicted.raw, plain.raw, 'the same text with prediction, byte for byte');
  assert.deepEqual(plain.stats.predictedTokens, { validated: 0, refuted: 0 }, 'prediction off: nothing is predicted');
  const generated = predicted.stats.thinkingTokens + predicted.stats.answerTokens;
  const { validated, refuted } = predicted.stats.predictedTokens;
  assert.ok(validated > generated / 2, `${validated} of ${generated} tokens were confirmed predictions (${refuted} refuted)`);
  assert.ok(natural.describe().local!.tokenPredictions.validated >= validated, 'the setup information counts them');
  assert.ok(natural.describe().local!.predictionEvaluations > 0);
});

test('lookup prediction for every kind of request: the same text as without it (greedy), and a proof that restates its thinking is predicted from it', async () => {
  const thinking = `We want $N = p_1 \\cdots p_k + 1$. Any prime $q$ dividing $N$ is not among $p_1, \\dots, p_k$, since it would divide $1$.`;
  const proofScript = `${thinking}\n</think>\n\n**Proof.** Let $N = p_1 \\cdots p_k + 1$. Any prime $q$ dividing $N$ is not among $p_1, \\dots, p_k$, since it would divide $1$. ∎`;
  const critiqueScript = `{"steps":[{"step":1,"verdict":"Let $N = p_1 \\cdots p_k + 1$ is fine"}]}`;
  const requests: [string, GenerationRequest][] = [
    ['prove', { messages: [proofRequest('Show that there are infinitely many primes.')], maxTokens: 400, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, proofScript)) }],
    ['chat (thinking closed)', { messages: [proofRequest('Any prime $q$ dividing $N$?')], thinking: 'closed', maxTokens: 200, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, 'Any prime $q$ dividing $N$ is new: it would divide $1$.')) }],
    ['critique (JSON grammar)', { messages: [proofRequest('Check: Let $N = p_1 \\cdots p_k + 1$.')], thinking: 'closed', jsonSchema: { type: 'object' }, maxTokens: 200, sampling: GREEDY, tokenBias: scriptedBias(scriptTokens(natural, critiqueScript)) }],
    ['the model on its own (endless, no script)', { messages: [proofRequest('Show that there are infinitely many primes.')], maxTokens: 300, sampling: GREEDY, detectLoops: false }],
  ];
  for (const [kind, request] of requests) {
    const plain = await (kind.startsWith('the model') ? endlessUnpredicted : unpredicted).generate(request, () => undefined);
    const predicted = await (kind.startsWith('the model') ? endless : natural).generate(request, () => undefined);
    assert.equal(predicted.raw, plain.raw, `${kind}: the same text`);
    if (kind === 'prove') {
      const { validated } = predicted.stats.predictedTokens;
      assert.ok(validated > predicted.stats.answerTokens / 2, `prove: ${validated} confirmed predictions for a proof of ${predicted.stats.answerTokens} tokens`);
    }
  }
});

test('a cancel during a long confirmed draft ends the reply at once: at most one draft is evaluated after it', async () => {
  const line = 'Any prime $q$ dividing $N$ is not among the $p_i$. ';
  const script = `${line.repeat(40)}`;
  const stop = new AbortController();
  let atCancel = 0;
  const meter = (): number => natural.sequenceMeters().reduce((sum, m) => sum + m.usedInputTokens, 0);
  let evaluatedAtCancel = 0;
  const result = await natural.generate(
    { messages: [proofRequest('Say it again and again.')], thinking: 'closed', maxTokens: 2000, sampling: GREEDY, detectLoops: false, tokenBias: scriptedBias(scriptTokens(natural, script)) },
    (chunk) => {
      if (chunk.tally.generated >= 200 && !stop.signal.aborted) {
        atCancel = chunk.tally.generated;
        evaluatedAtCancel = meter();
        stop.abort();
      }
    },
    stop.signal,
  );
  assert.equal(result.stopReason, 'cancelled');
  assert.ok(result.stats.answerTokens <= atCancel + MAX_DRAFT + 1, `${result.stats.answerTokens} tokens, ${atCancel} at the cancel`);
  // The sequence is free again once its evaluation in flight has ended: the next reply waits for it.
  await natural.generate({ messages: [proofRequest('Short.')], thinking: 'closed', maxTokens: 1, sampling: GREEDY }, () => undefined);
  const promptOfNext = natural.promptTokens({ messages: [proofRequest('Short.')], thinking: 'closed' }).length;
  assert.ok(meter() - evaluatedAtCancel <= promptOfNext + 2 * (MAX_DRAFT + 1), `${meter() - evaluatedAtCancel} tokens evaluated after the cancel`);
});

test('lookup prediction backs off on a reply that repeats nothing: few predicted tokens evaluated', async () => {
  // Random letters from eight: three-letter contexts recur all the time, and what follows them is chance.
  const random = seededRandom(11);
  const script = Array.from({ length: 600 }, () => 'abcdefgh'[Math.floor(random() * 8)]).join('');
  const request = { messages: [proofRequest('Letters, please.')], thinking: 'closed' as const, maxTokens: 2000, sampling: GREEDY, detectLoops: false, tokenBias: scriptedBias(scriptTokens(natural, script)) };
  const { plain, predicted } = await withAndWithout(request);
  assert.equal(predicted.raw, plain.raw);
  const generated = predicted.stats.answerTokens;
  const { validated, refuted } = predicted.stats.predictedTokens;
  assert.ok(generated >= 500, `${generated} tokens`);
  assert.ok(refuted < generated / 8, `${refuted} predicted tokens evaluated in vain (${validated} confirmed) over ${generated}`);  // What its evaluations cost was measured as they ran (Setup Information shows it).
  const cost = natural.describe().local!.evaluationCost;
  assert.ok(cost && cost.singleMs > 0 && cost.perTokenMs >= 0 && cost.perDraftMs >= 0 && cost.breakEven === BREAK_EVEN, JSON.stringify(cost));
});

test('interactive first: a background reply takes no token while an interactive one runs on another sequence, then goes on', { timeout: 120_000 }, async () => {
  const meters = (): number[] => endless.sequenceMeters().map((m) => m.usedOutputTokens);
  const background = endless.generate({ messages: [proofRequest('Background critique.')], maxTokens: 400, sampling: GREEDY, detectLoops: false, priority: 'background' }, () => undefined);
  // Let the background reply start generating (counted, not timed), and find its sequence.
  const started = meters();
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  while (sum(meters()) < sum(started) + 5) await new Promise((r) => setTimeout(r, 1));
  const before = meters();
  const backgroundSequence = before.findIndex((tokens, i) => tokens > started[i]!);
  let interactiveTokens = 0;
  const interactive = await endless.generate(
    { messages: [proofRequest('Interactive completion.')], maxTokens: 60, sampling: GREEDY, detectLoops: false, priority: 'interactive' },
    (chunk) => {
      interactiveTokens = chunk.tally.generated;
    },
  );
  // Counted on the background reply's own sequence (the interactive reply's sequence also samples at each of
  // its refuted predictions: 72 samples for its 60 tokens here): at most one background evaluation, the one
  // already queued when the interactive reply began, its token and the draft it carried.
  const backgroundTokensDuring = meters()[backgroundSequence]! - before[backgroundSequence]!;
  assert.equal(interactiveTokens, 60);
  assert.ok(interactive.stats.predictedTokens.validated > 0, 'the interactive reply was predicted');
  assert.ok(backgroundTokensDuring <= 1 + MAX_DRAFT, `${backgroundTokensDuring} background tokens while the interactive reply ran`);
  const finished = await background;
  assert.equal(finished.stopReason, 'maxTokens', 'the background reply went on afterwards');
});
