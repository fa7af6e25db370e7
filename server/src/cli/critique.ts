/** `qed-nano critique`: QED-Nano's findings on each step of every proof of the files. */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../documents/analyzer';
import type { Range } from '../documents/model';
import { statementProblem } from '../prompts/proofPrompt';
import { critiqueProof } from '../tasks/critique';
import type { OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { collectFiles, readInput } from './inputs';
import { formatFindings, RULES, type Finding, type Format } from './report';
import { ProgressLine } from './terminal';

export async function critique(targets: readonly string[], format: Format, model: OpenModel, signal: AbortSignal): Promise<{ output: string; exitCode: number }> {
  const files = collectFiles(targets);
  const jobs = files.flatMap((file) => {
    const input = readInput(file);
    const analysis = analyzeDocument(input.format, input.text);
    const document = TextDocument.create(`file://${file}`, input.format, 1, input.text);
    const text = (range: Range): string => document.getText(range);
    return analysis.statements
      .filter((s) => s.proof && s.proof.steps.length > 0)
      .map((statement) => ({ file, statement, problem: statementProblem(analysis, statement, text), steps: statement.proof!.steps.map((step) => ({ range: step.range, text: text(step.range) })) }));
  });
  const findings: Finding[] = [];
  const progress = new ProgressLine();
  const started = Date.now();
  const { settings } = model;
  for (const [index, job] of jobs.entries()) {
    progress.update('Critiquing', index, jobs.length, (index * 1000) / Math.max(1, Date.now() - started), 'proofs');
    const outcome = await critiqueProof(
      { problem: job.problem, steps: job.steps.map((s) => s.text) },
      model.generate,
      { depth: settings.critique.depth, thinkingBudget: settings.critique.thinkingBudget, maxTokens: settings.generation.maxTokens },
      signal,
    ).catch((error: unknown) => {
      throw new CliError(`qed-nano: the critique of ${job.statement.title} in ${job.file} failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
    });
    if (outcome === 'cancelled' || outcome === 'preempted') throw new CliError('qed-nano: interrupted.', EXIT.interrupted);
    for (const finding of outcome.findings) {
      const rule = `critique/${finding.kind}` as const;
      findings.push({ file: job.file, rule, level: RULES[rule].level, message: finding.explanation, range: job.steps[finding.step - 1]!.range });
    }
  }
  progress.clear();
  return { output: formatFindings(findings, format, files), exitCode: findings.length > 0 ? EXIT.findings : EXIT.ok };
}
