/**
 * A LaTeX project through the real server over stdio, as a user meets it: the workspace is a thesis of
 * several folders (test/fixtures/latex-project, copied so that the disk can change), and only one chapter
 * is open. The server reads the rest from disk in the background (with progress), so the chapter's
 * diagnostics have no false alarm; labels lead across files; a file changed on disk is read again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DefinitionRequest,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  FileChangeType,
  ReferencesRequest,
  RegistrationRequest,
  WorkDoneProgressCreateRequest,
  WorkspaceSymbolRequest,
  type Diagnostic,
  type Location,
  type PublishDiagnosticsParams,
  type Registration,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import { ChatHistoryRequest } from '../../server/src/protocol';
import { REPO_ROOT } from '../support/fixtures';
import { TestLanguageClient } from '../support/lspClient';

const workspace = mkdtempSync(path.join(tmpdir(), 'qed-project-'));
cpSync(path.join(REPO_ROOT, 'test/fixtures/latex-project'), workspace, { recursive: true });
const uri = (file: string): string => pathToFileURL(path.join(workspace, file)).href;
const read = (file: string): string => readFileSync(path.join(workspace, file), 'utf8');
const codes = (diagnostics: Diagnostic[]): string[] => diagnostics.map((d) => `${String(d.code)}@${d.range.start.line + 1}`);
const hasCodes = (expected: string[]) => (params: PublishDiagnosticsParams): boolean => JSON.stringify(codes(params.diagnostics)) === JSON.stringify(expected);

let client: TestLanguageClient;
const registrations: Registration[] = [];
const progress: unknown[] = [];

before(async () => {
  ({ client } = await TestLanguageClient.start(
    {},
    { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, window: { workDoneProgress: true } },
    process.env,
    [],
    pathToFileURL(workspace).href,
  ));
  client.connection.onRequest(RegistrationRequest.type, (params) => {
    registrations.push(...params.registrations);
  });
  client.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  client.connection.onNotification('$/progress', (params: { value: unknown }) => {
    progress.push(params.value);
  });
  await client.open(uri('chapters/two.tex'), 'latex', read('chapters/two.tex'));
});

after(async () => {
  assert.equal(await client.stop(), 0, client.stderr.join(''));
});

test('a chapter opened alone: the project is read from disk with progress, and only real findings remain', async () => {
  const diagnostics = await client.diagnostics(uri('chapters/two.tex'), hasCodes(['duplicate-label@3', 'undefined-reference@10']), 20_000);
  const duplicate = diagnostics.find((d) => d.code === 'duplicate-label')!;
  assert.equal(duplicate.relatedInformation?.[0]?.location.uri, uri('chapters/one.tex'), 'the other definition is shown where it is');
  assert.ok(registrations.some((r) => r.method === DidChangeWatchedFilesNotification.method), 'LaTeX files are watched');
  const kinds = (): string[] => progress.map((value) => (value as { kind: string }).kind);
  for (let waited = 0; !kinds().includes('end') && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((progress[0] as { title?: string }).title, 'QED-Nano: reading LaTeX projects');
  assert.deepEqual([kinds()[0], kinds().at(-1)], ['begin', 'end'], `the reading ends its progress: ${JSON.stringify(progress)}`);
  assert.ok(progress.some((value) => /^\d+ of \d+ files$/.test((value as { message?: string }).message ?? '')), 'it counts the files');

  const history = await client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri: uri('chapters/two.tex') }, position: { line: 4, character: 5 } });
  assert.equal(history.macros['\\R'], '\\mathbb{R}', 'the panel and chat typeset with the macros of mymacros.sty');
  assert.equal(history.macros['\\eps'], '\\varepsilon', 'and of the root');
});

test('go to definition and find references of a label across the project; workspace symbols list its statements', async () => {
  const text = read('chapters/two.tex');
  const line = text.split('\n').findIndex((l) => l.includes('\\ref{prop:pos}'));
  const character = text.split('\n')[line]!.indexOf('prop:pos');
  const definition = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: uri('chapters/two.tex') }, position: { line, character } })) as Location[];
  assert.deepEqual(definition.map((l) => [l.uri, l.range.start.line]), [[uri('chapters/one.tex'), 2]]);

  const references = (await client.connection.sendRequest(ReferencesRequest.type, {
    textDocument: { uri: uri('chapters/two.tex') },
    position: { line, character },
    context: { includeDeclaration: true },
  }))!;
  assert.deepEqual(
    references.map((l) => `${path.relative(workspace, new URL(l.uri).pathname)}:${l.range.start.line + 1}`).sort(),
    ['chapters/one.tex:3', 'chapters/two.tex:8', 'shared/common.tex:2'],
  );

  const symbols = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, { query: '' })) as SymbolInformation[];
  assert.deepEqual(
    symbols.map((s) => `${path.relative(workspace, new URL(s.location.uri).pathname)}: ${s.name}`).sort(),
    ['appendix/extra.tex: Lemma', 'chapters/one.tex: Proposition [prop:pos]', 'chapters/two.tex: Claim [clm:sum]', 'main.tex: Theorem [thm:base]'],
  );
  const claims = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'clm' })) as SymbolInformation[];
  assert.deepEqual(claims.map((s) => s.name), ['Claim [clm:sum]']);
});

test('a file changed on disk is read again: a label removed in another chapter is now a finding in the open one', async () => {
  writeFileSync(path.join(workspace, 'chapters/one.tex'), read('chapters/one.tex').replace('\\label{prop:pos}', ''));
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri('chapters/one.tex'), type: FileChangeType.Changed }] });
  await client.diagnostics(uri('chapters/two.tex'), hasCodes(['duplicate-label@3', 'undefined-reference@8', 'undefined-reference@10']), 10_000);
});

test('a file deleted on disk is forgotten: the chapter\'s references to it are then only information (the project is incomplete)', async () => {
  rmSync(path.join(workspace, 'chapters/one.tex'));
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri('chapters/one.tex'), type: FileChangeType.Deleted }] });
  const diagnostics = await client.diagnostics(uri('chapters/two.tex'), hasCodes(['undefined-reference@8', 'undefined-reference@10']), 10_000);
  assert.deepEqual(diagnostics.map((d) => d.severity), [3, 3], 'main.tex inputs a file that is gone: the labels may be there once it is back');
});

test('without a workspace folder, a chapter opened from disk finds its root in the folders above it', async () => {
  const fresh = mkdtempSync(path.join(tmpdir(), 'qed-project-alone-'));
  cpSync(path.join(REPO_ROOT, 'test/fixtures/latex-project'), fresh, { recursive: true });
  const { client: alone } = await TestLanguageClient.start();
  try {
    const chapter = pathToFileURL(path.join(fresh, 'chapters/two.tex')).href;
    await alone.open(chapter, 'latex', readFileSync(path.join(fresh, 'chapters/two.tex'), 'utf8'));
    await alone.diagnostics(chapter, hasCodes(['duplicate-label@3', 'undefined-reference@10']), 20_000);
    const symbols = await alone.symbols(chapter);
    const outline = symbols.map((s) => [s.name, (s.children ?? []).map((child) => child.name)]);
    assert.deepEqual(outline, [['Squares', ['Claim (clm:sum)']]], 'the outline has the claim its root\'s package declares, under its section');
  } finally {
    assert.equal(await alone.stop(), 0);
  }
});

test('a folder added to the workspace is read (its statements are workspace symbols); a removed one is forgotten', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-project-added-'));
  cpSync(path.join(REPO_ROOT, 'test/fixtures/latex-project'), folder, { recursive: true });
  const { client: multi } = await TestLanguageClient.start({}, { workspace: { workspaceFolders: true } });
  try {
    const symbols = async (): Promise<string[]> =>
      ((await multi.connection.sendRequest(WorkspaceSymbolRequest.type, { query: '' })) as SymbolInformation[]).map((s) => s.name).sort();
    assert.deepEqual(await symbols(), []);
    const added = { uri: pathToFileURL(folder).href, name: 'thesis' };
    await multi.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [added], removed: [] } });
    const expected = ['Claim [clm:sum]', 'Lemma', 'Proposition [prop:pos]', 'Theorem [thm:base]'];
    let found: string[] = [];
    for (let tries = 0; tries < 50 && JSON.stringify(found) !== JSON.stringify(expected); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      found = await symbols();
    }
    assert.deepEqual(found, expected);
    await multi.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [], removed: [added] } });
    for (let tries = 0; tries < 50 && found.length > 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      found = await symbols();
    }
    assert.deepEqual(found, []);
  } finally {
    assert.equal(await multi.stop(), 0);
  }
});
