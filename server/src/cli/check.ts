/** `qed-nano check`: structural diagnostics of LaTeX and Markdown files, no model. */
import { analyzeDocument } from '../documents/analyzer';
import { EXIT } from './exitCodes';
import { collectFiles, readInput } from './inputs';
import { formatFindings, levelOf, type Finding, type Format } from './report';

export function check(targets: readonly string[], format: Format): { output: string; exitCode: number } {
  const files = collectFiles(targets);
  const findings: Finding[] = [];
  for (const file of files) {
    const input = readInput(file);
    const analysis = analyzeDocument(input.format, input.text);
    for (const d of analysis.diagnostics) findings.push({ file, rule: d.code, level: levelOf(d.severity), message: d.message, range: d.range });
  }
  return { output: formatFindings(findings, format, files), exitCode: findings.some((f) => f.level === 'error') ? EXIT.findings : EXIT.ok };
}
