import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument, ProofDocumentAnalyzer } from '../../server/src/documents/analyzer';
import type { DocumentFormat } from '../../server/src/documents/proofDocument';
import { readDocument } from '../support/fixtures';
import { pick, seededRandom } from '../support/random';

const FIXTURES: [string, DocumentFormat][] = [
  ['inequalities.tex', 'latex'],
  ['olympiad.tex', 'latex'],
  ['broken.tex', 'latex'],
  ['notes.md', 'markdown'],
  ['broken.md', 'markdown'],
];
const EDITS = ['$', '$$', '\\[', '\\)', '{', '}', '\\iffalse', '\\fi', '\\Axiom$', '\\begin{tikzpicture}', '\n', '\n\n', '%', '\\begin{proof}', '\\end{proof}', '`', '```\n', '**Proof.** ', '∎', '\\verb|', 'x'];

test('re-analysis after each of 300 random edits equals a fresh analysis of the same text', () => {
  for (const [name, format] of FIXTURES) {
    const random = seededRandom(name.length * 7919);
    let text = readDocument(name);
    const analyzer = new ProofDocumentAnalyzer(format);
    analyzer.analyze(text);
    for (let edit = 0; edit < 60; edit++) {
      const at = Math.floor(random() * (text.length + 1));
      if (random() < 0.3 && text.length > 0) {
        const length = 1 + Math.floor(random() * 40);
        text = text.slice(0, at) + text.slice(at + length);
      } else {
        text = text.slice(0, at) + pick(random, EDITS) + text.slice(at);
      }
      assert.deepEqual(analyzer.analyze(text), analyzeDocument(format, text), `${name}, edit ${edit}`);
    }
  }
});

test('a one-character edit in a 2,000-line document lexes only the lines it affects', () => {
  const block = readDocument('inequalities.tex').split('\n').slice(12, -2).join('\n');
  const lines: string[] = [];
  while (lines.length < 2000) lines.push(...block.split('\n'));
  const text = lines.join('\n');
  const analyzer = new ProofDocumentAnalyzer('latex');
  analyzer.analyze(text);
  assert.equal(analyzer.lastLexedLineCount, lines.length);

  const middle = text.indexOf('For every real $t$', text.length / 2);
  const edited = `${text.slice(0, middle)}X${text.slice(middle)}`;
  analyzer.analyze(edited);
  assert.equal(analyzer.lastLexedLineCount, 1, 'a typo in text changes no state: one line');

  const dollar = `${text.slice(0, middle)}$${text.slice(middle)}`;
  analyzer.analyze(text);
  analyzer.analyze(dollar);
  assert.ok(analyzer.lastLexedLineCount <= 3, `an opened $ is relexed to the paragraph end (${analyzer.lastLexedLineCount} lines)`);
  assert.deepEqual(analyzer.analyze(dollar), analyzeDocument('latex', dollar));

  // A brace opened in text (`\textbf{` typed, its `}` not yet): the text's brace depth is counted per line, so
  // the lines after it keep their state.
  const brace = `${text.slice(0, middle)}\\textbf{${text.slice(middle)}`;
  analyzer.analyze(text);
  analyzer.analyze(brace);
  assert.equal(analyzer.lastLexedLineCount, 1, 'an unclosed brace in text: one line');
  assert.deepEqual(analyzer.analyze(brace), analyzeDocument('latex', brace));
});
