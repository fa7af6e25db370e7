/**
 * The storage folder over a real connection: problems with it never stop analysis or a chat reply and are
 * said in words once; what two servers on one folder keep is merged; a malformed entry is dropped, not
 * obeyed. (Root ignores file permissions, so "read-only" is made here by things standing where the storage
 * wants folders or files, which fails for root too.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DocumentSymbolRequest, ShowMessageNotification, type ShowMessageParams } from 'vscode-languageserver-protocol';
import { ChatHistoryRequest, ChatRequest } from '../../server/src/protocol';
import { sha256, workspaceFile } from '../../server/src/storage/workspaceFiles';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const clients: TestLanguageClient[] = [];
const folders: string[] = [];
after(async () => {
  for (const client of clients) if (client.process.exitCode === null) await client.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const DOCUMENT = '\\begin{problem}\nShow that $n^2 \\ge n$.\n\\end{problem}\n\\begin{problem}\nShow that $2^n > n$.\n\\end{problem}\n';
const URI = 'file:///work/storage.tex';
const FIRST = { line: 1, character: 3 };
const SECOND = { line: 4, character: 3 };

function storage(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-storage-lsp-'));
  folders.push(folder);
  return folder;
}

async function server(storagePath: string, replies: string[]): Promise<{ client: TestLanguageClient; warnings: string[] }> {
  const { client } = await TestLanguageClient.start(
    { storagePath, qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 300 } } },
    {},
    { ...process.env, ...(replies.length > 0 ? { QED_NANO_TEST_SCRIPT: JSON.stringify(replies) } : {}) },
  );
  clients.push(client);
  const warnings: string[] = [];
  client.connection.onNotification(ShowMessageNotification.type, (params: ShowMessageParams) => {
    warnings.push(params.message);
  });
  await client.open(URI, 'latex', DOCUMENT);
  return { client, warnings };
}

const ask = (client: TestLanguageClient, position: typeof FIRST, message: string, conversation?: string) =>
  client.connection.sendRequest(ChatRequest, { textDocument: { uri: URI }, position, message, ...(conversation ? { conversation } : {}) });

test('a storage folder with a file where `conversations` should be: analysis runs, the chat answers, and the problem is said once with its path', async () => {
  const folder = storage();
  writeFileSync(path.join(folder, 'conversations'), 'not a folder');
  const { client, warnings } = await server(folder, ['Think.\n</think>\n\nA hint.', 'More.\n</think>\n\nAnother hint.']);
  assert.ok((await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: URI } }))?.length, 'the outline still comes');
  const reply = await ask(client, FIRST, 'A hint?');
  assert.equal(reply.reply, 'A hint.');
  const again = await ask(client, FIRST, 'Another?', reply.conversation);
  assert.equal(again.conversation, reply.conversation, 'the conversation goes on in memory');
  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: FIRST });
  assert.equal(history.turns.length, 4);
  const said = warnings.filter((w) => w.includes('conversations'));
  assert.equal(said.length, 1, `said once: ${JSON.stringify(warnings)}`);
  assert.match(said[0]!, /cannot (read|write) .*conversations.*: a file stands where a folder should be/);
});

test('a folder where the conversation file should be: no -32603 after the reply; the reply is returned and the problem said in words', async () => {
  const folder = storage();
  mkdirSync(workspaceFile(folder, 'conversations', undefined), { recursive: true });
  const { client, warnings } = await server(folder, ['Think.\n</think>\n\nA hint.']);
  const reply = await ask(client, FIRST, 'A hint?');
  assert.equal(reply.reply, 'A hint.');
  assert.ok(warnings.some((w) => /a folder stands where the file should be/.test(w)), JSON.stringify(warnings));
});

test('two servers on one storage folder (no workspace): neither loses the other\'s conversations', async () => {
  const folder = storage();
  const one = await server(folder, ['a\n</think>\n\nReply one.']);
  const two = await server(folder, ['b\n</think>\n\nReply two.']);
  // Both have read the (empty) folder before either writes: last writer must not win.
  await ask(one.client, FIRST, 'About the first problem');
  await ask(two.client, SECOND, 'About the second problem');
  const third = await server(folder, []);
  const first = await third.client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: FIRST });
  const second = await third.client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: SECOND });
  assert.deepEqual([first.turns.map((t) => t.text), second.turns.map((t) => t.text)], [
    ['About the first problem', 'Reply one.'],
    ['About the second problem', 'Reply two.'],
  ]);
  // And the first server sees the second's conversation too (the file changed under it).
  const seenByOne = await one.client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: SECOND });
  assert.equal(seenByOne.turns.length, 2);
});

test('a conversation kept by an earlier version (its title-and-rank key) is taken over when it is about the same problem, and only then', async () => {
  const folder = storage();
  const file = workspaceFile(folder, 'conversations', undefined);
  mkdirSync(path.dirname(file), { recursive: true });
  const turns = (text: string) => [{ role: 'user', text }, { role: 'assistant', text: 'reply' }];
  const context = { problem: 'P', proof: '', findings: [] };
  writeFileSync(
    file,
    JSON.stringify([
      // Problem#0 as it still reads: taken over.
      { id: 'same', problemKey: `${URI}\nProblem#0`, statementHash: sha256('Show that $n^2 \\ge n$.'), context, turns: turns('about the first'), used: 2 },
      // Problem#1 was another statement then (its text differs): not shown as this problem's.
      { id: 'other', problemKey: `${URI}\nProblem#1`, statementHash: sha256('Show that $3^n > n$.'), context, turns: turns('about another'), used: 1 },
    ]),
  );
  const { client } = await server(folder, []);
  const first = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: FIRST });
  assert.equal(first.conversation, 'same');
  assert.equal(first.problemChanged, false);
  const second = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: SECOND });
  assert.equal(second.conversation, undefined);
  assert.deepEqual(second.turns, []);
  // Taken over for good: stored under the statement's key now.
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { id: string; problemKey: string }[];
  assert.equal(stored.find((c) => c.id === 'same')?.problemKey, `${URI}\ntext:0:Show that $n^2 \\ge n$.`);
});

test('a malformed conversation entry is dropped, not taken as the problem\'s latest', async () => {
  const folder = storage();
  const file = workspaceFile(folder, 'conversations', undefined);
  mkdirSync(path.dirname(file), { recursive: true });
  const key = `${URI}\ntext:0:Show that $n^2 \\ge n$.`;
  const good = { id: 'good', problemKey: key, statementHash: 'x', context: { problem: 'P', proof: '', findings: [] }, turns: [{ role: 'user', text: 'kept question' }, { role: 'assistant', text: 'kept reply' }], used: 1 };
  writeFileSync(file, JSON.stringify([{ ...good, id: 'broken', turns: [null], used: 999 }, { ...good, id: 'worse', used: 'x' }, good]));
  const { client } = await server(folder, []);
  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: URI }, position: FIRST });
  assert.equal(history.conversation, 'good');
  assert.deepEqual(history.turns.map((t) => t.text), ['kept question', 'kept reply']);
});
