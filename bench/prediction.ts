/**
 * Speed where the model repeats its input, and interactive work first (engine, generated models):
 *  - prompt-lookup decoding: a whole-proof refinement whose answer repeats about 90% of the proof it
 *    rewrites, tokens/s with `repeats` against without, the same scripted text on both sides (target:
 *    >= 1.5x on the wide model, byte-identical output); the same on the tiny model;
 *  - a reply that repeats nothing (chat): tokens/s on sequences that carry the predictor against sequences
 *    without one (target: at most 3% slower);
 *  - interactive first: a completion's latency while a background critique generates on another sequence
 *    against the same completion on an idle engine (target: within 1.3x); and with one sequence, where the
 *    completion pre-empts the critique.
 * Every figure: alternating rounds, median of per-round ratios (sideBySide.ts).
 */
import { LlamaEngine, type LlamaEngineOptions } from '../server/src/engine/llamaEngine';
import { scriptedBias } from '../server/src/engine/scriptedOutput';
import type { GenerationRequest, GenerationResult } from '../server/src/engine/types';
import { refinementRequest } from '../server/src/prompts/deepPrompts';
import { proofRequest } from '../server/src/prompts/proofPrompt';
import { scratchFile, tinyModelPath } from '../test/support/models';
import { wideModelBytes } from '../test/support/wideModel';
import { roundsNote, sideBySide } from './sideBySide';

const ROUNDS = 5;
/** The chat figure's target is a few percent: more rounds, so that it is not noise. */
const CHAT_ROUNDS = 9;

const PROOF = [
  'Suppose for contradiction that only finitely many primes exist, and list them as $p_1, \\dots, p_k$.',
  'Consider the number $N = p_1 p_2 \\cdots p_k + 1$, which is larger than every prime in the list.',
  'Since $N > 1$, it has at least one prime divisor; call it $q$.',
  'If $q$ were one of the $p_i$, then $q$ would divide both $N$ and the product, hence their difference $1$.',
  'No prime divides $1$, so $q$ is a prime missing from our list.',
  'This contradicts the assumption that the list was complete, so there are infinitely many primes.',
  'The argument also bounds the next prime: it is at most $p_1 \\cdots p_k + 1$.',
  'By induction on $k$ one obtains $p_k \\le 2^{2^{k}}$ for every $k \\ge 1$.',
].join(' ');
/** The refined proof: two sentences rewritten, the rest as it was (about 90% of the text repeated). */
const REFINED = PROOF.replace('call it $q$.', 'let $q$ be any prime dividing $N$.').replace('for every $k \\ge 1$.', 'for all $k \\ge 1$, as claimed.');
const CHAT_REPLY =
  'A good first step is to ask what a finite list of primes would let you build. Multiply them all and add one: which primes can divide that number? ' +
  'Try it with the first three primes before you write anything general, and look at the remainder each one leaves.';

interface Side {
  engine: LlamaEngine;
  request: GenerationRequest;
}

/** Tokens/s of one scripted generation (after the first token), and its text. */
async function rate({ engine, request }: Side): Promise<{ rate: number; result: GenerationResult }> {
  const result = await engine.generate(request, () => undefined);
  return { rate: result.stats.tokensPerSecond, result };
}

async function refinement(label: string, options: LlamaEngineOptions): Promise<void> {
  const engine = await LlamaEngine.load(options);
  const script = engine.tokenize([{ special: true, text: `I keep the argument and make the two steps precise.\n</think>\n\n${REFINED}` }]);
  const request: GenerationRequest = {
    messages: [refinementRequest('Show that there are infinitely many primes.', PROOF, ['Step 3 names no prime; the last step states a bound without proof.'])],
    // The generated models never end a reply: it ends with the script.
    maxTokens: script.length,
    sampling: { temperature: 0 },
    tokenBias: scriptedBias(script),
  };
  const texts = new Set<string>();
  const predictions = { validated: 0, refuted: 0 };
  let generated = 0;
  const measured = await sideBySide(
    ROUNDS,
    async () => {
      const { rate: r, result } = await rate({ engine, request: { ...request, repeats: PROOF } });
      texts.add(result.raw);
      predictions.validated += result.stats.predictedTokens.validated;
      predictions.refuted += result.stats.predictedTokens.refuted;
      generated = result.stats.thinkingTokens + result.stats.answerTokens;
      return r;
    },
    async () => {
      const { rate: r, result } = await rate({ engine, request });
      texts.add(result.raw);
      return r;
    },
  );
  await engine.dispose();
  const identical = texts.size === 1 && [...texts][0]!.trimEnd().endsWith(REFINED);
  const confirmed = Math.round((100 * predictions.validated) / Math.max(1, predictions.validated + predictions.refuted));
  console.log(
    `  refinement repeating ~90% of its proof, ${label}: ${measured.a.toFixed(1)} tok/s with prediction vs ${measured.b.toFixed(1)} without = ${measured.ratio.toFixed(2)}x ` +
      `(${roundsNote(measured)}; ${generated} tokens; ${identical ? 'byte-identical output' : 'OUTPUT DIFFERS'}; ${confirmed}% of predictions confirmed)`,
  );
  if (label.startsWith('wide')) console.log(`    target >= 1.5x on the wide model: ${measured.ratio >= 1.5 && identical ? 'met' : 'MISSED'}`);
}

async function chatReply(label: string, options: LlamaEngineOptions): Promise<void> {
  const withPredictor = await LlamaEngine.load(options);
  const without = await LlamaEngine.load({ ...options, tokenPrediction: false });
  const request = (engine: LlamaEngine): GenerationRequest => {
    const script = engine.tokenize([{ special: false, text: CHAT_REPLY }]);
    return { messages: [proofRequest('Give me a hint for: there are infinitely many primes.')], maxTokens: script.length, thinking: 'closed', sampling: { temperature: 0 }, tokenBias: scriptedBias(script) };
  };
  const measured = await sideBySide(CHAT_ROUNDS, async () => (await rate({ engine: withPredictor, request: request(withPredictor) })).rate, async () => (await rate({ engine: without, request: request(without) })).rate);
  await withPredictor.dispose();
  await without.dispose();
  console.log(
    `  a reply that repeats nothing (chat), ${label}: ${measured.a.toFixed(1)} tok/s on sequences with the predictor vs ${measured.b.toFixed(1)} without = ${measured.ratio.toFixed(3)} ` +
      `(${roundsNote(measured)}; target at most 3% slower: ${measured.ratio >= 0.97 ? 'met' : 'MISSED'})`,
  );
}

/** A completion's latency (ms) with a background critique generating beside it, against idle. */
async function interactiveFirst(label: string, options: LlamaEngineOptions): Promise<void> {
  const engine = await LlamaEngine.load(options);
  const suggestion = ' then $a_{n+1} \\le a_n + n + 1 \\le n(n+1)/2 + n + 1$, which is the bound for $n + 1$.';
  const completion: GenerationRequest = {
    messages: [proofRequest('Let $a_0 = 0$ and $a_{n+1} \\le a_n + n + 1$. Show $a_n \\le n(n+1)/2$.')],
    thinking: 'closed',
    maxTokens: 48,
    sampling: { temperature: 0 },
    tokenBias: scriptedBias(engine.tokenize([{ special: false, text: suggestion }])),
    priority: 'interactive',
  };
  const latency = async (): Promise<number> => {
    const started = performance.now();
    await engine.generate(completion, () => undefined);
    return performance.now() - started;
  };
  await latency(); // the completion's prompt goes into the cache, as the user's typing does
  const whileCritiquing = async (): Promise<number> => {
    const stop = new AbortController();
    let tokens = 0;
    const critique = engine.generate(
      { messages: [proofRequest('Critique this proof of a long statement.')], maxTokens: 100_000, sampling: { temperature: 0.8, seed: 3 }, detectLoops: false, priority: 'background' },
      (chunk) => {
        tokens = chunk.tally.generated;
      },
      stop.signal,
    );
    while (tokens < 8) await new Promise((r) => setTimeout(r, 1)); // it is generating
    const ms = await latency();
    stop.abort();
    await critique;
    return ms;
  };
  const measured = await sideBySide(ROUNDS, whileCritiquing, latency);
  await engine.dispose();
  console.log(
    `  completion latency, ${label}: ${measured.a.toFixed(0)} ms while a background critique generates vs ${measured.b.toFixed(0)} ms idle = ${measured.ratio.toFixed(2)}x ` +
      `(${roundsNote(measured)}; target within 1.3x: ${measured.ratio <= 1.3 ? 'met' : 'MISSED'})`,
  );
}

export async function benchPrediction(): Promise<void> {
  console.log('Prediction and priorities (generated models; scripted text at temperature 0)');
  const tiny: LlamaEngineOptions = { modelPath: tinyModelPath('endless'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 1 };
  const wide: LlamaEngineOptions = { ...tiny, modelPath: scratchFile('wide-q8.gguf', wideModelBytes()), contextSize: 4096, threads: 2 };
  await refinement('wide model (QED-Nano layer sizes, Q8_0, 2 threads)', wide);
  await refinement('tiny model (1 thread; bound by per-token overhead, where a second token per evaluation buys little)', tiny);
  await chatReply('wide model', wide);
  await chatReply('tiny model', tiny);
  await interactiveFirst('2 sequences, tiny model (the critique waits between its tokens)', { ...tiny, sequences: 2 });
  await interactiveFirst('2 sequences, wide model', { ...wide, sequences: 2 });
  await interactiveFirst('1 sequence (the default), tiny model (the completion pre-empts the critique)', tiny);
}
