/**
 * `qed-nano check`: structural diagnostics of LaTeX and Markdown files, no model. A LaTeX file is checked as
 * a file of its project (projectIndex.ts), found the way the language server finds it: the folders around
 * it are read for its root, and the files the root brings in and the local packages from there. A root
 * names its whole project: every file it brings in is checked; a chapter is checked with what the rest of
 * its project declares and labels. Errors and warnings are only what is certainly wrong (documents/
 * precision.ts); `--guesses` adds what a check can only guess, as notes.
 */
import * as path from 'node:path';
import type { IndexedFile } from '../project/fileSet';
import { EXIT } from './exitCodes';
import { collectFiles, formatOf, readInput } from './inputs';
import { CliProjects } from './projects';
import { NO_USER_PATTERNS, type UserPatterns } from '../documents/userPatterns';
import { formatFindings, levelOf, type Finding, type Format } from './report';

export async function check(targets: readonly string[], format: Format, guesses = false, patterns: UserPatterns = NO_USER_PATTERNS): Promise<{ output: string; exitCode: number }> {
  const inputs = collectFiles(targets).map(readInput);
  const { index } = await CliProjects.around(inputs, guesses, patterns);
  const named = new Map(inputs.map((input) => [CliProjects.uriOf(input), input.path]));

  const checked: IndexedFile[] = [];
  const seen = new Set<string>();
  const add = (file: IndexedFile): void => {
    // The project's documents, not its packages and classes.
    if (seen.has(file.uri) || !formatOf(file.path!)) return;
    seen.add(file.uri);
    checked.push(file);
  };
  for (const uri of named.keys()) {
    const file = index.get(uri)!;
    const project = index.projectOf(uri);
    if (project?.root === file) project.files.forEach(add);
    else add(file);
  }
  // A file as the user named it, else relative to the working folder.
  const shownFiles = checked.map((file) => named.get(file.uri) ?? path.relative(process.cwd(), file.path!));
  const findings: Finding[] = checked.flatMap((file, i) =>
    index.analysis(file.uri)!.diagnostics.map((d) => ({ file: shownFiles[i]!, rule: d.code, level: levelOf(d.severity), message: d.message, range: d.range })),
  );
  return { output: formatFindings(findings, format, shownFiles), exitCode: findings.some((f) => f.level === 'error') ? EXIT.findings : EXIT.ok };
}
