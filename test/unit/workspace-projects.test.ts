/**
 * The workspace's LaTeX projects kept in step with what the client reports (project/workspaceProjects.ts,
 * no LSP: the tests call it as server.ts does), over real folders on disk: the folders read at start with
 * progress, a file written or deleted on disk, a folder removed (its files forgotten unless open).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../../server/src/documents/limits';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { ProjectLoader } from '../../server/src/project/projectLoader';
import { WorkspaceProjects } from '../../server/src/project/workspaceProjects';

test('folders are read at start with progress; files written, changed and deleted on disk follow; a removed folder\'s files go unless open', async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'qed-workspace-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [thesis, notes] = [path.join(root, 'thesis'), path.join(root, 'notes')];
  mkdirSync(thesis);
  mkdirSync(notes);
  const write = (file: string, text: string): string => {
    writeFileSync(file, text);
    return pathToFileURL(file).href;
  };
  const main = write(path.join(thesis, 'main.tex'), '\\documentclass{article}\n\\begin{document}\n\\input{one}\n\\end{document}\n');
  const one = write(path.join(thesis, 'one.tex'), '\\begin{theorem}\\label{thm:a}\nA.\n\\end{theorem}\n');
  const open = write(path.join(notes, 'open.tex'), '\\section{Open}\n');
  const closed = write(path.join(notes, 'closed.tex'), '\\section{Closed}\n');

  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const loader = new ProjectLoader(index, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined });
  const told: string[] = [];
  const progress: string[] = [];
  const projects = new WorkspaceProjects(index, loader, {
    startProgress: async (title) => {
      progress.push(title);
      return { report: () => {}, cancelled: new AbortController().signal, done: () => progress.push('done') };
    },
    info: (message) => told.push(message),
    error: (message) => told.push(`error: ${message}`),
    warn: (message) => told.push(`warning: ${message}`),
  });
  /** Lets the background reads end (each read the loader tracks; a chain of them one after another). */
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 20; round++) {
      await loader.settled(60_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const held = (): string[] => index.all().map((file) => path.relative(root, file.path!)).sort();

  projects.initialize([pathToFileURL(thesis).href, pathToFileURL(notes).href, 'untitled:Untitled-1']);
  projects.start();
  await settle();
  assert.deepEqual(held(), ['notes/closed.tex', 'notes/open.tex', 'thesis/main.tex', 'thesis/one.tex']);
  assert.deepEqual(progress, ['QED-Nano: reading LaTeX projects', 'done']);
  assert.match(told.join('\n'), /^Read 4 LaTeX files of /);
  assert.equal(index.projectOf(one)?.root.uri, main, 'one.tex is read as a file of main.tex');

  const two = write(path.join(thesis, 'two.tex'), '\\begin{lemma}\nB.\n\\end{lemma}\n');
  writeFileSync(path.join(thesis, 'one.tex'), '\\begin{theorem}\\label{thm:b}\nA.\n\\end{theorem}\n');
  projects.filesChanged([{ uri: two, deleted: false }, { uri: one, deleted: false }]);
  await settle();
  assert.ok(index.get(two), 'a file written on disk is read');
  assert.deepEqual(index.analysis(one)!.labels.map((l) => l.name), ['thm:b'], 'a changed file is read again');
  unlinkSync(path.join(thesis, 'two.tex'));
  projects.filesChanged([{ uri: two, deleted: true }]);
  await settle();
  assert.equal(index.get(two), undefined, 'a deleted file is forgotten');

  // The editor has open.tex open: removing its folder keeps it, forgets the other.
  index.set(TextDocument.create(open, 'latex', 1, '\\section{Open, edited}\n'), 'latex', true);
  projects.foldersChanged([pathToFileURL(notes).href], []);
  await settle();
  assert.deepEqual(held(), ['notes/open.tex', 'thesis/main.tex', 'thesis/one.tex']);
  assert.equal(index.get(closed), undefined);
  assert.deepEqual(told.filter((m) => m.startsWith('error')), []);
});
