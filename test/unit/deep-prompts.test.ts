import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreOf, solutionOf } from '../../server/src/prompts/deepPrompts';

test('verification scores: the last \\boxed value of 0, 0.5 or 1; anything else or nothing is 0', () => {
  assert.equal(scoreOf('Step 2 is fine. Overall \\boxed{1}'), 1);
  assert.equal(scoreOf('First I thought \\boxed{1} but step 3 fails: \\boxed{0.5}'), 0.5);
  assert.equal(scoreOf('\\boxed{ 0 }'), 0);
  assert.equal(scoreOf('\\boxed{0.7}'), 0);
  assert.equal(scoreOf('\\boxed{\\frac12}'), 0);
  assert.equal(scoreOf('No score given.'), 0);
  assert.equal(scoreOf('\\boxed{1.0}'), 1);
});

test('the proof is the Solution section of a candidate, without its self-evaluation', () => {
  assert.equal(solutionOf('## Solution\nBy induction.\n\n## Self Evaluation\nCorrect: 1.'), 'By induction.');
  assert.equal(solutionOf('### Solution\nA.\nB.\n### Self-Evaluation\nFine'), 'A.\nB.');
  assert.equal(solutionOf('## Solution\nOnly a solution.'), 'Only a solution.');
  assert.equal(solutionOf('No sections at all.'), 'No sections at all.');
});
