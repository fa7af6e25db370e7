/**
 * Labels across documents and through a project's macros: xr's `\externaldocument[prefix]{file}` (with and
 * without a prefix, relative to the root, read by the loader, missing), a list of chapters beside the
 * documents that declare each other, macros that wrap `\input`, `\label` and `\ref` (with constant text,
 * xparse's optional arguments, a constant in a path), one note per missing label per file, and the label
 * questions of project/labelQueries.ts (what a name means, every place that writes it, renaming it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../../server/src/documents/limits';
import type { ProofDocumentAnalysis } from '../../server/src/documents/proofDocument';
import { findWrapperUses, wrapperOf, wrapperSet } from '../../server/src/documents/wrappers';
import { labelChoices, labelsMeant, nameAt, occurrencesOf, renameEdits } from '../../server/src/project/labelQueries';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { ProjectLoader } from '../../server/src/project/projectLoader';

const codes = (a: ProofDocumentAnalysis | undefined): string[] => (a?.diagnostics ?? []).map((d) => `${d.code}@${d.range.start.line + 1}`);

/** An index of in-memory files under `file:///<folder>/`. */
function project(folder: string, files: Record<string, string>): { index: ProjectIndex; uri: (file: string) => string } {
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  const uri = (file: string): string => `file:///${folder}/${file}`;
  for (const [file, text] of Object.entries(files)) index.set(TextDocument.create(uri(file), 'latex', 0, text), 'latex', false);
  return { index, uri };
}

const preamble = (externals: string): string => `\\documentclass{article}\n\\usepackage{xr-hyper}\n${externals}\n\\begin{document}\n`;

test('xr: a prefixed reference means the other document\'s label; one without a prefix too; a reference found nowhere is one warning', () => {
  const { index, uri } = project('xr', {
    'ch1.tex': `${preamble('\\externaldocument[c2-]{ch2}\n\\externaldocument{parts/ch3}')}\\begin{theorem}\\label{thm:one}\nSee \\ref{c2-thm:two}, \\cref{thm:three,c2-thm:two}, \\hyperref[c2-thm:two]{it}.\n\\end{theorem}\n\\ref{c2-thm:nowhere} and \\ref{c2-thm:nowhere}.\n\\end{document}\n`,
    'ch2.tex': `${preamble('\\externaldocument[c1-]{ch1}')}\\input{ch2body}\nBy \\ref{c1-thm:one}.\n\\end{document}\n`,
    'ch2body.tex': '\\begin{lemma}\\label{thm:two}\nTrue.\n\\end{lemma}\n',
    'parts/ch3.tex': `${preamble('')}\\begin{theorem}\\label{thm:three}\nAlso.\n\\end{theorem}\n\\end{document}\n`,
  });
  assert.deepEqual(codes(index.analysis(uri('ch1.tex'))), ['undefined-reference@9'], 'c2- labels are ch2\'s (its \\input file\'s too); parts/ch3 is relative to the root; the one label found nowhere is one finding');
  const missing = index.analysis(uri('ch1.tex'))!.diagnostics[0]!;
  assert.equal(missing.severity, 'warning');
  assert.match(missing.message, /`\\ref\{c2-thm:nowhere\}` \(and 1 more reference to it in this file\): no `\\label\{c2-thm:nowhere\}` in this project/);
  assert.deepEqual(codes(index.analysis(uri('ch2.tex'))), []);
  assert.deepEqual(index.projectOf(uri('ch1.tex'))!.external.map((e) => [e.link.prefix ?? '', e.document?.uri]), [['c2-', uri('ch2.tex')], ['', uri('parts/ch3.tex')]]);
});

test('xr: a missing external file is one warning at its \\externaldocument, and the references it may answer are not reported', () => {
  const { index, uri } = project('xr-missing', {
    'main.tex': `${preamble('\\externaldocument[gone-]{gone}')}\\ref{gone-a} \\ref{gone-b} \\ref{gone-b}\n\\ref{local}\n\\end{document}\n`,
  });
  const analysis = index.analysis(uri('main.tex'))!;
  assert.deepEqual(codes(analysis), ['missing-external-document@3', 'undefined-reference@6']);
  assert.match(analysis.diagnostics[0]!.message, /No file gone\.tex to read labels from: references to its labels \(`gone-`\.\.\.\) are not checked/);
  assert.equal(analysis.diagnostics[1]!.severity, 'warning', 'a reference without the prefix is still checked');
});

test('xr: the loader reads the external documents a root names, wherever they are', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-xr-'));
  mkdirSync(path.join(folder, 'book'));
  mkdirSync(path.join(folder, 'other', 'deep'), { recursive: true });
  writeFileSync(path.join(folder, 'book', 'main.tex'), `${preamble('\\externaldocument[o-]{../other/deep/paper}')}\\ref{o-lem}\n\\end{document}\n`);
  writeFileSync(path.join(folder, 'other', 'deep', 'paper.tex'), `${preamble('')}\\begin{lemma}\\label{lem}\nX.\n\\end{lemma}\n\\end{document}\n`);
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  await new ProjectLoader(index, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined }).indexAround(path.join(folder, 'book'));
  assert.ok(index.atPath(path.join(folder, 'other', 'deep', 'paper.tex')), 'read because main.tex names it');
  assert.deepEqual(codes(index.analysis(pathToFileURL(path.join(folder, 'book', 'main.tex')).href)), []);
});

test('xr: a list of chapters that no root brings in reaches the documents its sibling roots declare', () => {
  const chapter = (n: number, other: number): string =>
    `${preamble(`\\externaldocument[c${other}-]{ch${other}}`)}\\begin{theorem}\\label{thm:${n}}\nX.\n\\end{theorem}\n\\end{document}\n`;
  const { index, uri } = project('contents', {
    'ch1.tex': chapter(1, 2),
    'ch2.tex': chapter(2, 1),
    'contents.tex': '\\section*{Contents}\n\\hyperref[c1-thm:1]{Theorem 1}, \\hyperref[c2-thm:2]{Theorem 2}, \\hyperref[c2-thm:9]{a typo}.\n',
  });
  assert.equal(index.projectOf(uri('contents.tex')), undefined, 'no root brings it in');
  assert.deepEqual(codes(index.analysis(uri('contents.tex'))), ['undefined-reference@2'], 'only the label that no document defines');
});

test('wrappers: a project\'s macros around \\input, \\import, \\label and \\ref, with constant text, optional arguments and a constant path', () => {
  const { index, uri } = project('wrapped', {
    'main.tex': [
      '\\documentclass{book}',
      '\\newcommand{\\olpath}{.}',
      '\\input{\\olpath/macros.sty}',
      '\\newcommand{\\chapterfile}[1]{\\input{chapters/#1}}',
      '\\begin{document}',
      '\\chapterfile{one}',
      '\\olimport[parts]{two} % \\chapterfile{commented}',
      '\\partimport{parts/}{three}',
      '\\end{document}',
    ].join('\n'),
    'macros.sty': [
      '\\newcommand{\\mylabel}[1]{\\label{sec:#1}}',
      '\\def\\myref#1{\\ref{sec:#1}}',
      '\\NewDocumentCommand{\\olimport}{o m}{\\IfNoValueTF{#1}{\\subfile{#2}}{\\subfile{#1/#2}}}',
      '\\newcommand{\\refs}[1]{\\cref{#1}}',
      '\\newcommand{\\partimport}[2]{\\import{#1}{#2}}',
    ].join('\n'),
    'chapters/one.tex': '\\section{One}\\mylabel{one}\nSee \\myref{two} and \\refs{sec:one, sec:two}.\n\\myref{three}\n',
    'parts/two.tex': '\\section{Two}\\mylabel{two}\n',
    'parts/three.tex': '\\section{Three}\n',
  });
  const main = index.projectOf(uri('main.tex'))!;
  assert.deepEqual(main.files.map((f) => f.uri.replace(uri(''), '')), ['main.tex', 'macros.sty', 'chapters/one.tex', 'parts/two.tex', 'parts/three.tex']);
  assert.deepEqual([...main.wrappers.wrappers.keys()], ['chapterfile', 'mylabel', 'myref', 'olimport', 'refs', 'partimport']);
  assert.deepEqual(codes(index.analysis(uri('chapters/one.tex'))), ['undefined-reference@3'], '\\myref{two} is \\ref{sec:two}, which \\mylabel{two} defines');
  assert.match(index.analysis(uri('chapters/one.tex'))!.diagnostics[0]!.message, /`\\ref\{sec:three\}`/);
  const labels = index.analysis(uri('parts/two.tex'))!.labels;
  assert.deepEqual(labels.map((l) => [l.name, l.via?.macro, l.via?.prefix, l.via?.nameRange?.start.character]), [['sec:two', 'mylabel', 'sec:', 22]]);
});

test('wrappers: a file alone uses its own; a use\'s arguments are read by the wrapper\'s parameters', () => {
  const alone = project('alone', { 'notes.tex': '\\newcommand{\\myref}[1]{\\ref{#1}}\n\\label{a}\n\\myref{a} \\myref{b}\n' });
  assert.deepEqual(codes(alone.index.analysis(alone.uri('notes.tex'))), ['undefined-reference@3']);
  assert.deepEqual(codes(analyzeDocument('latex', '\\newcommand{\\myref}[1]{\\ref{#1}}\n\\myref{b}\n')), [], 'analysed without its index, a file\'s wrappers are not expanded');

  const wrapper = wrapperOf({ name: 'olimport', spec: 's o m O{section}', body: '\\IfNoValueTF{#2}{\\subfile{#3}}{\\subfile{#2/#3}}\\label{#4}' })!;
  assert.deepEqual(wrapper.parameters, ['s', 'o', 'm', 'o']);
  assert.deepEqual(wrapper.defaults, [undefined, undefined, undefined, 'section']);
  const set = wrapperSet([wrapper], []);
  const uses = findWrapperUses('\\olimport{a}\n\\olimport*[dir]{b}[x]\n\\newcommand{\\olimport}{c}\n', set);
  assert.deepEqual(uses.includes.map((l) => l.target), ['a', 'dir/b'], 'the form that takes the most of the arguments given');
  assert.deepEqual(uses.labels.map((l) => l.name), ['section', 'x'], 'an optional argument\'s default');
  assert.equal(wrapperOf({ name: 'x', arity: 1, body: '\\textbf{#1}' }), undefined, 'a macro that wraps nothing of interest');
  const crlf = findWrapperUses('a\r\nb \\olimport{c}[d]\r\n\\olimport{e}[f]', set).labels.map((l) => [l.name, l.via?.nameRange?.start]);
  assert.deepEqual(crlf, [['d', { line: 1, character: 15 }], ['f', { line: 2, character: 13 }]], 'lines end as the analysis ends them (\\r\\n, \\r, \\n)');
});

test('notes that help: one finding per missing label per file, the other references listed with it', () => {
  const text = `\\documentclass{article}\n\\begin{document}\n${Array.from({ length: 500 }, (_, i) => `\\ref{gone${i % 3}}`).join('\n')}\n\\end{document}\n`;
  const { index, uri } = project('grouped', { 'main.tex': text });
  const diagnostics = index.analysis(uri('main.tex'))!.diagnostics;
  assert.deepEqual(diagnostics.map((d) => d.code), ['undefined-reference', 'undefined-reference', 'undefined-reference']);
  assert.equal(diagnostics[0]!.related?.length, 5, 'at most five other places listed');
  assert.match(diagnostics[0]!.message, /and 166 more references to it in this file/);
});

test('label questions: what a name means, every place that writes it, and renaming it across documents, lists and macros', () => {
  const { index, uri } = project('rename', {
    'ch1.tex': `${preamble('\\externaldocument[c2-]{ch2}')}\\newcommand{\\myref}[1]{\\ref{thm:#1}}\nSee \\cref{c2-thm:two, c2-thm:x} and \\ref{c2-thm:two}.\n\\end{document}\n`,
    'ch2.tex': `${preamble('')}\\begin{theorem}[Key]\\label{thm:two}\nTrue.\n\\end{theorem}\nBy \\myref{two} and \\ref{thm:two}.\n\\newcommand{\\myref}[1]{\\ref{thm:#1}}\n\\end{document}\n`,
  });
  const at = nameAt(index, uri('ch1.tex'), { line: 5, character: 20 })!;
  assert.equal(at.item.name, 'c2-thm:two');
  assert.deepEqual(labelsMeant(index, uri('ch1.tex'), at).map((m) => [m.place.uri, m.name, m.prefix]), [[uri('ch2.tex'), 'thm:two', 'c2-']]);
  const meant = labelsMeant(index, uri('ch1.tex'), at)[0]!;
  assert.deepEqual(
    occurrencesOf(index, meant.place, meant.name).map((o) => `${o.uri.replace(uri(''), '')}:${o.kind}:${o.item.range.start.line}`).sort(),
    ['ch1.tex:reference:5', 'ch1.tex:reference:5', 'ch2.tex:label:4', 'ch2.tex:reference:7', 'ch2.tex:reference:7'],
  );
  const choices = labelChoices(index, uri('ch1.tex')).map((c) => c.name);
  assert.ok(choices.includes('c2-thm:two'), choices.join(', '));

  const edits = renameEdits(index, uri('ch1.tex'), at, 'c2-thm:renamed');
  assert.ok(edits instanceof Map);
  const applied = (file: string): string => {
    const lines = index.get(uri(file))!.document.getText().split('\n');
    for (const edit of [...(edits.get(uri(file)) ?? [])].sort((a, b) => b.range.start.character - a.range.start.character)) {
      const line = lines[edit.range.start.line]!;
      lines[edit.range.start.line] = line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character);
    }
    return lines.join('\n');
  };
  assert.match(applied('ch1.tex'), /See \\cref\{c2-thm:renamed, c2-thm:x\} and \\ref\{c2-thm:renamed\}\./);
  assert.match(applied('ch2.tex'), /\\label\{thm:renamed\}/);
  assert.match(applied('ch2.tex'), /By \\myref\{renamed\} and \\ref\{thm:renamed\}\./, 'the macro\'s constant text stays');
  assert.match(String(renameEdits(index, uri('ch1.tex'), at, 'thm:renamed')), /must keep the prefix `c2-`/);
  assert.match(String(renameEdits(index, uri('ch1.tex'), at, 'c2-a b')), /cannot be a label name/);
});
