/**
 * What the Proof view says and offers after a run (client/src/proofOutcome.ts): the line under a proof for
 * each way a run ends, when Continue is offered, and which errors are "no model could be used" (they get
 * Choose Model File / Download Model).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-languageserver-protocol';
import { canContinue, isModelUnavailable, resultLine, withoutContinuation } from '../../client/src/proofOutcome';
import type { ProveResult } from '../../server/src/protocol';

const stats = { promptTokens: 50, evaluatedPromptTokens: 50, thinkingTokens: 1200, answerTokens: 80, ms: 2500, tokensPerSecond: 512.4, predictedTokens: { validated: 0, refuted: 0 } };
const finished: ProveResult = { statement: 'S', proof: 'P', thinking: 'T', thoughtClosed: true, stopReason: 'endOfText', stats };

test('the line under a proof says how the run ended, with the same figures as the server', () => {
  assert.equal(resultLine(finished), 'Done: 1,200 thinking + 80 proof tokens in 2.5 s (512.4 tokens/s).');
  assert.match(resultLine({ ...finished, proof: '', thoughtClosed: false, stopReason: 'thinkingBudget' }), /^No proof: the model used its whole thinking budget .*Continue summarises/);
  assert.match(resultLine({ ...finished, stopReason: 'maxTokens' }), /^The proof was cut at the token limit/);
  assert.match(resultLine({ ...finished, thoughtClosed: false, proof: '', stopReason: 'maxTokens' }), /^No proof: the token limit was reached while the model was still thinking/);
  assert.match(resultLine({ ...finished, stopReason: 'repetitionLoop' }), /^Stopped: the model was repeating itself\. The proof may be unfinished/);
  const deep: ProveResult = {
    ...finished,
    deep: { rounds: 2, candidates: [{ id: 3, round: 2, refines: 1, scores: [1, 0.5], mean: 0.75 }], chosen: 3, objections: [], tokensUsed: 12345, stoppedBecause: 'roundsDone' },
  };
  assert.equal(resultLine(deep), 'Deep mode: 1 candidates over 2 rounds; chosen #3 with mean score 0.75; stopped because all rounds done. 12,345 tokens in 2.5 s.');
  assert.equal(resultLine({ ...deep, deep: { ...deep.deep!, chosen: -1 } }), 'Deep mode: no candidate finished a proof; stopped because all rounds done.');
});

test('Continue is offered only for a single attempt that stopped while still thinking', () => {
  assert.equal(canContinue(undefined), false);
  assert.equal(canContinue(finished), false);
  assert.equal(canContinue({ ...finished, proof: '', thoughtClosed: false, stopReason: 'thinkingBudget' }), true);
  assert.equal(canContinue({ ...finished, proof: '', thoughtClosed: false, thinking: '' }), false, 'nothing to summarise');
  assert.equal(canContinue({ ...finished, thoughtClosed: false, deep: { rounds: 1, candidates: [], chosen: -1, objections: [], tokensUsed: 1, stoppedBecause: 'tokenBudget' } }), false);
});

test('"no model could be used" is told by the error data the server sends, not by its words', () => {
  assert.equal(isModelUnavailable(new ResponseError(-32803, 'The model file is missing.', { modelUnavailable: true })), true);
  assert.equal(isModelUnavailable(new ResponseError(-32803, 'no model is loaded (the words alone)')), false);
  assert.equal(isModelUnavailable(undefined), false);
  assert.deepEqual(withoutContinuation({ textDocument: { uri: 'u' }, mode: 'single', continueFrom: { thinking: 't' } }), { textDocument: { uri: 'u' }, mode: 'single' });
});
