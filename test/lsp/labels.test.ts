/**
 * Labels as LaTeX users meet them, through the real server over stdio: a book of chapters that are documents
 * of their own and name each other with xr (`\externaldocument[c2-]{ch2}`), with a local package that
 * declares their theorem environment. Go to definition and find references follow the prefixed references;
 * completion of `\ref{` and `\cref{a,` lists the labels with their statements' titles; hover shows the
 * labelled statement; rename changes every place that writes the name, in both documents; and the package,
 * opened in the editor, counts while it is edited, before it is saved.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  DefinitionRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  type CompletionList,
  type Diagnostic,
  type Location,
  type MarkupContent,
  type Position,
  type PublishDiagnosticsParams,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import { TestLanguageClient } from '../support/lspClient';

const workspace = mkdtempSync(path.join(tmpdir(), 'qed-labels-'));
const FILES: Record<string, string> = {
  'bookthms.sty': '\\ProvidesPackage{bookthms}\n\\newtheorem{keylemma}{Lemma}\n\\newtheorem{theorem}{Theorem}\n',
  'ch1.tex': [
    '\\documentclass{book}',
    '\\usepackage{xr-hyper,bookthms}',
    '\\externaldocument[c2-]{ch2}',
    '\\begin{document}',
    '\\begin{theorem}[Base]\\label{thm:one}',
    'For every $n$, $n^2 \\ge n$.',
    '\\end{theorem}',
    'By Lemma~\\ref{c2-lem:two} and \\cref{thm:one,c2-lem:two}.',
    '\\end{document}',
  ].join('\n'),
  'ch2.tex': [
    '\\documentclass{book}',
    '\\usepackage{xr-hyper,bookthms}',
    '\\externaldocument[c1-]{ch1}',
    '\\begin{document}',
    '\\begin{keylemma}[Squares]\\label{lem:two}',
    'For all real $x$, $x^2 \\ge 0$.',
    '\\end{keylemma}',
    '\\begin{proof}',
    'Cases on the sign of $x$; see Theorem~\\ref{c1-thm:one} and Lemma~\\ref{lem:two}.',
    '\\end{proof}',
    '\\end{document}',
  ].join('\n'),
};
for (const [file, text] of Object.entries(FILES)) writeFileSync(path.join(workspace, file), text);
const uri = (file: string): string => pathToFileURL(path.join(workspace, file)).href;
const read = (file: string): string => readFileSync(path.join(workspace, file), 'utf8');
const at = (file: string, needle: string, offset = 0): Position => {
  const lines = FILES[file]!.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return { line, character: lines[line]!.indexOf(needle) + offset };
};
const where = (l: Location): string => `${path.basename(new URL(l.uri).pathname)}:${l.range.start.line + 1}:${l.range.start.character}`;
const codes = (diagnostics: Diagnostic[]): string[] => diagnostics.map((d) => `${String(d.code)}@${d.range.start.line + 1}`);
const hasCodes = (expected: string[]) => (params: PublishDiagnosticsParams): boolean => JSON.stringify(codes(params.diagnostics)) === JSON.stringify(expected);

let client: TestLanguageClient;

before(async () => {
  ({ client } = await TestLanguageClient.start({}, {}, process.env, [], pathToFileURL(workspace).href));
  await client.open(uri('ch1.tex'), 'latex', read('ch1.tex'));
  await client.open(uri('ch2.tex'), 'latex', read('ch2.tex'));
});

after(async () => {
  assert.equal(await client.stop(), 0, client.stderr.join(''));
});

test('prefixed references to another document are no findings; go to definition and find references follow them', async () => {
  await client.diagnostics(uri('ch1.tex'), hasCodes([]), 20_000);
  await client.diagnostics(uri('ch2.tex'), hasCodes([]), 20_000);
  const definition = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: at('ch1.tex', 'c2-lem:two', 3) })) as Location[];
  assert.deepEqual(definition.map(where), ['ch2.tex:5:25']);

  const references = (await client.connection.sendRequest(ReferencesRequest.type, {
    textDocument: { uri: uri('ch2.tex') },
    position: at('ch2.tex', 'lem:two', 2),
    context: { includeDeclaration: true },
  }))!;
  assert.deepEqual(references.map(where).sort(), ['ch1.tex:8:30', 'ch1.tex:8:9', 'ch2.tex:5:25', 'ch2.tex:9:65'], 'the \\ref and the \\cref list of ch1, the label and the \\ref of ch2');
});

test('a prefixed reference to a label the other document lacks is one warning', async () => {
  const text = read('ch1.tex').replace('\\end{document}', 'And \\ref{c2-lem:three}.\n\\end{document}');
  await client.change(uri('ch1.tex'), 2, [{ text }]);
  const [finding] = await client.diagnostics(uri('ch1.tex'), hasCodes(['undefined-reference@9']), 10_000);
  assert.equal(finding!.severity, 2);
  await client.change(uri('ch1.tex'), 3, [{ text: read('ch1.tex') }]);
  await client.diagnostics(uri('ch1.tex'), hasCodes([]), 10_000);
});

test('completion in \\ref{ and \\cref{a, lists the labels in reach with their statements\' titles and first lines', async () => {
  const line = FILES['ch1.tex']!.split('\n').length - 1;
  await client.change(uri('ch1.tex'), 4, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: 'See \\ref{}\n' }]);
  const list = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: { line, character: 9 } })) as CompletionList;
  const items = Object.fromEntries(list.items.map((item) => [item.label, item]));
  assert.deepEqual(Object.keys(items).sort(), ['c2-lem:two', 'thm:one']);
  assert.equal(items['c2-lem:two']!.detail, 'Lemma (Squares)', 'the title from bookthms.sty\'s \\newtheorem and the option');
  assert.equal(items['c2-lem:two']!.documentation, 'For all real $x$, $x^2 \\ge 0$.');
  assert.equal(items['thm:one']!.detail, 'Theorem (Base)');

  await client.change(uri('ch1.tex'), 5, [{ range: { start: { line, character: 4 }, end: { line, character: 10 } }, text: '\\cref{thm:one,c2-l}' }]);
  const listed = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: { line, character: 22 } })) as CompletionList;
  assert.deepEqual(listed.items.map((item) => item.label), ['c2-lem:two'], 'the part typed after the comma filters');
  assert.deepEqual((listed.items[0]!.textEdit as TextEdit).range, { start: { line, character: 18 }, end: { line, character: 22 } });
  const none = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: { line, character: 2 } })) as CompletionList | null;
  assert.equal(none, null, 'outside a reference, nothing');
  await client.change(uri('ch1.tex'), 6, [{ text: read('ch1.tex') }]);
});

test('hover on a reference shows the labelled statement', async () => {
  const hover = (await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: at('ch1.tex', 'c2-lem:two', 4) }))!;
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /^\*\*Lemma \\\(Squares\\\)\*\* — ch2\.tex:5/);
  assert.match(value, /```latex\nFor all real \$x\$, \$x\^2 \\ge 0\$\.\n```/);
  assert.equal(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri('ch1.tex') }, position: { line: 5, character: 2 } }), null);
});

test('prepareRename gives the name as written; rename changes the label and every reference, in both documents', async () => {
  const position = at('ch1.tex', 'c2-lem:two', 5);
  const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: uri('ch1.tex') }, position });
  assert.deepEqual(prepared, { range: { start: { line: 7, character: 14 }, end: { line: 7, character: 24 } }, placeholder: 'c2-lem:two' });
  const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: uri('ch1.tex') }, position, newName: 'c2-lem:squares' }))!;
  const changes = edit.changes!;
  const summary = Object.entries(changes).flatMap(([file, edits]) => edits.map((e) => `${path.basename(new URL(file).pathname)}:${e.range.start.line + 1}:${e.range.start.character}-${e.range.end.character}=${e.newText}`)).sort();
  assert.deepEqual(summary, ['ch1.tex:8:14-24=c2-lem:squares', 'ch1.tex:8:44-54=c2-lem:squares', 'ch2.tex:5:32-39=lem:squares', 'ch2.tex:9:70-77=lem:squares']);
  await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: uri('ch1.tex') }, position, newName: 'lem:squares' }), /must keep the prefix `c2-`/);
});

test('a package opened in the editor counts while it is edited, before it is saved', async () => {
  const names = async (): Promise<string[]> => (await client.symbols(uri('ch2.tex'))).map((s) => s.name);
  /** The outline of ch2.tex once it satisfies `wanted` (the project is analysed again after each change). */
  const outlineOnce = async (wanted: (outline: string[]) => boolean): Promise<string[]> => {
    for (let tries = 0; tries < 100; tries++) {
      const outline = await names();
      if (wanted(outline)) return outline;
      await new Promise((r) => setTimeout(r, 100));
    }
    return names();
  };
  const lemma = (outline: string[]): boolean => outline.some((name) => name.startsWith('Lemma'));
  assert.ok(lemma(await outlineOnce(lemma)), 'keylemma is a statement while the package declares it');
  await client.open(uri('bookthms.sty'), 'tex', read('bookthms.sty'));
  await client.change(uri('bookthms.sty'), 2, [{ text: read('bookthms.sty').replace('\\newtheorem{keylemma}{Lemma}\n', '') }]);
  assert.ok(!lemma(await outlineOnce((outline) => !lemma(outline))), 'keylemma is no statement without its \\newtheorem, before the package is saved');
  await client.change(uri('bookthms.sty'), 3, [{ text: read('bookthms.sty') }]);
  assert.ok(lemma(await outlineOnce(lemma)), 'and a statement again once the edit declares it');
  await client.diagnostics(uri('ch2.tex'), hasCodes([]), 10_000);
  assert.deepEqual((await client.diagnostics(uri('bookthms.sty'))).length, 0, 'a package\'s own structure is not checked');
});

test('beside LaTeX Workshop (the client says it is there), `auto` leaves definition, completion and hover to it and keeps references and rename; `on` answers all; `off` none, the label checks stay', async () => {
  /** Which label features a server started with these options answers in ch1.tex. */
  const answered = async (options: object): Promise<string[]> => {
    const { client: other } = await TestLanguageClient.start(options, {}, process.env, [], pathToFileURL(workspace).href);
    try {
      await other.open(uri('ch1.tex'), 'latex', read('ch1.tex'));
      await other.open(uri('ch2.tex'), 'latex', read('ch2.tex'));
      await other.diagnostics(uri('ch1.tex'), hasCodes([]), 20_000);
      const textDocument = { uri: uri('ch1.tex') };
      const position = at('ch1.tex', 'c2-lem:two', 3);
      const answers = {
        definition: await other.connection.sendRequest(DefinitionRequest.type, { textDocument, position }),
        references: await other.connection.sendRequest(ReferencesRequest.type, { textDocument, position, context: { includeDeclaration: true } }),
        completion: await other.connection.sendRequest(CompletionRequest.type, { textDocument, position: at('ch1.tex', 'c2-lem:two') }),
        hover: await other.connection.sendRequest(HoverRequest.type, { textDocument, position }),
        rename: await other.connection.sendRequest(PrepareRenameRequest.type, { textDocument, position }),
      };
      // The checks of labels do not depend on the setting: a reference to a missing label is still one warning.
      const broken = read('ch1.tex').replace('\\end{document}', 'And \\ref{c2-lem:three}.\n\\end{document}');
      await other.change(uri('ch1.tex'), 2, [{ text: broken }]);
      const [warning] = await other.diagnostics(uri('ch1.tex'), (params) => params.diagnostics.length === 1, 20_000);
      assert.match(typeof warning!.message === 'string' ? warning!.message : warning!.message.value, /c2-lem:three/);
      return Object.entries(answers).filter(([, answer]) => answer !== null).map(([feature]) => feature);
    } finally {
      assert.equal(await other.stop(), 0, other.stderr.join(''));
    }
  };
  assert.deepEqual(await answered({ latexLabelsElsewhere: true }), ['references', 'rename'], 'auto beside LaTeX Workshop');
  assert.deepEqual(await answered({ latexLabelsElsewhere: true, qedNano: { latex: { labels: 'on' } } }), ['definition', 'references', 'completion', 'hover', 'rename'], 'on');
  assert.deepEqual(await answered({ qedNano: { latex: { labels: 'off' } } }), [], 'off');
});
