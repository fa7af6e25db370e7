/**
 * The project loader's edges through the real server over stdio (issue 27's probe): symbolic links are
 * judged by where they lead (a `.tex` link to a text file, or out of the workspace, brings nothing into a
 * prompt; a folder linked to itself does not multiply a file), a workspace with more LaTeX files than the
 * cap reads its root and what it includes first and says once what was left out and which setting raises
 * the cap, with progress at most once per percent, and a burst of one-change `didChangeWatchedFiles`
 * notifications is read in a few passes, the last change winning. Nothing is timed: readiness is polled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  LogMessageNotification,
  RegistrationRequest,
  ShowMessageNotification,
  WorkDoneProgressCreateRequest,
  WorkspaceSymbolRequest,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import { ChatHistoryRequest } from '../../server/src/protocol';
import { TestLanguageClient } from '../support/lspClient';

const CAPABILITIES = { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, window: { workDoneProgress: true } };
const HEADER = '\\documentclass{article}\n\\newtheorem{lemma}{Lemma}\n\\newtheorem{problem}{Problem}\n';

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

/** A server on `workspace` that records what it shows, logs and reports as progress. */
async function serverOn(workspace: string, settings: object = {}) {
  const { client } = await TestLanguageClient.start({ qedNano: settings }, CAPABILITIES, process.env, [], pathToFileURL(workspace).href);
  const shown: string[] = [];
  const logged: string[] = [];
  const progress: { kind: string; message?: string }[] = [];
  client.connection.onRequest(RegistrationRequest.type, () => undefined);
  client.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  client.connection.onNotification(ShowMessageNotification.type, (params) => {
    shown.push(params.message);
  });
  client.connection.onNotification(LogMessageNotification.type, (params) => {
    logged.push(params.message);
  });
  client.connection.onNotification('$/progress', (params: { value: { kind: string; message?: string } }) => {
    progress.push(params.value);
  });
  const symbols = async (query: string): Promise<string[]> =>
    ((await client.connection.sendRequest(WorkspaceSymbolRequest.type, { query })) as SymbolInformation[]).map((s) => `${path.relative(workspace, new URL(s.location.uri).pathname)}: ${s.name}`).sort();
  /** Polls `probe` until `done` accepts its value (the server reads in the background); returns the value. */
  async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    let value = await probe();
    for (let tries = 0; tries < 200 && !done(value); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await probe();
    }
    return value;
  }
  return { client, shown, logged, progress, symbols, until };
}

test('links are judged by where they lead: a .tex link to a text file or out of the workspace is not read; a folder linked to itself reads its file once', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'qed-links-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'qed-links-outside-'));
  write(outside, 'notes.txt', '\\newcommand{\\secret}{SECRET NOTES}\n');
  write(outside, 'away.tex', '\\newcommand{\\away}{AWAY}\n');
  write(workspace, 'shared/macros.tex', '\\newcommand{\\ok}{OK}\n');
  symlinkSync(path.join(outside, 'notes.txt'), path.join(workspace, 'link.tex'));
  symlinkSync(path.join(outside, 'away.tex'), path.join(workspace, 'outlink.tex'));
  symlinkSync(path.join(workspace, 'shared/macros.tex'), path.join(workspace, 'inlink.tex'));
  write(workspace, 'loop/x.tex', '\\begin{lemma}\nLooped once.\n\\end{lemma}\n\\subimport{d/}{x}\n');
  symlinkSync('.', path.join(workspace, 'loop/d'));
  const main = `${HEADER}\\begin{document}\n\\input{link}\n\\input{outlink}\n\\input{inlink}\n\\input{loop/x}\n\\begin{problem}\nShow that $\\ok = \\ok$.\n\\end{problem}\n\\end{document}\n`;
  write(workspace, 'main.tex', main);

  const { client, symbols, until } = await serverOn(workspace);
  try {
    const uri = pathToFileURL(path.join(workspace, 'main.tex')).href;
    await client.open(uri, 'latex', main);
    const line = main.split('\n').findIndex((l) => l.startsWith('Show that'));
    const history = await until(
      () => client.connection.sendRequest(ChatHistoryRequest, { textDocument: { uri }, position: { line, character: 3 } }),
      (h) => h.macros['\\ok'] !== undefined,
    );
    assert.equal(history.macros['\\ok'], 'OK', 'a link to a LaTeX file inside the workspace is followed');
    assert.equal(history.macros['\\secret'], undefined, 'link.tex -> notes.txt: a text file is not read, whatever the link is called');
    assert.equal(history.macros['\\away'], undefined, 'a link out of the workspace is not followed');
    assert.deepEqual(await symbols('Lemma'), ['loop/x.tex: Lemma'], 'loop/d/x.tex, loop/d/d/x.tex...: the same file, read once');
  } finally {
    assert.equal(await client.stop(), 0, client.stderr.join(''));
  }
});

test('past the file cap: the root and what it includes are read first, the user is told once which setting raises the cap, progress at most once per percent', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'qed-cap-'));
  // 300 notes before main.tex in alphabetical order; main.tex includes a chapter that comes last too.
  for (let i = 0; i < 300; i++) write(workspace, `a-notes/note-${String(i).padStart(3, '0')}.tex`, `% note ${i}\n`);
  write(workspace, 'main.tex', `${HEADER}\\begin{document}\n\\input{z-chapter}\n\\begin{lemma}[Root]\nIn the root.\n\\end{lemma}\n\\end{document}\n`);
  write(workspace, 'z-chapter.tex', '\\begin{lemma}[Chapter]\nIn the chapter.\n\\end{lemma}\n');
  const { client, shown, progress, symbols, until } = await serverOn(workspace, { analysis: { maxProjectFiles: 200 } });
  try {
    await until(async () => progress.at(-1)?.kind, (kind) => kind === 'end');
    assert.deepEqual(await symbols('Lemma'), ['main.tex: Lemma (Root)', 'z-chapter.tex: Lemma (Chapter)'].sort(), 'the root and its chapter are among the files read');
    await until(async () => shown.length, (n) => n > 0);
    assert.equal(shown.length, 1, 'said once');
    assert.match(shown[0]!, /read 200 LaTeX files .* left 102 out of their projects .*Raise qedNano\.analysis\.maxProjectFiles/);
    const reports = progress.filter((p) => p.kind === 'report');
    assert.ok(reports.length <= 101, `${reports.length} progress messages for 200 files`);
    assert.equal(reports.at(-1)?.message, '200 of 200 files', 'the count is of the files read, not of those left out');
  } finally {
    assert.equal(await client.stop(), 0, client.stderr.join(''));
  }
});

test('a burst of one-change didChangeWatchedFiles notifications is read in a few passes; the last change of each file wins', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'qed-burst-'));
  const files = Array.from({ length: 100 }, (_, i) => `chapters/c${i}.tex`);
  for (const file of files) write(workspace, file, '% empty\n');
  write(workspace, 'main.tex', `${HEADER}\\begin{document}\n${files.map((f) => `\\input{${f.replace(/\.tex$/, '')}}`).join('\n')}\n\\end{document}\n`);
  const { client, logged, progress, symbols, until } = await serverOn(workspace);
  try {
    const main = pathToFileURL(path.join(workspace, 'main.tex')).href;
    await client.open(main, 'latex', readFileSync(path.join(workspace, 'main.tex'), 'utf8'));
    await until(async () => progress.at(-1)?.kind, (kind) => kind === 'end');
    // A checkout: every file rewritten 20 times, each write its own notification (2,000 in all).
    const notifications = 2000;
    for (let round = 0; round < 20; round++) {
      for (const [i, file] of files.entries()) {
        write(workspace, file, `\\begin{lemma}[Round ${round} of ${i}]\nChanged.\n\\end{lemma}\n`);
        void client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(path.join(workspace, file)).href, type: FileChangeType.Changed }] });
      }
    }
    assert.ok(Array.isArray(await client.symbols(main)), 'the outline is answered meanwhile');
    const expected = files.map((file, i) => `${file}: Lemma (Round 19 of ${i})`).sort();
    assert.deepEqual(await until(() => symbols('Round'), (found) => JSON.stringify(found) === JSON.stringify(expected)), expected, 'each file as last written');
    const passes = logged.filter((m) => /^Read \d+ changed LaTeX files?\.$/.test(m));
    const read = passes.reduce((sum, m) => sum + Number(/\d+/.exec(m)![0]), 0);
    assert.ok(passes.length > 0 && passes.length < notifications / 10, `${passes.length} passes for ${notifications} notifications`);
    assert.ok(read >= files.length && read < notifications / 2, `${read} file reads for ${notifications} notifications: a file changed again before its pass is read once`);
  } finally {
    assert.equal(await client.stop(), 0, client.stderr.join(''));
  }
});
