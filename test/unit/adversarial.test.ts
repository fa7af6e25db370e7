/**
 * Hostile documents and model replies: every shape in test/support/adversarial.ts is analysed (both
 * formats), turned into symbols and diagnostics exactly as the server publishes them, and its statements
 * cleaned into prompts; every reply is scored, split and converted for insertion. Nothing here times the
 * work (a timed assertion fails on a loaded CI machine: "1624 ms for 352 KB" once did): each test has a
 * hang guard of a minute, which the shapes blew through (minutes per request, or never) before they were
 * made linear; how their per-KB time compares with an ordinary document's is printed by `npm run bench`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { MAX_DIAGNOSTICS_PER_DOCUMENT, structuralDiagnostics } from '../../server/src/features/diagnostics';
import { markdownToLatex } from '../../server/src/documents/textFormat';
import { documentSymbols } from '../../server/src/features/symbols';
import { ThinkSplitter } from '../../server/src/engine/thinkSplitter';
import { scoreOf, solutionOf } from '../../server/src/prompts/deepPrompts';
import { clean } from '../../server/src/documents/queries';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { ADVERSARIAL_DOCUMENTS, ADVERSARIAL_REPLIES, kilobytes } from '../support/adversarial';

/** A hang guard per test, not a speed target. */
const HANG_GUARD = { timeout: 60_000 };

for (const shape of ADVERSARIAL_DOCUMENTS) {
  test(`document: ${shape.name} (${kilobytes(shape.text).toFixed(0)} KB) is analysed, outlined and published, within bounds`, HANG_GUARD, () => {
    for (const format of ['latex', 'markdown'] as const) {
      const document = TextDocument.create(`file:///adversarial.${format === 'latex' ? 'tex' : 'md'}`, format, 1, shape.text);
      const published = (() => {
        const analysis = analyzeDocument(format, shape.text, { maxDocumentSize: 10_000_000 });
        const symbols = documentSymbols(analysis, document);
        const diagnostics = structuralDiagnostics(analysis, document.uri);
        for (const statement of analysis.statements.slice(0, 100)) clean(document.getText(statement.bodyRange));
        // What goes over the wire must serialise (a 3 GB message once threw here and killed the server).
        return { symbols: JSON.stringify(symbols).length, diagnostics, wire: JSON.stringify(diagnostics).length };
      })();
      assert.ok(published.diagnostics.length <= MAX_DIAGNOSTICS_PER_DOCUMENT + 1, `${published.diagnostics.length} diagnostics published`);
      assert.ok(published.wire < 2_000_000, `${published.wire} bytes of diagnostics`);
      for (const { message } of published.diagnostics) assert.ok(String(message).length < 1000, String(message).slice(0, 200));
    }
  });
}

for (const shape of ADVERSARIAL_DOCUMENTS.filter((s) => s.format === 'latex')) {
  test(`document: ${shape.name} as a chapter of a LaTeX project is indexed, resolved and analysed, within bounds`, HANG_GUARD, () => {
    const index = new ProjectIndex(() => ({ maxDocumentSize: 10_000_000 }));
    index.set(TextDocument.create('file:///adversarial/main.tex', 'latex', 1, '\\documentclass{book}\n\\input{ch}\n\\label{a}\n'), 'latex', false);
    index.set(TextDocument.create('file:///adversarial/ch.tex', 'latex', 1, shape.text), 'latex', true);
    for (const uri of ['file:///adversarial/main.tex', 'file:///adversarial/ch.tex']) {
      const diagnostics = structuralDiagnostics(index.analysis(uri)!, uri);
      assert.ok(diagnostics.length <= MAX_DIAGNOSTICS_PER_DOCUMENT + 1);
    }
    assert.ok(index.wanted().length < 100_000, 'what the loader would read stays bounded by the links written');
  });
}

for (const shape of ADVERSARIAL_REPLIES) {
  test(`model reply: ${shape.name} is scored, split and converted`, HANG_GUARD, () => {
    scoreOf(shape.text);
    solutionOf(shape.text);
    assert.equal(typeof markdownToLatex(shape.text), 'string');
    clean(shape.text);
    const splitter = new ThinkSplitter('open');
    for (let i = 0; i < shape.text.length; i += 7) splitter.push(shape.text.slice(i, i + 7));
    const { thinking, answer } = splitter.finish();
    assert.ok(thinking.length + answer.length <= shape.text.length, 'the split holds no more than the reply');
  });
}

test('the shapes still mean what they say: nested proofs each have their own steps, and a boxed score with spaces reads', () => {
  const nested = analyzeDocument('latex', '\\begin{proof}\nOuter step.\n\\begin{proof}\nInner step.\n\\end{proof}\nOuter again.\n\\end{proof}\n');
  const proofs = [...nested.orphanProofs, ...nested.additionalProofs];
  assert.equal(proofs.length, 2);
  assert.deepEqual(
    proofs.map((p) => p.steps.map((s) => [s.range.start.line, s.range.end.line])),
    [
      [[1, 1], [5, 5]],
      [[3, 3]],
    ],
  );
  assert.equal(scoreOf('so \\boxed{  0.5  }'), 0.5);
  assert.equal(scoreOf('\\boxed{1} then \\boxed{ 0 }'), 1, 'the first box, as the evaluation reads it');
  assert.equal(clean('Let $x$ be real. \t \n\\label{thm:a}  Then $x^2 \\ge 0$.   '), 'Let $x$ be real.\n  Then $x^2 \\ge 0$.');
});
