/**
 * The critiques' findings store (workspace/critiqueFindings.ts), its findings as the diagnostics features/diagnostics.ts makes of them, on real analysed documents: a finding sits
 * on exactly its step, follows that step's text after edits elsewhere, goes with an edit of the step, and a
 * dismissed step's finding is hidden and counted; a proof keeps its identity when text above it moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { critiqueDiagnostics } from '../../server/src/features/diagnostics';
import type { Critique } from '../../server/src/tasks/critique';
import { CritiqueFindings } from '../../server/src/workspace/critiqueFindings';
import type { ProofNow } from '../../server/src/workspace/proofs';
import { snapshotOf } from '../support/snapshot';

const URI = 'file:///work/findings.tex';
const PROOF = '\\begin{theorem}\nFor all $n \\ge 1$, $n^2 \\ge n$.\n\\end{theorem}\n\\begin{proof}\nLet $n \\ge 1$.\n\nThen $n^2 - n = n(n-1)$.\n\nSince $n - 1 \\ge 0$, the product is nonnegative.\n\\end{proof}\n';

const proofsNow = (text: string, version = 1) => snapshotOf(URI, 'latex', text, version).proofs();
const diagnosticsOf = (findings: CritiqueFindings, proofs: readonly ProofNow[]) => critiqueDiagnostics(URI, findings.shown(URI, proofs));
const critique = (findings: Critique['findings'], score: Critique['score'] = 0.5): Critique => ({ score, findings, review: '', promptTokens: 0, evaluatedPromptTokens: 0 });
const noDismissals = { has: () => false };

test('a finding is a diagnostic on exactly its step; a finding on a step the proof does not have is dropped', () => {
  const findings = new CritiqueFindings(noDismissals);
  const [proof] = proofsNow(PROOF);
  findings.record(URI, proof!, critique([{ step: 3, kind: 'gap', explanation: 'Why?' }, { step: 9, kind: 'error', explanation: 'No such step.' }]));
  const diagnostics = diagnosticsOf(findings, [proof!]);
  assert.deepEqual(diagnostics.map((d) => [d.range.start.line, d.code, d.message]), [[8, 'gap', 'Why?']]);
  assert.equal(findings.critiqueOf(URI, proof!)?.score, 0.5);
});

test('after edits the finding follows its step\'s text; editing that step removes it; the proof keeps its identity when text above moves', () => {
  const findings = new CritiqueFindings(noDismissals);
  const [before] = proofsNow(PROOF);
  findings.record(URI, before!, critique([{ step: 3, kind: 'gap', explanation: 'Why?' }]));
  // Two lines above the theorem and a new first step: the flagged step moved to line 12, and is step 4 now.
  const moved = `% notes\n\n${PROOF.replace('Let $n \\ge 1$.', 'Let $n \\ge 1$ be an integer.\n\nNote that $n > 0$.')}`;
  const [after] = proofsNow(moved, 2);
  assert.equal(after!.key, before!.key, 'same statement, same identity');
  assert.notEqual(after!.hash, before!.hash);
  assert.equal(findings.critiqueOf(URI, after!), undefined, 'the critique is stale for the new text');
  assert.deepEqual(diagnosticsOf(findings, [after!]).map((d) => d.range.start.line), [12]);
  const [edited] = proofsNow(moved.replace('the product is nonnegative', 'the product is at least zero'), 3);
  assert.deepEqual(diagnosticsOf(findings, [edited!]), []);
});

test('a dismissed step\'s finding is hidden and counted, not shown', () => {
  const [proof] = proofsNow(PROOF);
  const findings = new CritiqueFindings({ has: (text) => text === proof!.steps[2]!.text });
  findings.record(URI, proof!, critique([{ step: 3, kind: 'gap', explanation: 'Why?' }, { step: 2, kind: 'unclear', explanation: 'Say it.' }]));
  const placed = findings.placed(proof!, findings.judgementOf(URI, proof!.key)!);
  assert.deepEqual([placed.shown.map((p) => p.finding.explanation), placed.dismissed], [['Say it.'], 1]);
  assert.deepEqual(diagnosticsOf(findings, [proof!]).map((d) => d.message), ['Say it.']);
});
