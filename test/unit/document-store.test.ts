/**
 * The open documents' store over a real LSP connection (in-memory streams, vscode-jsonrpc on both ends):
 * a document's text goes into the project index when the client opens it and after a burst of changes,
 * and every read (snapshots, analyses) only reads: the index's listeners hear of a change when it is
 * taken in, never from a read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification } from 'vscode-languageserver/node';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../../server/src/documents/limits';
import { DocumentStore } from '../../server/src/documentStore';

const URI = 'file:///notes/theorems.tex';
const TEXT = ['\\documentclass{article}', '\\begin{document}', '\\begin{theorem}\\label{thm:a} $x > 0$. \\end{theorem}', '\\begin{proof} Clear. \\end{proof}', '\\end{document}'].join('\n');

function connected(): { store: DocumentStore; client: ReturnType<typeof createMessageConnection>; settle: () => Promise<void>; close: () => void } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const store = new DocumentStore(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  store.listen(server, () => undefined);
  // Messages are handled in order: when this request is answered, every notification before it was handled.
  server.onRequest('test/handled', () => null);
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  client.listen();
  const settle = async (): Promise<void> => {
    await client.sendRequest('test/handled');
  };
  return { store, client, settle, close: () => { client.dispose(); server.dispose(); } };
}

test('a document goes into the index when it is opened and after its changes; reads tell no listener', async () => {
  const { store, client, settle, close } = connected();
  try {
    let told = 0;
    store.index.onDidChange(() => told++);
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: URI, languageId: 'latex', version: 1, text: TEXT } });
    await settle();
    assert.equal(told, 1, 'the new file is in the index as soon as it is opened (its labels are new to the project)');
    for (let read = 0; read < 3; read++) {
      const now = store.snapshot(URI);
      assert.equal(now?.analysis.statements.length, 1);
      store.analysisOf(store.documents.get(URI)!);
      assert.equal(store.hasProofDocument(), true);
    }
    assert.equal(told, 1, 'reading the document (its snapshot, its analysis) tells nobody');

    // A label typed: a read sees it at once and tells nobody; the index's listeners hear of it once the
    // burst of changes is taken in (TAKE_DELAY_MS after the last).
    const end = { line: 4, character: 0 };
    const heard = new Promise<void>((resolve) => store.index.onDidChange(resolve));
    await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: URI, version: 2 }, contentChanges: [{ range: { start: end, end }, text: '\\label{eq:new}\n' }] });
    await settle();
    assert.ok(store.snapshot(URI)?.analysis.labels.some((l) => l.name === 'eq:new'), 'a read sees the new text');
    assert.equal(told, 1, 'and tells nobody');
    await heard;
    assert.equal(told, 2, 'the change is told once it is taken in');
    store.snapshot(URI);
    assert.equal(told, 2, 'and the read after it tells nobody');
  } finally {
    close();
  }
});
