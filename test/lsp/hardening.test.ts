/**
 * The language server under a misbehaving client, hostile settings and races, over a real stdio
 * connection with the real engine and the tiny model. Each test is a regression test for a fault a probe
 * found: a deadlock, a lost cancellation, lost output, a hung or killed process, a silent zombie.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ConfigurationRequest, DocumentSymbolRequest, ResponseError, WorkDoneProgressCreateRequest } from 'vscode-languageserver-protocol';
import { childProcessProbe } from '../../server/src/model/loadProbe';
import { LoadModelRequest, ProveRequest, SetupInfoRequest, StatusNotification, type ModelStatus, type ProveParams, type GenerationProgress } from '../../server/src/protocol';
import { REPO_ROOT } from '../support/fixtures';
import { FakeHuggingFace } from '../support/fakeHuggingFace';
import { SERVER_PATH, TestLanguageClient } from '../support/lspClient';
import { scratchFile, specialPaths, tinyModelPath } from '../support/models';
import { tinyModelBytes } from '../support/tinyModel';

const storage = mkdtempSync(path.join(tmpdir(), 'qed-hardening-'));
const clients: TestLanguageClient[] = [];
after(async () => {
  for (const client of clients) if (client.process.exitCode === null && client.process.signalCode === null) await client.stop();
  rmSync(storage, { recursive: true, force: true });
});

const THEOREM = '\\begin{theorem}\nFor all $n$, $n^2 \\ge n$.\n\\end{theorem}\n';
const URI = 'file:///work/hardening.tex';
const at: ProveParams = { textDocument: { uri: URI }, position: { line: 1, character: 2 } };

function settings(extra: object = {}): { qedNano: object } {
  return { qedNano: { model: tinyModelPath('endless'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 1500 }, ...extra } };
}

async function server(
  options: { settings?: object; storagePath?: string; env?: Record<string, string>; pull?: () => object } = {},
): Promise<{ client: TestLanguageClient; statuses: ModelStatus[] }> {
  const capabilities = options.pull ? { workspace: { configuration: true }, window: { workDoneProgress: true } } : { window: { workDoneProgress: true } };
  const { client } = await TestLanguageClient.start(
    { ...(options.settings ?? settings()), storagePath: options.storagePath ?? storage },
    capabilities,
    { ...process.env, ...options.env },
  );
  clients.push(client);
  const statuses: ModelStatus[] = [];
  client.connection.onNotification(StatusNotification, (status) => {
    statuses.push(status);
  });
  client.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  if (options.pull) client.connection.onRequest(ConfigurationRequest.type, () => [options.pull!()]);
  await client.open(URI, 'latex', THEOREM);
  return { client, statuses };
}

/** Resolves with `promise`, or rejects after `ms` (a hang is a failure, not a stuck test run). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]);
}

test('settings sent while the model loads (the same ones, or only the temperature) never deadlock later loads and proofs', async () => {
  const { client, statuses } = await server();
  const loading = client.connection.sendRequest(LoadModelRequest);
  await client.configure(settings());
  await client.configure(settings({ generation: { maxTokens: 1500, temperature: 0.3 } }));
  assert.equal((await within(20_000, loading, 'qed/loadModel')).state, 'ready');
  assert.equal((await within(20_000, client.connection.sendRequest(LoadModelRequest), 'a second qed/loadModel')).state, 'ready');
  const proved = await within(30_000, client.connection.sendRequest(ProveRequest, at), 'qed/prove');
  assert.ok(proved.stats.thinkingTokens > 0);
  assert.ok(!statuses.some((s) => /settings changed/.test(s.message ?? '')), 'sampling settings never unload the model');
});

test('two qed/loadModel at once, each pulling workspace/configuration, both resolve', async () => {
  const { client } = await server({ pull: () => settings().qedNano });
  const both = await within(20_000, Promise.all([client.connection.sendRequest(LoadModelRequest), client.connection.sendRequest(LoadModelRequest)]), 'two loads');
  assert.deepEqual(both.map((s) => s.state), ['ready', 'ready']);
});

test('a download superseded by a new model setting stops, and the new model loads instead', async () => {
  const model = tinyModelBytes('natural');
  const hub = new FakeHuggingFace(
    [{ owner: 'lm-test', repo: 'QED-Nano-GGUF', tags: { Q4_K_M: 'QED-Nano.Q4_K_M.gguf' }, files: { 'QED-Nano.Q4_K_M.gguf': model } }],
    { bytesPer10Ms: 2000 },
  );
  const endpoint = await hub.start();
  try {
    const { client, statuses } = await server({ settings: settings({ model: 'hf:lm-test/QED-Nano-GGUF:Q4_K_M' }), storagePath: mkdtempSync(path.join(tmpdir(), 'qed-superseded-')), env: { QED_NANO_HF_ENDPOINT: endpoint } });
    const first = client.connection.sendRequest(LoadModelRequest);
    for (let i = 0; i < 200 && !statuses.some((s) => s.state === 'downloading'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(statuses.some((s) => s.state === 'downloading'), 'the download was under way');
    await client.configure(settings({ model: tinyModelPath('natural'), contextSize: 1024 }));
    const status = await within(20_000, first, 'the superseded qed/loadModel');
    assert.equal(status.state, 'ready');
    const info = await client.connection.sendRequest(SetupInfoRequest);
    assert.equal(info.model?.path, tinyModelPath('natural'), 'the model of the new setting');
    assert.ok(!statuses.some((s) => s.state === 'error'), JSON.stringify(statuses.filter((s) => s.state === 'error')));
  } finally {
    await hub.stop();
  }
});

test('100 proofs each cancelled as soon as sent (often before dispatch) all answer RequestCancelled, and the server ends idle', async () => {
  const { client, statuses } = await server();
  await client.connection.sendRequest(LoadModelRequest);
  const metered = async (): Promise<number> => (await client.connection.sendRequest(SetupInfoRequest)).loaded!.meteredTokens;
  const before = await metered();
  const answers = await within(
    60_000,
    Promise.all(
      Array.from({ length: 100 }, () => {
        const source = new CancellationTokenSource();
        const request = client.connection.sendRequest(ProveRequest, at, source.token);
        source.cancel();
        return request.then(
          () => 'resolved',
          (error: unknown) => (error instanceof ResponseError ? error.code : String(error)),
        );
      }),
    ),
    '100 cancelled proofs',
  );
  assert.deepEqual([...new Set(answers)], [-32800]);
  const work = (await metered()) - before;
  // Counted, not timed: a lost cancel leaves the model working (each proof would run a 1,500-token budget;
  // one honoured a second late, 762 tokens over all); a prompt one lets at most the odd dispatched prompt be
  // read, with the evaluation in flight (0 to 78 tokens seen here).
  assert.ok(work <= 256, `the model read or generated ${work} tokens for 100 cancelled proofs`);
  for (let i = 0; i < 100 && statuses.at(-1)?.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(statuses.at(-1)?.state, 'ready');
});

test('changing the context size mid-proof ends it as preempted with what it wrote, then the model reloads', async () => {
  const { client } = await server({ settings: settings({ generation: { maxTokens: 20_000, thinkingBudget: 20_000 }, contextSize: 4096 }) });
  const streamed: GenerationProgress[] = [];
  client.connection.onNotification('$/progress', (params: { token: string; value: GenerationProgress }) => {
    if (params.token === 'preempt') streamed.push(params.value);
  });
  const running = client.connection.sendRequest(ProveRequest, { ...at, partialResultToken: 'preempt' });
  while (!streamed.some((v) => v.kind === 'thinking')) await new Promise((r) => setTimeout(r, 10));
  await client.configure(settings({ contextSize: 3072 }));
  const result = await within(10_000, running, 'the preempted qed/prove');
  assert.equal(result.stopReason, 'preempted');
  assert.ok(result.thinking.length > 0, 'what was written is kept');
  const again = await within(30_000, client.connection.sendRequest(ProveRequest, at), 'a proof after the reload');
  assert.notEqual(again.stopReason, 'preempted');
  const info = await client.connection.sendRequest(SetupInfoRequest);
  assert.ok((info.loaded?.contextSize ?? 0) >= 3072 && (info.loaded?.contextSize ?? 0) < 4096, String(info.loaded?.contextSize));
});

test('a FIFO or a symlink loop as the model is refused at once with its reason, and a good file loads after it', async () => {
  const { fifo, loop } = specialPaths('lsp-special');
  const { client } = await server({ settings: settings({ model: fifo }) });
  await assert.rejects(within(5000, client.connection.sendRequest(LoadModelRequest), 'FIFO load'), /named pipe \(FIFO\), not a regular file/);
  await client.configure(settings({ model: loop }));
  await assert.rejects(within(5000, client.connection.sendRequest(LoadModelRequest), 'symlink-loop load'), /symlink loop/);
  await client.configure(settings({ model: tinyModelPath('natural') }));
  assert.equal((await within(20_000, client.connection.sendRequest(LoadModelRequest), 'good load')).state, 'ready');
});

test('a server that died while loading a good model (kill -9): the next one probes the file in a child process and loads it', async () => {
  const guarded = mkdtempSync(path.join(tmpdir(), 'qed-killed-'));
  const model = tinyModelPath('natural');
  const { size, mtimeMs } = statSync(model);
  // The marker a killed server leaves: its process is gone.
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.once('exit', resolve));
  mkdirSync(path.join(guarded, 'loads'));
  writeFileSync(path.join(guarded, 'loads', `${dead.pid}.json`), JSON.stringify({ pid: dead.pid, host: hostname(), file: { path: model, size, mtimeMs: Math.floor(mtimeMs) } }));
  const { client, statuses } = await server({ settings: settings({ model }), storagePath: guarded });
  assert.equal((await within(30_000, client.connection.sendRequest(LoadModelRequest), 'load after probe')).state, 'ready');
  assert.ok(statuses.some((s) => /Checking .* in a separate process/.test(s.message ?? '')), 'the user saw why the load took longer');
  assert.ok(!existsSync(path.join(guarded, 'crashed-models.json')), 'not recorded as crashed');
  await client.stop();
  assert.deepEqual(readdirSync(path.join(guarded, 'loads')), [], 'a clean stop leaves no marker');
  rmSync(guarded, { recursive: true, force: true });
});

test('the probe tells a child that aborts from one that loads or refuses a file', async () => {
  const probe = (script: string) => childProcessProbe(() => ({ gpu: false, threads: 1, contextSize: 512 }), script);
  const aborting = scratchFile('aborts.js', 'process.abort();');
  assert.equal(await probe(aborting)(tinyModelPath('natural')), 'crashed');
  const real = path.join(REPO_ROOT, 'dist', 'probe.js');
  assert.equal(await probe(real)(tinyModelPath('natural')), 'survived');
  assert.equal(await probe(real)(scratchFile('not-a-model.gguf', 'text')), 'survived', 'an ordinary refusal is no crash');
});

test('a misbehaving client: didOpen without text, malformed changes, a 300 KB hostile document; the server lives and answers', async () => {
  const { client } = await server();
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///work/no-text.tex', languageId: 'latex', version: 1 } });
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: 2 }, contentChanges: [{ text: 42 }] });
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: 3 }, contentChanges: [{ range: { start: { line: -1 } }, text: 'x' }] });
  const longName = 'n'.repeat(100_000);
  const hostile = `\\begin{${longName}}\n${'\\begin{a}'.repeat(10_000)}\n\\end{${longName}}\n`;
  await client.open('file:///work/hostile.tex', 'latex', hostile);
  const diagnostics = await client.diagnostics('file:///work/hostile.tex', () => true, 20_000);
  assert.ok(diagnostics.length > 0 && diagnostics.length <= 1001, `${diagnostics.length} diagnostics`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(client.process.exitCode, null, 'still running');
  assert.equal((await client.symbols(URI))[0]?.name, 'Theorem', 'the malformed changes were dropped, the document kept');
});

test('requests before initialize answer ServerNotInitialized (-32002)', async () => {
  const child = spawn(process.execPath, [SERVER_PATH, '--stdio'], { stdio: 'pipe' });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'textDocument/documentSymbol', params: { textDocument: { uri: URI } } });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 100 && !output.includes('"id":1'); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill();
  assert.match(output, /"code":-32002/);
});

test('a prompt longer than the context answers RequestFailed with the sentence a user reads', async () => {
  const long = `\\begin{theorem}\n${'Let $x_k$ be a positive real number for every index k. '.repeat(60)}\n\\end{theorem}\n`;
  const { client } = await server({ settings: settings({ contextSize: 512 }) });
  await client.open('file:///work/long.tex', 'latex', long);
  await assert.rejects(client.connection.sendRequest(ProveRequest, { textDocument: { uri: 'file:///work/long.tex' }, position: { line: 1, character: 1 } }), (error: unknown) => {
    assert.ok(error instanceof ResponseError);
    assert.equal(error.code, -32803);
    assert.match(error.message, /more than its context of 512 holds\. Select a shorter statement, or raise qedNano\.contextSize/);
    return true;
  });
});

for (const [name, bytes] of [
  ['a non-numeric Content-Length', 'Content-Length: abc\r\n\r\n{}'],
  ['a negative Content-Length', 'Content-Length: -5\r\n\r\n{}'],
  ['5 MB without a header terminator', 'X'.repeat(5 * 1024 * 1024)],
] as const) {
  test(`a broken stream (${name}) makes the server say so and exit, never a silent zombie`, async () => {
    const { client } = await server();
    const exited = new Promise<number | null>((resolve) => client.process.once('exit', (code) => resolve(code)));
    client.process.stdin.write(bytes);
    assert.equal(await within(10_000, exited, 'exit after a broken stream'), 1);
    assert.match(client.stderr.join(''), /the client's message stream is broken/);
  });
}

test('hostile resource settings are held to the machine: threads to its cores, document size to 20 M characters', async () => {
  const { client } = await server({ settings: settings({ threads: 256, analysis: { maxDocumentSize: Number.MAX_SAFE_INTEGER } }) });
  await client.connection.sendRequest(LoadModelRequest);
  const info = await client.connection.sendRequest(SetupInfoRequest);
  assert.equal(info.loaded?.threads, availableParallelism());
  assert.ok((info.status.message ?? '').includes(`Uses ${availableParallelism()} threads instead of 256 (qedNano.threads): this machine has ${availableParallelism()} cores.`), info.status.message);
  assert.equal(info.settings.analysis.maxDocumentSize, 20_000_000);
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } } };
  for (const setting of ['qedNano.model', 'qedNano.threads', 'qedNano.contextSize', 'qedNano.parallelSequences', 'qedNano.analysis.maxDocumentSize']) {
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(setting), `${setting} is restricted in untrusted workspaces`);
  }
  assert.ok((await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: URI } }))?.length);
});
