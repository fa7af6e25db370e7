import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { documentSymbols } from '../../server/src/features/symbols';
import type { ProofDocumentAnalysis, Range } from '../../server/src/documents/proofDocument';
import { lineOf, readDocument } from '../support/fixtures';

const lines = (r: Range): [number, number] => [r.start.line + 1, r.end.line + 1];
const codes = (a: ProofDocumentAnalysis): string[] => a.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`);

test('Markdown notes: heading and label statements, proofs ending at ∎, $\\blacksquare$ and QED', () => {
  const text = readDocument('notes.md');
  const a = analyzeDocument('markdown', text);
  assert.deepEqual(
    a.statements.map((s) => [s.kind, s.title, lines(s.headerRange)[0]]),
    [
      ['problem', 'Problem 1 (IMO 1988/6)', lineOf(text, '## Problem 1')],
      ['theorem', 'Theorem 2 (AM-GM)', lineOf(text, '**Theorem 2')],
      ['lemma', 'Lemma 3', lineOf(text, '**Lemma 3')],
      ['problem', 'Problem 4', lineOf(text, '### Problem 4')],
    ],
  );
  const [p1, t2, l3, p4] = a.statements;
  assert.deepEqual(lines(p1!.range), [lineOf(text, '## Problem 1'), lineOf(text, 'Show that')]);
  assert.deepEqual(lines(p1!.proof!.range), [lineOf(text, '**Solution.**'), lineOf(text, 'contradicts minimality. ∎')]);
  assert.equal(p1!.proof!.closed, true);
  assert.deepEqual(
    p1!.proof!.steps.map((s) => [s.kind, ...lines(s.range)]),
    [
      ['paragraph', lineOf(text, '**Solution.**'), lineOf(text, 'has the root $a$')],
      ['paragraph', lineOf(text, 'By Vieta'), lineOf(text, 'By Vieta')],
      ['item', lineOf(text, '1. $a'), lineOf(text, '1. $a')],
      ['item', lineOf(text, '2. $a'), lineOf(text, '2. $a')],
      ['paragraph', lineOf(text, 'This contradicts'), lineOf(text, 'This contradicts')],
    ],
  );
  const firstStep = p1!.proof!.steps[0]!.range;
  assert.equal(text.split('\n')[firstStep.start.line]!.slice(firstStep.start.character).startsWith('Let $k'), true, 'a step starts after the label');
  assert.equal(p1!.proof!.steps[4]!.range.end.character, 'This contradicts minimality.'.length, 'the ∎ is not part of the step');
  assert.deepEqual(lines(t2!.proof!.range), [lineOf(text, '*Proof.* Expand'), lineOf(text, '$\\blacksquare$')]);
  assert.equal(l3!.proof?.closed, true, 'the plain "Proof." paragraph ends at QED');
  assert.equal(p4!.proof, undefined);
  assert.deepEqual(codes(a), [`problem-without-proof@${lineOf(text, '### Problem 4')}`], 'prices, code spans and fenced code are never math');
});

test('broken Markdown: unclosed and unmatched math, problem without solution; a proof under the title heading is no orphan', () => {
  const text = readDocument('broken.md');
  const a = analyzeDocument('markdown', text, { maxDocumentSize: 1e7, guesses: true });
  assert.deepEqual(codes(a), [
    `unclosed-math@${lineOf(text, 'Every $x')}`,
    `unclosed-math@${lineOf(text, 'We have \\(')}`,
    `unmatched-math-close@${lineOf(text, 'Then \\)')}`,
    `unbalanced-braces-in-math@${lineOf(text, 'Then \\)')}`,
    `problem-without-proof@${lineOf(text, '## Problem 2')}`,
  ]);
  assert.match(a.diagnostics[0]!.message, /`\$` math opened on line 5 is not closed with `\$` before the paragraph ends/);
  assert.equal(a.additionalProofs.length, 1, 'the heading "Broken notes" may be what the proof below it proves: not even a guess');
  assert.equal(a.statements[0]!.proof?.closed, false, 'a proof without an end mark runs to the next heading');
  assert.deepEqual(lines(a.statements[0]!.proof!.range), [lineOf(text, 'Proof. We have'), lineOf(text, 'Then \\)')]);
});

test('headings: deeper ordinary headings stay inside a proof, a same-level heading ends it', () => {
  const text = [
    '## Problem 1', 'Show $x$.', '', '### Solution', 'We split in cases.', '', '#### Case 1', 'Easy.', '', '#### Case 2',
    'Also easy.', '', '## Problem 2', 'Show $y$.', '',
  ].join('\n');
  const a = analyzeDocument('markdown', text);
  assert.equal(a.statements.length, 2);
  assert.deepEqual(lines(a.statements[0]!.proof!.range), [4, 11]);
  // A case heading starts the step it titles.
  assert.deepEqual(a.statements[0]!.proof!.steps.map((s) => lines(s.range)), [[5, 5], [7, 8], [10, 11]]);
});

test('labels in block quotes and list items, italic and underscore emphasis, and a Proof heading', () => {
  const text = [
    '> **Lemma 1 (Key).** Quoted.', '', '_Proof._ Short. □', '', '1. **Claim 2.** In a list.', '', '### Proof', 'Here. ∎',
    '', '__Conjecture.__ Open.',
  ].join('\n');
  const a = analyzeDocument('markdown', text);
  assert.deepEqual(
    a.statements.map((s) => [s.kind, s.title, s.proof ? lines(s.proof.range) : null]),
    [
      ['lemma', 'Lemma 1 (Key)', [3, 3]],
      ['claim', 'Claim 2', [7, 8]],
      ['conjecture', 'Conjecture', null],
    ],
  );
  assert.deepEqual(a.diagnostics, [], 'a conjecture without proof is not a task');
});

test('math delimiters: \\(..\\), \\[..\\], $$ over several lines, text in math, escaped dollars', () => {
  const text = ['Inline \\(a\\) and \\[b\\] and \\$5.', '', '$$', 'x = \\{1, 2\\}', '$$', '', 'Cost: $ 5 and `$x` too.'].join('\n');
  assert.deepEqual(analyzeDocument('markdown', text).diagnostics, []);
});

test('a proof ending in $\\blacksquare$: its last step has no stray `$`, and Outline labels are plain text cut between words', () => {
  const text = '## Problem 1\nShow that $x^2 \\ge 0$.\n\n**Proof.** For every real $x$ we have $x \\cdot x \\ge 0$ by the rule of signs for products. $\\blacksquare$\n';
  const analysis = analyzeDocument('markdown', text);
  const lines = text.split('\n');
  const steps = analysis.statements[0]!.proof!.steps;
  const last = steps[steps.length - 1]!.range;
  assert.ok(!lines[last.end.line]!.slice(last.start.character, last.end.character).endsWith('$'), 'no stray $ from the end mark');
  const document = TextDocument.create('file:///a.md', 'markdown', 1, text);
  const [symbol] = documentSymbols(analysis, document).filter((s) => s.name === 'Problem 1');
  const detail = symbol!.children![0]!.children![0]!.detail!;
  assert.equal(detail, 'For every real x we have x · x ≥ 0 by the rule of signs for…');
});

test('a claim stated inside a solution, with its own proof, is a nested statement: no "proof without a statement", and the solution goes on around it', () => {
  // As published olympiad reference solutions write them: plain "Claim 1.", "Claim - ...", and bold "**Claim.**".
  const text = [
    '## Problem 1',
    'Prove that $n^2 + n$ is even for every integer $n$.',
    '',
    '**Solution.** We use two claims.',
    '',
    'Claim 1. The product of two consecutive integers is even.',
    '',
    'Proof. One of them is even. ∎',
    '',
    'Claim - the sum of two even numbers is even.',
    '',
    '*Proof.* Write them as $2a$ and $2b$. ∎',
    '',
    '**Claim.** Nothing else is needed.',
    '',
    'Proof. Clear. ∎',
    '',
    'Now $n^2 + n = n(n+1)$, so Claim 1 finishes the solution. ∎',
    '',
  ].join('\n');
  const a = analyzeDocument('markdown', text);
  assert.deepEqual(codes(a).filter((c) => c.startsWith('proof-without-statement')), []);
  assert.deepEqual(
    a.statements.map((s) => [s.kind, s.title, s.proof ? lines(s.proof.range) : null, s.proof?.closed]),
    [
      ['claim', 'Claim 1', [8, 8], true],
      ['claim', 'Claim', [12, 12], true],
      ['claim', 'Claim', [16, 16], true],
      ['problem', 'Problem 1', [4, 18], true],
    ].sort((x, y) => (x[2] as number[])[0]! - (y[2] as number[])[0]!),
  );
  const solution = a.statements.find((s) => s.kind === 'problem')!.proof!;
  assert.deepEqual(
    solution.steps.map((s) => lines(s.range)[0]),
    [4, 6, 10, 14, 18],
    'the solution\'s steps: its own paragraphs and the claims as stated, not the claims\' proofs',
  );
});

test('a plain "Claim." outside any proof is a statement; "Proof." after a proof\'s end is no claim\'s proof', () => {
  const text = ['Claim 2. Every prime above 2 is odd.', '', 'Proof. Otherwise 2 divides it. ∎', '', 'Proof. Another proof. ∎', ''].join('\n');
  const a = analyzeDocument('markdown', text);
  assert.deepEqual(a.statements.map((s) => [s.kind, s.title, lines(s.proof!.range)]), [['claim', 'Claim 2', [3, 3]]]);
  assert.deepEqual(a.additionalProofs.length + a.orphanProofs.length, 1, 'the second proof is reported as it was before');
});

test('a Markdown file\'s own macros count: definitions in its math (also over several lines) and a front-matter `macros:` block', () => {
  const text = [
    '---',
    'title: Notes',
    'macros:',
    '  \\Z: \\mathbb{Z}',
    '  "\\\\abs": "\\\\left|#1\\\\right|"',
    "  'Q': '\\mathbb{Q}'",
    'tags: [nt]',
    '---',
    'Notation: $$\\newcommand{\\R}{\\mathbb{R}}$$ and $\\DeclareMathOperator{\\lcm}{lcm}$.',
    '',
    '$$',
    '\\newcommand{\\pair}[2]{',
    '  \\left(#1, #2\\right)}',
    '$$',
    '',
    '## Problem 1',
    'Show that $\\abs{x} \\in \\R$ for $x \\in \\Z$; prices like $5 and `\\def` in code define nothing.',
    '',
  ].join('\n');
  const a = analyzeDocument('markdown', text);
  assert.deepEqual(
    a.macros.map((m) => [m.name, m.arity, m.body.replace(/\s+/g, ' ').trim()]),
    [
      ['Z', 0, '\\mathbb{Z}'],
      ['abs', 1, '\\left|#1\\right|'],
      ['Q', 0, '\\mathbb{Q}'],
      ['R', 0, '\\mathbb{R}'],
      ['lcm', 0, '\\operatorname{lcm}'],
      ['pair', 2, '\\left(#1, #2\\right)'],
    ],
  );
  assert.equal(a.statements[0]!.title, 'Problem 1');
  assert.deepEqual(analyzeDocument('markdown', '## Problem 1\nShow $x \\le y$.\n').macros, []);
});
