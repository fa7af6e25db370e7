/**
 * The remote engine through the real language server over stdio, against local stand-ins for vLLM
 * (test/support/openAiServer.ts: the OpenAI wire format, node-llama-cpp and the tiny model behind it):
 * prove, deep mode spread over two endpoints, cancellation closing the HTTP request, consent, and each kind
 * of server failure giving its documented error or recovery, never a hang. The API key never appears in
 * the protocol trace, the server's log or its stderr.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ShowMessageRequest, Trace } from 'vscode-languageserver-protocol';
import { CritiqueRequest, LoadModelRequest, ProveRequest, StatusNotification, type ModelStatus, type ProveParams, type GenerationProgress } from '../../server/src/protocol';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';
import { OpenAiTestServer } from '../support/openAiServer';
import { closedPort } from '../support/ports';

const KEY = 'sk-test-4f1c9e-do-not-print';
const PROOF = 'Check $n=1$.\n</think>\n\n**Proof.** Since $n \\ge 1$, $n^2 = n \\cdot n \\ge n$. ∎';
const DOCUMENT = '## Problem 1\n\nShow that $n^2 \\ge n$ for every positive integer $n$.\n';
const URI = 'file:///work/remote.md';
const AT: ProveParams = { textDocument: { uri: URI }, position: { line: 0, character: 3 } };

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Session {
  client: TestLanguageClient;
  /** Everything the client saw: the protocol trace (verbose, with every message's params) and stderr. */
  seen: () => string;
  questions: string[];
  statuses: ModelStatus[];
}

async function testServer(options: Partial<Parameters<typeof OpenAiTestServer.start>[0]> = {}): Promise<OpenAiTestServer> {
  const server = await OpenAiTestServer.start({ modelPath: tinyModelPath('natural'), apiKey: KEY, scripts: [PROOF], sequences: 2, ...options });
  cleanup.push(() => server.stop());
  return server;
}

async function session(endpoints: string[], remote: object = {}, answer = 'Allow', deep: object = {}): Promise<Session> {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-remote-'));
  const { client } = await TestLanguageClient.start(
    { storagePath: storage, qedNano: { engine: 'remote', remote: { endpoints, timeoutSeconds: 2, ...remote }, generation: { maxTokens: 400 }, deep } },
    {},
    { ...process.env, QED_NANO_API_KEY: KEY },
  );
  cleanup.push(async () => {
    await client.stop();
    rmSync(storage, { recursive: true, force: true });
  });
  const trace: string[] = [];
  await client.connection.trace(Trace.Verbose, { log: (message: string, data?: string) => trace.push(message, data ?? '') });
  const questions: string[] = [];
  client.connection.onRequest(ShowMessageRequest.type, (params) => {
    questions.push(params.message);
    return params.actions?.find((a) => a.title === answer) ?? null;
  });
  const statuses: ModelStatus[] = [];
  client.connection.onNotification(StatusNotification.method, (status: ModelStatus) => void statuses.push(status));
  await client.open(URI, 'markdown', DOCUMENT);
  return { client, seen: () => [...trace, ...client.stderr].join('\n'), questions, statuses };
}

function streamOf(client: TestLanguageClient, token: string): GenerationProgress[] {
  const values: GenerationProgress[] = [];
  client.connection.onNotification('$/progress', (params: { token: string; value: GenerationProgress }) => {
    if (params.token === token) values.push(params.value);
  });
  return values;
}

test('prove through a remote endpoint: the exact prompt format, streamed, after asking once to send the text there', async () => {
  const server = await testServer();
  const { client, seen, questions, statuses } = await session([server.url.replace(/\/v1$/, '')]);
  const streamed = streamOf(client, 'remote-1');
  const result = await client.connection.sendRequest(ProveRequest, { ...AT, partialResultToken: 'remote-1' });
  assert.equal(result.thinking, 'Check $n=1$.');
  assert.equal(result.proof, '**Proof.** Since $n \\ge 1$, $n^2 = n \\cdot n \\ge n$. ∎');
  assert.equal(streamed.map((v) => (v.kind === 'answer' ? v.text : '')).join(''), result.proof);
  assert.ok(result.stats.promptTokens > 20 && result.stats.thinkingTokens > 0, 'usage feeds the stats');
  assert.equal(questions.length, 1);
  assert.match(questions[0]!, /send the text of the documents you work on in this workspace to 127\.0\.0\.1:\d+/);
  const [generation] = server.generations;
  assert.equal(generation?.path, '/v1/completions', 'a bare host gets /v1');
  assert.match(String(generation?.body?.prompt), /^<\|im_start\|>user\n[\s\S]*Show that \$n\^2 \\ge n\$[\s\S]*<\|im_end\|>\n<\|im_start\|>assistant\n<think>\n$/);
  assert.equal(generation?.body?.stream, true);
  assert.equal(generation?.authorization, `Bearer ${KEY}`);
  assert.ok(statuses.some((s) => s.state === 'ready' && s.device === 'remote' && /^127\.0\.0\.1:\d+$/.test(s.remote ?? '')), 'the status names the host');
  await client.connection.sendRequest(ProveRequest, AT);
  assert.equal(questions.length, 1, 'asked once');
  assert.ok(!seen().includes(KEY), 'the key is in no trace, log or error output');
});

test('deep mode spreads its candidates over two endpoints, up to each one\'s concurrency', async () => {
  const verify = 'Fine.\n</think>\n\nThe proof is complete. \\boxed{1}';
  const [a, b] = [await testServer({ scripts: [PROOF, PROOF, verify] }), await testServer({ scripts: [PROOF, PROOF, verify] })];
  const { client } = await session([a.url, b.url], { maxConcurrency: 1 }, 'Allow', { poolSize: 4, verifications: 1, rounds: 0 });
  const result = await client.connection.sendRequest(ProveRequest, { ...AT, mode: 'deep' });
  assert.ok(result.deep && result.deep.candidates.length === 4, JSON.stringify(result.deep));
  assert.ok(a.generations.length >= 2 && b.generations.length >= 2, `split: ${a.generations.length} and ${b.generations.length} requests`);
});

test('cancelling a remote proof closes its HTTP request at once: the server streams next to nothing after it', async () => {
  const server = await testServer({ modelPath: tinyModelPath('endless'), scripts: undefined });
  const { client } = await session([server.url], {}, 'Allow');
  await client.connection.sendRequest(LoadModelRequest);
  const streamed = streamOf(client, 'cancel-1');
  const source = new CancellationTokenSource();
  const running = client.connection.sendRequest(ProveRequest, { ...AT, partialResultToken: 'cancel-1' }, source.token).catch((error: unknown) => error);
  while (!streamed.some((v) => v.kind === 'thinking')) await new Promise((r) => setTimeout(r, 10));
  const request = server.generations.at(-1)!;
  const sentAtCancel = request.tokensSent;
  source.cancel();
  assert.match(String(await running), /cancel/i);
  // Waits for the close however long it takes (a lost cancel: the test's own timeout), then counts.
  while (request.closedEarlyAt === undefined) await new Promise((r) => setTimeout(r, 10));
  const sentAfter = request.tokensSent - sentAtCancel;
  // A lost cancel streams the rest of the request's max_tokens (400 here); a prompt one, what was on the wire
  // as the close reached the server (0 to 2 tokens seen here). Counted: milliseconds move on a loaded machine.
  assert.ok(sentAfter <= 40, `the server streamed ${sentAfter} tokens after the cancel (max_tokens ${String(request.body?.max_tokens)})`);
});

test('server failures: each gives its documented error or recovery, and nothing hangs', async () => {
  const server = await testServer();
  const { client, seen } = await session([server.url], { timeoutSeconds: 1 });
  const prove = (): Promise<string> =>
    client.connection.sendRequest(ProveRequest, AT).then(
      (result) => `proved: ${result.proof}`,
      (error: unknown) => `error: ${error instanceof Error ? error.message : String(error)}`,
    );
  await client.connection.sendRequest(LoadModelRequest);

  server.faults.push({ kind: 'status', status: 401 });
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ rejected the API key \(HTTP 401.*Set the key with QED-Nano: Set API Key for the Remote Engine/);

  server.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 1 });
  const before = server.generations.length;
  assert.match(await prove(), /^proved: \*\*Proof\.\*\*/, '429, then success after Retry-After');
  assert.equal(server.generations.length - before, 2);

  server.faults.push({ kind: 'status', status: 500, message: 'CUDA out of memory' });
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ answered HTTP 500: CUDA out of memory\.$/);

  server.faults.push({ kind: 'status', status: 400, message: "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens." });
  assert.match(await prove(), /^error: The request does not fit the context of 127\.0\.0\.1:\d+: This model's maximum context length is 4096 tokens/);

  server.faults.push({ kind: 'malformed' });
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ is not an OpenAI-compatible server: an event of its stream is not JSON/);

  server.faults.push({ kind: 'reset', afterEvents: 3 });
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ (reset the connection|closed the connection in the middle of the reply)/, 'text was streamed: not retried');

  server.faults.push({ kind: 'hang' });
  assert.match(await prove(), /^proved: /, 'a server that did not answer: ended after the timeout and retried');
  // A server that answered and then sent nothing is up but stuck: with no other endpoint, the request ends
  // after one timeout instead of waiting one timeout per attempt.
  server.faults.push({ kind: 'silent' });
  const askedBefore = server.generations.length;
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ sent no new token for 1 s; the request was ended \(qedNano\.remote\.timeoutSeconds\)\.$/);
  assert.equal(server.generations.length - askedBefore, 1, 'the stuck server is not asked again');
  server.faults.push({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
  assert.match(await prove(), /^error: 127\.0\.0\.1:\d+ sent no new token for 1 s; the request was ended \(qedNano\.remote\.timeoutSeconds\)\.$/);
  assert.match(await prove(), /^proved: /, 'the next request is answered');
  assert.ok(!seen().includes(KEY));
});

test('an unreachable endpoint, a model the server does not serve, and a declined endpoint say what to do', async () => {
  const server = await testServer({ modelName: 'Qwen/Qwen3-4B' });
  const wrongModel = await session([server.url]);
  await assert.rejects(wrongModel.client.connection.sendRequest(LoadModelRequest), /127\.0\.0\.1:\d+ does not serve lm-provers\/QED-Nano; it serves Qwen\/Qwen3-4B\. Set qedNano\.remote\.model/);

  const refused = await closedPort();
  const unreachable = await session([`http://127.0.0.1:${refused}/v1`]);
  await assert.rejects(unreachable.client.connection.sendRequest(LoadModelRequest), new RegExp(`127\\.0\\.0\\.1:${refused} cannot be reached \\(ECONNREFUSED\\)`));

  const tls = await session([server.url.replace('http:', 'https:')]);
  await assert.rejects(tls.client.connection.sendRequest(LoadModelRequest), /The TLS connection to 127\.0\.0\.1:\d+ failed: .*Check the server's certificate, or the URL's scheme/);

  // Plain http to another machine is said in the question (declined here: nothing is sent).
  const elsewhere = await session(['http://gpu-box.invalid:8000'], {}, "Don't Allow");
  await assert.rejects(elsewhere.client.connection.sendRequest(LoadModelRequest), /declined/);
  assert.match(elsewhere.questions[0] ?? '', /to gpu-box\.invalid:8000 .*It is plain http to another machine: anyone on the network between can read the text\./);

  const declined = await session([server.url], {}, "Don't Allow");
  await assert.rejects(declined.client.connection.sendRequest(ProveRequest, AT), /not sent to the remote endpoint: that was declined for this workspace/);
  assert.equal(server.generations.length, 0, 'no document text left the machine');
});

test('an endpoint with only /chat/completions is used through it, its reasoning_content read as thinking', async () => {
  const server = await testServer({ chatOnly: true });
  const { client } = await session([server.url]);
  const result = await client.connection.sendRequest(ProveRequest, AT);
  assert.equal(result.thinking, 'Check $n=1$.');
  assert.equal(result.proof, '**Proof.** Since $n \\ge 1$, $n^2 = n \\cdot n \\ge n$. ∎');
  assert.deepEqual(server.generations.map((r) => r.path), ['/v1/completions', '/v1/chat/completions']);
  const messages = server.generations[1]!.body!.messages as { role: string; content: string }[];
  assert.equal(messages.at(-1)?.role, 'user');
  await client.connection.sendRequest(ProveRequest, AT);
  assert.equal(server.generations.at(-1)!.path, '/v1/chat/completions', 'remembered: straight to the chat route');
});

test('critiquing every proof of a file fans out over the endpoints, as many at once as they take', async () => {
  const verdict = '{"score":"1","findings":[]}';
  const [a, b] = [await testServer({ scripts: [verdict] }), await testServer({ scripts: [verdict] })];
  const { client } = await session([a.url, b.url], { maxConcurrency: 1 });
  await client.configure({ qedNano: { engine: 'remote', remote: { endpoints: [a.url, b.url], maxConcurrency: 1, timeoutSeconds: 2 }, critique: { trigger: 'manual', depth: 'quick' }, generation: { maxTokens: 400 } } });
  const uri = 'file:///work/four.md';
  const proofs = [1, 2, 3, 4].map((n) => `## Problem ${n}\n\nShow that $${n} \\ge 1$.\n\n**Proof.** Since $${n} - 1 \\ge 0$. ∎\n`).join('\n');
  await client.open(uri, 'markdown', proofs);
  const result = await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  assert.deepEqual(result.proofs.map((p) => p.score), [1, 1, 1, 1]);
  assert.ok(a.generations.length >= 1 && b.generations.length >= 1, `spread: ${a.generations.length} and ${b.generations.length}`);
  assert.equal(a.generations.length + b.generations.length, 4);
});

test('an endpoint that fails hands its work to the others', async () => {
  const [a, b] = [await testServer(), await testServer()];
  const down = await closedPort();
  const { client } = await session([`http://127.0.0.1:${down}/v1`, a.url, b.url], { maxConcurrency: 1 });
  const first = await client.connection.sendRequest(ProveRequest, AT);
  assert.match(first.proof, /^\*\*Proof\.\*\*/, 'a dead endpoint does not stop the work');
  a.faults.push({ kind: 'status', status: 503 });
  b.faults.push({ kind: 'status', status: 503 });
  const before = a.generations.length + b.generations.length;
  const second = await client.connection.sendRequest(ProveRequest, AT);
  assert.match(second.proof, /^\*\*Proof\.\*\*/, '503 on one endpoint: retried on the other');
  assert.ok(a.generations.length + b.generations.length - before >= 2);
});

test('a remote reply that becomes a repetition loop is stopped early, as the local engine stops it', async () => {
  const phrase = 'Let me check the case n=2 again. ';
  const server = await testServer({ scripts: [`Start. ${phrase.repeat(300)}`] });
  const { client } = await session([server.url]);
  await client.configure({ qedNano: { engine: 'remote', remote: { endpoints: [server.url], timeoutSeconds: 5 }, generation: { maxTokens: 6000, thinkingBudget: 6000 } } });
  const result = await client.connection.sendRequest(ProveRequest, AT);
  assert.equal(result.stopReason, 'repetitionLoop');
  assert.ok(result.stats.thinkingTokens < 1500, `stopped after ${result.stats.thinkingTokens} of about 3,000 tokens`);
  assert.equal(server.generations.at(-1)?.closedEarlyAt !== undefined, true, 'the request was closed');
});
