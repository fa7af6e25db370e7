/**
 * Speed where the model repeats itself, and interactive work first (engine, generated models):
 *  - lookup decoding (lookupPredictor.ts), each figure an engine with prediction against one without
 *    (qedNano.prediction off), the same scripted text on both sides: a refinement repeating ~90% of the
 *    proof it rewrites (target >= 2.5x on the wide model), and beside it the same reply with itself as the
 *    text it rewrites (nothing new in it: its ceiling on this machine); (a) a Prove reply whose proof restates its
 *    thinking (targets: >= 2.5x after </think>, >= 1.2x whole); (b) a critique quoting the steps (>= 1.5x);
 *    (c) a chat reply that repeats nothing (at most 3% slower). Printed with each: the acceptance and the
 *    tokens gained per evaluation that predicted;
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
import { BENCH_GPU } from './hardware';
import { median, roundsNote, sideBySide } from './sideBySide';

/** Rounds per figure (QED_NANO_BENCH_ROUNDS overrides: a short run on a shared machine); the chat figure,
 * whose target is a few percent, gets four more. */
const ROUNDS = Number(process.env.QED_NANO_BENCH_ROUNDS) || 5;

/** Euclid's proof, a sentence each (bench/draft.ts writes its first four too). */
export const PROOF_SENTENCES = [
  'Suppose for contradiction that only finitely many primes exist, and list them as $p_1, \\dots, p_k$.',
  'Consider the number $N = p_1 p_2 \\cdots p_k + 1$, which is larger than every prime in the list.',
  'Since $N > 1$, it has at least one prime divisor; call it $q$.',
  'If $q$ were one of the $p_i$, then $q$ would divide both $N$ and the product, hence their difference $1$.',
  'No prime divides $1$, so $q$ is a prime missing from our list.',
  'This contradicts the assumption that the list was complete, so there are infinitely many primes.',
  'The argument also bounds the next prime: it is at most $p_1 \\cdots p_k + 1$.',
  'By induction on $k$ one obtains $p_k \\le 2^{2^{k}}$ for every $k \\ge 1$.',
];
const PROOF = PROOF_SENTENCES.join(' ');
/** The refined proof: two sentences rewritten, the rest as it was (about 90% of the text repeated). */
const REFINED = PROOF.replace('call it $q$.', 'let $q$ be any prime dividing $N$.').replace('for every $k \\ge 1$.', 'for all $k \\ge 1$, as claimed.');
const CHAT_REPLY =
  'A good first step is to ask what a finite list of primes would let you build. Multiply them all and add one: which primes can divide that number? ' +
  'Try it with the first three primes before you write anything general, and look at the remainder each one leaves.';

/** A thinking part that works the problem out, then a proof that reuses its formulas and sentences (as a
 * reasoning model's proof after `</think>` restates its thinking). */
const THINKING = [
  'We need infinitely many primes. Suppose not: list them as $p_1, \\dots, p_k$.',
  'Natural candidate: $N = p_1 p_2 \\cdots p_k + 1$. Is $N$ prime? Not necessarily, e.g. $2 \\cdot 3 \\cdot 5 \\cdot 7 \\cdot 11 \\cdot 13 + 1 = 30031 = 59 \\cdot 509$.',
  'But any prime $q$ dividing $N$ works: since $N > 1$, such a prime $q$ exists.',
  'If $q = p_i$ for some $i$, then $q$ divides $p_1 p_2 \\cdots p_k$ and $N$, so $q$ divides their difference, which is $1$. Impossible.',
  'So $q$ is a prime not in the list, contradicting that $p_1, \\dots, p_k$ are all the primes.',
  'Wait, check $k \\ge 1$: the list is not empty because $2$ is prime. Fine.',
  'Also the bound: the next prime is at most $p_1 p_2 \\cdots p_k + 1$, and by induction $p_k \\le 2^{2^{k}}$.',
].join(' ');
const PROOF_AFTER_THINKING = [
  '**Proof.** Suppose not: list them as $p_1, \\dots, p_k$ (the list is not empty because $2$ is prime).',
  'Let $N = p_1 p_2 \\cdots p_k + 1$. Since $N > 1$, such a prime $q$ exists: take any prime $q$ dividing $N$.',
  'If $q = p_i$ for some $i$, then $q$ divides $p_1 p_2 \\cdots p_k$ and $N$, so $q$ divides their difference, which is $1$. Impossible.',
  'So $q$ is a prime not in the list, contradicting that $p_1, \\dots, p_k$ are all the primes. ∎',
].join(' ');
/** A critique that quotes the steps it judges. */
const CRITIQUE = [
  'Step 1: "Suppose for contradiction that only finitely many primes exist, and list them as $p_1, \\dots, p_k$." Correct.',
  'Step 2: "Consider the number $N = p_1 p_2 \\cdots p_k + 1$, which is larger than every prime in the list." Correct.',
  'Step 3: "Since $N > 1$, it has at least one prime divisor; call it $q$." Correct, though the existence of a prime divisor deserves a word.',
  'Step 4: "If $q$ were one of the $p_i$, then $q$ would divide both $N$ and the product, hence their difference $1$." Correct.',
  'Step 8: "By induction on $k$ one obtains $p_k \\le 2^{2^{k}}$ for every $k \\ge 1$." This step is stated without proof: the induction is not carried out.',
].join('\n');

/** The share of the proof's token 4-grams that occur in the thinking (how much the proof restates it). */
function restated(engine: LlamaEngine, thinking: string, proof: string): number {
  const grams = (text: string): string[] => {
    const t = engine.tokenize([{ special: false, text }]);
    return t.slice(3).map((_, i) => t.slice(i, i + 4).join(','));
  };
  const seen = new Set(grams(thinking));
  const mine = grams(proof);
  return mine.filter((g) => seen.has(g)).length / mine.length;
}

interface Measure {
  /** Tokens/s over the whole reply, and over its answer only (after </think>). */
  whole: number;
  answer: number;
}

function measure(result: GenerationResult): Measure {
  const { answerTokens, ms, thinkingMs, tokensPerSecond } = result.stats;
  return { whole: tokensPerSecond, answer: answerTokens / Math.max(1e-3, (ms - thinkingMs) / 1000) };
}

/**
 * One scripted reply generated on an engine with lookup prediction and on one without (qedNano.prediction
 * off), alternating rounds: tokens/s (whole, and the answer phase), identical text, acceptance and the mean
 * tokens gained per evaluation that predicted.
 */
async function compare(label: string, withPrediction: LlamaEngine, without: LlamaEngine, script: string, request: Omit<GenerationRequest, 'maxTokens' | 'tokenBias'>, rounds: number, targets: { whole?: number; answer?: number; atLeast?: number }): Promise<void> {
  const side = (engine: LlamaEngine): GenerationRequest => {
    const tokens = engine.tokenize([{ special: true, text: script }]);
    // The generated models never end a reply: it ends with the script.
    return { ...request, maxTokens: tokens.length, sampling: { temperature: 0 }, tokenBias: scriptedBias(tokens), detectLoops: false };
  };
  const texts = new Set<string>();
  const before = withPrediction.describe().local!;
  const answers: Measure[] = [];
  const plain: Measure[] = [];
  let generated = 0;
  const whole = await sideBySide(
    rounds,
    async () => {
      const result = await withPrediction.generate(side(withPrediction), () => undefined);
      texts.add(result.raw);
      answers.push(measure(result));
      generated += result.stats.thinkingTokens + result.stats.answerTokens;
      return result.stats.tokensPerSecond;
    },
    async () => {
      const result = await without.generate(side(without), () => undefined);
      texts.add(result.raw);
      plain.push(measure(result));
      return result.stats.tokensPerSecond;
    },
  );
  const after = withPrediction.describe().local!;
  const validated = after.tokenPredictions.validated - before.tokenPredictions.validated;
  const refuted = after.tokenPredictions.refuted - before.tokenPredictions.refuted;
  const evaluations = after.predictionEvaluations - before.predictionEvaluations;
  // Evaluations (forward passes) with prediction: each token not confirmed from a prediction took one.
  // Without, every token does. Load on the machine does not move this figure; the time ratio it bounds.
  const passes = `${generated - validated} forward passes with prediction for ${generated} without (${(generated / Math.max(1, generated - validated)).toFixed(2)}x fewer)`;
  const answerRatio = median(answers.map((m, i) => m.answer / plain[i]!.answer));
  const identical = texts.size === 1;
  const verdicts: string[] = [];
  if (targets.whole !== undefined) verdicts.push(`whole >= ${targets.whole}x: ${whole.ratio >= targets.whole && identical ? 'met' : 'MISSED'}`);
  if (targets.answer !== undefined) verdicts.push(`after </think> >= ${targets.answer}x: ${answerRatio >= targets.answer && identical ? 'met' : 'MISSED'}`);
  if (targets.atLeast !== undefined) verdicts.push(`at most ${Math.round((1 - targets.atLeast) * 100)}% slower: ${whole.ratio >= targets.atLeast && identical ? 'met' : 'MISSED'}`);
  console.log(
    `  ${label}: ${whole.a.toFixed(1)} tok/s with prediction vs ${whole.b.toFixed(1)} without = ${whole.ratio.toFixed(2)}x whole, ${answerRatio.toFixed(2)}x after </think> ` +
      `(${roundsNote(whole)}; ${identical ? 'identical text' : 'TEXT DIFFERS'}; ${Math.round((100 * validated) / Math.max(1, validated + refuted))}% of predicted tokens confirmed, ` +
      `${(validated / Math.max(1, evaluations)).toFixed(1)} gained per evaluation that predicted; ${passes})`,
  );
  const cost = after.evaluationCost;
  const share = cost
    ? `; measured: ${cost.singleMs.toFixed(2)} ms an evaluation, ${cost.perDraftMs.toFixed(2)} ms more for a draft and ${cost.perTokenMs.toFixed(2)} ms per predicted token in it, break-even ${Math.round(100 * cost.breakEven)}% confirmed`
    : '';
  console.log(`    targets: ${verdicts.length > 0 ? verdicts.join('; ') : 'none (a bound for the line above)'}${share}`);
}

export async function replies(label: string, options: LlamaEngineOptions, rounds: number): Promise<void> {
  const withPrediction = await LlamaEngine.load(options);
  const without = await LlamaEngine.load({ ...options, tokenPrediction: false });
  console.log(`  ${label}; the prove reply's proof: ${Math.round(100 * restated(withPrediction, THINKING, PROOF_AFTER_THINKING))}% of its token 4-grams occur in its thinking`);
  const problem = 'Show that there are infinitely many primes.';
  const refinement = `I keep the argument and make the two steps precise.\n</think>\n\n${REFINED}`;
  const refinementMessages = [refinementRequest(problem, PROOF, ['Step 3 names no prime; the last step states a bound without proof.'])];
  await compare('refinement repeating ~90% of its proof (repeats)', withPrediction, without, refinement, { messages: refinementMessages, repeats: PROOF }, rounds, { whole: 2.5 });
  // The same reply with itself as the text it rewrites: every token predictable, so what prediction can give
  // at this context length on this machine whatever the predictor; the refinement's new sentences (about a
  // fifth of its tokens) each take a whole evaluation below it.
  await compare("refinement's ceiling: the reply itself as the text it rewrites", withPrediction, without, refinement, { messages: refinementMessages, repeats: refinement }, rounds, {});
  await compare('(a) prove: a proof that restates its thinking', withPrediction, without, `${THINKING}\n</think>\n\n${PROOF_AFTER_THINKING}`, { messages: [proofRequest(problem)] }, rounds, { whole: 1.2, answer: 2.5 });
  await compare('(b) critique quoting the steps', withPrediction, without, CRITIQUE, { messages: [proofRequest(`Critique this proof step by step:\n${PROOF}`)], thinking: 'closed' }, rounds, { whole: 1.5 });
  await compare('(c) chat reply that repeats nothing', withPrediction, without, CHAT_REPLY, { messages: [proofRequest('Give me a hint for: there are infinitely many primes.')], thinking: 'closed' }, rounds + 4, { atLeast: 0.97 });
  await withPrediction.dispose();
  await without.dispose();
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
  /** Prompt tokens the completion evaluated (its prompt is cached but where another reply took its sequence). */
  let evaluatedPrompt = 0;
  const latency = async (): Promise<number> => {
    const started = performance.now();
    const result = await engine.generate(completion, () => undefined);
    evaluatedPrompt = result.stats.evaluatedPromptTokens;
    return performance.now() - started;
  };
  await latency(); // the completion's prompt goes into the cache, as the user's typing does
  /** Prompt tokens evaluated by the completions while a critique generates (work, not time). */
  let reevaluated = 0;
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
    reevaluated += evaluatedPrompt;
    stop.abort();
    await critique;
    // The cancelled critique lets go of its sequence within a token: the next round starts from there
    // (else a critique started at once finds only the completion's sequence free).
    await engine.settled();
    return ms;
  };
  const measured = await sideBySide(ROUNDS, whileCritiquing, latency);
  await engine.dispose();
  console.log(
    `  completion latency, ${label}: ${measured.a.toFixed(0)} ms while a background critique generates vs ${measured.b.toFixed(0)} ms idle = ${measured.ratio.toFixed(2)}x ` +
      `(${roundsNote(measured)}; target within 1.3x: ${measured.ratio <= 1.3 ? 'met' : 'MISSED'}; ` +
      `${reevaluated} prompt tokens evaluated by the ${measured.rounds} completions beside the critique, ${measured.rounds} would be none re-evaluated)`,
  );
}

export async function benchPrediction(): Promise<void> {
  console.log('Prediction and priorities (generated models; scripted text at temperature 0)');
  const tiny: LlamaEngineOptions = { modelPath: tinyModelPath('endless'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 1 };
  const wide: LlamaEngineOptions = { ...tiny, modelPath: scratchFile('wide-q8.gguf', wideModelBytes()), contextSize: 4096, threads: 2, gpu: BENCH_GPU };
  await replies(`wide model (QED-Nano layer sizes, Q8_0, 2 threads${BENCH_GPU ? ', on the GPU if found' : ''})`, wide, ROUNDS);
  await replies('tiny model (1 thread; bound by per-token overhead)', tiny, ROUNDS);
  await interactiveFirst('2 sequences, tiny model (the critique waits between its tokens)', { ...tiny, sequences: 2 });
  await interactiveFirst('2 sequences, wide model', { ...wide, sequences: 2 });
  await interactiveFirst('1 sequence (the default), tiny model (the completion pre-empts the critique)', tiny);
}
