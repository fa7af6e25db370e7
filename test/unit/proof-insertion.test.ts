import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { asParagraphAt, markdownToLatex } from '../../server/src/documents/textFormat';
import { inlineMathOf } from '../../server/src/documents/inlineMath';
import { proofInsertion } from '../../server/src/documents/insertion';

const PROOF = '**Proof.** We use *induction* on $n$:\n\n- the base case $n=1$ holds;\n- the step uses $$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}.$$\n\nHence the claim. ∎';

function apply(text: string, languageId: 'latex' | 'markdown', statementIndex = 0): string {
  const document = TextDocument.create(`file:///t.${languageId === 'latex' ? 'tex' : 'md'}`, languageId, 1, text);
  const analysis = analyzeDocument(languageId, text);
  const edit = proofInsertion(document, analysis, analysis.statements[statementIndex]!, PROOF);
  return TextDocument.applyEdits(document, [edit]);
}

test('LaTeX: a proof environment right after the statement, Markdown turned into LaTeX, math untouched', () => {
  const result = apply('\\begin{theorem}\nFor all $n$.\n\\end{theorem}\n\nMore text.\n', 'latex');
  assert.equal(
    result,
    [
      '\\begin{theorem}', 'For all $n$.', '\\end{theorem}',
      '\\begin{proof}',
      'We use \\emph{induction} on $n$:',
      '',
      '\\begin{itemize}',
      '  \\item the base case $n=1$ holds;',
      '  \\item the step uses \\[\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}.\\]',
      '\\end{itemize}',
      '',
      'Hence the claim.',
      '\\end{proof}',
      '',
      'More text.',
      '',
    ].join('\n'),
  );
});

test('LaTeX: an empty proof already there is replaced, in its own environment', () => {
  const result = apply('\\begin{problem}\nShow $x$.\n\\end{problem}\n\\begin{solution}\n\\end{solution}\n', 'latex');
  assert.match(result, /\\end\{problem\}\n\\begin\{solution\}\nWe use \\emph\{induction\}[\s\S]*Hence the claim\.\n\\end\{solution\}\n$/);
  assert.equal(result.match(/\\begin\{solution\}/g)?.length, 1);
});

test('Markdown: the document\'s own proof label and end mark', () => {
  const text = '**Lemma 1.** A.\n\n*Proof.* Easy. $\\blacksquare$\n\n**Theorem 2.** For all $n$.\n\nNext paragraph.\n';
  const result = apply(text, 'markdown', 1);
  assert.ok(result.startsWith('**Lemma 1.** A.\n\n*Proof.* Easy. $\\blacksquare$\n\n**Theorem 2.** For all $n$.\n\n*Proof.* We use *induction* on $n$:'), result);
  assert.match(result, /Hence the claim\. \$\\blacksquare\$\n\nNext paragraph\.\n$/);
});

test('Markdown: an empty Solution label is filled in place, keeping the user\'s own label and end mark', () => {
  const open = apply('## Problem 1\n\nShow $x$.\n\n**Solution.**\n\n## Problem 2\n\nShow $y$.\n', 'markdown');
  assert.match(open, /^## Problem 1\n\nShow \$x\$\.\n\n\*\*Solution\.\*\*\n\nWe use \*induction\* on \$n\$:[\s\S]*Hence the claim\. ∎\n\n## Problem 2\n\nShow \$y\$\.\n$/);
  assert.equal(open.match(/Solution|Proof/g)?.length, 1, 'no second label');
  const closed = apply('**Problem 1.** Show $x$.\n\n_Proof._ $\\blacksquare$\n', 'markdown');
  assert.match(closed, /^\*\*Problem 1\.\*\* Show \$x\$\.\n\n_Proof\._\n\nWe use[\s\S]*Hence the claim\. \$\\blacksquare\$\n$/);
});

test('Markdown to LaTeX keeps math exactly, including underscores and asterisks inside it', () => {
  assert.equal(markdownToLatex('Let $a_1 * b_2$ and **bold** with `x_1`.'), 'Let $a_1 * b_2$ and \\textbf{bold} with \\texttt{x_1}.');
  assert.equal(markdownToLatex('$$\na_1^2\n$$'), '\\[\na_1^2\n\\]');
  assert.equal(markdownToLatex('1. first\n2. second'), '\\begin{enumerate}\n  \\item first\n  \\item second\n\\end{enumerate}');
});

test('LaTeX: inline math between the delimiters the document writes: \\(…\\) in a document that writes those, $…$ otherwise', () => {
  const parens = apply('\\begin{theorem}\nFor all \\(n \\ge 1\\), \\(n^2 \\ge n\\) (and \\$5 is not \\(n\\)).\n\\end{theorem}\n', 'latex');
  assert.ok(parens.includes('We use \\emph{induction} on \\(n\\):\n\n\\begin{itemize}\n  \\item the base case \\(n=1\\) holds;\n  \\item the step uses \\[\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}.\\]'), parens);
  assert.doesNotMatch(parens.slice(parens.indexOf('\\begin{proof}')), /\$/, 'no $ in the inserted proof');
  // One \\( against two $-formulas: the document's way is $.
  const dollars = apply('\\begin{theorem}\nFor \\(n\\), $n^2 \\ge n$ and $n \\ge 0$.\n\\end{theorem}\n', 'latex');
  assert.ok(dollars.includes('We use \\emph{induction} on $n$:'), dollars);
});

test('only a real "Proof." label is dropped from the model text, not a sentence that starts with the word', () => {
  const insert = (proof: string): string => {
    const text = '\\begin{lemma}\nX.\n\\end{lemma}\n';
    const document = TextDocument.create('file:///t.tex', 'latex', 1, text);
    const analysis = analyzeDocument('latex', text);
    return proofInsertion(document, analysis, analysis.statements[0]!, proof).newText;
  };
  assert.equal(insert('Proof B works: clear.'), '\n\\begin{proof}\nProof B works: clear.\n\\end{proof}');
  assert.equal(insert('**Proof**. Clear.'), '\n\\begin{proof}\nClear.\n\\end{proof}');
  assert.equal(insert('## Proof\nClear.'), '\n\\begin{proof}\nClear.\n\\end{proof}');
  assert.equal(insert('Proof: Clear.'), '\n\\begin{proof}\nClear.\n\\end{proof}');
});

test('Markdown: a file whose proofs read **Solution.** … ∎ gets its new proof under **Solution.**, and a "## Solution" heading file under its heading', () => {
  const solutions = '**Problem 1.** Show $a \\ge 0$.\n\n**Solution.** Clear. ∎\n\n**Problem 2.** Show $b \\ge 0$.\n';
  const result = apply(solutions, 'markdown', 1);
  assert.match(result, /\*\*Problem 2\.\*\* Show \$b \\ge 0\$\.\n\n\*\*Solution\.\*\* We use \*induction\*/);
  assert.doesNotMatch(result, /\*\*Proof\.\*\*/);
  const headings = '## Problem 1\n\nShow $a \\ge 0$.\n\n## Solution\n\nClear. ∎\n\n## Problem 2\n\nShow $b \\ge 0$.\n';
  assert.match(apply(headings, 'markdown', 1), /Show \$b \\ge 0\$\.\n\n## Solution\n\nWe use \*induction\*/);
});

test('a chat reply inserted at the cursor is a paragraph of its own after the cursor\'s paragraph, in the document\'s format', () => {
  const lines = ['Some text with $$x', 'y$$ display math.', 'continued here.', '', 'Next.'];
  assert.deepEqual(asParagraphAt(lines, 0, 'A **bold** reply.', 'latex'), { line: 2, character: 'continued here.'.length, text: '\n\nA \\textbf{bold} reply.' });
  assert.deepEqual(asParagraphAt(lines, 3, 'Reply.', 'markdown'), { line: 3, character: 0, text: '\nReply.\n' });
  assert.deepEqual(asParagraphAt(['Only line.'], 0, 'Reply.', 'markdown'), { line: 0, character: 'Only line.'.length, text: '\n\nReply.\n' });
});

test('the document\'s inline math: \\( where its statements and proofs open more formulas with it than with a single $', () => {
  const of = (text: string, format: 'latex' | 'markdown' = 'latex') => {
    const document = TextDocument.create('file:///t', format, 1, text);
    return inlineMathOf((range) => document.getText(range), analyzeDocument(format, text));
  };
  assert.equal(of('\\begin{theorem}\nFor \\(n\\) and \\(m\\), $k$.\n\\end{theorem}\n'), '\\(');
  assert.equal(of('\\begin{theorem}\nFor \\(n\\), $k$ and $m$.\n\\end{theorem}\n'), '$', 'two $-formulas against one \\(');
  assert.equal(of('\\begin{theorem}\nFor \\(n\\), \\$5 and $$k$$.\n\\end{theorem}\n'), '\\(', 'an escaped \\$ and a $$ are no inline formula');
  assert.equal(of('\\begin{theorem}\nFor $n$.\n\\end{theorem}\n\\begin{proof}\nBy \\(a\\), \\(b\\) and \\(c\\).\n\\end{proof}\n'), '\\(', 'proofs count too');
  assert.equal(of('Prose with \\(x\\) and \\(y\\) but no statement.\n'), '$', 'only statements and proofs count');
  assert.equal(of('## Problem 1\n\nShow \\(x \\ge 0\\) and \\(y\\).\n', 'markdown'), '$', 'Markdown always writes $');
});

test('a chat reply inserted at the cursor of a \\( document writes its inline math with \\( too', () => {
  assert.deepEqual(asParagraphAt(['Text.'], 0, 'So $x \\ge 0$ and $$y$$.', 'latex', '\\('), { line: 0, character: 'Text.'.length, text: '\n\nSo \\(x \\ge 0\\) and \\[y\\].\n' });
  assert.deepEqual(asParagraphAt(['Text.'], 0, 'So $x \\ge 0$.', 'latex', '$'), { line: 0, character: 'Text.'.length, text: '\n\nSo $x \\ge 0$.\n' });
});
