/**
 * IMO-ProofBench's grader prompt is QED-Nano's eval/configs/prompts/proofbench.txt byte for byte, filled as
 * the benchmark's Python fills it; the proof the judge reads and the points read back from its reply.
 *
 * test/fixtures/trained/proofbench.txt is `git show 4d4051c:eval/configs/prompts/proofbench.txt` of
 * CMU-AIRe/QED-Nano. proofbench-rendered.txt was written from it by the benchmark's own filling, Python's
 * str.format, with the values of proofbench-case.json:
 *   template.format(problem_statement=problem, student_answer=proof, solution=solution, guidelines=guidelines)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { graderPrompt, judgedProof, PROOF_BENCH_GRADER_PROMPT, verdictOf, type GradingCase } from '../../server/src/prompts/proofBenchGrader';
import { REPO_ROOT } from '../support/fixtures';

const TRAINED = path.join(REPO_ROOT, 'test', 'fixtures', 'trained');

test('the grader prompt is the benchmark\'s file, byte for byte (no final newline, no trailing space)', () => {
  const file = readFileSync(path.join(TRAINED, 'proofbench.txt'));
  assert.equal(Buffer.compare(Buffer.from(PROOF_BENCH_GRADER_PROMPT, 'utf8'), file), 0);
  assert.ok(!PROOF_BENCH_GRADER_PROMPT.endsWith('\n'));
});

test('the prompt is filled as Python\'s str.format fills it: placeholders in the values stay text', () => {
  const grading = JSON.parse(readFileSync(path.join(TRAINED, 'proofbench-case.json'), 'utf8')) as GradingCase;
  assert.match(grading.proof, /\{solution\}/, 'the case tries to fool a second pass');
  assert.equal(graderPrompt(grading), readFileSync(path.join(TRAINED, 'proofbench-rendered.txt'), 'utf8'));
});

test('the judge reads the proof without the thinking and without the self-evaluation', () => {
  assert.equal(judgedProof('Try $n=1$.</think>\n\n## Solution\nBy induction.\n\n## Self Evaluation\nScore: 1.'), 'By induction.');
  assert.equal(judgedProof('First idea.</think> wrong. </think>\nThe proof.'), 'The proof.', 'up to the last </think>, as the benchmark splits');
  assert.equal(judgedProof('  A proof with no thinking.  '), 'A proof with no thinking.');
  assert.equal(judgedProof('Thought only, never closed'), 'Thought only, never closed', 'a batch result\'s proof has its thinking already apart');
});

test('points: the first <points>N out of 7</points>, N one of 7, 6, 1, 0; anything else is ungraded with its reason', () => {
  assert.deepEqual(verdictOf('Sound. <points>7 out of 7</points>'), { points: 7 });
  assert.deepEqual(verdictOf('<points> 1  out of\n7 </points> and later <points>6 out of 7</points>'), { points: 1 });
  assert.deepEqual(verdictOf('<points>0 out of 7</points>'), { points: 0 });
  assert.deepEqual(verdictOf(''), { ungraded: "the judge's reply is empty" });
  assert.deepEqual(verdictOf('  \n'), { ungraded: "the judge's reply is empty" });
  assert.deepEqual(verdictOf('I would give it 7 out of 7.'), { ungraded: "the judge's reply has no <points>N out of 7</points>" });
  assert.deepEqual(verdictOf('<points>7 out of 7'), { ungraded: "the judge's reply has no <points>N out of 7</points>" });
  assert.deepEqual(verdictOf('<points>5 out of 7</points>'), { ungraded: 'the judge\'s first <points> block says "5 out of 7", not 7, 6, 1 or 0 out of 7' });
  assert.deepEqual(verdictOf('<points>N out of 7</points> then <points>7 out of 7</points>'), { ungraded: 'the judge\'s first <points> block says "N out of 7", not 7, 6, 1 or 0 out of 7' });
  assert.deepEqual(verdictOf('<points>7 out of 10</points>'), { ungraded: 'the judge\'s first <points> block says "7 out of 10", not 7, 6, 1 or 0 out of 7' });
});
