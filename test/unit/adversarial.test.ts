/**
 * Hostile documents and model replies: every shape in test/support/adversarial.ts is analysed (both
 * formats), turned into symbols and diagnostics exactly as the server publishes them, and its statements
 * cleaned into prompts; every reply is scored, split and converted for insertion. Each must finish in a
 * time linear in its size. The budget is a cliff detector, not a speed target (those are printed by
 * `npm run bench`): ordinary documents take about 0.1 ms per KB here, the shapes took seconds to minutes
 * per request before they were made linear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { MAX_DIAGNOSTICS_PER_DOCUMENT, structuralDiagnostics } from '../../server/src/features/diagnostics';
import { markdownToLatex } from '../../server/src/features/proofInsertion';
import { documentSymbols, excerptOf } from '../../server/src/features/symbols';
import { ThinkSplitter } from '../../server/src/engine/thinkSplitter';
import { scoreOf, solutionOf } from '../../server/src/prompts/deepPrompts';
import { clean } from '../../server/src/prompts/proofPrompt';
import { ADVERSARIAL_DOCUMENTS, ADVERSARIAL_REPLIES, kilobytes } from '../support/adversarial';

/** Milliseconds allowed: a fixed part for start-up noise plus a generous amount per KB. */
const budgetMs = (text: string): number => 500 + 2 * kilobytes(text);

function timed<T>(action: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = action();
  return { value, ms: performance.now() - started };
}

for (const shape of ADVERSARIAL_DOCUMENTS) {
  test(`document: ${shape.name} (${kilobytes(shape.text).toFixed(0)} KB) is analysed, outlined and published in linear time`, () => {
    for (const format of ['latex', 'markdown'] as const) {
      const document = TextDocument.create(`file:///adversarial.${format === 'latex' ? 'tex' : 'md'}`, format, 1, shape.text);
      const { value: published, ms } = timed(() => {
        const analysis = analyzeDocument(format, shape.text, { maxDocumentSize: 10_000_000 });
        const symbols = documentSymbols(analysis, excerptOf(document));
        const diagnostics = structuralDiagnostics(analysis, document.uri);
        for (const statement of analysis.statements.slice(0, 100)) clean(document.getText(statement.bodyRange));
        // What goes over the wire must serialise (a 3 GB message once threw here and killed the server).
        return { symbols: JSON.stringify(symbols).length, diagnostics, wire: JSON.stringify(diagnostics).length };
      });
      assert.ok(ms < budgetMs(shape.text), `${format}: ${ms.toFixed(0)} ms for ${kilobytes(shape.text).toFixed(0)} KB`);
      assert.ok(published.diagnostics.length <= MAX_DIAGNOSTICS_PER_DOCUMENT + 1, `${published.diagnostics.length} diagnostics published`);
      assert.ok(published.wire < 2_000_000, `${published.wire} bytes of diagnostics`);
      for (const { message } of published.diagnostics) assert.ok(String(message).length < 1000, String(message).slice(0, 200));
    }
  });
}

for (const shape of ADVERSARIAL_REPLIES) {
  test(`model reply: ${shape.name} is scored, split and converted in linear time`, () => {
    const { ms } = timed(() => {
      scoreOf(shape.text);
      solutionOf(shape.text);
      markdownToLatex(shape.text);
      clean(shape.text);
      const splitter = new ThinkSplitter('open');
      for (let i = 0; i < shape.text.length; i += 7) splitter.push(shape.text.slice(i, i + 7));
      splitter.finish();
    });
    assert.ok(ms < budgetMs(shape.text), `${ms.toFixed(0)} ms for ${kilobytes(shape.text).toFixed(0)} KB`);
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
  assert.equal(scoreOf('\\boxed{1} then \\boxed{ 0 }'), 0);
  assert.equal(clean('Let $x$ be real. \t \n\\label{thm:a}  Then $x^2 \\ge 0$.   '), 'Let $x$ be real.\n  Then $x^2 \\ge 0$.');
});
