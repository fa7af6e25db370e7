/**
 * documents/references.ts: references checked against the labels in reach, with the scope built by hand
 * (the project index builds it in the LSP and CLI tests). What a user reads: a duplicate names the other
 * file(s) once each; a reference to a label that is nowhere is one finding per name (the other references
 * listed with it), certain only where every file in reach was read; xr's prefixed references resolve in the
 * external document, are not checked when it cannot be read, and the missing document is reported on its
 * declaring file only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import type { Range } from '../../server/src/documents/proofDocument';
import { labelDiagnostics, lookUpLabel, type ExternalDocument, type LabelPlace, type ProjectScope } from '../../server/src/documents/references';
import { NO_USES } from '../../server/src/documents/wrappers';

const latex = (body: string): ReturnType<typeof analyzeDocument> => analyzeDocument('latex', `\\documentclass{article}\n\\begin{document}\n${body}\n\\end{document}\n`);
const at = (line: number): Range => ({ start: { line, character: 0 }, end: { line, character: 5 } });
const place = (file: string, line = 0): LabelPlace => ({ uri: `file:///p/${file}`, file, range: at(line) });
const ME = 'file:///p/main.tex';

function scope(labels: Record<string, LabelPlace[]>, extra: Partial<ProjectScope> = {}): ProjectScope {
  return { environments: [], labels: new Map(Object.entries(labels)), external: [], file: ME, alone: false, incomplete: false, uses: NO_USES, ...extra };
}

test('a label defined twice in the file is a certain finding on the second, pointing at the first', () => {
  const analysis = latex('\\section{A}\\label{a}\n\\section{B}\\label{a}');
  const [duplicate, ...rest] = labelDiagnostics(analysis, undefined);
  assert.equal(rest.length, 0);
  assert.equal(duplicate!.code, 'duplicate-label');
  assert.deepEqual([duplicate!.certainty, duplicate!.severity], ['certain', 'warning']);
  assert.equal(duplicate!.range.start.line, 3);
  assert.deepEqual(duplicate!.related?.map((r) => [r.range.start.line, r.message]), [[2, 'first defined here']]);
});

test('a label also defined in other files of the project names the first and counts the files, each once, listing at most five places', () => {
  const analysis = latex('\\section{A}\\label{a}');
  const others = [place('one.tex', 1), place('one.tex', 9), ...['two', 'three', 'four', 'five', 'six'].map((f) => place(`${f}.tex`))];
  const [duplicate] = labelDiagnostics(analysis, scope({ a: [{ ...place('main.tex', 2), uri: ME }, ...others] }));
  assert.match(duplicate!.message, /is also defined in one\.tex and 5 more files of this project/);
  assert.equal(duplicate!.related?.length, 5);
  assert.equal(duplicate!.related?.[0]!.uri, 'file:///p/one.tex');
  const [single] = labelDiagnostics(analysis, scope({ a: [{ ...place('main.tex', 2), uri: ME }, place('one.tex')] }));
  assert.match(single!.message, /is also defined in one\.tex of this project:/);
});

test('references to a missing label are one finding on the first, listing the others; certain in a project read whole, likely otherwise', () => {
  const analysis = latex('See \\ref{gone}.\nAnd \\ref{gone}.\nAnd \\eqref{gone}.\nBut \\ref{here}.');
  const whole = labelDiagnostics(analysis, scope({ here: [place('other.tex')] }));
  assert.equal(whole.length, 1, 'a label found in another file of the project answers its reference');
  assert.equal(whole[0]!.code, 'undefined-reference');
  assert.deepEqual([whole[0]!.certainty, whole[0]!.severity], ['certain', 'warning']);
  assert.equal(whole[0]!.range.start.line, 2);
  assert.match(whole[0]!.message, /^`\\ref\{gone\}` \(and 2 more references to it in this file\): no `\\label\{gone\}` in this project\.$/);
  assert.deepEqual(whole[0]!.related?.map((r) => r.range.start.line), [3, 4]);

  const [partly] = labelDiagnostics(analysis, scope({ here: [place('other.tex')] }, { incomplete: true }));
  assert.equal(partly!.certainty, 'likely', 'a file of the project could not be read: the label may be in it');
  assert.equal(partly!.severity, 'information');
  assert.match(partly!.message, /no `\\label\{gone\}` in the files of this project that could be read \(it may be in another document\)/);
});

test('a fragment alone (no \\documentclass) may be part of a document that holds the label: only likely', () => {
  const fragment = analyzeDocument('latex', 'See \\ref{elsewhere}.\n');
  const [finding] = labelDiagnostics(fragment, undefined);
  assert.equal(finding!.certainty, 'likely');
  assert.match(finding!.message, /it may be in the document this file is part of/);
});

function external(prefix: string, labels: Record<string, LabelPlace[]> | undefined, declaredIn = ME): ExternalDocument {
  return { prefix, file: `${prefix || 'plain'}doc.tex`, labels: labels && new Map(Object.entries(labels)), declared: { uri: declaredIn, range: at(0) } };
}

test('xr: a prefixed reference means the external document\'s label; the prefixes are tried in the order declared', () => {
  const docs = [external('B-', { x: [place('b.tex')] }), external('A-', { x: [place('a.tex')] }), external('A-B-', { x: [place('ab.tex')] })];
  const found = lookUpLabel(scope({}, { external: docs }), 'A-B-x');
  assert.deepEqual(found.matches.map((m) => [m.prefix, m.places[0]!.file]), [['A-B-', 'ab.tex']], 'A- names "B-x" there, which it lacks');
  const both = lookUpLabel(scope({ 'A-x': [place('own.tex')] }, { external: docs }), 'A-x');
  assert.deepEqual(both.matches.map((m) => m.prefix), ['', 'A-'], 'the project\'s own label first, then the external one');

  const analysis = latex('\\ref{A-x} \\ref{B-y}');
  const diagnostics = labelDiagnostics(analysis, scope({}, { external: docs }));
  assert.deepEqual(diagnostics.map((d) => d.message.slice(0, 12)), ['`\\ref{B-y}`:'], 'A-x is in the external document; B-y is in none');
});

test('xr: a document that cannot be read leaves its references unchecked and is reported once, on the file that declares it', () => {
  const unread = external('U-', undefined);
  const analysis = latex('\\ref{U-anything}');
  const diagnostics = labelDiagnostics(analysis, scope({}, { external: [unread] }));
  assert.deepEqual(diagnostics.map((d) => [d.code, d.certainty]), [['missing-external-document', 'likely']]);
  assert.match(diagnostics[0]!.message, /^No file U-doc\.tex to read labels from: references to its labels \(`U-`\.\.\.\) are not checked\.$/);
  assert.deepEqual(lookUpLabel(scope({}, { external: [unread] }), 'U-anything').unread, [unread]);
  assert.deepEqual(labelDiagnostics(analysis, scope({}, { external: [external('U-', undefined, 'file:///p/chapter.tex')] })), [], 'another file declares it: reported there');
});
