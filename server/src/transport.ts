/**
 * Guards of the connection's boundary, where a misbehaving client's bytes and messages come in.
 *  - watchFraming: the LSP base protocol's framing on stdio. vscode-jsonrpc's reader, given a
 *    Content-Length that is not a non-negative number or a header that never ends, stops delivering
 *    messages without a word: the server lives on and answers nothing. This watcher reads the same bytes
 *    (headers only; bodies are skipped by length), and reports such a stream so that the server can exit
 *    and be restarted by its client.
 *  - documentSyncGuard: textDocument/didOpen and didChange with the wrong types (no string text, say)
 *    would throw later, inside a timer, and end the process; they are dropped here, with a log line.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DidChangeTextDocumentParams, DidOpenTextDocumentParams } from 'vscode-languageserver-protocol';

/** No header section of a real client comes near this. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Nor any message body (a JavaScript string cannot hold much more). */
const MAX_CONTENT_LENGTH = 512 * 1024 * 1024;

/** What TextDocuments.listen needs of a connection. */
type TextDocumentConnection = Parameters<TextDocuments<TextDocument>['listen']>[0];

/** Calls `onBroken` (once) when the bytes on `input` stop being LSP messages. */
export function watchFraming(input: NodeJS.ReadableStream, onBroken: (reason: string) => void): void {
  let bodyLeft = 0;
  let header: number[] = [];
  let broken = false;
  const fail = (reason: string): void => {
    if (!broken) onBroken(reason);
    broken = true;
  };
  input.on('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length && !broken) {
      if (bodyLeft > 0) {
        const taken = Math.min(bodyLeft, chunk.length - at);
        bodyLeft -= taken;
        at += taken;
        continue;
      }
      header.push(chunk[at++]!);
      const n = header.length;
      if (n >= 4 && header[n - 4] === 13 && header[n - 3] === 10 && header[n - 2] === 13 && header[n - 1] === 10) {
        const length = contentLength(Buffer.from(header).toString('ascii'));
        header = [];
        if (typeof length === 'string') fail(length);
        else bodyLeft = length;
      } else if (n > MAX_HEADER_BYTES) {
        fail(`a message header ran past ${MAX_HEADER_BYTES / 1024} KB without ending (no blank line after it)`);
      }
    }
  });
}

/** The Content-Length of a header section, or what is wrong with it. */
function contentLength(headers: string): number | string {
  const line = headers.split('\r\n').find((l) => /^content-length\s*:/i.test(l));
  if (!line) return 'a message header has no Content-Length';
  const value = line.slice(line.indexOf(':') + 1).trim();
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_CONTENT_LENGTH) return `a message header has the Content-Length ${JSON.stringify(value.slice(0, 40))}, not a byte count`;
  return Number(value);
}

/**
 * The document-sync part of `connection`, for TextDocuments.listen, with malformed notifications dropped
 * (and logged) instead of passed on. `changedAt` hears where each accepted change began (the first
 * change's line; undefined for a whole-text change).
 */
export function documentSyncGuard(connection: Connection, log: (message: string) => void, changedAt: (uri: string, line: number | undefined) => void): TextDocumentConnection {
  const drop = (method: string, problem: string): void => log(`Ignored ${method} from the client: ${problem}.`);
  return {
    onDidOpenTextDocument: (handler) =>
      connection.onDidOpenTextDocument((params: DidOpenTextDocumentParams) => {
        const problem = openProblem(params);
        if (problem) drop('textDocument/didOpen', problem);
        else handler(params);
      }),
    onDidChangeTextDocument: (handler) =>
      connection.onDidChangeTextDocument((params: DidChangeTextDocumentParams) => {
        const problem = changeProblem(params);
        if (problem) drop('textDocument/didChange', problem);
        else {
          handler(params);
          const first = params.contentChanges[0];
          changedAt(params.textDocument.uri, first && 'range' in first ? first.range.start.line : undefined);
        }
      }),
    onDidCloseTextDocument: (handler) =>
      connection.onDidCloseTextDocument((params) => {
        if (typeof params?.textDocument?.uri === 'string') handler(params);
        else drop('textDocument/didClose', 'no document uri');
      }),
    onWillSaveTextDocument: (handler) => connection.onWillSaveTextDocument(handler),
    onWillSaveTextDocumentWaitUntil: (handler) => connection.onWillSaveTextDocumentWaitUntil(handler),
    onDidSaveTextDocument: (handler) => connection.onDidSaveTextDocument(handler),
  };
}

function openProblem(params: DidOpenTextDocumentParams): string | undefined {
  const document = params?.textDocument;
  if (typeof document?.uri !== 'string') return 'no document uri';
  if (typeof document.text !== 'string') return `${document.uri} came without a string \`text\``;
  if (typeof document.languageId !== 'string') return `${document.uri} came without a string \`languageId\``;
  if (!Number.isInteger(document.version)) return `${document.uri} came without an integer \`version\``;
  return undefined;
}

function changeProblem(params: DidChangeTextDocumentParams): string | undefined {
  const document = params?.textDocument;
  if (typeof document?.uri !== 'string') return 'no document uri';
  if (!Number.isInteger(document.version)) return `a change of ${document.uri} came without an integer \`version\``;
  if (!Array.isArray(params.contentChanges)) return `a change of ${document.uri} came without a \`contentChanges\` list`;
  for (const change of params.contentChanges as unknown[]) {
    const { text, range } = (change ?? {}) as { text?: unknown; range?: unknown };
    if (typeof text !== 'string') return `a change of ${document.uri} came without a string \`text\``;
    if (range !== undefined && !isRange(range)) return `a change of ${document.uri} has a malformed \`range\``;
  }
  return undefined;
}

function isRange(value: unknown): boolean {
  const { start, end } = (value ?? {}) as { start?: unknown; end?: unknown };
  return isPosition(start) && isPosition(end);
}

function isPosition(value: unknown): boolean {
  const { line, character } = (value ?? {}) as { line?: unknown; character?: unknown };
  return Number.isInteger(line) && Number.isInteger(character) && (line as number) >= 0 && (character as number) >= 0;
}

