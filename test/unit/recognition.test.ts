/**
 * The formats people write problems and solutions in (tracker issue 31; docs/recognition.md): one small file
 * per format in test/fixtures/recognition, each with the statements it holds and whether each has its
 * solution attached, and no finding louder than information.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { RECOGNISERS, recognise } from '../../server/src/documents/recognition';
import { recognitionHint } from '../../server/src/documents/recognitionHint';
import { RECOGNITION_DIR as FIXTURES, RECOGNITION_EXPECTATIONS } from '../support/recognitionFixtures';

for (const [file, expected] of Object.entries(RECOGNITION_EXPECTATIONS)) {
  test(`recognition fixture ${file}: every problem found, each solution attached, no warning`, () => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const a = analyzeDocument(file.endsWith('.md') ? 'markdown' : 'latex', text, { maxDocumentSize: 1e7, guesses: true });
    assert.deepEqual(a.statements.map((s) => [s.title, s.proof !== undefined && s.proof.steps.length > 0]), expected);
    assert.deepEqual(a.orphanProofs, []);
    assert.deepEqual(a.diagnostics.filter((d) => d.severity !== 'information').map((d) => d.message), []);
  });
}

test('the further solution of a problem ("### Solution 2") is a further proof, not a statement\'s text', () => {
  const text = readFileSync(join(FIXTURES, '03-markdown-solution-headings.md'), 'utf8');
  const a = analyzeDocument('markdown', text);
  assert.equal(a.additionalProofs.length, 1);
  assert.equal(a.statements[0]!.proof!.range.end.line, 6, 'the first solution ends before "### Solution 2"');
});

test('a guessed convention needs the file to confirm it: one "A1." alone, or an identifier heading with no solution, is prose', () => {
  assert.deepEqual(analyzeDocument('markdown', 'A1. Let $x$ be real.\n\nSolution. Easy.\n').statements, []);
  assert.deepEqual(analyzeDocument('markdown', '# IMO.SHL.2019.A1\n\nLet $x$ be real.\n').statements, []);
});

test('a problem found by a guess is at most a guess: no note that it lacks a proof unless guesses are asked for', () => {
  const text = 'A1. Show $x$.\n\nA2. Show $y$.\n\nSolution. Easy.\n';
  assert.deepEqual(analyzeDocument('markdown', text).diagnostics, []);
  const withGuesses = analyzeDocument('markdown', text, { maxDocumentSize: 1e7, guesses: true });
  assert.deepEqual(withGuesses.diagnostics.map((d) => [d.code, d.certainty, d.severity]), [['problem-without-proof', 'guess', 'information']]);
});

test('headings that name no statement are not statements', () => {
  for (const heading of ['Problem Selection Committee', 'Problems', 'Theorem about cats', 'Chapter 1', 'Case 1']) {
    assert.equal(recognise(heading, 'heading')?.recognised.role === 'statement', false, heading);
  }
  for (const heading of ['Problem 1', 'Question 2', 'Problem A1', 'Theorem (AM-GM)', 'Exercise 3.2', '1. Problem']) {
    assert.equal(recognise(heading, 'heading')?.recognised.role, 'statement', heading);
  }
  for (const heading of ['Solution', 'Original Solution', 'Solution 2', 'Proof (a)', 'Solutions', 'Answer']) {
    assert.equal(recognise(heading, 'heading')?.recognised.role, 'proof', heading);
  }
});

test('every recogniser has an example and a bounded pattern anchored at the start', () => {
  for (const r of RECOGNISERS) {
    assert.ok(r.example.length > 0, r.name);
    assert.ok(r.pattern.source.startsWith('^'), r.name);
    assert.doesNotMatch(r.pattern.source, /[^\\][*+]/, `${r.name}: no unbounded run`);
    assert.ok(r.certainty !== 'guess' || r.convention !== undefined, `${r.name}: a guess needs a convention`);
  }
});

test('a solution heading whose first text is a proof environment: the environment is the proof, the heading its title', () => {
  const text = '\\begin{document}\n\\section*{Problem 1}\nShow $x$.\n\\subsection*{Solution}\n\\begin{proof}\nEasy.\n\\end{proof}\n\\end{document}\n';
  const a = analyzeDocument('latex', text);
  assert.equal(a.statements.length, 1);
  assert.equal(a.statements[0]!.proof?.environment, 'proof');
  assert.deepEqual([...a.orphanProofs, ...a.additionalProofs], []);
});

test('a sectioning heading over a statement environment is its title, not a second statement', () => {
  const text = '\\begin{document}\n\\section*{Problem 1}\n\\begin{problem}\nShow $x$.\n\\end{problem}\n\\begin{solution}\nEasy.\n\\end{solution}\n\\end{document}\n';
  const a = analyzeDocument('latex', text);
  assert.deepEqual(a.statements.map((s) => [s.title, s.proof !== undefined]), [['Problem', true]]);
});

test('a bare paragraph after a problem is its solution only where the file writes its other solutions as proofs', () => {
  const alone = '\\begin{document}\n\\begin{problem}\nShow $x$.\n\\end{problem}\nSome remark about $x$.\n\\end{document}\n';
  assert.equal(analyzeDocument('latex', alone).statements[0]!.proof, undefined);
});

test('the hint on a heading or label not read as a problem says which formats were tried and what a guess lacked', () => {
  const md = '# Notes\n\n## Problem Selection Committee\n\nA1. Only one such paragraph.\n\n## Problem 1\n\nShow $x$.\n';
  const a = analyzeDocument('markdown', md);
  const lines = md.split('\n');
  const committee = recognitionHint(a, 'markdown', lines[2]!, 2)!;
  assert.match(committee, /^\*\*Not read as a problem or a solution\.\*\* Heading formats tried:/);
  assert.match(committee, /- statement heading: does not match/);
  assert.match(committee, /qedNano\.structure\.problemPatterns/);
  assert.match(recognitionHint(a, 'markdown', lines[4]!, 4)!, /- problem code: matches, but it is a guess, taken only where at least two paragraphs/);
  assert.equal(recognitionHint(a, 'markdown', lines[6]!, 6), undefined, 'a problem is explained by the outline');
  assert.equal(recognitionHint(a, 'markdown', lines[8]!, 8), undefined, 'ordinary text gets no hint');
  const tex = '\\begin{document}\n\\section*{Homework 3}\n\\end{document}\n';
  assert.match(recognitionHint(analyzeDocument('latex', tex), 'latex', '\\section*{Homework 3}', 1)!, /- solution heading: does not match/);
});

test('a heading inside an HTML block is one only in a file written for Pandoc (which reads Markdown there)', () => {
  const text = readFileSync(join(FIXTURES, '03-markdown-pandoc-html-solution.md'), 'utf8');
  const commonMark = text.replace(/\{ width=300px \}/g, '');
  const a = analyzeDocument('markdown', commonMark, { maxDocumentSize: 1e7, guesses: true });
  assert.deepEqual([a.statements.filter((s) => s.proof).length, a.additionalProofs.length, a.orphanProofs.length], [0, 0, 0], 'no solution: so the identifier headings are not problems either');
});
