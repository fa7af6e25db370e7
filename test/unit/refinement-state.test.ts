/**
 * What the Proof view offers for a refinement (client/src/refinementState.ts): Apply once the new text came,
 * nothing after Apply or Discard, and "Undone" exactly once when Undo takes the applied text out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefinementState } from '../../client/src/refinementState';
import type { RefineParams, RefineResult } from '../../server/src/protocol';

const params: RefineParams = { textDocument: { uri: 'file:///p.tex' }, range: { start: { line: 4, character: 0 }, end: { line: 4, character: 9 } }, text: 'So x > 0.', objection: 'why?' };
const result = { before: 'So x > 0.', after: 'Since x^2 > 0 and x != 0, x > 0.', edit: { range: params.range, newText: ' Since x^2 > 0, x > 0. ', version: 3 } } as unknown as RefineResult;

test('Apply is offered once the refined text came; Apply and Discard leave nothing to apply', () => {
  const state = new RefinementState();
  assert.deepEqual(state.actions(), { retry: false, continue: false, insert: 'none' });
  const refinement = state.begin(params);
  assert.deepEqual(state.actions(), { retry: true, continue: false, insert: 'none' });
  state.finished(refinement, result);
  assert.deepEqual(state.actions(), { retry: true, continue: false, insert: 'ready' });
  assert.equal(state.current(), refinement);
  assert.equal(state.discard(), true);
  assert.equal(state.discard(), false, 'nothing left to discard');
  assert.deepEqual(state.actions(), { retry: false, continue: false, insert: 'none' });

  state.finished(state.begin(params), result);
  state.appliedTo('file:///p.tex', result.edit.newText);
  assert.equal(state.current(), undefined);
  assert.deepEqual(state.actions().insert, 'none');
});

test('after Apply, Undo in the document is told once; other documents and edits that keep the text are not', () => {
  const state = new RefinementState();
  state.finished(state.begin(params), result);
  state.appliedTo('file:///p.tex', result.edit.newText);
  assert.equal(state.documentChanged('file:///q.tex', ''), false);
  assert.equal(state.documentChanged('file:///p.tex', 'a\nSince x^2 > 0, x > 0.\nb'), false, 'the trimmed text is still there');
  assert.equal(state.documentChanged('file:///p.tex', 'a\nSo x > 0.\nb'), true);
  assert.equal(state.documentChanged('file:///p.tex', 'a\nSo x > 0.\nc'), false, 'once');
});

test('a new refinement stops following the one applied before', () => {
  const state = new RefinementState();
  state.finished(state.begin(params), result);
  state.appliedTo('file:///p.tex', result.edit.newText);
  state.begin(params);
  assert.equal(state.documentChanged('file:///p.tex', 'So x > 0.'), false);
});
