/**
 * The proof tasks' contracts with a scripted generate (each call answered in order by the test, no model):
 * single pass sends the trained prompt at interactive priority with the user's budgets; a refinement is the
 * answer's text without a step number or self-evaluation, nothing when stopped, and a sentence the user can
 * act on when the model wrote nothing usable; deep mode's selection, stopping and budget rules as the
 * module's comment states them. (The prompts' exact texts and order through the real engine are
 * test/engine/trained-scaffolds.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notStarted, type GenerationRequest, type GenerationResult } from '../../server/src/engine/types';
import { generationRequest, verificationRequest } from '../../server/src/prompts/deepPrompts';
import { proofRequest } from '../../server/src/prompts/proofPrompt';
import type { GenerationProgress } from '../../server/src/protocol';
import { DeepRun } from '../../server/src/tasks/deepProof';
import type { Generate } from '../../server/src/tasks/generate';
import { writeProof } from '../../server/src/tasks/proof';
import { NoRefinementError, refineProof, refineStep } from '../../server/src/tasks/refine';

const PROBLEM = 'Prove that $n^2 \\ge n$ for every positive integer $n$.';
const BUDGETS = { maxTokens: 500, thinkingBudget: 300 };
const live = (): AbortSignal => new AbortController().signal;

/** A finished reply: thought closed, then `answer`; each call costs `tokens` answer tokens. */
function reply(answer: string, tokens = 10): GenerationResult {
  const base = notStarted('endOfText');
  return { ...base, thinking: 'Thinking.', answer, raw: `Thinking.</think>${answer}`, thoughtClosed: true, stats: { ...base.stats, answerTokens: tokens } };
}
const ranOutOfThinking = (): GenerationResult => ({ ...notStarted('thinkingBudget'), thinking: 'Still thinking' });

/** A generate that answers its calls in order with `answers` (a function sees the request) and records them. */
function scripted(answers: readonly (GenerationResult | ((request: GenerationRequest) => GenerationResult))[]): { generate: Generate; requests: GenerationRequest[] } {
  const requests: GenerationRequest[] = [];
  const generate: Generate = async (request) => {
    const answer = answers[requests.length];
    requests.push(request);
    assert.ok(answer, `call ${requests.length} was not expected: ${request.messages.at(-1)?.content.slice(0, 60)}`);
    return typeof answer === 'function' ? answer(request) : answer;
  };
  return { generate, requests };
}

test('single pass asks for one proof with the trained prompt, the user\'s budgets, at interactive priority, and returns the engine\'s result', async () => {
  const { generate, requests } = scripted([reply('By induction.')]);
  const result = await writeProof(PROBLEM, generate, BUDGETS, () => {}, live());
  assert.equal(result.answer, 'By induction.');
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0]!.messages, [proofRequest(PROBLEM)]);
  assert.equal(requests[0]!.maxTokens, 500);
  assert.equal(requests[0]!.thinkingBudget, 300);
  assert.equal(requests[0]!.priority, 'interactive', 'the user waits for it: it pre-empts background critiques');
});

const STEPS = ['Let $n \\ge 1$.', 'Then $n^2 - n = n(n-1) \\ge 0$ since both factors are.', 'Hence $n^2 \\ge n$.'];
const STEP_TASK = { problem: PROBLEM, steps: STEPS, step: 2, objection: '$n - 1$ could be negative.', format: 'latex' as const };

test('a step\'s refinement is its new text alone (a "[2]" the model echoed is dropped), predicted from the old step', async () => {
  const { generate, requests } = scripted([reply('[2]  Since $n \\ge 1$, $n - 1 \\ge 0$, so $n(n-1) \\ge 0$.\n')]);
  const text = await refineStep(STEP_TASK, generate, BUDGETS, () => {}, live());
  assert.equal(text, 'Since $n \\ge 1$, $n - 1 \\ge 0$, so $n(n-1) \\ge 0$.');
  assert.equal(requests[0]!.repeats, STEPS[1], 'the old step is what the new one mostly repeats');
  assert.equal(requests[0]!.priority, 'interactive');
  assert.match(requests[0]!.messages[0]!.content, /Objection to step 2:\n\$n - 1\$ could be negative\./);
});

test('a refinement that was stopped or pre-empted changes nothing and says nothing; one with no usable text says why and what to do', async () => {
  for (const reason of ['cancelled', 'preempted'] as const) {
    assert.equal(await refineStep(STEP_TASK, scripted([notStarted(reason)]).generate, BUDGETS, () => {}, live()), undefined, reason);
    assert.equal(await refineProof(PROBLEM, 'Proof.', 'Review.', scripted([notStarted(reason)]).generate, BUDGETS, () => {}, live()), undefined, reason);
  }
  await assert.rejects(refineStep(STEP_TASK, scripted([ranOutOfThinking()]).generate, BUDGETS, () => {}, live()), (error: Error) => {
    assert.ok(error instanceof NoRefinementError);
    assert.match(error.message, /thinking ran out of budget.*nothing was changed.*qedNano\.generation\.thinkingBudget/);
    return true;
  });
  await assert.rejects(refineStep(STEP_TASK, scripted([reply('[2]   ')]).generate, BUDGETS, () => {}, live()), /the answer was empty/);
  await assert.rejects(refineProof(PROBLEM, 'Proof.', 'Review.', scripted([reply('## Solution\n\n## Self Evaluation\nFine.')]).generate, BUDGETS, () => {}, live()), /the answer was empty/);
});

test('the whole proof\'s refinement answers the one review, is predicted from the old proof, and keeps the solution without its self-evaluation', async () => {
  const { generate, requests } = scripted([reply('## Solution\nA better proof.\n\n## Self Evaluation\nIt is right. \\boxed{1}')]);
  const text = await refineProof(PROBLEM, 'An old proof.', 'Step 2 has a gap.', generate, BUDGETS, () => {}, live());
  assert.equal(text, 'A better proof.');
  assert.equal(requests[0]!.repeats, 'An old proof.');
  assert.match(requests[0]!.messages[0]!.content, /### Verification 1 ###\nStep 2 has a gap\./);
  assert.doesNotMatch(requests[0]!.messages[0]!.content, /### Verification 2 ###/, 'one review, one analysis');
});

const candidate = (proof: string): GenerationResult => reply(`## Solution\n${proof}\n\n## Self Evaluation\nI think it is right. \\boxed{1}`);
const review = (score: string): GenerationResult => reply(`Here is my evaluation. \\boxed{${score}}`);
const SETTINGS = { poolSize: 2, verifications: 2, rounds: 1, tokenBudget: 1_000_000 };

/** Answers generation prompts with `proofs` in turn and verifications of each proof with its `scores` in turn. */
function deepScript(proofs: (string | undefined)[], scores: Record<string, string[]>): Generate {
  const asked = new Map<string, number>();
  let written = 0;
  return async (request) => {
    const prompt = request.messages[0]!.content;
    const verified = Object.keys(scores).find((proof) => prompt === verificationRequest(PROBLEM, proof).content);
    if (verified !== undefined) {
      const n = asked.get(verified) ?? 0;
      asked.set(verified, n + 1);
      const score = scores[verified]![n];
      assert.ok(score !== undefined, `"${verified}" verified more often than scripted`);
      return review(score);
    }
    const proof = proofs[written++];
    assert.ok(written <= proofs.length, `generation or refinement ${written} was not expected`);
    return proof === undefined ? ranOutOfThinking() : candidate(proof);
  };
}

test('deep mode: the proof with the highest mean wins, the first of equals; a candidate whose thinking ran out is never verified', async () => {
  const calls: string[] = [];
  const script = deepScript(['A.', undefined, 'B.'], { 'A.': ['0.5', '0.5'], 'B.': ['1', '0'] });
  const generate: Generate = (request, onChunk, signal) => {
    calls.push(request.messages[0]!.content === generationRequest(PROBLEM).content ? 'generate' : request.repeats !== undefined ? `refine ${request.repeats}` : 'verify');
    return script(request, onChunk, signal);
  };
  const progress: GenerationProgress[] = [];
  const outcome = await new DeepRun(PROBLEM, generate, SETTINGS, BUDGETS, (p) => progress.push(p), live()).run();
  // Round 1: "A." (mean 0.5) and an unfinished thought (no proof, not verified); round 2 refines only "A."
  // (the one proof there is) into "B." (mean 0.5 too); one refinement round allowed, so the run ends.
  assert.deepEqual(calls, ['generate', 'generate', 'verify', 'verify', 'refine A.', 'verify', 'verify']);
  assert.equal(outcome.best?.proof, 'A.', 'equal means: the first written wins');
  assert.equal(outcome.report.stoppedBecause, 'roundsDone');
  assert.deepEqual(outcome.report.candidates.map((c) => [c.id, c.mean]), [[1, 0.5], [2, 0], [3, 0.5]]);
  assert.equal(outcome.report.candidates[2]!.refines, 1);
  assert.equal(outcome.report.chosen, 1);
  assert.deepEqual(outcome.report.objections, ['Here is my evaluation. \\boxed{0.5}', 'Here is my evaluation. \\boxed{0.5}'], 'the winner\'s reviews below 1');
  const last = progress.filter((p) => p.kind === 'candidates').at(-1);
  assert.deepEqual(last && last.kind === 'candidates' ? last.best : undefined, { id: 1, proof: 'A.' });
});

test('deep mode stops at the first proof every verification scores 1, without another round', async () => {
  let calls = 0;
  const script = deepScript(['A.', 'B.'], { 'A.': ['0', '0'], 'B.': ['1', '1'] });
  const outcome = await new DeepRun(PROBLEM, (r, c, s) => (calls++, script(r, c, s)), { ...SETTINGS, rounds: 5 }, BUDGETS, () => {}, live()).run();
  assert.equal(outcome.best?.proof, 'B.');
  assert.equal(outcome.report.stoppedBecause, 'perfectScore');
  assert.equal(outcome.report.rounds, 1);
  assert.equal(calls, 6, 'two candidates, two verifications each, no refinement');
  assert.deepEqual(outcome.report.objections, []);
});

test('deep mode past its token budget, or stopped, returns the best so far and says it stopped early', async () => {
  // Each call costs 10 tokens: the two candidates alone (20) reach a budget of 15, so nothing is verified.
  const spent = await new DeepRun(PROBLEM, deepScript(['A.', 'B.'], {}), { ...SETTINGS, tokenBudget: 15 }, BUDGETS, () => {}, live()).run();
  assert.equal(spent.report.stoppedBecause, 'tokenBudget');
  assert.equal(spent.report.tokensUsed, 20);
  assert.equal(spent.best?.proof, 'A.', 'unverified proofs all score 0: the first is returned rather than nothing');

  const stop = new AbortController();
  const script = deepScript(['A.', 'B.'], { 'A.': ['0.5', '0.5'], 'B.': ['0', '0'] });
  const stopped = await new DeepRun(PROBLEM, async (r, c, s) => {
    const result = await script(r, c, s);
    if (r.messages[0]!.content === verificationRequest(PROBLEM, 'B.').content) stop.abort();
    return result;
  }, { ...SETTINGS, rounds: 3 }, BUDGETS, () => {}, stop.signal).run();
  assert.equal(stopped.report.stoppedBecause, 'tokenBudget');
  assert.equal(stopped.best?.proof, 'A.');
  assert.equal(stopped.report.rounds, 1, 'no refinement round after Stop');
});

test('deep mode stops when the model is taken away under it (pre-empted), keeping what it has', async () => {
  let calls = 0;
  const script = deepScript(['A.', 'B.'], { 'A.': ['0.5', '0.5'], 'B.': ['0'] });
  const outcome = await new DeepRun(PROBLEM, async (r, c, s) => {
    calls++;
    if (r.messages[0]!.content === verificationRequest(PROBLEM, 'B.').content && calls === 6) return notStarted('preempted');
    return script(r, c, s);
  }, { ...SETTINGS, rounds: 3 }, BUDGETS, () => {}, live()).run();
  assert.equal(calls, 6, 'no refinement with a model that is gone');
  assert.equal(outcome.best?.proof, 'A.');
  assert.equal(outcome.report.stoppedBecause, 'tokenBudget');
});
