import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import type { ProofDocumentAnalysis, Range } from '../../server/src/documents/proofDocument';
import { lineOf, readDocument } from '../support/fixtures';

const lines = (r: Range): [number, number] => [r.start.line + 1, r.end.line + 1];
const codes = (a: ProofDocumentAnalysis): string[] => a.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`);

test('a well-formed article: declared theorem environments, their proofs, steps, labels and macros', () => {
  const text = readDocument('inequalities.tex');
  const a = analyzeDocument('latex', text);
  assert.deepEqual(
    a.statements.map((s) => [s.kind, s.environment, s.title, s.label ?? null]),
    [
      ['lemma', 'lem', 'Lemma', 'lem:square'],
      ['theorem', 'thm', 'Theorem (AM--GM for two numbers)', 'thm:amgm'],
      ['corollary', 'cor', 'Corollary', null],
      ['problem', 'problem', 'Problem', null],
    ],
    'definitions (\\newtheorem{defn}{Definition}) are not statements to prove; declared and built-in ones are',
  );
  const [lemma, theorem, corollary, problem] = a.statements;
  assert.deepEqual(lines(lemma!.range), [lineOf(text, '\\begin{lem}'), lineOf(text, '\\end{lem}')]);
  // (occurrence 2: the first `\begin{proof}` is inside a comment)
  assert.deepEqual(lines(lemma!.proof!.range), [lineOf(text, '\\begin{proof}', 2), lineOf(text, '\\end{proof}')]);
  assert.equal(corollary!.proof, undefined);
  assert.equal(problem!.proof, undefined);

  const proof = theorem!.proof!;
  assert.equal(proof.closed, true);
  assert.deepEqual(
    proof.steps.map((s) => [s.kind, ...lines(s.range)]),
    [
      // The sentence and the display it introduces form one step.
      ['paragraph', lineOf(text, 'By Lemma~'), lineOf(text, 'a-2\\sqrt{ab}+b') + 1],
      ['paragraph', lineOf(text, 'Rearranging'), lineOf(text, '\\begin{itemize}')],
      ['item', lineOf(text, '\\item $a=b$'), lineOf(text, '\\item $a=b$')],
      ['item', lineOf(text, '\\item and only then'), lineOf(text, '\\end{itemize}')],
    ],
  );
  const firstStep = proof.steps[0]!.range;
  assert.equal(text.split('\n')[firstStep.start.line]!.slice(firstStep.start.character, firstStep.start.character + 9), 'By Lemma~');

  assert.deepEqual(
    a.labels.map((l) => l.name),
    ['lem:square', 'thm:amgm', 'eq:amgm'],
  );
  assert.deepEqual(codes(a), [`problem-without-proof@${lineOf(text, '\\begin{problem}')}`]);
  assert.equal(a.diagnostics[0]!.severity, 'information');
  assert.deepEqual(
    a.macros.map((m) => [m.name, m.arity, m.body]),
    [
      ['R', 0, '\\mathbb{R}'],
      ['abs', 1, '\\left|#1\\right|'],
      ['lcm', 0, '\\operatorname{lcm}'],
    ],
  );
});

test('declared environments: \\declaretheorem, \\newenvironment wrappers over several lines, nested claims', () => {
  const text = readDocument('olympiad.tex');
  const a = analyzeDocument('latex', text);
  assert.deepEqual(
    a.statements.map((s) => [s.kind, s.title, lines(s.range)[0]]),
    [
      ['problem', 'Problem (IMO 1988/6)', lineOf(text, '\\begin{prob}[IMO')],
      ['claim', 'Claim', lineOf(text, '\\begin{clm}')],
      ['problem', 'Problem', lineOf(text, '\\begin{myproblem}')],
    ],
  );
  const [vieta, claim, second] = a.statements;
  assert.equal(vieta!.proof?.environment, 'sol', 'the `sol` wrapper of `proof` is a proof');
  assert.deepEqual(lines(vieta!.proof!.range), [lineOf(text, '\\begin{sol}'), lineOf(text, '\\end{sol}', 2)]);
  assert.deepEqual(lines(claim!.proof!.range), [lineOf(text, '\\begin{proof}', 2), lineOf(text, '\\end{proof}', 2)]);
  assert.equal(second!.proof, undefined, 'a proof naming another problem with \\ref does not attach to the one before it');
  assert.equal(a.additionalProofs.length, 1);
  assert.deepEqual(codes(a), [`problem-without-proof@${lineOf(text, '\\begin{myproblem}')}`], 'the $ and \\end{sol} inside verbatim are not seen');
  assert.deepEqual(a.macros.map((m) => m.name), ['N']);
});

test('a broken document: every structural fault is reported once, where it is, with a clear message', () => {
  const text = readDocument('broken.tex');
  const a = analyzeDocument('latex', text);
  const at = (needle: string, occurrence = 1): number => lineOf(text, needle, occurrence);
  assert.deepEqual(codes(a), [
    `unclosed-math@${at('Every $x')}`,
    `undefined-reference@${at('\\ref{thm:missing}')}`,
    `undefined-reference@${at('\\ref{thm:missing}')}`,
    `unclosed-math@${at('We know \\(')}`,
    `unclosed-environment@${at('\\begin{itemize}')}`,
    `unbalanced-braces-in-math@${at('c &= {d')}`,
    `unmatched-math-close@${at('Here \\)')}`,
    `unmatched-end@${at('\\end{center}')}`,
  ], 'the proof with nothing before it is only a guess (reported when guesses are asked for); the lemma left open is named by the `\\end{center}` that ends it');
  const message = (code: string, n = 0): string => a.diagnostics.filter((d) => d.code === code)[n]!.message;
  assert.match(message('unclosed-environment'), /`\\begin\{itemize\}` on line 16 is not closed before `\\end\{proof\}` on line 18/);
  assert.match(message('unmatched-end'), /`\\end\{center\}` ends `\\begin\{lemma\}` of line 24: write `\\end\{lemma\}`/);
  assert.match(message('undefined-reference'), /\\ref\{thm:missing\}.*no `\\label\{thm:missing\}`/);
  assert.match(message('undefined-reference', 1), /\\cref\{eq:nowhere\}/, 'cleveref lists are split; thm:main exists');
  assert.match(message('unclosed-math', 1), /`\\\(` math opened on line 15 is not closed with `\\\)`/);
  assert.match(message('unbalanced-braces-in-math'), /this `\{` is not closed before the math ends on line 23/, 'at the brace, not at `\\end{align}`');
  const itemize = a.diagnostics.find((d) => d.code === 'unclosed-environment')!;
  assert.equal(itemize.related?.[0]?.range.start.line, at('\\end{proof}', 2) - 1, 'points to where the outer \\end was met');
  const theorem = a.statements.find((s) => s.kind === 'theorem')!;
  assert.equal(theorem.label, 'thm:main');
  assert.ok(theorem.proof, 'the proof after the theorem still attaches despite its faults');
  const lemma = a.statements.find((s) => s.kind === 'lemma');
  assert.equal(lemma && lines(lemma.range)[1], at('\\end{center}'), 'an unclosed statement ends where LaTeX ends it');
  assert.deepEqual(codes(analyzeDocument('latex', text, { maxDocumentSize: 1e7, guesses: true })).slice(0, 1), [`proof-without-statement@${at('\\begin{proof}')}`]);
});

test('comments, escaped dollars, text inside math, verbatim and \\verb never produce false findings', () => {
  const text = String.raw`\begin{theorem}
Costs \$5; % an unclosed $ in a comment \begin{lemma}
Let $S=\{x : x>0\}$ and $\text{for all $y$ we have } y\in S$.
\verb|$| and \verb+\end{theorem}+ are code.
\[ \begin{pmatrix} a & b \end{pmatrix} \]
\end{theorem}
\begin{proof}
Clear. $$x$$
\end{proof}
`;
  const a = analyzeDocument('latex', text);
  assert.deepEqual(a.diagnostics, []);
  assert.equal(a.statements.length, 1);
  assert.ok(a.statements[0]!.proof);
});

test('a reference in a file that includes others is only information: the label may be in the other file', () => {
  const a = analyzeDocument('latex', '\\input{chapter1}\nSee \\ref{thm:elsewhere}.\n');
  assert.equal(a.diagnostics.length, 1);
  assert.equal(a.diagnostics[0]!.severity, 'information');
  assert.match(a.diagnostics[0]!.message, /may be in an included file/);
});

test('a declaration that never closes its braces is reported and does not swallow the document', () => {
  const text = `\\newcommand{\\broken}{\\alpha\n${'text\n'.repeat(2000)}\\begin{problem}\nP\n\\end{problem}\n`;
  const a = analyzeDocument('latex', text);
  assert.ok(a.diagnostics.some((d) => d.code === 'unclosed-definition'));
  assert.equal(a.statements.length, 1, 'the problem after the runaway declaration is still found');
});

test('a `{` left open in math is named as the cause, where it is, before the math it leaves unclosed', () => {
  const text = '\\documentclass{article}\n\\newtheorem{lemma}{Lemma}\n\\begin{document}\n\\begin{lemma}\nFor all $n$, ${n^2 \\ge n$.\n\\end{lemma}\n\\end{document}\n';
  const [finding, ...others] = analyzeDocument('latex', text).diagnostics;
  assert.deepEqual(others, []);
  assert.equal(finding!.code, 'unclosed-math');
  assert.deepEqual([finding!.range.start.line, finding!.range.start.character], [4, 14], 'at the brace');
  assert.equal(
    finding!.message,
    'Unbalanced brace: this `{` (line 5, column 15) is never closed, so each `$` after it is read as text inside it and `$` math opened on line 5 is not closed before `\\end{lemma}` on line 6.',
  );
});
