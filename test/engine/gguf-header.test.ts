import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readGgufHeader, InvalidModelFileError } from '../../server/src/engine/ggufHeader';
import { GgufType } from '../support/gguf/writer';
import { brokenTinyModel, scratchFile, tinyModelPath } from '../support/models';
import { tinyModelBytes } from '../support/tinyModel';

test('the tiny model is reproducible, about 0.5 MB, and its header reads back as a qwen3 model', async () => {
  assert.deepEqual(tinyModelBytes('endless'), tinyModelBytes('endless'), 'same seed, same bytes');
  assert.notDeepEqual(tinyModelBytes('endless'), tinyModelBytes('natural'));
  const summary = await readGgufHeader(tinyModelPath());
  assert.equal(summary.architecture, 'qwen3');
  assert.equal(summary.version, 3);
  assert.equal(summary.metadata.get('qwen3.attention.head_count'), 4);
  assert.equal(summary.metadata.get('qwen3.attention.key_length'), 32);
  assert.equal(summary.tensorCount, 25n);
  assert.ok(summary.vocabularySize > 256 + 9);
  assert.ok(summary.fileSize > 400_000 && summary.fileSize < 700_000, `${summary.fileSize} bytes`);
});

async function rejects(path: string, reason: RegExp): Promise<void> {
  await assert.rejects(readGgufHeader(path), (error: unknown) => {
    assert.ok(error instanceof InvalidModelFileError, String(error));
    assert.match(error.message, reason);
    return true;
  });
}

test('files that are not usable models are rejected with the reason, before any native code sees them', async () => {
  await rejects(scratchFile('notes.gguf', 'Just some text, not a model.\n'), /does not start with the GGUF signature/);
  await rejects(scratchFile('empty.gguf', ''), /ends inside its header/);
  await rejects('/nonexistent/model.gguf', /cannot be opened \(ENOENT\)/);
  const bytes = readFileSync(tinyModelPath());
  await rejects(scratchFile('cut-in-header.gguf', bytes.subarray(0, 3000)), /ends inside its header \(truncated/);
  await rejects(scratchFile('cut-in-data.gguf', bytes.subarray(0, bytes.length - 1000)), /tensor data ends early/);
  const huge = Buffer.from(bytes);
  huge.writeBigUInt64LE(1n << 40n, 16); // metadata count
  await rejects(scratchFile('corrupt-count.gguf', huge), /claims \d+ metadata entries/);
});

test('faults that would abort llama.cpp itself are caught: missing head count, duplicate tokens', async () => {
  await rejects(
    brokenTinyModel('no-heads.gguf', ({ metadata }) => metadata.splice(metadata.findIndex(([k]) => k === 'qwen3.attention.head_count'), 1)),
    /required key qwen3\.attention\.head_count is missing/,
  );
  await rejects(
    brokenTinyModel('duplicate-token.gguf', ({ metadata }) => {
      const entry = metadata.find(([k]) => k === 'tokenizer.ggml.tokens')![1];
      if (entry.type === GgufType.Array && entry.elementType === GgufType.String) entry.value[300] = entry.value[5]!;
    }),
    /lists the token .* twice/,
  );
  await rejects(
    brokenTinyModel('llama-arch.gguf', ({ metadata }) => {
      metadata[0] = ['general.architecture', { type: GgufType.String, value: 'llama' }];
    }),
    /architecture is "llama"; QED-Nano models are "qwen3"/,
  );
});
