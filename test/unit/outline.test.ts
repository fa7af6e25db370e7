/**
 * The outline (documents/outline.ts, issue 30 item 4): sections and Markdown headings are the parents of the
 * statements under them, a heading that is a statement or solution is that entry only, a heading inside a
 * proof belongs to the proof, and entries are plain text, not LaTeX.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { outline, type OutlineEntry } from '../../server/src/documents/outline';
import { plainText } from '../../server/src/documents/plainText';

function tree(format: 'latex' | 'markdown', text: string): unknown {
  const document = TextDocument.create('file:///x', format, 1, text);
  const excerpt = (range: { start: { line: number; character: number }; end: { line: number; character: number } }, max: number): string => document.getText(range).slice(0, max);
  const lineEnd = (line: number) => ({ line, character: text.split('\n')[line]!.length });
  const shape = (entries: OutlineEntry[]): unknown => entries.map((e) => (e.kind === 'section' ? [e.name, shape(e.children)] : `${e.name}: ${e.detail}`));
  return shape(outline(analyzeDocument(format, text), excerpt, lineEnd));
}

test('LaTeX sections and subsections are the parents of the statements under them', () => {
  const text = [
    '\\documentclass{article}',
    '\\begin{document}',
    '\\section{Means}',
    '\\begin{lemma}\\label{lem:sq}',
    'For every real $t$, $t^2 \\ge 0$.',
    '\\end{lemma}',
    '\\subsection{Two numbers}',
    '\\begin{theorem}[AM--GM]',
    'For $a, b \\ge 0$, $\\frac{a+b}{2} \\ge \\sqrt{ab}$.',
    '\\end{theorem}',
    '\\section*{Problem 1}',
    'Show that $x \\in \\mathbb{R}$.',
    '\\subsection*{Solution}',
    'Clear.',
    '\\end{document}',
  ].join('\n');
  assert.deepEqual(tree('latex', text), [
    ['Means', ['Lemma (lem:sq): For every real t, t² ≥ 0.', ['Two numbers', ['Theorem (AM–GM): For a, b ≥ 0, (a+b)/2 ≥ √(ab).']]]],
    'Problem 1: Show that x ∈ ℝ.',
  ]);
});

test('Markdown headings are parents; a heading inside a proof stays in it; section ranges end before the next of their level', () => {
  const text = '# Set 1\n\n## Algebra\n\n### Problem 1\n\nShow $x$.\n\n#### Solution\n\nTwo cases.\n\n##### Case 1\n\nEasy.\n\n## Geometry\n\n**Lemma 2.** A *point* is a point.\n';
  assert.deepEqual(tree('markdown', text), [['Set 1', [['Algebra', ['Problem 1: Show x.']], ['Geometry', ['Lemma 2: A *point* is a point.']]]]]);
  const document = TextDocument.create('file:///x', 'markdown', 1, text);
  const [set] = outline(analyzeDocument('markdown', text), (r, m) => document.getText(r).slice(0, m), (line) => ({ line, character: text.split('\n')[line]!.length }));
  const [algebra, geometry] = set!.children;
  assert.equal(algebra!.range.end.line, 15, 'Algebra ends on the line before ## Geometry (with its problem, proof and case)');
  assert.equal(geometry!.range.start.line, 16);
});

test('plain text: styles keep their text, math symbols become characters, labels, environments and comments go', () => {
  assert.equal(plainText('For all $n \\in \\N$, $n^2 \\ge n$. \\label{x} % note'), 'For all n ∈ N, n² ≥ n.');
  assert.equal(plainText('\\emph{Let} \\(\\alpha \\le \\beta\\) and \\begin{equation} x \\neq y \\end{equation}'), 'Let α ≤ β and x ≠ y');
  assert.equal(plainText('$\\angle ABC = 90^\\circ$, $a \\equiv b \\pmod{9}$, \\textbf{\\emph{both}}'), '∠ ABC = 90°, a ≡ b (mod 9), both');
  assert.equal(plainText('\\toString \\constructor{x}'), 'toString constructor(x)', 'a command named like a property of Object is a name');
});
