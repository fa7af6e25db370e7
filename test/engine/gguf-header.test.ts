import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { readGgufHeader, InvalidModelFileError } from '../../server/src/engine/ggufHeader';
import { GgufType, type Tensor } from '../support/gguf/writer';
import { brokenTinyModel, scratchFile, specialPaths, tinyModelPath } from '../support/models';
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
  await rejects('/nonexistent/model.gguf', /nonexistent\/model\.gguf is not a usable model file: it does not exist/);
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

/** A tiny model with the u32 metadata value `key` set to `value`. */
function withValue(name: string, key: string, value: number): string {
  return brokenTinyModel(name, ({ metadata }) => {
    const entry = metadata.find(([k]) => k === key);
    assert.ok(entry, key);
    entry[1] = { type: GgufType.U32, value };
  });
}

test('sizes llama.cpp aborts on (GGML_ASSERT) are refused: zero or absurd layers, heads, widths, and heads that do not divide', async () => {
  await rejects(withValue('no-layers.gguf', 'qwen3.block_count', 0), /qwen3\.block_count is 0, outside 1\.\.1024/);
  await rejects(withValue('many-layers.gguf', 'qwen3.block_count', 4_000_000_000), /qwen3\.block_count is 4000000000, outside/);
  await rejects(withValue('more-layers.gguf', 'qwen3.block_count', 3), /block_count says 3 layers, but the file holds tensors for 2/);
  await rejects(withValue('no-width.gguf', 'qwen3.embedding_length', 0), /qwen3\.embedding_length is 0/);
  await rejects(withValue('no-heads.gguf', 'qwen3.attention.head_count', 0), /qwen3\.attention\.head_count is 0/);
  await rejects(withValue('no-kv-heads.gguf', 'qwen3.attention.head_count_kv', 0), /qwen3\.attention\.head_count_kv is 0/);
  await rejects(withValue('odd-kv-heads.gguf', 'qwen3.attention.head_count_kv', 3), /head_count \(4\) is not a multiple of head_count_kv \(3\)/);
  await rejects(withValue('no-key-length.gguf', 'qwen3.attention.key_length', 0), /qwen3\.attention\.key_length is 0/);
});

test('a tensor of an unknown type is named, not a NaN', async () => {
  const file = brokenTinyModel('unknown-type.gguf', (parts) => {
    const tensors = parts.tensors as unknown as Tensor[];
    const first = parts.tensors[0]!;
    tensors[0] = { name: first.name, dims: first.dims, ggmlType: 99, bytes: Buffer.alloc(first.data.byteLength) };
  });
  await rejects(file, /tensor "token_embd\.weight" has the unknown tensor type 99/);
});

test('a FIFO, a folder and a symlink loop are refused before anything opens them, each with its own reason', async () => {
  const { folder, fifo, loop } = specialPaths('special');
  // Refused by its kind, not by what reading it gave (a blocking open would never settle: the test's timeout),
  // and no read end is left attached: a writer opening it without blocking finds no reader.
  await rejects(fifo, /it is a named pipe \(FIFO\), not a regular file/);
  assert.throws(() => closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)), { code: 'ENXIO' }, 'a reader is attached to the FIFO');
  await rejects(loop, /symlink loop/);
  await rejects(folder, /it is a folder, not a file/);
});
