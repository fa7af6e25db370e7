/**
 * What the Proof view offers between runs (client/src/proofState.ts): Retry and Continue follow the last
 * attempt, Insert and Copy the proof shown; Insert's state follows the document (Undo brings Insert back);
 * a stopped deep or reasoning-cache run keeps its proof so far; "no model" is said once a model is ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-languageserver-protocol';
import { ProofState } from '../../client/src/proofState';
import type { ProveParams, ProveResult } from '../../server/src/protocol';

const params: ProveParams = { textDocument: { uri: 'file:///n.md' }, position: { line: 3, character: 0 } };
const stats = { promptTokens: 5, evaluatedPromptTokens: 5, thinkingTokens: 10, answerTokens: 4, ms: 100, tokensPerSecond: 140, predictedTokens: { validated: 0, refuted: 0 } };
const proved: ProveResult = { statement: 'S', proof: 'P.', thinking: 'T', thoughtClosed: true, stopReason: 'endOfText', stats };
const outOfThought: ProveResult = { ...proved, proof: '', thinking: 'half a thought', thoughtClosed: false, stopReason: 'thinkingBudget' };

test('before any run nothing is offered; a proof offers Insert and Retry; a run without one offers Continue', () => {
  const state = new ProofState();
  assert.deepEqual(state.actions(), { retry: false, continue: false, insert: 'none' });
  const run = state.begin(params);
  assert.deepEqual(state.actions(), { retry: true, continue: false, insert: 'none' }, 'Retry works while (and after) a run fails');
  state.progress(run, { kind: 'started', statement: 'S', macros: {} });
  assert.equal(state.finished(run, proved), 'done');
  assert.deepEqual(state.actions(), { retry: true, continue: false, insert: 'ready' });
  assert.deepEqual(state.toInsert(), { run, proof: 'P.', statement: 'S' });

  const second = state.begin(params);
  assert.equal(state.toInsert(), undefined, 'Insert acts on what the view shows: the new run');
  assert.equal(state.finished(second, outOfThought), 'noProof');
  assert.deepEqual(state.actions(), { retry: true, continue: true, insert: 'none' });
  assert.deepEqual(state.continuation(), { ...params, continueFrom: { thinking: 'half a thought' } });
});

test('Continue carries the summary the attempt came from and keeps its mode; Retry proves afresh in the mode chosen', () => {
  const state = new ProofState();
  const run = state.begin({ ...params, mode: 'rc', continueFrom: { thinking: 'older' } });
  state.finished(run, { ...outOfThought, reasoningCache: { attemptsRun: 1, attempts: 3, proofAttempt: 0, summaries: [], summary: 'what was found' } });
  assert.deepEqual(state.continuation(), { ...params, mode: 'rc', continueFrom: { thinking: 'half a thought', summary: 'what was found' } });
  assert.deepEqual(state.retry(), { ...params, mode: 'rc' });
  assert.deepEqual(state.retry('deep'), { ...params, mode: 'deep' });
  state.finished(run, proved);
  assert.equal(state.continuation(), undefined, 'a finished thought has nothing to continue');
});

test('Insert follows the document: Undo brings Insert back, Redo makes it "inserted" again', () => {
  const state = new ProofState();
  const run = state.begin(params);
  state.progress(run, { kind: 'started', statement: 'S', macros: {} });
  state.finished(run, proved);
  state.markStatementChanged(run);
  assert.equal(state.actions().insert, 'statementChanged');
  state.inserted(run, 'file:///n.md', '\n*Proof.* P.\n');
  assert.equal(state.actions().insert, 'inserted');
  assert.equal(state.toInsert(), 'alreadyInserted');
  assert.equal(state.documentChanged('file:///other.md', ''), false, 'another document changes nothing');
  assert.equal(state.documentChanged('file:///n.md', 'S\n*Proof.* P.\nmore'), false, 'still there: nothing to tell');
  assert.equal(state.documentChanged('file:///n.md', 'S\n'), true);
  assert.equal(state.actions().insert, 'ready');
  assert.equal(state.documentChanged('file:///n.md', 'S\n*Proof.* P.\n'), true);
  assert.equal(state.actions().insert, 'inserted');
});

test('a stopped deep or reasoning-cache run keeps its proof so far; a stopped single pass keeps none', () => {
  const state = new ProofState();
  const deep = state.begin({ ...params, mode: 'deep' });
  state.progress(deep, { kind: 'started', statement: 'S', macros: {} });
  state.progress(deep, { kind: 'candidates', candidates: [], best: { id: 1, proof: 'best so far' } });
  const end = state.failed(deep, true, new Error('Request cancelled'));
  assert.equal(end.state, 'stopped');
  assert.equal(end.proof, 'best so far');
  assert.match(end.message, /best proof so far/);
  assert.deepEqual(state.toInsert(), { run: deep, proof: 'best so far', statement: 'S' });

  const rc = state.begin({ ...params, mode: 'rc' });
  state.progress(rc, { kind: 'attempt', attempt: 2, of: 3, proofSoFar: 'attempt one' });
  assert.match(state.failed(rc, true, new Error('x')).message, /last proof an attempt wrote/);

  const single = state.begin(params);
  const stopped = state.failed(single, true, new Error('x'));
  assert.deepEqual(stopped, { state: 'stopped', message: 'Stopped. What the model wrote so far stays above; it is not a finished proof.' });
  assert.equal(state.toInsert(), undefined);
  assert.equal(state.toCopy(), undefined);
});

test('"no model could be used" is followed by one line once a model is ready, not while a run goes on', () => {
  const state = new ProofState();
  const run = state.begin(params);
  const end = state.failed(run, false, new ResponseError(-32803, 'The model file is missing.', { modelUnavailable: true }));
  assert.deepEqual(end, { state: 'error', message: 'The model file is missing.' });
  assert.equal(state.modelReady(true, 'qed'), undefined, 'a run under way speaks for itself');
  assert.equal(state.modelReady(false, 'qed-nano.gguf'), 'The model is ready now (qed-nano.gguf): Retry proves the statement.');
  assert.equal(state.modelReady(false, 'qed-nano.gguf'), undefined, 'once');
  state.failed(state.begin(params), false, new Error('the prompt does not fit'));
  assert.equal(state.modelReady(false, undefined), undefined, 'another error is not about the model');
});
