import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import type { DocumentFormat } from '../../server/src/documents/proofDocument';
import { readDocument } from '../support/fixtures';
import { pick, seededRandom } from '../support/random';
import { rangeProblem } from '../support/ranges';

const FORMATS: DocumentFormat[] = ['latex', 'markdown'];
const FRAGMENTS = [
  '\\begin{', '\\end{', 'theorem}', 'proof}', 'lemma}', 'verbatim}', 'align}', '}', '{', '[', ']', '$', '$$', '\\(', '\\)',
  '\\[', '\\]', '%', '\n', '\n\n', '\r\n', '\r', ' ', 'x', '\\newcommand{', '\\newenvironment{', '\\newtheorem{', '\\def',
  '\\verb|', '|', '\\label{', '\\ref{', '\\cref{', ',', '\\item', '**Proof.**', '*Proof.*', 'Proof.', '**Theorem 1.**',
  '## Problem 2', '#', '> ', '- ', '1. ', '```', '~~~', '`', '``', '∎', '□', 'QED', '\\blacksquare', '\\text{', '\\',
  '😀', '数学', '\u0000', '\uFFFD', '\t', '\\input{', '\\declaretheorem[name=Claim]{', '\\begin{proof}[Proof of \\ref{',
];

function randomDocument(random: () => number): string {
  const parts: string[] = [];
  const count = Math.floor(random() * 400);
  for (let i = 0; i < count; i++) parts.push(pick(random, FRAGMENTS));
  return parts.join('');
}

function mutate(random: () => number, text: string): string {
  let out = text;
  for (let i = 0, n = 1 + Math.floor(random() * 12); i < n; i++) {
    const a = Math.floor(random() * out.length);
    const b = Math.min(out.length, a + Math.floor(random() * 200));
    const choice = random();
    if (choice < 0.3) out = out.slice(0, a) + out.slice(b);
    else if (choice < 0.6) out = out.slice(0, a) + out.slice(a, b) + out.slice(a);
    else if (choice < 0.8) out = out.slice(0, a) + pick(random, FRAGMENTS) + out.slice(a);
    else out = out.slice(0, a) + String.fromCharCode(Math.floor(random() * 0x3000)) + out.slice(a);
  }
  return out;
}

function check(text: string, label: string): void {
  for (const format of FORMATS) {
    let analysis;
    try {
      analysis = analyzeDocument(format, text);
    } catch (error) {
      assert.fail(`${label} (${format}) threw: ${(error as Error).stack}\n--- input ---\n${JSON.stringify(text)}`);
    }
    const problem = rangeProblem(analysis, text);
    assert.equal(problem, undefined, `${label} (${format}): ${problem}\n--- input ---\n${JSON.stringify(text)}`);
  }
}

test('1,500 random documents of LaTeX and Markdown fragments: analysis never throws and every range is inside', () => {
  for (let seed = 1; seed <= 1500; seed++) check(randomDocument(seededRandom(seed)), `random seed ${seed}`);
});

test('1,000 mutations of the realistic fixtures: analysis never throws and every range is inside', () => {
  const sources = ['inequalities.tex', 'olympiad.tex', 'broken.tex', 'notes.md', 'broken.md'].map(readDocument);
  for (let seed = 1; seed <= 1000; seed++) {
    const random = seededRandom(seed * 31);
    check(mutate(random, pick(random, sources)), `mutation seed ${seed}`);
  }
});

test('a binary file and a 10 MB document get one clear message instead of analysis, at once', () => {
  const binary = Array.from({ length: 20000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  const refusedBinary = analyzeDocument('latex', binary);
  assert.deepEqual(refusedBinary.diagnostics.map((d) => d.code), ['binary-document']);
  const huge = '\\begin{theorem}x\\end{theorem}\n'.repeat(350_000);
  assert.ok(huge.length > 10_000_000);
  const refusedHuge = analyzeDocument('latex', huge);
  assert.deepEqual(refusedHuge.diagnostics.map((d) => d.code), ['document-too-large']);
  assert.match(refusedHuge.diagnostics[0]!.message, /qedNano\.analysis\.maxDocumentSize/);
  // With the limit raised, the 10 MB document is analysed in full, and still terminates.
  const full = analyzeDocument('latex', huge, { maxDocumentSize: 20_000_000 });
  assert.equal(full.statements.length, 350_000);
});
