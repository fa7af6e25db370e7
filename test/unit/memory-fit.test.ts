import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitToMemory, kvCacheBytesPerToken, MIN_CONTEXT_SIZE } from '../../server/src/engine/memory';
import { readGgufHeader } from '../../server/src/engine/ggufHeader';
import { tinyModelPath } from '../support/models';

const GB = 2 ** 30;
/** QED-Nano's KV cache: 36 layers x 8 KV heads x (128 + 128) x 2 bytes. */
const QED_NANO_KV = 36 * 8 * 256 * 2;

test('the KV cache per token comes from the model file: the tiny model, and QED-Nano at 144 KiB', async () => {
  const header = await readGgufHeader(tinyModelPath());
  assert.equal(kvCacheBytesPerToken(header), 2 * 2 * (32 + 32) * 2);
  assert.equal(QED_NANO_KV, 144 * 1024);
});

test('a context the machine can hold is kept; a hostile one is lowered, sequences first, and the change is said', () => {
  const fits = fitToMemory({ contextSize: 16_384, sequences: 1 }, QED_NANO_KV, 2.5 * GB, 24 * GB);
  assert.deepEqual(fits, { contextSize: 16_384, sequences: 1, adjustments: [] });

  const hostile = fitToMemory({ contextSize: 262_144, sequences: 16 }, QED_NANO_KV, 2.5 * GB, 24 * GB);
  assert.equal(hostile.sequences, 1);
  assert.ok(hostile.contextSize * QED_NANO_KV + 2.5 * GB <= 0.75 * 24 * GB, `${hostile.contextSize} tokens`);
  assert.ok(hostile.contextSize >= 100_000 && hostile.contextSize % 256 === 0, `${hostile.contextSize} tokens`);
  assert.match(hostile.adjustments.join(' '), /Runs 1 generation\(s\) side by side instead of 16 .* this machine has 24 GB/);
  assert.match(hostile.adjustments.join(' '), /Uses a context of [\d,]+ tokens instead of 262,144 \(qedNano\.contextSize\)/);

  const parallel = fitToMemory({ contextSize: 16_384, sequences: 16 }, QED_NANO_KV, 2.5 * GB, 24 * GB);
  assert.deepEqual([parallel.contextSize, parallel.sequences], [16_384, 6], 'as many whole sequences as fit');

  const tooSmall = fitToMemory({ contextSize: 16_384, sequences: 1 }, QED_NANO_KV, 2.5 * GB, 3 * GB);
  assert.ok(tooSmall.contextSize < MIN_CONTEXT_SIZE, 'the model alone nearly fills the machine: the load refuses');
});
