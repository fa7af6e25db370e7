/**
 * The prompt-lookup predictor (engine/repeatPredictor.ts) on token numbers, as node-llama-cpp drives it:
 * reset with the state, then predictTokens / pushTokens per evaluation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { RepeatPredictor } from '../../server/src/engine/repeatPredictor';

const tokens = (...ids: number[]): Token[] => ids as Token[];

test('follows the text once the reply has matched two of its tokens, and stops predicting at its end', () => {
  const predictor = new RepeatPredictor();
  predictor.updateInputTokens(tokens(1, 2, 3, 4, 5));
  predictor.reset({ stateTokens: tokens(9, 9) });
  assert.deepEqual(predictor.predictTokens(), [], 'the reply has not met the text yet');
  predictor.pushTokens(tokens(1));
  assert.deepEqual(predictor.predictTokens(), [], 'one token is no match');
  predictor.pushTokens(tokens(2));
  assert.deepEqual(predictor.predictTokens(), [3]);
  predictor.pushTokens(tokens(3));
  predictor.pushTokens(tokens(4));
  assert.deepEqual(predictor.predictTokens(), [5]);
  predictor.pushTokens(tokens(5));
  assert.deepEqual(predictor.predictTokens(), [], 'the text is done');
});

test('after the reply leaves the text (a rewritten phrase) it picks the text up again further on, not at an earlier repeat', () => {
  const predictor = new RepeatPredictor();
  // "7 8" occurs twice: early (then 1) and after the rewritten part (then 2).
  predictor.updateInputTokens(tokens(7, 8, 1, 5, 6, 40, 41, 7, 8, 2));
  predictor.reset({ stateTokens: tokens(0) });
  predictor.pushTokens(tokens(7, 8, 1, 5, 6));
  assert.deepEqual(predictor.predictTokens(), [40]);
  predictor.pushTokens(tokens(99)); // the rewrite
  assert.deepEqual(predictor.predictTokens(), []);
  predictor.pushTokens(tokens(7, 8));
  assert.deepEqual(predictor.predictTokens(), [2]);
});

test('without a text, or after dispose, it predicts nothing', () => {
  const predictor = new RepeatPredictor();
  predictor.updateInputTokens(tokens());
  predictor.reset({ stateTokens: tokens(1, 2) });
  assert.deepEqual(predictor.predictTokens(), []);
  predictor.updateInputTokens(tokens(1, 2, 3));
  predictor.reset({ stateTokens: tokens(1, 2) });
  assert.deepEqual(predictor.predictTokens(), [3], 'the state itself can start the match');
  predictor.dispose();
  assert.deepEqual(predictor.predictTokens(), []);
});
