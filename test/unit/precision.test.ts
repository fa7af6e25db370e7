/**
 * Precision: correct writing from real books and solution sets gets no structural warning, and a broken
 * shape gets exactly its one finding, where it is (test/fixtures/precision, one file per class), with the
 * default settings and with guesses asked for. The policy's table keeps every rule within its certainty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { RULES } from '../../server/src/documents/precision';
import type { ProofDocumentAnalysis } from '../../server/src/documents/proofDocument';
import { asExpected, describeExpected, precisionFixtures, type PrecisionFixture } from '../support/precisionFixtures';

const found = (a: ProofDocumentAnalysis, like: Parameters<typeof asExpected>[1]): string[] =>
  a.diagnostics.map((d) => asExpected({ rule: d.code, line: d.range.start.line + 1, column: d.range.start.character + 1 }, like));
const fixtures = new Map(precisionFixtures().map((f) => [f.name, f]));
const analysed = (name: string, guesses = true): { fixture: PrecisionFixture; a: ProofDocumentAnalysis } => {
  const fixture = fixtures.get(name)!;
  return { fixture, a: analyzeDocument(fixture.format, fixture.text, { maxDocumentSize: 1e7, guesses }) };
};

for (const fixture of fixtures.values()) {
  test(`precision fixture ${fixture.name}: ${describeExpected(fixture.expected).join(' ') || 'no finding'}`, () => {
    for (const guesses of [false, true]) {
      const expected = guesses ? fixture.expectedWithGuesses : fixture.expected;
      const analysis = analyzeDocument(fixture.format, fixture.text, { maxDocumentSize: 1e7, guesses });
      assert.deepEqual(found(analysis, expected), describeExpected(expected), `${guesses ? 'with' : 'without'} guesses:\n${analysis.diagnostics.map((d) => d.message).join('\n')}`);
    }
  });
}

test('the policy: a rule is an error or a warning only when certain; a likely finding or a guess is information at most', () => {
  for (const [code, rule] of Object.entries(RULES)) {
    const severities: Record<string, string | undefined> = rule.severities;
    assert.ok(severities['likely'] === undefined || severities['likely'] === 'information', code);
    assert.ok(severities['guess'] === undefined || severities['guess'] === 'information', code);
  }
  // Every finding of every fixture, with guesses, obeys the table.
  for (const fixture of fixtures.values()) {
    for (const d of analyzeDocument(fixture.format, fixture.text, { maxDocumentSize: 1e7, guesses: true }).diagnostics) {
      assert.equal(d.severity, (RULES[d.code].severities as Record<string, string>)[d.certainty], `${fixture.name}: ${d.code}`);
    }
  }
});

test('deferred proofs attach to the statement they name: by a short name, the full title, \\Cref, \\autoref, \\nameref', () => {
  const { a } = analysed('02-deferred-proof-named.tex');
  const proofLine = (title: string): number | undefined => a.statements.find((s) => s.title.includes(title) || s.label === title)?.proof?.range.start.line;
  assert.equal(proofLine('Jacobson density theorem'), 18, '[Proof of density theorem]');
  assert.equal(proofLine('thm:main'), 36);
  assert.equal(proofLine('thm:wedderburn'), 39);
  assert.equal(proofLine('Burnside'), 42);
  assert.deepEqual(a.orphanProofs, []);
});

test('an optional argument on the next line is the proof\'s: it names the statement, and the body starts after it', () => {
  const { a } = analysed('03-option-next-line.tex');
  const theorem = a.statements.find((s) => s.label === 'thm:main')!;
  assert.equal(theorem.proof?.headerRange.start.line, 16);
  assert.equal(theorem.proof?.headerRange.end.line, 17);
  assert.equal(theorem.proof?.steps[0]?.range.start.line, 18);
});

test('a solution inside its problem proves it, and is not part of the problem\'s text', () => {
  const { fixture, a } = analysed('04-solution-inside-problem.tex');
  assert.deepEqual(a.statements.map((s) => [s.kind, s.proof?.environment]), [['problem', 'sol'], ['problem', 'solution'], ['problem', 'proof']]);
  const text = fixture.text.split('\n');
  const body = a.statements[0]!.bodyRange;
  assert.ok(!text.slice(body.start.line, body.end.line + 1).join('\n').slice(body.start.character).includes('consecutive'), 'the statement stops before its solution');
});

test('case proofs nested in a proof belong to it; a bold label or a declared environment of any name is what a proof follows', () => {
  const nested = analysed('06-nested-subproof.tex').a;
  assert.equal(nested.statements[0]!.proof?.steps.length, 2, 'the outer proof: its first sentence and its last');
  assert.equal(nested.additionalProofs.length, 2);
  for (const name of ['05-declared-theorem-any-name.tex', '07-bold-label-statement.tex', '14-proof-after-definition.tex']) {
    assert.deepEqual(analysed(name).a.orphanProofs, [], name);
  }
  assert.equal(analysed('14-proof-after-definition.tex').a.statements[0]!.proof?.range.start.line, 40, '[Proof of Theorem~\\ref{x}]');
});

test('a reference in a fragment read alone (no \\documentclass, or a subfiles chapter) is only information: the document it is part of may hold the label', () => {
  for (const name of ['21-fragment-reference.tex', '24-subfiles-chapter-reference.tex']) {
    const { a } = analysed(name, false);
    assert.deepEqual(a.diagnostics.map((d) => [d.code, d.severity]), [['undefined-reference', 'information']], name);
    assert.match(a.diagnostics[0]!.message, /may be in the document this file is part of/);
  }
});

test('a Markdown title over problems is no problem; a heading that names a result is what its proof follows', () => {
  assert.deepEqual(analysed('20-markdown-title.md').a.statements.map((s) => s.title), ['Problem 1', 'Problem 2']);
  assert.deepEqual(analysed('09-markdown-heading-names-result.md').a.orphanProofs, []);
});

test('with guesses on, a proof with nothing before it, or after a proof and bare prose, is a note; never by default', () => {
  const text = [
    '\\begin{document}', '\\begin{proof}', 'Nothing states this.', '\\end{proof}',
    '\\begin{theorem}', 'T.', '\\end{theorem}', '\\begin{proof}', 'P.', '\\end{proof}',
    'Some prose that states nothing.', '', '\\begin{proof}', 'Q.', '\\end{proof}', '\\end{document}',
  ].join('\n');
  const guessed = analyzeDocument('latex', text, { maxDocumentSize: 1e7, guesses: true }).diagnostics;
  assert.deepEqual(guessed.map((d) => [d.code, d.severity, d.range.start.line + 1]), [['proof-without-statement', 'information', 2], ['proof-without-statement', 'information', 13]]);
  assert.deepEqual(analyzeDocument('latex', text).diagnostics, []);
});
