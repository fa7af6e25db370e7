/**
 * `qed-nano check`: structural diagnostics of LaTeX and Markdown files, no model. A LaTeX file is checked as
 * a file of its project (projectIndex.ts), found the way the language server finds it: the folders around
 * it are read for its root, and the files the root brings in and the local packages from there. A root
 * names its whole project: every file it brings in is checked; a chapter is checked with what the rest of
 * its project declares and labels.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ProjectIndex, type IndexedFile } from '../project/projectIndex';
import { ProjectLoader } from '../project/projectLoader';
import { MAX_ANALYSED_DOCUMENT_SIZE } from '../settings';
import { EXIT } from './exitCodes';
import { collectFiles, readInput } from './inputs';
import { formatFindings, levelOf, type Finding, type Format } from './report';

export async function check(targets: readonly string[], format: Format): Promise<{ output: string; exitCode: number }> {
  const files = collectFiles(targets);
  const index = new ProjectIndex(() => ({ maxDocumentSize: MAX_ANALYSED_DOCUMENT_SIZE }));
  const loader = new ProjectLoader(index, { maxFileSize: () => MAX_ANALYSED_DOCUMENT_SIZE, log: () => undefined });
  const named = new Map<string, string>();
  for (const file of files) {
    const input = readInput(file);
    const uri = pathToFileURL(path.resolve(file)).href;
    named.set(uri, file);
    index.set(TextDocument.create(uri, input.format, 0, input.text), input.format, true);
  }
  const folders = new Set(files.filter((file) => index.get(pathToFileURL(path.resolve(file)).href)?.format === 'latex').map((file) => path.dirname(path.resolve(file))));
  for (const folder of folders) await loader.indexAround(folder);

  const checked: IndexedFile[] = [];
  const seen = new Set<string>();
  const add = (file: IndexedFile): void => {
    if (seen.has(file.uri) || !/\.(tex|ltx|md|markdown)$/i.test(file.path ?? file.uri)) return;
    seen.add(file.uri);
    checked.push(file);
  };
  for (const uri of named.keys()) {
    const file = index.get(uri)!;
    const project = index.projectOf(uri);
    if (project?.root === file) project.files.forEach(add);
    else add(file);
  }
  const findings: Finding[] = [];
  for (const file of checked) {
    const shown = named.get(file.uri) ?? path.relative(process.cwd(), file.path!);
    for (const d of index.analysis(file.uri)!.diagnostics) findings.push({ file: shown, rule: d.code, level: levelOf(d.severity), message: d.message, range: d.range });
  }
  const shownFiles = checked.map((file) => named.get(file.uri) ?? path.relative(process.cwd(), file.path!));
  return { output: formatFindings(findings, format, shownFiles), exitCode: findings.some((f) => f.level === 'error') ? EXIT.findings : EXIT.ok };
}
