/** `qed-nano critique`: QED-Nano's findings on each step of every proof of the files. */
import type { UserPatterns } from '../documents/userPatterns';
import type { Range, Statement } from '../documents/proofDocument';
import { critiqueProof } from '../tasks/critique';
import type { OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { collectFiles, readInput } from './inputs';
import { CliProjects } from './projects';
import { formatFindings, RULES, type Finding, type Format } from './report';
import { ProgressLine } from './terminal';

type Job = { file: string; statement: Statement; problem: string; steps: { range: Range; text: string }[] };

/**
 * Reads the files now (a missing file or a folder without documents fails before any model is loaded); the
 * returned function critiques every proof with the model. Each proof gets its score (a `critique/score`
 * entry on its statement) and its findings; the exit code is 1 when a proof scored below 1.
 */
export async function prepareCritique(targets: readonly string[], format: Format, patterns?: UserPatterns): Promise<(model: OpenModel, signal: AbortSignal) => Promise<{ output: string; exitCode: number }>> {
  const files = collectFiles(targets);
  const inputs = files.map(readInput);
  const projects = await CliProjects.around(inputs, false, patterns);
  const jobs: Job[] = inputs.flatMap((input) => {
    const now = projects.document(input);
    return now.analysis.statements
      .filter((s) => s.proof && s.proof.steps.length > 0)
      .map((statement) => ({ file: input.path, statement, problem: now.problem(statement), steps: statement.proof!.steps.map((step) => ({ range: step.range, text: now.text(step.range) })) }));
  });
  return (model, signal) => critique(files, jobs, format, model, signal);
}

async function critique(files: string[], jobs: Job[], format: Format, model: OpenModel, signal: AbortSignal): Promise<{ output: string; exitCode: number }> {
  const findings: Finding[] = [];
  let belowOne = 0;
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
    if (outcome.score < 1) belowOne++;
    const flagged = outcome.findings.length;
    findings.push({
      file: job.file,
      rule: 'critique/score',
      level: outcome.score < 1 ? 'warning' : 'note',
      message: `${job.statement.title}: score ${outcome.score} of 1, ${flagged === 0 ? 'no step flagged' : `${flagged} step${flagged === 1 ? '' : 's'} flagged`}`,
      range: job.statement.headerRange,
    });
    for (const finding of outcome.findings) {
      const rule = `critique/${finding.kind}` as const;
      findings.push({ file: job.file, rule, level: RULES[rule].level, message: finding.explanation, range: job.steps[finding.step - 1]!.range });
    }
  }
  progress.clear();
  return { output: formatFindings(findings, format, files), exitCode: belowOne > 0 ? EXIT.findings : EXIT.ok };
}
