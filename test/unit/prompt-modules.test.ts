/**
 * The prompt modules' contracts beyond the trained texts (those are test/unit/trained-prompts.test.ts): what
 * the problem text quotes (macros, at most six earlier results, the nearest, never problems or anything after
 * the statement), the chat's opening and summary turns, a step's refinement, and the critique's review and
 * read-out (stable text first so an edit in step k keeps the cache up to step k; the read-out's schema
 * refuses what the reader would drop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import type { Range } from '../../server/src/documents/proofDocument';
import { chatOpening, conversationSummaryRequest } from '../../server/src/prompts/chatPrompts';
import { completionRequest } from '../../server/src/prompts/completionPrompt';
import { findingsRequest, findingsSchema, MAX_EXPLANATION_LENGTH, quickCritiqueRequest, reviewRequest } from '../../server/src/prompts/critiquePrompts';
import { earlierResults, proofProblem, proofRequest, statementProblem } from '../../server/src/prompts/proofPrompt';
import { stepRefinementRequest } from '../../server/src/prompts/refinePrompts';

/** The text of `range` in `text`. */
function slicer(text: string): (range: Range) => string {
  const lines = text.split('\n');
  return (r) => {
    const all = lines.slice(r.start.line, r.end.line + 1);
    all[all.length - 1] = all[all.length - 1]!.slice(0, r.end.character);
    all[0] = all[0]!.slice(r.start.character);
    return all.join('\n');
  };
}

const lemmas = Array.from({ length: 8 }, (_, i) => `\\begin{lemma}\nFact number ${i + 1} holds.\n\\end{lemma}\n`).join('\n');
const DOCUMENT = `\\documentclass{article}
\\newcommand{\\N}{\\mathbb{N}}
\\newtheorem{lemma}{Lemma}
\\newtheorem{problem}{Problem}
\\begin{document}
\\begin{problem}
An exercise for the reader.
\\end{problem}

${lemmas}
\\begin{problem}
Show that every $n \\in \\N$ is small.
\\end{problem}

\\begin{lemma}
A fact stated after the problem.
\\end{lemma}
\\end{document}
`;

test('the problem text quotes the macros and the six nearest earlier results in reading order, never problems or later statements', () => {
  const analysis = analyzeDocument('latex', DOCUMENT);
  const statement = analysis.statements.find((s) => s.kind === 'problem' && slicer(DOCUMENT)(s.bodyRange).includes('small'));
  assert.ok(statement);
  const problem = statementProblem(analysis, statement, slicer(DOCUMENT));
  const [notation, earlier, toProve] = problem.split('\n\n');
  assert.equal(notation, 'Notation used below (LaTeX macros):\n\\newcommand{\\N}{\\mathbb{N}}');
  assert.deepEqual(earlier!.split('\n').slice(1).map((line) => line.replace(/^Lemma.*?: /, '')), [3, 4, 5, 6, 7, 8].map((n) => `Fact number ${n} holds.`));
  assert.ok(!problem.includes('An exercise for the reader'), 'a problem is no result to use');
  assert.ok(!problem.includes('after the problem'), 'nothing stated after the statement');
  assert.equal(toProve, 'Statement to prove:\nShow that every $n \\in \\N$ is small.');
});

test('a statement with no macros and nothing before it is sent as it is; results of earlier files come before the file\'s own', () => {
  const alone = analyzeDocument('markdown', '**Problem.** Show that $1 < 2$.\n');
  assert.equal(proofProblem(alone, 'Show that $1 < 2$.', { line: 0, character: 0 }, slicer('')), 'Show that $1 < 2$.');

  const chapter = (fact: string): string => `\\documentclass{article}\n\\newtheorem{lemma}{Lemma}\n\\begin{document}\n\\begin{lemma}\n${fact}\n\\end{lemma}\n\\end{document}\n`;
  const files = ['From chapter one.', 'From chapter two.'].map((fact) => ({ analysis: analyzeDocument('latex', chapter(fact)), text: slicer(chapter(fact)) }));
  assert.deepEqual(earlierResults(files).map((r) => r.text), ['From chapter one.', 'From chapter two.']);
});

test('ghost text asks with the single-pass prompt: the same prefix as Prove, so the cache serves both', () => {
  assert.deepEqual(completionRequest('Show it.').messages, [proofRequest('Show it.')]);
});

test('the chat\'s first turn says when no proof is written, leaves out an empty critique, and carries a summary before the question', () => {
  const opening = chatOpening({ problem: 'Show that $2 > 1$.', proof: '  \n', findings: [], summary: 'We tried induction.' }, 'Any hint?').content;
  assert.match(opening, /The student has not written a proof yet\./);
  assert.doesNotMatch(opening, /critique/i);
  assert.ok(opening.indexOf('Summary of our conversation so far:\nWe tried induction.') < opening.indexOf('Question:\nAny hint?'));
  assert.ok(opening.endsWith('Question:\nAny hint?'), 'the question last: what changes comes last');
  assert.ok(opening.startsWith('You are helping a student with one olympiad problem.'), 'the same opening for every problem: the cache keeps it');
});

test('a conversation\'s summary request quotes every turn, the student\'s and ours, and asks for no new reasoning', () => {
  const { content } = conversationSummaryRequest('Show that $2 > 1$.', [{ role: 'user', text: 'Why?' }, { role: 'assistant', text: 'Because.' }]);
  assert.match(content, /Problem:\nShow that \$2 > 1\$\.\n\nConversation:\nStudent: Why\?\n\nMe: Because\.\n\n/);
  assert.match(content, /Do not add any new reasoning\./);
});

test('a step\'s refinement numbers the steps, names the step and its objection, and asks for that step alone in the document\'s notation', () => {
  const steps = ['Let $n$ be even.', 'Then $n = 2k$.', 'So $n^2 = 4k^2$.'];
  const latex = stepRefinementRequest('Show it.', steps, 2, 'Which $k$?', 'latex').content;
  assert.match(latex, /Proof, step by step:\n\[1\] Let \$n\$ be even\.\n\n\[2\] Then \$n = 2k\$\.\n\n\[3\] So \$n\^2 = 4k\^2\$\.\n\nObjection to step 2:\nWhich \$k\$\?/);
  assert.match(latex, /new text of step 2 only, in LaTeX/);
  assert.match(stepRefinementRequest('Show it.', steps, 3, 'Why?', 'markdown').content, /new text of step 3 only, in Markdown with \$\.\.\.\$ math/);
});

test('the critique\'s review numbers the steps last, so a proof edited in step 3 shares its prompt up to step 3; the read-outs follow it', () => {
  const before = reviewRequest('Show it.', ['One.', 'Two.', 'Three.', 'Four.']).content;
  const after = reviewRequest('Show it.', ['One.', 'Two.', 'Three, edited.', 'Four.']).content;
  let shared = 0;
  while (before[shared] === after[shared]) shared++;
  assert.ok(before.slice(0, shared).endsWith('[1] One.\n\n[2] Two.\n\n[3] Three'), 'the prompt differs only from the edited step on');
  assert.match(findingsRequest(4).content, /The steps are numbered 1 to 4\.$/);
  const quick = quickCritiqueRequest('Show it.', ['One.', 'Two.']).content;
  assert.ok(quick.startsWith(`${reviewRequest('Show it.', ['One.', 'Two.']).content}\n\n`), 'the quick read-out comes after the review prompt, outside it');
});

test('the read-out schema takes a well-formed judgement and refuses a score, kind or explanation the reader could not use', () => {
  const validate = new Ajv({ strict: false }).compile(findingsSchema());
  assert.equal(validate({ score: '0.5', findings: [{ step: 2, kind: 'gap', explanation: 'Why?' }] }), true);
  assert.equal(validate({ score: 0.5, findings: [] }), false, 'a score is one of three strings');
  assert.equal(validate({ score: '1', findings: [{ step: 1.5, kind: 'gap', explanation: 'x' }] }), false, 'a step is a whole number');
  assert.equal(validate({ score: '1', findings: [{ step: 1, kind: 'typo', explanation: 'x' }] }), false);
  assert.equal(validate({ score: '1', findings: [{ step: 1, kind: 'error', explanation: 'x'.repeat(MAX_EXPLANATION_LENGTH + 1) }] }), false, 'one paragraph at most');
  assert.equal(validate({ score: '0', findings: Array.from({ length: 41 }, () => ({ step: 1, kind: 'gap', explanation: 'x' })) }), false);
});
