/**
 * How a document writes inline math: the one rule every place that writes model text into a document
 * follows (Insert and the command line's --write, refinements of a step or a whole proof, the chat's Insert
 * at cursor), so that what the model wrote reads like the user's own text.
 */
import type { ProofDocumentAnalysis, Range } from './proofDocument';
import type { InlineMath } from './textFormat';

/**
 * `\(…\)` for a LaTeX document whose statements and proofs open more formulas with `\(` than with a single
 * `$` (an escaped `\$` and a `$$` are neither), else `$…$` (always for Markdown). `text` reads the
 * document by range; one pass over the statements' and proofs' text.
 */
export function inlineMathOf(text: (range: Range) => string, analysis: ProofDocumentAnalysis): InlineMath {
  if (analysis.format !== 'latex') return '$';
  let parens = 0;
  let dollars = 0;
  for (const statement of analysis.statements) {
    for (const range of [statement.range, statement.proof?.range]) {
      if (!range) continue;
      const source = text(range).replace(/\\\$|\$\$/g, '');
      parens += source.match(/\\\(/g)?.length ?? 0;
      dollars += (source.match(/\$/g)?.length ?? 0) / 2;
    }
  }
  return parens > dollars ? '\\(' : '$';
}
