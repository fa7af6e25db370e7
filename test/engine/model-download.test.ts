/**
 * Downloading an `hf:` model through the model manager, against a local server that speaks Hugging Face's
 * protocol (the real one is out of reach here): progress, reuse of a finished download, resume after a
 * dropped connection, cancellation that keeps the partial file, a missing quantization, a size mismatch, a
 * server that never answers.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelManager } from '../../server/src/model/modelManager';
import type { ProgressReporter } from '../../server/src/model/progress';
import type { ModelStatus } from '../../server/src/protocol';
import { resolveSettings } from '../../server/src/settings';
import { FakeHuggingFace, type FakeHuggingFaceOptions } from '../support/fakeHuggingFace';
import { tinyModelPath } from '../support/models';
import { tinyModelBytes } from '../support/tinyModel';

// The tiny model padded to 24 MB: the downloader saves progress in 5 MB chunks, so resuming shows only on
// files of several chunks. (Trailing bytes after the tensor data are ignored by the loader.)
const MODEL = Buffer.concat([tinyModelBytes('natural'), Buffer.alloc(24 * 1024 * 1024 - tinyModelBytes('natural').length)]);
const URI = 'hf:lm-test/QED-Nano-GGUF:Q4_K_M';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  manager: ModelManager;
  statuses: ModelStatus[];
  reports: { fraction: number; message: string }[];
  server: FakeHuggingFace;
  storage: string;
  /** Cancels the download once this fraction is reached (as the user pressing Cancel on the notification). */
  cancelAtFraction: number | undefined;
}

async function harness(
  options: FakeHuggingFaceOptions = {},
  storage = mkdtempSync(path.join(tmpdir(), 'qed-download-')),
  freeBytes?: () => Promise<number>,
): Promise<Harness> {
  const server = new FakeHuggingFace([{ owner: 'lm-test', repo: 'QED-Nano-GGUF', tags: { Q4_K_M: 'QED-Nano.Q4_K_M.gguf' }, files: { 'QED-Nano.Q4_K_M.gguf': MODEL } }], options);
  const endpoint = await server.start();
  const h: Harness = { manager: undefined as never, statuses: [], reports: [], server, storage, cancelAtFraction: undefined };
  h.manager = new ModelManager({
    storagePath: storage,
    sendStatus: (status) => h.statuses.push(status),
    startProgress: async (): Promise<ProgressReporter> => {
      const cancel = new AbortController();
      return {
        report: (fraction, message) => {
          h.reports.push({ fraction, message });
          if (h.cancelAtFraction !== undefined && fraction >= h.cancelAtFraction) cancel.abort(new Error('cancelled by the user'));
        },
        cancelled: cancel.signal,
        done: () => {},
      };
    },
    log: () => {},
    huggingFaceEndpoint: endpoint,
    downloadStallMs: 2000,
    ...(freeBytes ? { freeBytes } : {}),
  });
  await h.manager.configure(resolveSettings({ model: URI, threads: 1, contextSize: 1024, gpu: 'off' }));
  cleanups.push(async () => {
    await h.manager.dispose();
    await server.stop();
  });
  return h;
}

const downloaded = (storage: string): string[] => readdirSync(path.join(storage, 'models')).filter((f) => f.endsWith('.gguf'));

test('an hf: model is resolved, downloaded with progress into the storage folder, checked and loaded', async () => {
  const h = await harness();
  cleanups.push(() => rmSync(h.storage, { recursive: true, force: true }));
  await h.manager.ensureLoaded();
  assert.equal(h.manager.currentStatus.device, 'cpu');
  assert.ok(h.server.requests.some((r) => r.url === '/v2/lm-test/QED-Nano-GGUF/manifests/Q4_K_M'), 'resolved through the manifest, not a guessed name');
  assert.ok(h.statuses.some((s) => s.state === 'downloading'));
  assert.ok(h.reports.some((r) => /MB of 25\.2 MB at [\d.]+ MB\/s/.test(r.message)), JSON.stringify(h.reports));
  const [file] = downloaded(h.storage);
  assert.ok(file);
  assert.deepEqual(readFileSync(path.join(h.storage, 'models', file)), MODEL, 'byte-identical');

  // A second manager on the same storage finds the finished download: no second transfer.
  const again = await harness({}, h.storage);
  await again.manager.ensureLoaded();
  assert.equal(again.server.requests.filter((r) => r.url.includes('/resolve/')).length, 0);
});

test('a dropped connection is resumed with a Range request and the file is complete', async () => {
  const h = await harness({ cutOnceAfterBytes: 13 * 1024 * 1024, bytesPer10Ms: 512 * 1024 });
  cleanups.push(() => rmSync(h.storage, { recursive: true, force: true }));
  await h.manager.ensureLoaded();
  assert.deepEqual(readFileSync(path.join(h.storage, 'models', downloaded(h.storage)[0]!)), MODEL);
  assert.ok(h.server.requests.some((r) => r.range && !r.range.startsWith('bytes=0-')), JSON.stringify(h.server.requests));
});

test('a cancelled download keeps its partial file and continues from it next time', async () => {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-download-'));
  cleanups.push(() => rmSync(storage, { recursive: true, force: true }));
  const slow = await harness({ bytesPer10Ms: 64 * 1024 }, storage);
  slow.cancelAtFraction = 0.5;
  await assert.rejects(slow.manager.ensureLoaded(), /was cancelled; it continues where it stopped next time/);
  assert.equal(slow.statuses.at(-1)?.state, 'absent');
  assert.equal(downloaded(storage).length, 0, 'no finished .gguf from a cancelled download');
  assert.ok(readdirSync(path.join(storage, 'models')).length > 0, 'the partial download is kept');

  const fast = await harness({}, storage);
  await fast.manager.ensureLoaded();
  assert.deepEqual(readFileSync(path.join(storage, 'models', downloaded(storage)[0]!)), MODEL);
  assert.ok(fast.server.requests.some((r) => r.range && !r.range.startsWith('bytes=0-')), `resumed: ${JSON.stringify(fast.server.requests)}`);
});

test('a quantization the repository does not have, and a file shorter than announced, fail with the reason', async () => {
  const missing = await harness();
  cleanups.push(() => rmSync(missing.storage, { recursive: true, force: true }));
  await missing.manager.configure(resolveSettings({ model: 'hf:lm-test/QED-Nano-GGUF:Q9_9', threads: 1, contextSize: 1024, gpu: 'off' }));
  await assert.rejects(missing.manager.ensureLoaded(), /Could not find hf:lm-test\/QED-Nano-GGUF:Q9_9 on Hugging Face: .*Check qedNano\.model\./);
  assert.equal(missing.statuses.at(-1)?.state, 'error');

  // The server announces more bytes than it ever sends: the download must end with an error, not hang.
  const short = await harness({ announcedSize: MODEL.length + 5000 });
  cleanups.push(() => rmSync(short.storage, { recursive: true, force: true }));
  await assert.rejects(short.manager.ensureLoaded(), /The download of hf:lm-test\/QED-Nano-GGUF:Q4_K_M failed: no data arrived for 2 s\. Check the network/);
  assert.equal(short.statuses.at(-1)?.state, 'error');
  assert.equal(downloaded(short.storage).length, 0, 'nothing half-written is taken for a model');
});

test('offline: an unreachable Hugging Face is reported as the network, not as a missing model, with both ways on', async () => {
  const offline = await harness();
  cleanups.push(() => rmSync(offline.storage, { recursive: true, force: true }));
  await offline.server.stop(); // nothing listens there any more: the connection is refused
  await assert.rejects(
    offline.manager.ensureLoaded(),
    /Hugging Face cannot be reached to download hf:lm-test\/QED-Nano-GGUF:Q4_K_M: the network is unreachable from here\. Connect and retry \(QED-Nano: Download Model\), or choose a model file you already have/,
  );
  const status = offline.statuses.at(-1);
  assert.deepEqual([status?.state, status?.needs], ['absent', 'modelFile']);
  assert.doesNotMatch(status?.message ?? '', /Could not find/);
});

test('a download that does not fit on the disk is refused before it starts, saying how much is needed', async () => {
  const h = await harness({}, undefined, async () => 1_000_000);
  cleanups.push(() => rmSync(h.storage, { recursive: true, force: true }));
  await assert.rejects(h.manager.ensureLoaded(), /Downloading hf:lm-test\/QED-Nano-GGUF:Q4_K_M needs 25\.2 MB but only 1\.0 MB are free in .*models\. Free some space or choose a local file/);
  assert.equal(h.server.requests.filter((r) => r.url.includes('/resolve/') && r.method === 'GET' && r.range).length, 0, 'no data was fetched');
});

/** A Hugging Face that takes connections and never answers (a network that drops what comes back). */
async function silentHuggingFace(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function silentHarness(endpoint: string, answerMs: number): { manager: ModelManager; statuses: ModelStatus[] } {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-download-'));
  const statuses: ModelStatus[] = [];
  const manager = new ModelManager({
    storagePath: storage,
    sendStatus: (status) => statuses.push(status),
    startProgress: async (): Promise<ProgressReporter> => ({ report: () => {}, cancelled: new AbortController().signal, done: () => {} }),
    log: () => {},
    huggingFaceEndpoint: endpoint,
    huggingFaceAnswerMs: answerMs,
  });
  cleanups.push(async () => {
    await manager.dispose();
    rmSync(storage, { recursive: true, force: true });
  });
  return { manager, statuses };
}

test('a Hugging Face that never answers ends the load with the network named, instead of a wait without end', { timeout: 60_000 }, async () => {
  const silent = await silentHuggingFace();
  cleanups.push(silent.stop);
  const { manager, statuses } = silentHarness(silent.endpoint, 1000);
  await manager.configure(resolveSettings({ model: URI, threads: 1, contextSize: 1024, gpu: 'off' }));
  await assert.rejects(manager.ensureLoaded(), /Hugging Face did not answer within 1 s about hf:lm-test\/QED-Nano-GGUF:Q4_K_M: the network is slow or blocked from here\. Connect and retry/);
  const status = statuses.at(-1);
  assert.deepEqual([status?.state, status?.needs], ['absent', 'modelFile']);
});

test('choosing a model file while Hugging Face keeps silent loads that file at once, without waiting for the silence to end', { timeout: 60_000 }, async () => {
  const silent = await silentHuggingFace();
  cleanups.push(silent.stop);
  // No time limit of its own that the test could be waiting for: only the new choice ends the wait.
  const { manager } = silentHarness(silent.endpoint, 10 * 60_000);
  await manager.configure(resolveSettings({ model: URI, threads: 1, contextSize: 1024, gpu: 'off' }));
  const first = manager.ensureLoaded().then(
    () => 'loaded',
    (error: Error) => error.message,
  );
  await manager.configure(resolveSettings({ model: tinyModelPath('natural'), threads: 1, contextSize: 1024, gpu: 'off' }));
  await manager.ensureLoaded();
  assert.equal(manager.currentStatus.state, 'ready');
  // The first request does not fail with the silence's error: it was superseded by the choice.
  assert.doesNotMatch(await first, /did not answer|cannot be reached/);
});
