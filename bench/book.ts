/**
 * A book at the scale xr users write (tracker issue 35): 100 chapters of about 250 KB, each a document of its
 * own that names the 99 others with xr (`\externaldocument[cN-]{chN}`), 100 theorems with proofs each (10,000
 * in all, 25 MB), references within a chapter and to other chapters' labels, a local package declaring the
 * environments, and a list of chapters that no root brings in (`\hyperref[cN-ch:N]`).
 *
 * Measured: `qed-nano check` of the whole book (dist/cli.js as a child process: its wall time, and its peak
 * resident memory from process.resourceUsage in the child, through bench/peakRss.cjs) against the targets
 * (under 3 s and 600 MB); and the keystroke path of one chapter in the book (the index takes the edited
 * text, analyses the chapter as a document of the book and makes its diagnostics) side by side with the same
 * chapter alone, in alternating rounds (target: within 1.25x).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../server/src/documents/limits';
import { structuralDiagnostics } from '../server/src/features/diagnostics';
import { ProjectIndex } from '../server/src/project/projectIndex';
import { ProjectLoader } from '../server/src/project/projectLoader';
import { REPO_ROOT } from '../test/support/fixtures';
import { median, roundsNote, sideBySide } from './sideBySide';

const CHAPTERS = 100;
const PROOFS_PER_CHAPTER = 100;
const CLI_RUNS = 3;
const ROUNDS = 41;

/** One theorem and its proof (about 2.5 KB), referring to the one before it and to another chapter. */
function block(chapter: number, i: number): string {
  const next = ((chapter + i) % CHAPTERS) + 1;
  const other = next === chapter ? (next % CHAPTERS) + 1 : next;
  const sentences = [
    `Let $x_1,\\dots,x_n>0$ and put $A=\\frac1n\\sum_{k=1}^{n} x_k$ and $G=\\left(\\prod_{k=1}^{n} x_k\\right)^{1/n}$ for this step.`,
    `By Theorem~\\ref{thm:${chapter}:${Math.max(1, i - 1)}} and by Theorem~\\ref{c${other}-thm:${other}:${i}} of Chapter~${other}, the claim holds for $n-1$ numbers.`,
    'Replacing $x_n$ by the mean of the others does not increase the product, since $t\\mapsto\\log t$ is concave on $(0,\\infty)$.',
    'Hence the inequality $A\\ge G$ follows by induction on $n$, with equality exactly when all the $x_k$ are equal.',
    'The same argument, applied to $x_k^m$ in place of $x_k$, gives the second inequality of the statement for every $m$.',
  ];
  const paragraph = (offset: number): string => Array.from({ length: 4 }, (_, k) => sentences[(k + offset) % sentences.length]).join('\n');
  return [
    `\\begin{theorem}[Mean ${chapter}.${i}]\\label{thm:${chapter}:${i}}`,
    `For all reals $a,b\\ge 0$ and every integer $m\\ge ${i}$, $\\frac{a+b}{2}\\ge\\sqrt{ab}$ and $a^m+b^m\\ge 2(ab)^{m/2}$.`,
    'Moreover equality holds in each of the two inequalities if and only if $a=b$, and for $m=1$ they are the same.',
    '\\end{theorem}',
    '\\begin{proof}',
    paragraph(0),
    '',
    '\\[',
    '  \\frac{x_1+\\dots+x_n}{n}\\ge\\sqrt[n]{x_1\\cdots x_n}\\qquad\\text{for all } x_k>0 .',
    '\\]',
    '',
    paragraph(1),
    '\\begin{itemize}',
    '  \\item if $a=b$ both sides are equal to $a$, so equality holds;',
    '  \\item otherwise $(\\sqrt a-\\sqrt b)^2>0$, which is the strict inequality.',
    '\\end{itemize}',
    paragraph(2),
    '',
    paragraph(3),
    '\\end{proof}',
    '',
  ].join('\n');
}

function chapterText(chapter: number): string {
  const externals = Array.from({ length: CHAPTERS }, (_, k) => k + 1).filter((k) => k !== chapter).map((k) => `\\externaldocument[c${k}-]{ch${k}}`);
  const blocks = Array.from({ length: PROOFS_PER_CHAPTER }, (_, i) => block(chapter, i + 1));
  return [
    '\\documentclass{book}',
    '\\usepackage{amsmath,amssymb,xr-hyper}',
    '\\usepackage{bookthms}',
    ...externals,
    '\\begin{document}',
    `\\chapter{Chapter ${chapter}}\\label{ch:${chapter}}`,
    ...blocks,
    '\\end{document}',
    '',
  ].join('\n');
}

/** Writes the book into `folder`; returns the path of its first chapter. */
export function writeBook(folder: string): string {
  writeFileSync(path.join(folder, 'bookthms.sty'), '\\ProvidesPackage{bookthms}\n\\newtheorem{theorem}{Theorem}[chapter]\n\\newtheorem{lemma}[theorem]{Lemma}\n');
  for (let chapter = 1; chapter <= CHAPTERS; chapter++) writeFileSync(path.join(folder, `ch${chapter}.tex`), chapterText(chapter));
  const contents = Array.from({ length: CHAPTERS }, (_, k) => `\\item \\hyperref[c${k + 1}-ch:${k + 1}]{Chapter ${k + 1}}`);
  writeFileSync(path.join(folder, 'contents.tex'), `\\section*{Contents}\n\\begin{itemize}\n${contents.join('\n')}\n\\end{itemize}\n`);
  return path.join(folder, 'ch1.tex');
}

/** `qed-nano check` of the whole book in a child process: its time, its peak memory, what it found. */
function checkBook(folder: string): { ms: number; peakMb: number; files: number; findings: Record<string, number> } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--require', path.join(REPO_ROOT, 'bench', 'peakRss.cjs'), path.join(REPO_ROOT, 'dist', 'cli.js'), 'check', '--format', 'json', folder], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) throw new Error(result.stderr);
  const peak = /\[peak-rss\] (\d+)/.exec(result.stderr);
  const report = JSON.parse(result.stdout) as { files: number; findings: { rule: string }[] };
  const findings: Record<string, number> = {};
  for (const finding of report.findings) findings[finding.rule] = (findings[finding.rule] ?? 0) + 1;
  return { ms, peakMb: Number(peak?.[1] ?? 0) / 1024, files: report.files, findings };
}

export async function benchBook(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-bench-book-'));
  try {
    const first = writeBook(folder);
    const runs = Array.from({ length: CLI_RUNS }, () => checkBook(folder));
    const ms = median(runs.map((r) => r.ms));
    const peakMb = median(runs.map((r) => r.peakMb));
    const { files, findings } = runs[0]!;
    console.log(`A book of ${CHAPTERS} chapters that name each other with xr (${(CHAPTERS * chapterText(2).length / 1e6).toFixed(1)} MB, ${(CHAPTERS * PROOFS_PER_CHAPTER).toLocaleString('en')} proofs)`);
    console.log(
      `  qed-nano check of the whole book (${files} files, ${CLI_RUNS} runs, median): ${ms.toFixed(0)} ms, peak ${peakMb.toFixed(0)} MB resident` +
        ` (targets: under 3 s: ${ms < 3000 ? 'met' : 'MISSED'}; under 600 MB: ${peakMb < 600 ? 'met' : 'MISSED'}); findings ${JSON.stringify(findings)}`,
    );

    const limits = (): { maxDocumentSize: number } => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE });
    const book = new ProjectIndex(limits);
    await new ProjectLoader(book, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined }).indexFolders([folder]);
    const alone = new ProjectIndex(limits);
    const uri = pathToFileURL(first).href;
    const text = book.get(uri)!.document.getText();
    const at = text.indexOf('$', text.length / 2) + 2;
    const edited = `${text.slice(0, at)}x${text.slice(at)}`;
    let version = 1;
    /** One keystroke, as the server takes it: the new text in, the analysis as part of what the index holds, the diagnostics. */
    const keystroke = (index: ProjectIndex, sample: number): number => {
      const document = TextDocument.create(uri, 'latex', version++, sample % 2 === 0 ? edited : text);
      const started = process.hrtime.bigint();
      index.set(document, 'latex', true);
      structuralDiagnostics(index.analysis(uri)!, uri);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let warm = 0; warm < 20; warm++) {
      keystroke(book, warm);
      keystroke(alone, warm);
    }
    let inBook = 0;
    let byItself = 0;
    const compared = await sideBySide(ROUNDS, () => keystroke(book, inBook++), () => keystroke(alone, byItself++));
    console.log(
      `  a 1-character edit of a ${(text.length / 1000).toFixed(0)} KB chapter: in the book ${compared.a.toFixed(2)} ms, alone ${compared.b.toFixed(2)} ms | book/alone ${compared.ratio.toFixed(2)}` +
        ` (target: within 1.25x: ${compared.ratio <= 1.25 ? 'met' : 'MISSED'}; ${roundsNote(compared)})`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
