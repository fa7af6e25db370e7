/**
 * Analysis benchmark: median times of a cold analysis of a 2,000-line LaTeX and Markdown document, and of a
 * re-analysis after a one-character edit (the keystroke path), measured side by side in one run.
 * Target (issue: foundation): a 2,000-line document under 20 ms; a small edit redoes only what it affects.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument, ProofDocumentAnalyzer } from '../server/src/documents/analyzer';
import type { DocumentFormat } from '../server/src/documents/proofDocument';
import { structuralDiagnostics } from '../server/src/features/diagnostics';
import { documentSymbols } from '../server/src/features/symbols';
import { ADVERSARIAL_DOCUMENTS, kilobytes } from '../test/support/adversarial';
import { readDocument } from '../test/support/fixtures';
import { median, sideBySide } from './sideBySide';

const LINES = 2000;
const RUNS = 41;

/** A realistic document of `LINES` lines: the fixtures' bodies repeated, with distinct labels. */
function documentOf(format: DocumentFormat): string {
  const sources = format === 'latex' ? ['inequalities.tex', 'olympiad.tex'] : ['notes.md'];
  const bodies = sources.map((name) => {
    const text = readDocument(name);
    return format === 'latex' ? text.slice(text.indexOf('\\begin{document}') + 16, text.indexOf('\\end{document}')) : text;
  });
  const lines: string[] = format === 'latex' ? readDocument('inequalities.tex').split('\n').slice(0, 11) : [];
  for (let copy = 0; lines.length < LINES; copy++) {
    for (const body of bodies) lines.push(...body.replace(/\\label\{([^}]*)\}/g, `\\label{$1-${copy}}`).replace(/\\(ref|eqref)\{([^}]*)\}/g, `\\$1{$2-${copy}}`).split('\n'));
  }
  return lines.slice(0, LINES).join('\n');
}

function time(action: () => void): number {
  const started = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchAnalysis(): Promise<void> {
  console.log(`Document analysis (${LINES} lines; full analysis and the re-analysis after an edit in ${RUNS} alternating rounds)`);
  for (const format of ['latex', 'markdown'] as const) {
    const text = documentOf(format);
    for (let i = 0; i < 5; i++) analyzeDocument(format, text); // warm up the JIT

    const analyzer = new ProofDocumentAnalyzer(format);
    analyzer.analyze(text);
    const at = text.indexOf('$', text.length / 2) + 2; // inside some math in the middle
    const edited = `${text.slice(0, at)}x${text.slice(at)}`;
    const lexed: number[] = [];
    let run = 0;
    // The edit side types the character and takes it back in turn: each run is one keystroke's re-analysis.
    const compared = await sideBySide(
      RUNS,
      () => {
        const elapsed = time(() => analyzer.analyze(run++ % 2 === 0 ? edited : text));
        lexed.push(analyzer.lastLexedLineCount);
        return elapsed;
      },
      () => time(() => analyzeDocument(format, text)),
    );
    const cold = compared.b;
    const statements = analyzeDocument(format, text).statements.length;
    console.log(
      `  ${format.padEnd(8)} full analysis ${cold.toFixed(2)} ms (target < 20 ms: ${cold < 20 ? 'met' : 'MISSED'}, ${statements} statements)` +
        ` | after a 1-character edit ${compared.a.toFixed(2)} ms, ${Math.max(...lexed)} of ${LINES} lines lexed again` +
        ` | edit/full ${compared.ratio.toFixed(2)}`,
    );
  }
}

/** What the server does for a document it has not seen: analysis, the outline, the published diagnostics. */
function serve(format: DocumentFormat, text: string): void {
  const document = TextDocument.create(`file:///bench.${format}`, format, 1, text);
  const analysis = analyzeDocument(format, text, { maxDocumentSize: 10_000_000 });
  JSON.stringify(documentSymbols(analysis, document));
  JSON.stringify(structuralDiagnostics(analysis, document.uri));
}

/**
 * Hostile documents (issue: hardening): per-KB time of analysis + outline + diagnostics for every shape of
 * test/support/adversarial.ts against an ordinary 2,000-line file, each shape side by side with the
 * ordinary file in alternating rounds. Target: the worst shape within 10x of the ordinary file per KB.
 */
export async function benchAdversarial(): Promise<void> {
  const rounds = 7;
  const ordinary = documentOf('latex');
  const ordinaryKb = kilobytes(ordinary);
  for (let i = 0; i < 3; i++) serve('latex', ordinary);
  const ordinaryTimes: number[] = [];
  const ratios: { shape: (typeof ADVERSARIAL_DOCUMENTS)[number]; perKb: number; ratio: number }[] = [];
  for (const shape of ADVERSARIAL_DOCUMENTS) {
    const compared = await sideBySide(
      rounds,
      () => time(() => serve(shape.format, shape.text)) / kilobytes(shape.text),
      () => time(() => serve('latex', ordinary)) / ordinaryKb,
    );
    ordinaryTimes.push(compared.b);
    ratios.push({ shape, perKb: compared.a, ratio: compared.ratio });
  }
  const base = median(ordinaryTimes);
  const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  console.log(`Hostile documents (${ADVERSARIAL_DOCUMENTS.length} shapes, analysis + outline + diagnostics; each against the ordinary file in ${rounds} alternating rounds, median of per-round ratios)`);
  console.log(`  ordinary ${LINES}-line LaTeX: ${(base * 1000).toFixed(1)} µs/KB`);
  for (const { shape, perKb, ratio } of ratios) console.log(`  ${shape.name.padEnd(66)} ${(perKb * 1000).toFixed(1).padStart(8)} µs/KB  ${ratio.toFixed(2)}x`);
  console.log(`  worst: ${worst.shape.name}, ${worst.ratio.toFixed(2)}x the ordinary file per KB (target within 10x: ${worst.ratio <= 10 ? 'met' : 'MISSED'})`);
}
