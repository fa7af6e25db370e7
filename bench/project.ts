/**
 * LaTeX projects (issue: projects of many files): a 50-file, 20,000-line project read from disk once (the
 * time it takes, and how many lines), and the keystroke path of its largest file, a 2,000-line chapter:
 * the index takes the edited text, analyses the chapter as a file of its project and makes its diagnostics,
 * side by side with the same chapter alone (no project around it), in alternating rounds.
 * Target: keystroke latency unchanged by the project (ratio near 1).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_MAX_DOCUMENT_SIZE } from '../server/src/documents/limits';
import { structuralDiagnostics } from '../server/src/features/diagnostics';
import { ProjectIndex } from '../server/src/project/projectIndex';
import { ProjectLoader } from '../server/src/project/projectLoader';
import { readDocument } from '../test/support/fixtures';
import { sideBySide, roundsNote } from './sideBySide';

const FILES = 50;
const TOTAL_LINES = 20_000;
const BIG_CHAPTER_LINES = 2_000;
const ROUNDS = 41;

/** A chapter of `lines` lines: the fixture's body repeated, its labels made distinct per chapter and copy,
 * its references to labels of the chapter before (across files). */
function chapter(number: number, lines: number): string {
  const text = readDocument('inequalities.tex');
  const body = text.slice(text.indexOf('\\begin{document}') + 16, text.indexOf('\\end{document}'));
  const out = [`% !TEX root = ../main.tex`, `\\chapter{Chapter ${number}}`, `\\label{ch:${number}}`, number > 1 ? `As in Chapter~\\ref{ch:${number - 1}}.` : ''];
  for (let copy = 0; out.length < lines; copy++) {
    out.push(...body.replace(/\\label\{([^}]*)\}/g, `\\label{$1-${number}-${copy}}`).replace(/\\(ref|eqref)\{([^}]*)\}/g, `\\$1{$2-${number}-${copy}}`).split('\n'));
  }
  return out.slice(0, lines).join('\n');
}

function writeProject(folder: string): string {
  mkdirSync(path.join(folder, 'chapters'));
  const preamble = readDocument('inequalities.tex');
  const head = preamble.slice(0, preamble.indexOf('\\begin{document}'));
  const chapters = FILES - 1;
  const smallLines = Math.floor((TOTAL_LINES - BIG_CHAPTER_LINES - 60) / (chapters - 1));
  const inputs: string[] = [];
  for (let n = 1; n <= chapters; n++) {
    writeFileSync(path.join(folder, 'chapters', `c${n}.tex`), chapter(n, n === 1 ? BIG_CHAPTER_LINES : smallLines));
    inputs.push(`\\input{chapters/c${n}}`);
  }
  writeFileSync(path.join(folder, 'main.tex'), `${head}\\usepackage{mymacros}\n\\begin{document}\n${inputs.join('\n')}\n\\end{document}\n`);
  writeFileSync(path.join(folder, 'mymacros.sty'), '\\newcommand{\\R}{\\mathbb{R}}\n\\newtheorem{claimx}{Claim}\n');
  return path.join(folder, 'chapters', 'c1.tex');
}

function time(action: () => void): number {
  const started = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchProject(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-bench-project-'));
  try {
    const big = writeProject(folder);
    const limits = (): { maxDocumentSize: number } => ({ maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE });
    const project = new ProjectIndex(limits);
    const loader = new ProjectLoader(project, { maxFileSize: () => DEFAULT_MAX_DOCUMENT_SIZE, log: () => undefined });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = process.hrtime.bigint();
    await loader.indexFolders([folder]);
    const files = project.all();
    for (const file of files) project.analysis(file.uri);
    const indexMs = Number(process.hrtime.bigint() - started) / 1e6;
    global.gc?.();
    const heldMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const lines = files.reduce((sum, file) => sum + file.document.lineCount, 0);
    const textMb = files.reduce((sum, file) => sum + file.document.getText().length, 0) / 1024 / 1024;
    console.log(
      `LaTeX project (${files.length} files, ${lines.toLocaleString('en')} lines, ${textMb.toFixed(2)} MB): read from disk and analysed once in ${indexMs.toFixed(0)} ms;` +
        ` the index holds ${heldMb.toFixed(1)} MB of heap (${(heldMb / textMb).toFixed(1)}x the text; closed files keep no line cache)`,
    );

    const uri = pathToFileURL(big).href;
    const text = project.get(uri)!.document.getText();
    const alone = new ProjectIndex(limits);
    const at = text.indexOf('$', text.length / 2) + 2;
    const edited = `${text.slice(0, at)}x${text.slice(at)}`;
    let version = 1;
    /** One keystroke, as the server takes it: the new text in, the analysis as part of what the index holds, the diagnostics. */
    const keystroke = (index: ProjectIndex, sample: number): number => {
      const document = TextDocument.create(uri, 'latex', version++, sample % 2 === 0 ? edited : text);
      return time(() => {
        index.set(document, 'latex', true);
        structuralDiagnostics(index.analysis(uri)!, uri);
      });
    };
    for (let warm = 0; warm < 20; warm++) {
      keystroke(project, warm);
      keystroke(alone, warm);
    }
    let inProject = 0;
    let byItself = 0;
    const compared = await sideBySide(ROUNDS, () => keystroke(project, inProject++), () => keystroke(alone, byItself++));
    const statements = project.analysis(uri)!.statements.length;
    console.log(
      `  a 1-character edit of the ${BIG_CHAPTER_LINES.toLocaleString('en')}-line chapter (${statements} statements): in its ${files.length}-file project ${compared.a.toFixed(2)} ms,` +
        ` alone ${compared.b.toFixed(2)} ms | project/alone ${compared.ratio.toFixed(2)} (target: unchanged, < 1.25: ${compared.ratio < 1.25 ? 'met' : 'MISSED'}; ${roundsNote(compared)})`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
