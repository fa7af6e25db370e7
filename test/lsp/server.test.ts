import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodeLensRequest,
  ConfigurationRequest,
  HoverRequest,
  DiagnosticSeverity,
  RegistrationRequest,
  SymbolKind,
  type Diagnostic,
  type DocumentSymbol,
} from 'vscode-languageserver-protocol';
import { STRUCTURE_DIAGNOSTIC_SOURCE } from '../../server/src/protocol';
import { lineOf, readDocument } from '../support/fixtures';
import { TestLanguageClient } from '../support/lspClient';
import { asExpected, describeExpected, precisionFixtures } from '../support/precisionFixtures';
import { RECOGNITION_DIR, RECOGNITION_EXPECTATIONS } from '../support/recognitionFixtures';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let client: TestLanguageClient;
/** LSP 3.18 allows markup in messages; this server sends plain strings. */
const messageOf = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

before(async () => {
  const started = await TestLanguageClient.start();
  client = started.client;
  assert.equal(started.initializeResult.serverInfo?.name, 'qed-nano-language-server');
  assert.ok(started.initializeResult.capabilities.documentSymbolProvider);
  assert.ok(started.initializeResult.capabilities.foldingRangeProvider);
});

after(async () => {
  assert.equal(await client.stop(), 0, `the server exits cleanly on shutdown/exit; stderr: ${client.stderr.join('')}`);
});

const KIND_NAMES = new Map<number, string>(Object.entries(SymbolKind).map(([name, value]) => [value, name]));
/** The statements and proofs of an outline, found inside its sections (Namespaces), in order. */
const statementsOf = (symbols: DocumentSymbol[]): DocumentSymbol[] =>
  symbols.flatMap((s) => (s.kind === SymbolKind.Namespace ? statementsOf(s.children ?? []) : [s]));
const names = (symbols: DocumentSymbol[]): unknown =>
  symbols.map((s) => [s.name, KIND_NAMES.get(s.kind), (s.children ?? []).map((c) => [c.name, c.children?.length ?? 0])]);

test('the recognition fixtures (issue 31): an outline entry per problem with its solution, and no Prove lens where a solution is attached', async () => {
  for (const [name, expected] of Object.entries(RECOGNITION_EXPECTATIONS)) {
    const uri = `file:///recognition/${name}`;
    await client.open(uri, name.endsWith('.md') ? 'markdown' : 'latex', readFileSync(join(RECOGNITION_DIR, name), 'utf8'));
    const symbols = statementsOf(await client.symbols(uri)).filter((s) => s.name !== 'Another proof'); // a further solution
    assert.deepEqual(symbols.map((s) => [s.name, (s.children ?? []).length > 0]), expected, name);
    const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.deepEqual(lenses?.filter((l) => l.command?.command === 'qedNano.prove'), [], `${name}: every problem has its solution`);
    const published = await client.diagnostics(uri);
    assert.deepEqual(published.filter((d) => d.severity !== DiagnosticSeverity.Information).map((d) => d.message), [], `${name}: no warning or error`);
    await client.close(uri);
  }
  // A heading that is not a problem: the hover says which formats were tried.
  const committee = 'file:///recognition/committee.md';
  await client.open(committee, 'markdown', readFileSync(join(RECOGNITION_DIR, '04-markdown-committee-heading.md'), 'utf8'));
  const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: committee }, position: { line: 2, character: 5 } });
  assert.match(JSON.stringify(hover?.contents), /Not read as a problem or a solution/);
  assert.equal(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: committee }, position: { line: 6, character: 5 } }), null);
  await client.close(committee);
  // A problem found by a guessed convention ("A1." twice) with no solution: its outline entry and its Prove lens.
  const uri = 'file:///recognition/unsolved.md';
  await client.open(uri, 'markdown', 'A1. Show $x$.\n\nA2. Show $y$.\n\nSolution. Easy.\n');
  assert.deepEqual((await client.symbols(uri)).map((s) => s.name), ['A1', 'A2']);
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  assert.deepEqual(lenses?.filter((l) => l.command?.command === 'qedNano.prove').map((l) => l.range.start.line), [0]);
  await client.close(uri);
});

test('qedNano.structure patterns: a problem format the user teaches shows in the outline once the setting says so', async () => {
  const uri = 'file:///recognition/07-user-patterns.md';
  await client.open(uri, 'markdown', readFileSync(join(RECOGNITION_DIR, '07-user-patterns.md'), 'utf8'));
  assert.deepEqual(await client.symbols(uri), []);
  await client.configure({ qedNano: { structure: { problemPatterns: ['Aufgabe \\d+\\.?'], solutionPatterns: ['Lösungsvorschlag[.:]?'] } } });
  let names: unknown = [];
  for (let i = 0; i < 50 && (names as unknown[]).length === 0; i++) names = (await client.symbols(uri)).map((s) => [s.name, (s.children ?? []).length > 0]);
  assert.deepEqual(names, [['Aufgabe 1', true], ['Aufgabe 2', true]]);
  await client.configure({ qedNano: { structure: { problemPatterns: [], solutionPatterns: [] } } });
  await client.close(uri);
});

test('open a LaTeX file: outline symbols with proofs and steps as children, folding ranges, diagnostics', async () => {
  const uri = 'file:///work/inequalities.tex';
  const text = readDocument('inequalities.tex');
  await client.open(uri, 'latex', text);
  const symbols = await client.symbols(uri);
  // The section is the parent of its statements; entries are plain text, a bare kind named with its label.
  assert.deepEqual(names(symbols), [
    ['Means', 'Namespace', [['Lemma (lem:square)', 1], ['Theorem (AM–GM for two numbers)', 1], ['Corollary', 0], ['Problem', 0]]],
  ]);
  assert.equal(symbols[0]!.selectionRange.start.line, lineOf(text, '\\section{Means}') - 1);
  const theorem = symbols[0]!.children![1]!;
  assert.equal(theorem.selectionRange.start.line, lineOf(text, '\\begin{thm}') - 1);
  assert.equal(theorem.range.end.line, lineOf(text, '\\end{proof}', 2) - 1, 'a statement symbol spans its proof');
  assert.equal(theorem.detail, 'For a,b≥0, (a+b)/2≥√(ab).');
  assert.equal(symbols[0]!.children![3]!.detail, 'Prove that abs(a+b)≤abs a+abs b for all a,b∈R, and find…');
  assert.equal(theorem.children![0]!.children![0]!.name, 'Step 1');

  const diagnostics = await client.diagnostics(uri);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity, d.source, d.range.start.line]),
    [['problem-without-proof', DiagnosticSeverity.Information, STRUCTURE_DIAGNOSTIC_SOURCE, lineOf(text, '\\begin{problem}') - 1]],
  );
  const folds = await client.foldingRanges(uri);
  assert.ok(folds.some((f) => f.startLine === lineOf(text, '\\begin{thm}') - 1 && f.endLine === lineOf(text, '\\end{thm}') - 2));
});

test('the precision fixtures: on open, each document gets exactly the diagnostics it expects; guesses only once the setting asks', async () => {
  const fixtures = precisionFixtures();
  const uriOf = (name: string): string => `file:///precision/${name}`;
  for (const fixture of fixtures) await client.open(uriOf(fixture.name), fixture.format, fixture.text);
  for (const guesses of [false, true]) {
    if (guesses) await client.configure({ qedNano: { analysis: { guesses: true } } });
    for (const fixture of fixtures) {
      const expected = guesses ? fixture.expectedWithGuesses : fixture.expected;
      const want = describeExpected(expected);
      const diagnostics = await client.diagnostics(uriOf(fixture.name), (p) => p.diagnostics.length === want.length);
      const found = diagnostics.map((d) => asExpected({ rule: String(d.code), line: d.range.start.line + 1, column: d.range.start.character + 1 }, expected));
      assert.deepEqual(found, want, `${fixture.name}${guesses ? ' with guesses' : ''}`);
    }
  }
  // A title over problems is no problem: no Prove lens above it, no symbol.
  const title = uriOf('20-markdown-title.md');
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: title } });
  assert.deepEqual(lenses?.filter((l) => l.command?.command === 'qedNano.prove'), [], 'both problems have their solution; "Problem set 1" is a title');
  assert.deepEqual(names(await client.symbols(title)), [['Problem set 1', 'Namespace', [['Problem 1', 1], ['Problem 2', 1]]]], 'the title is a section over them');
  // A proof with nothing before it: a guess, shown as information only while guesses are asked for.
  const orphan = 'file:///precision/orphan.tex';
  await client.open(orphan, 'latex', '\\begin{proof}\nNothing states this.\n\\end{proof}\n');
  const guessed = await client.diagnostics(orphan, (p) => p.diagnostics.length === 1);
  assert.deepEqual(guessed.map((d) => [d.code, d.severity]), [['proof-without-statement', DiagnosticSeverity.Information]]);
  await client.configure({ qedNano: { analysis: { guesses: false } } });
  assert.deepEqual(await client.diagnostics(orphan, (p) => p.diagnostics.length === 0), []);
  for (const fixture of fixtures) await client.close(uriOf(fixture.name));
  await client.close(orphan);
});

test('edit a document incrementally: diagnostics follow each change, outline follows the text', async () => {
  const uri = 'file:///work/edit.tex';
  const text = '\\begin{theorem}\nFor all $x$, $x=x$.\n\\end{theorem}\n\\begin{proof}\nTrivial.\n\\end{proof}\n';
  await client.open(uri, 'latex', text);
  assert.deepEqual(await client.diagnostics(uri, (p) => p.version === 1), []);

  // Delete the closing `$` of `$x$` (line 1, character 10): the math is now unclosed.
  await client.change(uri, 2, [{ range: { start: { line: 1, character: 10 }, end: { line: 1, character: 11 } }, text: '' }]);
  const broken = await client.diagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(broken.map((d) => [d.code, d.severity]), [['unclosed-math', DiagnosticSeverity.Error]]);
  assert.match(messageOf(broken[0]!), /`\$` math opened on line 2 is not closed/);

  // Put it back and rename the environment's end: an unclosed and an unmatched environment.
  await client.change(uri, 3, [
    { range: { start: { line: 1, character: 10 }, end: { line: 1, character: 10 } }, text: '$' },
    { range: { start: { line: 2, character: 5 }, end: { line: 2, character: 12 } }, text: 'lemma' },
  ]);
  const renamed = await client.diagnostics(uri, (p) => p.version === 3);
  // As LaTeX does, `\end{lemma}` ends the theorem: one error, there, and the proof after it is still the theorem's.
  assert.deepEqual(renamed.map((d) => [d.code, d.range.start.line]), [['unmatched-end', 2]]);
  assert.match(messageOf(renamed[0]!), /`\\end\{lemma\}` ends `\\begin\{theorem\}` of line 1/);
  const symbols = await client.symbols(uri);
  assert.deepEqual(symbols.map((s) => [s.name, s.range.end.line, s.children?.map((c) => c.name)]), [['Theorem', 5, ['Proof']]]);

  await client.close(uri);
  assert.deepEqual(await client.diagnostics(uri, (p) => p.diagnostics.length === 0 && p.version === undefined), []);
});

test('open a Markdown file: statements from headings and labels, structural diagnostics with related locations', async () => {
  const uri = 'file:///work/broken.md';
  const text = readDocument('broken.md');
  await client.open(uri, 'markdown', text);
  assert.deepEqual(names(await client.symbols(uri)), [['Broken notes', 'Namespace', [['Another proof', 1], ['Theorem 1', 1], ['Problem 2', 0]]]]);
  const diagnostics = await client.diagnostics(uri);
  assert.equal(diagnostics.length, 5, 'the proof under the title heading may prove what the heading names: no finding');
  assert.ok(diagnostics.every((d) => d.source === STRUCTURE_DIAGNOSTIC_SOURCE));
});

test('a Markdown problem whose Solution label is followed by nothing yet is still to prove', async () => {
  const uri = 'file:///work/todo.md';
  const text = '## Problem 1\n\nShow that $n^2 \\ge n$.\n\n**Solution.**\n\n## Problem 2\n\nShow that $1 \\ge 0$.\n\n*Proof.* Clear. ∎\n';
  await client.open(uri, 'markdown', text);
  const symbols = await client.symbols(uri);
  assert.deepEqual(
    symbols.map((s) => [s.name, (s.children ?? []).map((c) => [c.name, c.detail])]),
    [
      ['Problem 1', [['Solution', 'empty']]],
      ['Problem 2', [['Proof', '1 step']]],
    ],
  );
  const diagnostics = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line, messageOf(d)]), [['problem-without-proof', 0, 'Problem 1 has no proof yet.']]);
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  assert.deepEqual(
    lenses?.filter((l) => l.command?.command === 'qedNano.prove').map((l) => l.range.start.line),
    [0],
    'Prove above Problem 1 only',
  );
});

test('an unclosed proof environment ends where the next statement starts instead of swallowing it', async () => {
  const uri = 'file:///work/unclosed-proof.tex';
  const text = [
    '\\begin{problem}', 'Show $a$.', '\\end{problem}',
    '\\begin{proof}', 'First step.', '', '\\begin{claim}', 'A claim inside the proof.', '\\end{claim}', '', 'Second step.', '',
    '\\begin{problem}', 'Show $b$.', '\\end{problem}',
    '\\begin{solution}', 'Because.', '\\end{solution}',
    '', '\\begin{problem}', 'Show $c$.', '\\end{problem}', '',
  ].join('\n');
  await client.open(uri, 'latex', text);
  const symbols = await client.symbols(uri);
  assert.deepEqual(
    symbols.map((s) => [s.name, s.range.start.line, (s.children ?? []).map((c) => [c.name, c.detail, c.range.end.line])]),
    [
      ['Problem', 0, [['Proof', '3 steps, not closed', 10]]],
      ['Claim', 6, []],
      ['Problem', 12, [['Solution', '1 step', 17]]],
      ['Problem', 19, []],
    ],
  );
  const diagnostics = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line]), [['unclosed-environment', 3], ['problem-without-proof', 19]]);
  assert.equal(
    messageOf(diagnostics[0]!),
    '`\\begin{proof}` on line 4 is not closed: it is taken to end where `\\begin{problem}` starts on line 13; add `\\end{proof}` before it.',
  );
  assert.equal(diagnostics[0]!.relatedInformation?.[0]?.location.range.start.line, 12);
});

test('a stray $$ is reported where it was typed, not at its would-be partner below a blank line or heading', async () => {
  const uri = 'file:///work/stray-dollars.md';
  const text = [
    '## Problem 1', '', 'Show that $$x^2 \\ge 0$ for all real $x$.', '',
    '**Solution.** We have', '$$', 'x^2 = x \\cdot x \\ge 0.', '$$', '∎', '',
    '## Problem 2', 'Let $$a', '## Solution', 'Clear: $$b$$. ∎', '',
  ].join('\n');
  await client.open(uri, 'markdown', text);
  const diagnostics = await client.diagnostics(uri);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, messageOf(d)]),
    [
      ['unclosed-math', 2, 10, '`$$` math opened on line 3 is not closed with `$$` before the paragraph ends (line 4).'],
      ['unclosed-math', 11, 4, '`$$` math opened on line 12 is not closed with `$$` before `## Solution` on line 13.'],
    ],
  );
  const symbols = await client.symbols(uri);
  assert.deepEqual(symbols.map((s) => [s.name, s.children?.[0]?.detail]), [['Problem 1', '1 step'], ['Problem 2', '1 step']]);
});

test('related information points at where an outer environment closed', async () => {
  const uri = 'file:///work/broken.tex';
  await client.open(uri, 'latex', readDocument('broken.tex'));
  const diagnostics = await client.diagnostics(uri);
  const itemize = diagnostics.find((d) => messageOf(d).includes('\\begin{itemize}'))!;
  assert.equal(itemize.relatedInformation?.[0]?.location.uri, uri);
  assert.match(itemize.relatedInformation![0]!.message, /closes an outer environment/);
});

test('settings: a lower size limit from didChangeConfiguration applies to open documents at once', async () => {
  const uri = 'file:///work/limit.md';
  await client.open(uri, 'markdown', '**Theorem 1.** A statement.\n\nProof. Clear. ∎\n');
  assert.equal((await client.symbols(uri)).length, 1);
  await client.configure({ qedNano: { analysis: { maxDocumentSize: 10 } } });
  const refused = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'document-too-large'));
  assert.match(messageOf(refused[0]!), /more than the limit of 10/);
  assert.deepEqual(await client.symbols(uri), []);
  await client.configure({ qedNano: { analysis: { maxDocumentSize: 'not a number' } } });
  await client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  assert.equal((await client.symbols(uri)).length, 1, 'an invalid value falls back to the default');
});

test('a 10 MB document and a binary file do not freeze the server: it answers another request at once', async () => {
  const huge = `${'\\begin{theorem} $x$ \\end{theorem}\n'.repeat(330_000)}`;
  await client.open('file:///work/huge.tex', 'latex', huge);
  await client.open('file:///work/binary.tex', 'latex', '\u0000\u0001\u0002PK\u0003\u0004'.repeat(2000));
  const small = 'file:///work/small.md';
  await client.open(small, 'markdown', '## Problem 1\nShow it.\n');
  const symbols = await client.symbols(small);
  assert.equal(symbols[0]!.name, 'Problem 1');
  const huges = await client.diagnostics('file:///work/huge.tex');
  assert.equal(huges[0]!.code, 'document-too-large');
  const binary = await client.diagnostics('file:///work/binary.tex');
  assert.equal(binary[0]!.code, 'binary-document');
});

test('a client that offers workspace/configuration: the server pulls the qedNano section on each change', async () => {
  const { client: pulling } = await TestLanguageClient.start({}, { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } } });
  const asked: unknown[] = [];
  let limit: number | undefined = 5;
  pulling.connection.onRequest(RegistrationRequest.type, () => undefined);
  pulling.connection.onRequest(ConfigurationRequest.type, (params) => {
    asked.push(...params.items.map((item) => item.section));
    return params.items.map(() => ({ analysis: { maxDocumentSize: limit } }));
  });
  const uri = 'file:///work/pull.md';
  await pulling.open(uri, 'markdown', '## Problem 1\nShow it.\n');
  await pulling.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'problem-without-proof'));
  await pulling.configure(null); // VS Code sends no payload when the server pulls
  await pulling.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'document-too-large'));
  assert.deepEqual(asked, ['qedNano']);
  limit = undefined;
  await pulling.configure(null);
  await pulling.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'problem-without-proof'));
  assert.equal(await pulling.stop(), 0);
});

test('qedNano.outline: turned off for LaTeX, a LaTeX file has no outline from QED-Nano and a Markdown file keeps its own', async () => {
  const tex = 'file:///work/outline-off.tex';
  const md = 'file:///work/outline-off.md';
  await client.open(tex, 'latex', '\\section{One}\n\\begin{theorem}\n$1 = 1$.\n\\end{theorem}\n');
  await client.open(md, 'markdown', '# Notes\n\n## Problem 1\n\nShow $x$.\n');
  assert.deepEqual(names(await client.symbols(tex)), [['One', 'Namespace', [['Theorem', 0]]]]);
  await client.configure({ qedNano: { outline: { latex: false } } });
  let symbols: DocumentSymbol[] = [{} as DocumentSymbol];
  for (let i = 0; i < 50 && symbols.length > 0; i++) symbols = await client.symbols(tex);
  assert.deepEqual(symbols, []);
  assert.deepEqual(names(await client.symbols(md)), [['Notes', 'Namespace', [['Problem 1', 0]]]]);
  await client.configure({ qedNano: { outline: { latex: true } } });
  await client.close(tex);
  await client.close(md);
});
