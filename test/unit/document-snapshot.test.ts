/**
 * The workspace layer's document snapshot (server/src/workspace/snapshot.ts), the one place a problem text
 * is assembled: the command line's snapshot of a chapter (cli/projects.ts) and one over the index the
 * language server keeps give the same problem, with the project's macros and the results read before it;
 * a file alone gets its own; a selection is read where it stands; identities, proofs and keys agree; a
 * snapshot is of one version. Chat's problem and new conversation (chatProblems.ts), and the
 * latest-work-per-document rule inline completions keep (latestPerDocument.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readInput } from '../../server/src/cli/inputs';
import { CliProjects } from '../../server/src/cli/projects';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../../server/src/documents/limits';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { ProjectLoader } from '../../server/src/project/projectLoader';
import { chatProblemAt, newConversation } from '../../server/src/workspace/chatProblems';
import { CritiqueFindings } from '../../server/src/workspace/critiqueFindings';
import { LatestPerDocument } from '../../server/src/workspace/latestPerDocument';
import { DocumentSnapshot } from '../../server/src/workspace/snapshot';
import { snapshotOf } from '../support/snapshot';

const ROOT = path.resolve('test/fixtures/latex-project');
const CHAPTER = path.join(ROOT, 'chapters/two.tex');

const CHAPTER_PROBLEM = [
  'Notation used below (LaTeX macros):',
  '\\newcommand{\\R}{\\mathbb{R}}',
  '\\newcommand{\\N}{\\mathbb{N}}',
  '\\newcommand{\\rk}{\\operatorname{rk}}',
  '\\newcommand{\\eps}{\\varepsilon}',
  '',
  'Results stated earlier, which may be used:',
  'Theorem: For every $n \\in \\N$, $n^2 \\ge n$.',
  'Proposition: For every $x \\in \\R$, $x^2 \\ge 0$.',
  '',
  'Statement to prove:',
  'For all $a, b \\in \\R$, $a^2 + b^2 \\ge 2ab$.',
].join('\n');

test('the command line and the server ask one snapshot: a chapter\'s problem carries its project\'s macros and earlier results', async () => {
  const input = readInput(CHAPTER);
  const cli = (await CliProjects.around([input])).document(input);
  // The server's side: the index its loader fills, read around the chapter as when it is opened alone.
  const index = new ProjectIndex(() => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }));
  await new ProjectLoader(index, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined }).indexAround(path.dirname(CHAPTER));
  const file = index.get(pathToFileURL(CHAPTER).href)!;
  const server = new DocumentSnapshot(file.document, index.analysis(file.uri)!, index);
  for (const snapshot of [cli, server]) {
    const macrosFirst = snapshot.katexMacros();
    assert.deepEqual(Object.keys(macrosFirst), ['\\R', '\\N', '\\rk', '\\eps'], 'the views typeset with the project\'s macros');
    assert.equal(snapshot.problem(snapshot.analysis.statements[0]!), CHAPTER_PROBLEM);
    assert.deepEqual(snapshot.katexMacros(), macrosFirst, 'the same macros once the project\'s context was gathered');
    assert.ok(snapshot.project(), 'the chapter belongs to main.tex\'s project');
  }
  const shared = index.get(pathToFileURL(path.join(ROOT, 'shared/common.tex')).href)!;
  assert.equal(new DocumentSnapshot(shared.document, index.analysis(shared.uri)!, index).project(), undefined, 'a file two roots bring in reads only itself');
});

const ALONE = [
  '\\newcommand{\\R}{\\mathbb{R}}',
  '\\begin{lemma}\\label{lem:sq}',
  'For every $x \\in \\R$, $x^2 \\ge 0$.',
  '\\end{lemma}',
  '\\begin{theorem}',
  'For all $a, b \\in \\R$, $a^2 + b^2 \\ge 2ab$.',
  '\\end{theorem}',
  '\\begin{proof}',
  'Apply the lemma to $a - b$.',
  '',
  'Expand the square.',
  '\\end{proof}',
  '',
].join('\n');

test('a file alone: its own macros and the results before the statement; a selection is read where it stands', () => {
  const snapshot = snapshotOf('file:///work/alone.tex', 'latex', ALONE);
  assert.equal(snapshot.project(), undefined);
  assert.deepEqual(snapshot.katexMacros(), { '\\R': '\\mathbb{R}' });
  const [lemma, theorem] = snapshot.analysis.statements;
  assert.equal(
    snapshot.problem(theorem!),
    'Notation used below (LaTeX macros):\n\\newcommand{\\R}{\\mathbb{R}}\n\nResults stated earlier, which may be used:\nLemma: For every $x \\in \\R$, $x^2 \\ge 0$.\n\nStatement to prove:\nFor all $a, b \\in \\R$, $a^2 + b^2 \\ge 2ab$.',
  );
  assert.equal(snapshot.problem(lemma!), 'Notation used below (LaTeX macros):\n\\newcommand{\\R}{\\mathbb{R}}\n\nStatement to prove:\nFor every $x \\in \\R$, $x^2 \\ge 0$.', 'nothing is stated before the lemma');
  // A selection inside the lemma: nothing before it either.
  assert.equal(snapshot.problemOfText('$x^2 \\ge 0$', { line: 2, character: 0 }), 'Notation used below (LaTeX macros):\n\\newcommand{\\R}{\\mathbb{R}}\n\nStatement to prove:\n$x^2 \\ge 0$');
});

test('identities, proofs and keys agree; a snapshot stays the version it was taken of', () => {
  const snapshot = snapshotOf('file:///work/alone.tex', 'latex', ALONE);
  const [lemma, theorem] = snapshot.analysis.statements;
  assert.equal(snapshot.statementAt({ line: 5, character: 3 }), theorem);
  const keys = [...snapshot.identities().values()].map((identity) => identity.key);
  assert.equal(keys[0], 'label:lem:sq');
  assert.equal(snapshot.statementWithKey(keys[1]!), theorem);
  assert.equal(snapshot.statementWithText('For every $x \\in \\R$, $x^2 \\ge 0$.'), lemma);
  const proofs = snapshot.proofs();
  assert.deepEqual(proofs.map((p) => [p.key, p.steps.length]), [[keys[1], 2]], 'only the theorem has a proof, of two steps');
  assert.equal(snapshot.proofs(), proofs, 'worked out once per snapshot');
  const edited = snapshotOf('file:///work/alone.tex', 'latex', ALONE.replace('Expand the square.', 'Expand the square and simplify.'), 2);
  assert.equal(edited.proofs()[0]!.key, proofs[0]!.key, 'the same statement, the same identity');
  assert.notEqual(edited.proofs()[0]!.hash, proofs[0]!.hash, 'another text, another hash');
  assert.equal(snapshot.text(proofs[0]!.steps[1]!.range), 'Expand the square.', 'the older snapshot still reads its own version');
});

test('one piece of work per document: a newer start ends the older, not another document\'s; done after a newer start ends nothing', () => {
  const latest = new LatestPerDocument();
  const first = latest.start('file:///a.md');
  const other = latest.start('file:///b.md');
  const second = latest.start('file:///a.md');
  assert.deepEqual([first.superseded.aborted, other.superseded.aborted, second.superseded.aborted], [true, false, false]);
  first.done(); // the older one ending late must not forget the newer
  const third = latest.start('file:///a.md');
  assert.equal(second.superseded.aborted, true, 'the second was still the running one, so the third ends it');
  third.done();
  const fourth = latest.start('file:///a.md');
  assert.equal(third.superseded.aborted, false, 'the third had ended: nothing to end');
  fourth.done();
});

test('chat\'s problem at a position: keyed by the statement\'s identity; a new conversation carries the problem, the proof and a current critique\'s findings', () => {
  const uri = 'file:///work/alone.tex';
  const snapshot = snapshotOf(uri, 'latex', ALONE);
  const found = chatProblemAt(snapshot, { line: 9, character: 2 })!;
  assert.equal(found.statement, snapshot.analysis.statements[1], 'a position in the proof is its statement\'s');
  assert.equal(found.key, `${uri}\n${snapshot.identities().get(found.statement)!.key}`);
  assert.equal(chatProblemAt(snapshot, { line: 0, character: 0 }), undefined, 'the preamble is no problem');
  const findings = new CritiqueFindings({ has: () => false });
  findings.record(uri, snapshot.proofs()[0]!, { score: 0.5, findings: [{ step: 2, kind: 'gap', explanation: 'Which square?' }], review: '', promptTokens: 0, evaluatedPromptTokens: 0 });
  const conversation = newConversation(snapshot, found, findings);
  assert.equal(conversation.context.problem, snapshot.problem(found.statement));
  assert.equal(conversation.context.proof, '\nApply the lemma to $a - b$.\n\nExpand the square.\n');
  assert.deepEqual(conversation.context.findings, ['Step 2 (gap): Which square?']);
  const edited = snapshotOf(uri, 'latex', ALONE.replace('Expand the square.', 'Expand it.'), 2);
  assert.deepEqual(newConversation(edited, chatProblemAt(edited, { line: 9, character: 2 })!, findings).context.findings, [], 'a critique of another text is not quoted');
});
