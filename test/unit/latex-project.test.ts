import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../../server/src/documents/limits';
import type { ProofDocumentAnalysis } from '../../server/src/documents/proofDocument';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { ProjectLoader } from '../../server/src/project/projectLoader';
import { readFileSync } from 'node:fs';

/** A thesis of several folders: main.tex with a local mymacros.sty, chapters with magic comments, an
 * `\input` cycle, an `\import`ed appendix, a file two roots bring in, and a second root (other.tex). */
const ROOT = path.resolve('test/fixtures/latex-project');
const uri = (file: string): string => pathToFileURL(path.join(ROOT, file)).href;
const codes = (a: ProofDocumentAnalysis | undefined): string[] => (a?.diagnostics ?? []).map((d) => `${d.code}@${d.range.start.line + 1}`);

async function indexed(how: 'workspace' | 'around', file = 'chapters/two.tex'): Promise<ProjectIndex> {
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const loader = new ProjectLoader(index, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined });
  if (how === 'workspace') await loader.indexFolders([ROOT]);
  else await loader.indexAround(path.dirname(path.join(ROOT, file)));
  return index;
}

test('alone, a chapter has the false alarms the project removes', () => {
  const alone = analyzeDocument('latex', readFileSync(path.join(ROOT, 'chapters/two.tex'), 'utf8'), { maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE, guesses: true });
  assert.deepEqual(codes(alone), ['undefined-reference@8', 'undefined-reference@10']);
  assert.deepEqual([alone.statements.length, alone.additionalProofs.length, alone.orphanProofs.length], [0, 1, 0], 'claimx is unknown alone: its proof follows an environment that may be theorem-like, no orphan even as a guess');
});

for (const how of ['workspace', 'around'] as const) {
  test(`a project (${how === 'workspace' ? 'the workspace indexed' : 'found from a chapter opened alone'}): declarations from the root and its .sty, labels across files, only real findings`, async () => {
    const index = await indexed(how);
    const project = index.projectOf(uri('chapters/two.tex'));
    assert.ok(project, 'the magic comment names the root');
    assert.equal(project.root.uri, uri('main.tex'));
    assert.deepEqual(
      project.files.map((f) => path.relative(ROOT, f.path!)),
      ['main.tex', 'chapters/one.tex', 'chapters/loop.tex', 'chapters/two.tex', 'appendix/extra.tex', 'shared/common.tex'],
      'reading order, depth first; the \\input cycle (one -> loop -> one) is read once',
    );
    assert.deepEqual(project.packages.map((f) => path.basename(f.path!)), ['mymacros.sty']);

    const two = index.analysis(uri('chapters/two.tex'))!;
    assert.deepEqual(two.statements.map((s) => [s.environment, s.title, s.label, s.proof !== undefined]), [['claimx', 'Claim', 'clm:sum', true]],
      'claimx is declared in mymacros.sty: a statement with its proof, no orphan proof');
    assert.deepEqual(codes(two), ['duplicate-label@3', 'undefined-reference@10'], '\\ref{prop:pos} (chapters/one.tex) is no finding; a label found nowhere and a duplicate are');
    assert.equal(two.diagnostics.find((d) => d.code === 'undefined-reference')!.severity, 'warning', 'every file of the project was read: a missing label is a warning');
    const duplicate = two.diagnostics.find((d) => d.code === 'duplicate-label')!;
    assert.match(duplicate.message, /also defined in chapters\/one\.tex/);
    assert.equal(duplicate.related?.[0]?.uri, uri('chapters/one.tex'));
    assert.deepEqual(codes(index.analysis(uri('chapters/one.tex'))), ['duplicate-label@9']);

    const extra = index.analysis(uri('appendix/extra.tex'))!;
    assert.deepEqual(extra.statements.map((s) => [s.environment, s.kind, s.proof !== undefined]), [['lemmax', 'lemma', true]],
      'the appendix has no magic comment: main.tex \\imports it; \\declaretheorem in the .sty names lemmax');
    assert.deepEqual(codes(extra), [], '\\ref{clm:sum} is in chapters/two.tex');

    assert.equal(index.projectOf(uri('shared/common.tex')), undefined, 'two roots bring it in: it has no one project...');
    assert.deepEqual(codes(index.analysis(uri('shared/common.tex'))), [], '...but its references are checked against both');
    assert.deepEqual(codes(index.analysis(uri('main.tex'))), []);
    assert.deepEqual(codes(index.analysis(uri('other.tex'))), [], 'the same label in another project is no duplicate');

    const around = index.surroundings(uri('chapters/two.tex'));
    assert.deepEqual(around.macros.map((m) => m.name), ['R', 'N', 'rk', 'eps'], 'the package macros, then the root\'s');
    assert.deepEqual(around.before.map((f) => path.relative(ROOT, f.path!)), ['main.tex', 'chapters/one.tex', 'chapters/loop.tex']);
  });
}

test('an edit re-analyses its own file; the project\'s other files only when the declarations they use change', async () => {
  const index = await indexed('workspace');
  const before = index.analysis(uri('chapters/two.tex'))!;
  const textOf = (file: string): string => index.get(uri(file))!.document.getText();
  const edit = (file: string, text: string): void => {
    const entry = index.get(uri(file))!;
    index.set({ ...entry.document, uri: entry.uri, getText: () => text } as typeof entry.document, 'latex', true);
  };
  // A word typed in chapter one: chapter two's analysis is the same object.
  edit('chapters/one.tex', `${textOf('chapters/one.tex')}\nMore words.`);
  assert.equal(index.analysis(uri('chapters/two.tex')), before);
  // The label chapter two refers to goes away: its reference is reported.
  edit('chapters/one.tex', textOf('chapters/one.tex').replace('\\label{prop:pos}', ''));
  assert.deepEqual(codes(index.analysis(uri('chapters/two.tex'))), ['duplicate-label@3', 'undefined-reference@8', 'undefined-reference@10']);
  // The package stops declaring claimx: chapter two's claim is no statement any more.
  edit('mymacros.sty', textOf('mymacros.sty').replace('\\newtheorem{claimx}{Claim}', ''));
  assert.deepEqual(index.analysis(uri('chapters/two.tex'))!.statements, []);
});

test('hostile projects: an \\input of itself, a chain of 3,000 files, 20,000 missing inputs, roots that name each other', () => {
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const put = (file: string, text: string): void => {
    index.set(TextDocument.create(`file:///hostile/${file}`, 'latex', 0, text), 'latex', false);
  };
  const CHAIN = 3000;
  put('main.tex', '\\documentclass{article}\n\\input{main}\n\\input{c0}\nSee~\\ref{end}.\n');
  for (let i = 0; i < CHAIN; i++) put(`c${i}.tex`, `\\input{c${i + 1}}\n${i === CHAIN - 1 ? '\\label{end}' : ''}`);
  const project = index.projectOf('file:///hostile/main.tex')!;
  assert.equal(project.files.length, CHAIN + 1, 'the chain is read depth first without recursion; main.tex inputs itself once');
  assert.deepEqual(project.missing.map((m) => m.link.target), [`c${CHAIN}`]);
  assert.deepEqual(codes(index.analysis('file:///hostile/main.tex')), [], '\\ref{end} is defined 3,000 files down');
  assert.equal(index.analysis('file:///hostile/main.tex')!.diagnostics.length, 0);

  put('many.tex', `\\documentclass{article}\n${Array.from({ length: 20_000 }, (_, i) => `\\input{missing${i}}`).join('\n')}\n\\ref{nowhere}\n`);
  const wanted = index.wanted().filter((p) => p.includes('missing'));
  assert.equal(wanted.length, 20_000, 'one path per missing input (each relative to the root\'s folder, which is the file\'s own)');
  const reference = index.analysis('file:///hostile/many.tex')!.diagnostics.find((d) => d.code === 'undefined-reference')!;
  assert.equal(reference.severity, 'information', 'files of the project could not be read: the label may be in one of them');

  put('a.tex', '% !TEX root = b.tex\n\\label{x}\n');
  put('b.tex', '% !TEX root = a.tex\n\\ref{x}\n');
  assert.equal(index.projectOf('file:///hostile/a.tex'), undefined, 'roots that name each other without \\documentclass: each file alone');
  assert.deepEqual(codes(index.analysis('file:///hostile/b.tex')), ['undefined-reference@2']);
});

test('a label defined again in another file is reported naming how many other files, not places, define it', () => {
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const put = (name: string, text: string): void => {
    index.set(TextDocument.create(`file:///dup/${name}`, 'latex', 1, text), 'latex', false);
  };
  put('main.tex', '\\documentclass{book}\n\\begin{document}\n\\label{x}\n\\input{b}\n\\input{c}\n\\end{document}\n');
  put('b.tex', '\\label{x}\n\\label{x}\n\\label{x}\n');
  put('c.tex', '\\label{y}\n');
  const duplicate = index.analysis('file:///dup/main.tex')!.diagnostics.find((d) => d.code === 'duplicate-label')!;
  assert.match(duplicate.message, /is also defined in b\.tex of this project/, 'b.tex defines it three times: one more file');
});

test('subfiles and \\subimport: a chapter that names its main file in \\documentclass[..]{subfiles}; \\subimport relative to the importing file; \\newtheorem* and \\def from a class file', () => {
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const put = (file: string, text: string): void => {
    index.set(TextDocument.create(`file:///book/${file}`, 'latex', 0, text), 'latex', false);
  };
  put('book.tex', '\\documentclass{mybook}\n\\begin{document}\n\\subfile{parts/intro}\n\\subimport{parts/}{middle}\n\\end{document}\n');
  put('mybook.cls', '\\LoadClass{book}\n\\newtheorem*{keyclaim}{Claim}\n\\def\\Z{\\mathbb{Z}}\n');
  put('parts/intro.tex', '\\documentclass[../book]{subfiles}\n\\begin{document}\n\\begin{keyclaim}\\label{k}\n$\\Z$ is infinite.\n\\end{keyclaim}\n\\end{document}\n');
  put('parts/middle.tex', '\\subimport{deeper/}{end}\n');
  put('parts/deeper/end.tex', 'By the claim~\\ref{k}.\n');
  const project = index.projectOf('file:///book/parts/intro.tex')!;
  assert.equal(project.root.uri, 'file:///book/book.tex', 'the subfiles chapter names its main file');
  assert.deepEqual(project.files.map((f) => f.uri.replace('file:///book/', '')), ['book.tex', 'parts/intro.tex', 'parts/middle.tex', 'parts/deeper/end.tex'],
    '\\subimport{deeper/}{end} in parts/middle.tex is parts/deeper/end.tex');
  assert.deepEqual(project.packages.map((f) => f.uri.replace('file:///book/', '')), ['mybook.cls']);
  const intro = index.analysis('file:///book/parts/intro.tex')!;
  assert.deepEqual(intro.statements.map((s) => [s.environment, s.kind, s.title]), [['keyclaim', 'claim', 'Claim']], '\\newtheorem* in the class');
  assert.deepEqual(codes(index.analysis('file:///book/parts/deeper/end.tex')), []);
  assert.deepEqual(index.surroundings('file:///book/parts/deeper/end.tex').macros.map((m) => [m.name, m.body]), [['Z', '\\mathbb{Z}']], '\\def in the class');
});

test('reads never write: every question asked of the index tells no listener; only a text taken in that changes what other files see does, once', async () => {
  const index = await indexed('workspace');
  let told = 0;
  index.onDidChange(() => told++);
  const files = index.all().map((f) => f.uri);
  const askEverything = (): void => {
    for (const file of files) {
      index.analysis(file);
      index.scope(file);
      index.projectOf(file);
      index.labelsAndReferences(file);
      index.surroundings(file);
    }
    index.wanted();
  };
  askEverything();
  assert.equal(told, 0, 'the first reads analyse every file as part of its project, and tell nobody');
  index.invalidate();
  assert.equal(told, 1, 'settings that shape analysis changed: the listeners are told once');
  askEverything();
  assert.equal(told, 1, 'every file analysed again on the reads after it, and nobody told again');

  const two = index.get(uri('chapters/two.tex'))!;
  const text = two.document.getText();
  const typed = TextDocument.create(two.uri, 'latex', 2, `${text}\n% a comment`);
  assert.equal(index.set(typed, 'latex', true), false, 'a comment changes nothing other files see');
  assert.equal(told, 1);
  const labelled = TextDocument.create(two.uri, 'latex', 3, `${text}\n\\label{new:label}`);
  assert.equal(index.set(labelled, 'latex', true), true, 'a new label is seen by the project');
  assert.equal(told, 2);
  askEverything();
  assert.equal(told, 2, 'the reads after that write tell nobody');
});
