// The prompts QED-Nano was trained and evaluated with reach it verbatim: every template equals the text in
// its source file, and every filled prompt equals what the source's Python code makes of the same inputs
// (test/fixtures/trained: written from the source files with Python; see its README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { quickCritiqueRequest, reviewRequest } from '../../server/src/prompts/critiquePrompts';
import { generationRequest, refinementRequest, scoreOf, solutionOf, verificationRequest } from '../../server/src/prompts/deepPrompts';
import { proofRequest, reasoningCacheSolveRequest, reasoningCacheSummaryRequest } from '../../server/src/prompts/proofPrompt';
import * as trained from '../../server/src/prompts/trained';
import { REPO_ROOT } from '../support/fixtures';

const fixtures = path.join(REPO_ROOT, 'test/fixtures/trained');
const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');
const expected = JSON.parse(fixture('filled.json')) as {
  problem: string;
  proof: string;
  steps: string[];
  analyses: string[];
  rc: { summary: string; reasoning: string };
  filled: Record<string, string>;
};

test('each trained template is its source text exactly', () => {
  const templates: [string, string][] = [
    ['single_pass', trained.SINGLE_PASS_TEMPLATE],
    ['generation', trained.GENERATION_TEMPLATE],
    ['verifier', trained.VERIFIER_TEMPLATE],
    ['refinement', trained.REFINEMENT_TEMPLATE],
    ['rc_solve', trained.RC_SOLVE_TEMPLATE],
    ['rc_summarization', trained.RC_SUMMARIZATION_TEMPLATE],
  ];
  for (const [name, text] of templates) assert.equal(text, fixture(`${name}.template.txt`), name);
});

test('Prove, deep mode and the reasoning cache send the trained prompts, filled as the source fills them', () => {
  const { problem, proof, analyses, rc, filled } = expected;
  assert.equal(proofRequest(problem).content, filled.single_pass);
  assert.equal(generationRequest(problem).content, filled.generation);
  assert.equal(verificationRequest(problem, proof).content, filled.verifier);
  assert.equal(refinementRequest(problem, proof, analyses).content, filled.refinement);
  assert.equal(reasoningCacheSolveRequest(problem, trained.RC_NO_PREVIOUS_SUMMARY).content, filled.rc_solve_first);
  assert.equal(reasoningCacheSolveRequest(problem, rc.summary).content, filled.rc_solve_later);
  assert.equal(reasoningCacheSummaryRequest(problem, trained.RC_NO_PREVIOUS_SUMMARY, rc.reasoning).content, filled.rc_summarization);
  for (const request of [proofRequest(problem), generationRequest(problem), verificationRequest(problem, proof)]) assert.equal(request.role, 'user');
});

test("the critique's review is the verifier prompt with the numbered steps as the solution; its read-out comes after, outside it", () => {
  const { problem, steps, filled } = expected;
  assert.equal(reviewRequest(problem, steps).content, filled.critique_review);
  const quick = quickCritiqueRequest(problem, steps).content;
  assert.ok(quick.startsWith(`${filled.critique_review}\n\n`), 'the quick critique keeps the verifier prompt whole, then adds its question');
  assert.match(quick.slice(filled.critique_review.length), /JSON/);
});

test('fill is str.format: one pass, {{ and }} are braces, a missing field is an error', () => {
  assert.equal(trained.fill('{a} and {{b}} {a}', { a: '{b}' }), '{b} and {b} {b}');
  assert.throws(() => trained.fill('{question}', {}), /needs a value for \{question\}/);
});

test('the proof of a candidate is read as extract_proof reads it, without the self-evaluation', () => {
  assert.equal(solutionOf('## Solution\nBy induction.\n\n## Self Evaluation\nScore: \\boxed{1}'), 'By induction.');
  assert.equal(solutionOf('Intro.\n### Solution\nA.\nB.\n### Self-Evaluation\nFine'), 'A.\nB.');
  assert.equal(solutionOf('##solution\nOnly a solution.'), 'Only a solution.');
  // No Solution heading: everything before the self-evaluation; a soft "self evaluation" ends it too.
  assert.equal(solutionOf('The proof.\nHere is my self evaluation: fine.'), 'The proof.\nHere is my');
  assert.equal(solutionOf('No sections at all.'), 'No sections at all.');
  // A self-evaluation before the Solution heading does not cut the solution.
  assert.equal(solutionOf('## Self Evaluation first?\n## Solution\nX.'), 'X.');
  assert.equal(solutionOf('## Solution\n\n## Self Evaluation\nNothing.'), '');
});

test('a verification scores as extract_score reads it: the first boxed 0, 0.5 or 1; none is 0', () => {
  assert.equal(scoreOf('Here is my evaluation of the solution: fine.\n\nBased on my evaluation, the final overall score should be:\n\\boxed{1}'), 1);
  assert.equal(scoreOf('\\boxed{ 0.5 } then \\boxed{1}'), 0.5);
  assert.equal(scoreOf('\\boxed{0.7} and later \\boxed{0}'), 0);
  assert.equal(scoreOf('\\boxed{1.0}'), 0);
  assert.equal(scoreOf('\\boxed{\\frac12}'), 0);
  assert.equal(scoreOf('No score given.'), 0);
});
