/**
 * `qed/chat` and `qed/chatHistory` over a real stdio connection with the real engine and the tiny model;
 * exact replies from the server's scripted mode.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol';
import { ChatHistoryRequest, ChatRequest, LoadModelRequest, type ChatParams, type GenerationProgress } from '../../server/src/protocol';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const clients: TestLanguageClient[] = [];
const storages: string[] = [];
after(async () => {
  for (const client of clients) if (client.process.exitCode === null) await client.stop();
  for (const storage of storages) rmSync(storage, { recursive: true, force: true });
});

const DOCUMENT = String.raw`\begin{problem}\label{p:squares}
Show that $n^2 \ge n$ for every integer $n \ge 1$.
\end{problem}
\begin{proof}
Let $n \ge 1$. Then $n^2 - n = n(n-1)$.
\end{proof}
\begin{problem}
Show that $2^n > n$.
\end{problem}
`;
const URI = 'file:///work/chat.tex';
const IN_FIRST = { line: 1, character: 4 };
const IN_SECOND = { line: 7, character: 4 };

function newStorage(): string {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-chat-'));
  storages.push(storage);
  return storage;
}

async function server(storage: string, scripts: string[] | undefined, extra: object = {}): Promise<TestLanguageClient> {
  const { client } = await TestLanguageClient.start(
    { storagePath: storage, qedNano: { model: tinyModelPath(scripts ? 'natural' : 'endless'), threads: 1, contextSize: 4096, gpu: 'off', generation: { maxTokens: 1500 }, ...extra } },
    {},
    { ...process.env, ...(scripts ? { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) } : {}) },
  );
  clients.push(client);
  await client.open(URI, 'latex', DOCUMENT);
  return client;
}

function ask(client: TestLanguageClient, message: string, extra: Partial<ChatParams> = {}, token?: CancellationTokenSource) {
  return client.connection.sendRequest(ChatRequest, { textDocument: { uri: URI }, position: IN_FIRST, message, ...extra }, token?.token);
}

test('a reply streams exactly (thinking, then the reply), and the conversation is the problem\'s history', async () => {
  const client = await server(newStorage(), ['Look at the factors.\n</think>\n\nHint: both $n$ and $n-1$ are nonnegative.']);
  const streamed: GenerationProgress[] = [];
  client.connection.onNotification('$/progress', (params: { token: string; value: GenerationProgress }) => {
    if (params.token === 'chat-1') streamed.push(params.value);
  });
  const result = await ask(client, 'Give me a hint (no full solution).', { partialResultToken: 'chat-1' });
  assert.equal(result.reply, 'Hint: both $n$ and $n-1$ are nonnegative.');
  assert.equal(result.thinking, 'Look at the factors.');
  assert.equal(streamed.filter((v) => v.kind === 'answer').map((v) => (v as { text: string }).text).join(''), result.reply);
  assert.ok(streamed.some((v) => v.kind === 'thinking'));
  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: { line: 4, character: 3 } });
  assert.deepEqual(history.problem, { title: 'Problem', line: 0, statement: 'Show that $n^2 \\ge n$ for every integer $n \\ge 1$.' });
  assert.equal(history.conversation, result.conversation);
  assert.deepEqual(history.turns.map((t) => [t.role, t.text]), [['user', 'Give me a hint (no full solution).'], ['assistant', result.reply]]);
  const other = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_SECOND });
  assert.deepEqual([other.problem?.line, other.turns], [6, []], 'the second problem has its own (empty) history');
});

test('the second turn evaluates only the new message: the conversation is a growing prefix', async () => {
  const client = await server(newStorage(), ['First thought.\n</think>\n\nFirst answer about the factors.', 'Second thought.\n</think>\n\nSecond answer.']);
  await client.connection.sendRequest(LoadModelRequest);
  const first = await ask(client, 'Is my proof correct?');
  const second = await ask(client, 'Why?', { conversation: first.conversation });
  assert.equal(second.reply, 'Second answer.');
  assert.ok(second.stats.promptTokens > first.stats.promptTokens);
  const conversationSoFar = first.stats.promptTokens + first.stats.thinkingTokens + first.stats.answerTokens;
  assert.ok(
    second.stats.evaluatedPromptTokens <= 'Why?'.length + 12 + 0.05 * conversationSoFar,
    `second turn evaluated ${second.stats.evaluatedPromptTokens} of ${second.stats.promptTokens} prompt tokens`,
  );
});

test('conversations outlive the server; a new conversation becomes the current one; a changed statement is noticed', async () => {
  const storage = newStorage();
  const first = await server(storage, ['ok\n</think>\n\nReply one.']);
  const kept = await ask(first, 'Explain this step');
  await first.stop();
  const second = await server(storage, ['ok\n</think>\n\nReply two.']);
  const history = await second.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_FIRST });
  assert.equal(history.conversation, kept.conversation, 'kept across a restart');
  assert.equal(history.turns.length, 2);
  const fresh = await ask(second, 'Try a different approach');
  assert.notEqual(fresh.conversation, kept.conversation);
  const now = await second.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_FIRST });
  assert.deepEqual([now.conversation, now.turns.length], [fresh.conversation, 2]);
  await second.change(URI, 2, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } }, text: 'Prove' }]);
  assert.equal((await second.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_FIRST })).problemChanged, true);
});

test('a long conversation is summarised, whole turns only, and goes on inside the context', async () => {
  const long = (n: number): string => `Question ${n}: ${'explain the inequality between the square and the number once more, step by step, '.repeat(6)}`;
  const summary = 'I was asked about the inequality.\n</think>\n\nThe student asked why the square is at least the number; I pointed at the factors.';
  const client = await server(newStorage(), ['a\n</think>\n\nReply one.', summary, 'b\n</think>\n\nReply two.'], { contextSize: 1024, generation: { maxTokens: 300 } });
  const one = await ask(client, long(1));
  const two = await ask(client, long(2), { conversation: one.conversation });
  assert.equal(two.reply, 'Reply two.', 'the turn after the summary');
  assert.ok(two.stats.promptTokens < 1024 - 100, `${two.stats.promptTokens} prompt tokens leave room for the reply`);
  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_FIRST });
  assert.equal(history.summarised, true);
  assert.deepEqual(history.turns.map((t) => t.text), [long(2), 'Reply two.'], 'whole turns: the first exchange went into the summary');
});

test('cancelling a reply answers RequestCancelled at once and keeps nothing of it; no problem at the cursor is a clear error', async () => {
  const client = await server(newStorage(), undefined, { generation: { maxTokens: 20_000, thinkingBudget: 20_000 } });
  await client.connection.sendRequest(LoadModelRequest);
  const source = new CancellationTokenSource();
  const running = ask(client, 'Is my proof correct?', {}, source);
  await new Promise((r) => setTimeout(r, 300));
  source.cancel();
  await assert.rejects(running, (error: unknown) => error instanceof ResponseError && error.code === -32800);
  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: IN_FIRST });
  assert.deepEqual(history.turns, []);
  await assert.rejects(client.connection.sendRequest(ChatRequest, { textDocument: { uri: URI }, position: { line: 9, character: 0 }, message: 'hi' }), /Put the cursor in a problem/);
});
