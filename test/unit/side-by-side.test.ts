/** The bench's one way of comparing two sides: alternating order, the median of per-round ratios. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sideBySide } from '../../bench/sideBySide';

test('rounds alternate which side goes first, and the ratio is the median of the rounds\' ratios', async () => {
  const order: string[] = [];
  // A side that slows down as the run goes on (a warming machine): only alternation keeps it fair.
  let clock = 0;
  const result = await sideBySide(
    4,
    () => (order.push('a'), 10 + clock++),
    () => (order.push('b'), 5 + clock++),
  );
  assert.deepEqual(order, ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  // Per round: a = 10,13,14,17 and b = 6,7,10,11 → ratios 1.67, 1.86, 1.4, 1.55; median (upper middle) 1.67.
  assert.equal(result.ratio.toFixed(2), (10 / 6).toFixed(2));
  assert.equal(result.difference, 6);
  assert.deepEqual([result.a, result.b, result.rounds], [14, 10, 4]);
});

test('one outlier round does not move the ratio', async () => {
  const a = [100, 100, 100, 100, 100];
  const b = [50, 50, 5, 50, 50];
  let i = 0;
  let j = 0;
  const result = await sideBySide(5, () => a[i++]!, () => b[j++]!);
  assert.equal(result.ratio, 2);
});
