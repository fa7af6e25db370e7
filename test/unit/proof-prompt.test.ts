import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { proofProblem, proofRequest } from '../../server/src/prompts/proofPrompt';
import { statementAt } from '../../server/src/documents/queries';
import { readDocument } from '../support/fixtures';

test('the problem sent to the model carries the document macros and earlier results, in the trained instruction', () => {
  const text = readDocument('inequalities.tex');
  const analysis = analyzeDocument('latex', text);
  const lines = text.split('\n');
  const slice = (r: { start: { line: number; character: number }; end: { line: number; character: number } }): string => {
    const all = lines.slice(r.start.line, r.end.line + 1);
    all[all.length - 1] = all[all.length - 1]!.slice(0, r.end.character);
    all[0] = all[0]!.slice(r.start.character);
    return all.join('\n');
  };
  const problemLine = lines.findIndex((l) => l.startsWith('Prove that $\\abs{a+b}'));
  const statement = statementAt(analysis, { line: problemLine, character: 3 });
  assert.equal(statement?.kind, 'problem');
  const problem = proofProblem(analysis, slice(statement!.bodyRange).trim(), statement!.range.start, slice);
  assert.match(problem, /^Notation used below \(LaTeX macros\):\n\\newcommand\{\\R\}\{\\mathbb\{R\}\}\n\\newcommand\{\\abs\}\[1\]\{\\left\|#1\\right\|\}/);
  assert.match(problem, /Results stated earlier, which may be used:\nLemma: For every real \$t\$, \$t\^2\\ge 0\$\.\nTheorem \(AM--GM for two numbers\): For/);
  assert.ok(!problem.includes('\\label'), 'labels are not shown to the model');
  assert.match(problem, /Statement to prove:\nProve that \$\\abs\{a\+b\}/);
  assert.equal(proofRequest(problem).content.split('\n\n')[0], 'Generate a rigorous proof to the following question:');

  const inProof = statementAt(analysis, { line: lines.findIndex((l) => l.startsWith('Rearranging')), character: 0 });
  assert.equal(inProof?.kind, 'theorem', 'a cursor in a proof proves its statement');
});
