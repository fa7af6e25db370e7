import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopDetector } from '../../server/src/engine/loopDetector';
import { seededRandom } from '../support/random';

test('a repeated block is detected with its period; varied text never is', () => {
  const options = { window: 120, maxPeriod: 30, interval: 8 };
  const looping = new LoopDetector(options);
  const block = [11, 12, 13, 14, 15, 16, 17];
  let found: number | undefined;
  let pushed = 0;
  for (const token of Array.from({ length: 50 }, (_, i) => 100 + i)) looping.push(token);
  while (found === undefined && pushed < 1000) found = looping.push(block[pushed++ % block.length]!);
  assert.equal(found, 7);
  assert.ok(pushed <= 120 + 8, `found after ${pushed} looping tokens`);

  const varied = new LoopDetector(options);
  const random = seededRandom(7);
  for (let i = 0; i < 5000; i++) assert.equal(varied.push(Math.floor(random() * 300)), undefined);
});
