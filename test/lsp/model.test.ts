import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkDoneProgressCreateRequest, type ResponseError } from 'vscode-languageserver-protocol';
import { LoadModelRequest, SetupInfoRequest, StatusNotification, type ModelStatus } from '../../server/src/protocol';
import { TestLanguageClient } from '../support/lspClient';
import { scratchFile, tinyModelPath } from '../support/models';

let client: TestLanguageClient;
let storage: string;
const statuses: ModelStatus[] = [];
const progress: string[] = [];
const settings = (extra: object = {}): object => ({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 1024, gpu: 'off', ...extra } });

before(async () => {
  storage = mkdtempSync(path.join(tmpdir(), 'qed-nano-storage-'));
  ({ client } = await TestLanguageClient.start({ ...settings(), storagePath: storage }, { window: { workDoneProgress: true } }));
  client.connection.onNotification(StatusNotification, (status) => {
    statuses.push(status);
  });
  client.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  client.connection.onNotification('$/progress', (params: { value: { kind: string; title?: string } }) => {
    progress.push(params.value.kind + (params.value.title ? `:${params.value.title}` : ''));
  });
});

after(async () => {
  assert.equal(await client.stop(), 0);
  rmSync(storage, { recursive: true, force: true });
});

async function waitForStatus(accept: (s: ModelStatus) => boolean): Promise<ModelStatus> {
  for (let i = 0; i < 100; i++) {
    const found = statuses.findLast(accept);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such status; got ${JSON.stringify(statuses)}`);
}

test('the model is absent until first use; loading it reports progress and ends ready on the CPU', async () => {
  await waitForStatus((s) => s.state === 'absent');
  const status = await client.connection.sendRequest(LoadModelRequest);
  assert.equal(status.state, 'ready');
  assert.equal(status.device, 'cpu');
  assert.match(status.gpuUnusedReason ?? '', /turned off in the settings/);
  assert.match(status.modelName ?? '', /tiny test model/);
  await waitForStatus((s) => s.state === 'loading');
  assert.ok(progress.includes('begin:QED-Nano: loading the model') && progress.includes('end'), progress.join(' '));
});

test('setup information has what a bug report needs', async () => {
  const info = await client.connection.sendRequest(SetupInfoRequest);
  assert.equal(info.nodeLlamaCppVersion, '3.21.1');
  assert.equal(info.model?.path, tinyModelPath('natural'));
  assert.equal(info.model?.sizeBytes, readFileSync(tinyModelPath('natural')).length);
  assert.equal(info.model?.architecture, 'qwen3');
  assert.deepEqual([info.loaded?.threads, info.loaded?.sequences], [1, 1]);
  assert.equal(info.settings.contextSize, 1024);
  assert.equal(info.storagePath, storage);
  assert.equal(info.status.state, 'ready');
});

test('a settings change applies without restarting: the model reloads with the new context size on next use', async () => {
  await client.configure(settings({ contextSize: 2048 }));
  await waitForStatus((s) => s.state === 'absent' && /settings changed/.test(s.message ?? ''));
  await client.connection.sendRequest(LoadModelRequest);
  const info = await client.connection.sendRequest(SetupInfoRequest);
  assert.ok((info.loaded?.contextSize ?? 0) >= 2048);
});

test('a corrupt file, a missing file: clear errors with a next action, and the server lives on', async () => {
  await client.configure(settings({ model: scratchFile('corrupt.gguf', 'GGUF but not really') }));
  await assert.rejects(client.connection.sendRequest(LoadModelRequest), /corrupt\.gguf is not a usable model file/);
  const error = await waitForStatus((s) => s.state === 'error');
  assert.match(error.message ?? '', /not a usable model file/);

  await client.configure(settings({ model: '/nowhere/qed-nano.gguf' }));
  await assert.rejects(client.connection.sendRequest(LoadModelRequest), (error: ResponseError<unknown>) => {
    assert.match(error.message, /does not exist\. Choose a \.gguf file/);
    assert.deepEqual(error.data, { modelUnavailable: true, state: 'absent' }, 'a client can tell the model is what is missing');
    return true;
  });
  await waitForStatus((s) => s.state === 'absent' && /does not exist/.test(s.message ?? ''));

  const uri = 'file:///work/alive.md';
  await client.open(uri, 'markdown', '## Problem 1\nStill analysed.\n');
  assert.equal((await client.symbols(uri))[0]?.name, 'Problem 1');
  const info = await client.connection.sendRequest(SetupInfoRequest);
  assert.match(info.lastError ?? '', /does not exist/);
});

test('a proof document opened with a local model file set loads the model by itself; an hf: model not yet downloaded is never fetched, and the setting turns it off', async () => {
  const document = '\\begin{theorem}\nFor all $n$, $n \\ge 0$.\n\\end{theorem}\n';
  const start = async (extra: object): Promise<{ client: TestLanguageClient; seen: ModelStatus[]; folder: string }> => {
    const folder = mkdtempSync(path.join(tmpdir(), 'qed-nano-autoload-'));
    const { client: started } = await TestLanguageClient.start({ ...settings(extra), storagePath: folder });
    const seen: ModelStatus[] = [];
    started.connection.onNotification(StatusNotification, (status) => {
      seen.push(status);
    });
    await started.open('file:///work/auto.tex', 'latex', document);
    return { client: started, seen, folder };
  };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1500));

  const local = await start({});
  for (let i = 0; i < 200 && local.seen.at(-1)?.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(local.seen.at(-1)?.state, 'ready', `nothing asked for it, and it loaded: ${JSON.stringify(local.seen)}`);

  // An hf: model that is not in the storage folder: a download would start with 'downloading'. The
  // endpoint is one where nothing listens, so a fetch would fail loudly rather than hang.
  const hub = await start({ model: 'hf:someone/not-downloaded:Q4_K_M' });
  await settle();
  assert.ok(!hub.seen.some((s) => s.state === 'downloading' || s.state === 'loading' || s.state === 'error'), JSON.stringify(hub.seen));

  const off = await start({ loadModelOnOpen: false });
  await settle();
  assert.ok(!off.seen.some((s) => s.state === 'loading' || s.state === 'ready'), JSON.stringify(off.seen));

  for (const each of [local, hub, off]) {
    assert.equal(await each.client.stop(), 0);
    rmSync(each.folder, { recursive: true, force: true });
  }
});
