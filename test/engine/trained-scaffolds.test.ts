// Deep mode and the reasoning cache through the real node-llama-cpp with the tiny model, each reply
// scripted: the prompts each phase sends are recorded and must be the trained ones (prompts/trained.ts,
// themselves checked against the source's texts in test/unit/trained-prompts.test.ts), in the order the
// source's algorithms send them, with summaries fed forward and self-evaluations stripped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlamaEngine } from '../../server/src/engine/llamaEngine';
import type { GenerationProgress } from '../../server/src/protocol';
import { generationRequest, refinementRequest, verificationRequest } from '../../server/src/prompts/deepPrompts';
import { reasoningCacheSolveRequest, reasoningCacheSummaryRequest } from '../../server/src/prompts/proofPrompt';
import { RC_NO_PREVIOUS_SUMMARY } from '../../server/src/prompts/trained';
import { DeepRun } from '../../server/src/tasks/deepProof';
import type { Generate } from '../../server/src/tasks/generate';
import { runReasoningCache } from '../../server/src/tasks/reasoningCache';
import { scriptedBias, scriptTokens } from '../support/script';
import { tinyModelPath } from '../support/models';

let engine: LlamaEngine;
before(async () => {
  engine = await LlamaEngine.load({ modelPath: tinyModelPath('natural'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 4 });
});
after(() => engine.dispose());

const PROBLEM = 'Prove that $n^2 \\ge n$ for every positive integer $n$.';
const BUDGETS = { maxTokens: 400, thinkingBudget: 300, contextSize: 4096 };

/** A generate that answers the calls, in the order they are made, with `scripts`, and records each prompt. */
function scripted(scripts: readonly string[]): { generate: Generate; prompts: string[] } {
  const prompts: string[] = [];
  const generate: Generate = (request, onChunk, signal) => {
    const script = scripts[prompts.length];
    assert.ok(script !== undefined, `call ${prompts.length + 1} has no script: ${request.messages.at(-1)?.content.slice(0, 80)}`);
    prompts.push(request.messages.map((m) => m.content).join('\n<turn>\n'));
    return engine.generate({ ...request, sampling: { temperature: 0 }, tokenBias: scriptedBias(scriptTokens(engine, script)) }, onChunk, signal);
  };
  return { generate, prompts };
}

const candidate = (proof: string): string => `Plan.\n</think>\n\n## Solution\n${proof}\n\n## Self Evaluation\nHere is my evaluation of the solution: it is correct. \\boxed{1}`;
const review = (score: string, note: string): string => `Checking.\n</think>\n\nHere is my evaluation of the solution: ${note}\n\nBased on my evaluation, the final overall score should be:\n\\boxed{${score}}`;
const answerOf = (script: string): string => script.slice(script.indexOf('</think>') + '</think>'.length).trim();

test("deep mode sends the scaffold's prompts in its order: pool, verifications of the extracted proofs, refinements from the two weakest reviews", async () => {
  const scripts = [
    candidate('First try.'), candidate('Second try.'),
    review('0', 'First: fatal error.'), review('0', 'First: no.'), review('0.5', 'First: barely.'),
    review('0.5', 'Second: a gap in step 2.'), review('0', 'Second: step 3 is wrong.'), review('1', 'Second: fine.'),
    candidate('Second try, fixed.'), candidate('First try, fixed.'),
    review('1', 'Fixed second is right.'), review('1', 'Fixed second is complete.'), review('1', 'Fixed second: yes.'),
    review('0', 'Fixed first: still wrong.'), review('0', 'Fixed first: no.'), review('0', 'Fixed first: no again.'),
  ];
  const { generate, prompts } = scripted(scripts);
  const phases: string[] = [];
  const run = new DeepRun(PROBLEM, generate, { poolSize: 2, verifications: 3, rounds: 2, tokenBudget: 1_000_000 }, BUDGETS, (p) => p.kind === 'phase' && phases.push(p.text), new AbortController().signal);
  const outcome = await run.run();

  const generation = generationRequest(PROBLEM).content;
  const verify = (proof: string): string => verificationRequest(PROBLEM, proof).content;
  const reviewText = (i: number): string => answerOf(scripts[i]!);
  assert.deepEqual(prompts, [
    generation, generation,
    verify('First try.'), verify('First try.'), verify('First try.'),
    verify('Second try.'), verify('Second try.'), verify('Second try.'),
    // The better proof first (mean 0.5 against 1/6), each with its two lowest-scoring reviews, lowest first.
    refinementRequest(PROBLEM, 'Second try.', [reviewText(6), reviewText(5)]).content,
    refinementRequest(PROBLEM, 'First try.', [reviewText(2), reviewText(3)]).content,
    verify('Second try, fixed.'), verify('Second try, fixed.'), verify('Second try, fixed.'),
    verify('First try, fixed.'), verify('First try, fixed.'), verify('First try, fixed.'),
  ]);
  assert.ok(!prompts.slice(2).some((p) => p.includes('## Self Evaluation\nHere is my evaluation of the solution: it is correct')), 'no self-evaluation is verified or refined');
  assert.equal(outcome.best?.proof, 'Second try, fixed.');
  assert.equal(outcome.report.stoppedBecause, 'perfectScore', 'a mean of 1 stops before the second refinement round');
  assert.deepEqual(phases, ['Round 1: writing 2 candidate proofs', 'Round 1: verifying 2 proofs, 3 times each', 'Round 2: refining the best 2 proofs from their weakest reviews', 'Round 2: verifying 2 proofs, 3 times each']);
});

const attempt = (thinking: string, proof?: string): string => (proof === undefined ? thinking : `${thinking}\n</think>\n\n${proof}`);
const summaryReply = (text: string): string => `Summarising.\n</think>\n\n${text}`;

test('the reasoning cache solves, summarises the thinking with the summary so far, and solves again from it, as evaluated', async () => {
  const scripts = [
    attempt('Try induction on n.', 'Attempt one: by induction.'),
    summaryReply('I tried induction and proved the base case.'),
    attempt('Continue from the summary: the step.', 'Attempt two: $n^2 - n = n(n-1) \\ge 0$.'),
    summaryReply('I tried induction, then factored $n^2-n$.'),
    attempt('Check once more.', '**Proof.** $n^2 - n = n(n-1) \\ge 0$ since $n \\ge 1$. ∎'),
  ];
  const { generate, prompts } = scripted(scripts);
  const progress: GenerationProgress[] = [];
  const outcome = await runReasoningCache({ problem: PROBLEM, attempts: 3 }, generate, BUDGETS, (p) => progress.push(p), () => {}, new AbortController().signal);
  const [s1, s2] = ['I tried induction and proved the base case.', 'I tried induction, then factored $n^2-n$.'];
  assert.deepEqual(prompts, [
    reasoningCacheSolveRequest(PROBLEM, RC_NO_PREVIOUS_SUMMARY).content,
    reasoningCacheSummaryRequest(PROBLEM, RC_NO_PREVIOUS_SUMMARY, 'Try induction on n.').content,
    reasoningCacheSolveRequest(PROBLEM, s1).content,
    reasoningCacheSummaryRequest(PROBLEM, s1, 'Continue from the summary: the step.').content,
    reasoningCacheSolveRequest(PROBLEM, s2).content,
  ]);
  assert.deepEqual(progress.map((p) => (p.kind === 'phase' ? p.text : p.kind === 'summary' ? `summary: ${p.text}` : p.kind === 'attempt' ? `attempt ${p.attempt}/${p.of} [${p.proofSoFar}]` : p.kind)), [
    'attempt 1/3 []', 'Attempt 1 of 3: solving', 'Summarising attempt 1', `summary: ${s1}`,
    'attempt 2/3 [Attempt one: by induction.]', 'Attempt 2 of 3: solving from the summary', 'Summarising attempt 2', `summary: ${s2}`,
    'attempt 3/3 [Attempt two: $n^2 - n = n(n-1) \\ge 0$.]', 'Attempt 3 of 3: solving from the summary',
  ]);
  assert.equal(outcome.proof, '**Proof.** $n^2 - n = n(n-1) \\ge 0$ since $n \\ge 1$. ∎');
  assert.equal(outcome.proofAttempt, 3);
  assert.deepEqual(outcome.summaries, [s1, s2]);
  assert.equal(outcome.summary, s2, 'what a Continue of the last attempt summarises with');
});

test('Continue is one step of the cycle: the thinking summarised with the summary it came from, then one attempt', async () => {
  const scripts = [summaryReply('I now also checked $n=2$.'), attempt('From the summary.', 'Done: $n(n-1) \\ge 0$.')];
  const { generate, prompts } = scripted(scripts);
  const outcome = await runReasoningCache({ problem: PROBLEM, attempts: 1, from: { thinking: 'Ran out while checking n=2.', summary: 'Earlier summary.' } }, generate, BUDGETS, () => {}, () => {}, new AbortController().signal);
  assert.deepEqual(prompts, [
    reasoningCacheSummaryRequest(PROBLEM, 'Earlier summary.', 'Ran out while checking n=2.').content,
    reasoningCacheSolveRequest(PROBLEM, 'I now also checked $n=2$.').content,
  ]);
  assert.equal(outcome.proof, 'Done: $n(n-1) \\ge 0$.');
});

test("an attempt that runs out of thinking keeps an earlier attempt's proof, and Stop keeps the last proof so far", async () => {
  const ranOut = scripted([attempt('Short.', 'The first proof.'), summaryReply('Summary.'), attempt('A long thought that never ends '.repeat(40))]);
  const outcome = await runReasoningCache({ problem: PROBLEM, attempts: 2 }, ranOut.generate, { ...BUDGETS, thinkingBudget: 30 }, () => {}, () => {}, new AbortController().signal);
  assert.equal(outcome.last.stopReason, 'thinkingBudget');
  assert.equal(outcome.proof, 'The first proof.');
  assert.equal(outcome.proofAttempt, 1);

  const stop = new AbortController();
  const stopped = scripted([attempt('One.', 'Proof one.'), summaryReply('S.'), attempt('Two.', 'Proof two.'), summaryReply('never asked')]);
  const run = await runReasoningCache({ problem: PROBLEM, attempts: 3 }, stopped.generate, BUDGETS, (p) => {
    if (p.kind === 'phase' && p.text === 'Summarising attempt 2') stop.abort();
  }, () => {}, stop.signal);
  assert.equal(run.proof, 'Proof two.');
  assert.equal(run.attemptsRun, 2);
});
