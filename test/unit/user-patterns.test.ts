/**
 * The formats a user teaches (qedNano.structure.problemPatterns / solutionPatterns, documents/userPatterns.ts):
 * only patterns that cannot backtrack badly are accepted, each refusal says why, and an accepted pattern
 * finds problems and solutions like a built-in label.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { compileUserPatterns, userPattern } from '../../server/src/documents/userPatterns';
import { resolveSettings } from '../../server/src/settings';
import { RECOGNITION_DIR } from '../support/recognitionFixtures';

test('patterns outside the syntax the bounded matcher runs, or that do not compile, are refused with the reason', () => {
  const refusals: [string, RegExp][] = [
    ['(a)\\1', /backreference/],
    ['(?<=x)y', /lookbehind/],
    ['x(?=y)', /lookahead/],
    ['\\d{1,2000}', /more than 1000 steps per character/],
    ['\\p{L}', /escape `\\p` is not supported/],
    ['Aufgabe (', /not a valid regular expression/],
    ['', /empty/],
    ['x'.repeat(201), /longer than 200/],
  ];
  for (const [source, reason] of refusals) {
    const result = userPattern(source);
    assert.equal(typeof result, 'string', source);
    assert.match(result as string, reason, source);
  }
  // The shapes that make a backtracking engine take exponential time are harmless here.
  for (const source of ['Aufgabe \\d+\\.', 'Lösungsvorschlag[.:]', '(?:Ex|Exercise) \\d{1,3}', '\\[\\w+\\]\\s*', '(?:ab){2,3}x', '(a+)+b', '(a|aa)*c', 'a*b*c*d']) {
    assert.equal(typeof userPattern(source), 'object', source);
  }
  const { patterns, rejected } = compileUserPatterns(['Aufgabe \\d+\\.', '(a)\\1'], ['Lösungsvorschlag[.:]']);
  assert.equal(patterns.problem.length, 1);
  assert.equal(patterns.solution.length, 1);
  assert.equal(rejected.length, 1);
  assert.match(rejected[0]!, /^qedNano\.structure\.problemPatterns: the pattern "\(a\)\\\\1" is ignored: /);
});

test('an accepted pattern, applied to a prefix of each line, stays fast on adversarial lines', () => {
  const { patterns } = compileUserPatterns(['\\s*\\s*x', '(a+)+b'], []);
  const text = `${' '.repeat(100_000)}y\n\n${'a'.repeat(100_000)}c\n\n`.repeat(50);
  const a = analyzeDocument('markdown', text, { maxDocumentSize: 1e8, patterns });
  assert.deepEqual(a.statements, []);
});

test('settings: the pattern lists keep their strings and drop anything else', () => {
  const settings = resolveSettings({ structure: { problemPatterns: ['Aufgabe \\d+\\.', 3, null], solutionPatterns: 'x' } });
  assert.deepEqual(settings.structure, { problemPatterns: ['Aufgabe \\d+\\.'], solutionPatterns: [] });
});

test('the user\'s patterns find problems and their solutions in Markdown paragraphs and LaTeX headings', () => {
  const { patterns } = compileUserPatterns(['Aufgabe \\d+\\.?'], ['Lösungsvorschlag[.:]?']);
  const text = readFileSync(join(RECOGNITION_DIR, '07-user-patterns.md'), 'utf8');
  assert.deepEqual(analyzeDocument('markdown', text).statements, [], 'not a built-in format');
  const taught = analyzeDocument('markdown', text, { maxDocumentSize: 1e7, patterns });
  assert.deepEqual(taught.statements.map((s) => [s.title, s.proof?.steps.length]), [['Aufgabe 1', 1], ['Aufgabe 2', 1]]);
  const latex = '\\begin{document}\n\\section*{Aufgabe 1}\nZeige $x$.\n\\subsection*{Lösungsvorschlag}\nKlar.\n\\end{document}\n';
  const fromLatex = analyzeDocument('latex', latex, { maxDocumentSize: 1e7, patterns });
  assert.deepEqual(fromLatex.statements.map((s) => [s.title, s.proof?.steps.length]), [['Aufgabe 1', 1]]);
});
