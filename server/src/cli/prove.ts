/**
 * `qed-nano prove FILE[:LINE]`: the proof of the statement at LINE (1-based), or of every statement still
 * to prove, streamed to the terminal: the thinking dimmed on stderr (hidden with --quiet), the proof on
 * stdout. `--write` inserts each proof into the file exactly as the extension's Insert does (the same
 * proofInsertion), one statement after another.
 */
import { writeFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { stillToProve, type Statement } from '../documents/proofDocument';
import type { UserPatterns } from '../documents/userPatterns';
import { proofInsertion } from '../documents/insertion';
import type { DeepReport, ProveMode } from '../protocol';
import { runProof, type ProofOutcome, type ProofSinks } from '../workspace/prove';
import type { OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { readInput, type InputFile } from './inputs';
import { CliProjects } from './projects';
import { bold, dim } from './terminal';

export interface ProveOptions {
  mode: ProveMode;
  write: boolean;
  quiet: boolean;
  /** The problem and solution formats the config teaches (qedNano.structure.*Patterns), as check reads them. */
  patterns?: UserPatterns;
}

/** `FILE:LINE` split (a path may itself contain colons: only a trailing `:digits` is a line). */
export function fileAndLine(target: string): { file: string; line: number | undefined } {
  const match = /^(.*):(\d+)$/.exec(target);
  return match ? { file: match[1]!, line: Number(match[2]) } : { file: target, line: undefined };
}

/** Reads and checks the input now, as a file of its LaTeX project (a missing file or statement fails before
 * any model is loaded); the returned function proves with the model. */
export async function prepareProve(target: string, options: ProveOptions): Promise<(model: OpenModel, signal: AbortSignal) => Promise<number>> {
  const { file } = fileAndLine(target);
  const input = readInput(file);
  const projects = await CliProjects.around([input], false, options.patterns);
  const targets = statementsToProve(projects, input, fileAndLine(target).line, target);
  return (model, signal) => prove(file, input, projects, targets, options, model, signal);
}

async function prove(file: string, read: InputFile, projects: CliProjects, targets: string[], options: ProveOptions, model: OpenModel, signal: AbortSignal): Promise<number> {
  let input = read;
  let unproved = 0;
  // Known by key, not by text: two statements of the same text are two targets (and a proof written after
  // the first does not change which is which).
  for (const key of targets) {
    const now = projects.document(input);
    const statement = now.statementWithKey(key)!;
    process.stderr.write(`${bold(`${statement.title} (${file}:${statement.headerRange.start.line + 1})`)}\n`);
    const problem = now.problem(statement);
    const proof = await proveOne(problem, options, model, signal);
    if (signal.aborted) throw new CliError('qed-nano: interrupted.', EXIT.interrupted);
    if (!proof) {
      unproved++;
      continue;
    }
    if (options.write) {
      const edit = proofInsertion(now.document, now.analysis, statement, proof);
      const written = TextDocument.applyEdits(now.document, [edit]);
      writeFileSync(file, written);
      input = { ...input, text: written };
      process.stderr.write(dim(`qed-nano: inserted into ${file}\n`));
    }
  }
  return unproved > 0 ? EXIT.findings : EXIT.ok;
}

function statementsToProve(projects: CliProjects, input: InputFile, line: number | undefined, target: string): string[] {
  const now = projects.document(input);
  const { analysis } = now;
  const keyOf = (s: Statement): string => now.identities().get(s)!.key;
  if (line !== undefined) {
    const found = now.statementAt({ line: line - 1, character: Number.MAX_SAFE_INTEGER }) ?? now.statementAt({ line: line - 1, character: 0 });
    if (!found) throw new CliError(`qed-nano: there is no theorem, lemma or problem at ${target}.`, EXIT.usage);
    return [keyOf(found)];
  }
  const open = analysis.statements.filter(stillToProve);
  if (open.length === 0) throw new CliError(`qed-nano: every statement in ${input.path} has a proof; name one with ${input.path}:LINE to prove it again.`, EXIT.usage);
  return open.map(keyOf);
}

/** Proves one problem in the run's mode (the one runner, workspace/prove.ts), printed as the mode's terminal
 * view prints it: the proof (on stdout), or undefined when none was written. */
async function proveOne(problem: string, options: ProveOptions, model: OpenModel, signal: AbortSignal): Promise<string | undefined> {
  const view = TERMINAL_VIEWS[options.mode](options.quiet);
  const outcome = await runProof({ problem, mode: options.mode }, model.generate, model.settings, view, signal).catch((error: unknown) => {
    throw new CliError(`qed-nano: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
  });
  return view.finish(outcome);
}

/** How a mode's run shows in the terminal: its stream, then its outcome (the proof on stdout, what became of
 * the run on stderr); `finish` returns the proof, or undefined when none was written. */
interface TerminalView extends ProofSinks {
  finish(outcome: ProofOutcome): string | undefined;
}

/** One pass: the thinking dimmed on stderr (not with --quiet), the proof streamed to stdout. */
function singleView(quiet: boolean): TerminalView {
  let inProof = false;
  return {
    progress: () => {},
    chunk: (chunk) => {
      if (chunk.kind === 'thinking' && !quiet) process.stderr.write(dim(chunk.text));
      else if (chunk.kind === 'answer') {
        if (!inProof && !quiet) process.stderr.write('\n\n');
        inProof = true;
        process.stdout.write(chunk.text);
      }
    },
    finish: (outcome) => {
      process.stdout.write('\n');
      const stats = `${outcome.stats.thinkingTokens} thinking + ${outcome.stats.answerTokens} proof tokens in ${(outcome.stats.ms / 1000).toFixed(1)} s`;
      if (!outcome.proof) process.stderr.write(`qed-nano: no proof (${outcome.stopReason}); ${stats}\n`);
      else process.stderr.write(dim(`qed-nano: ${stats}\n`));
      return outcome.proof || undefined;
    },
  };
}

/** Deep mode: each phase and the candidates' scores on stderr, the chosen proof on stdout, then the run's
 * report on stderr (its rounds, why it stopped, the candidate chosen). */
function deepView(): TerminalView {
  return {
    progress: (progress) => {
      if (progress.kind === 'phase') process.stderr.write(dim(`${progress.text}\n`));
      if (progress.kind === 'candidates') process.stderr.write(dim(`candidates: ${progress.candidates.map((c) => `#${c.id} ${c.mean.toFixed(2)}`).join(', ')}\n`));
    },
    chunk: () => {},
    finish: (outcome) => {
      if (outcome.proof) process.stdout.write(`${outcome.proof}\n`);
      else process.stderr.write('qed-nano: deep mode found no proof.\n');
      const report = outcome.deep!;
      const chosen = report.candidates.find((c) => c.id === report.chosen);
      const from = chosen ? `, candidate #${chosen.id} chosen (mean ${chosen.mean.toFixed(2)})` : '';
      process.stderr.write(`qed-nano: ${report.rounds} round${report.rounds === 1 ? '' : 's'}, stopped: ${STOPPED_BECAUSE[report.stoppedBecause]}${from}; ${report.tokensUsed} tokens\n`);
      return outcome.proof || undefined;
    },
  };
}

/** The reasoning cache: each attempt's thinking and answer dimmed on stderr (not with --quiet), each summary
 * and phase on stderr, and only the final proof on stdout (an earlier attempt's answer is no output). */
function reasoningCacheView(quiet: boolean): TerminalView {
  return {
    progress: (progress) => {
      if (progress.kind === 'phase') process.stderr.write(dim(`\n${progress.text}\n`));
      else if (progress.kind === 'summary') process.stderr.write(`${bold('Summary:')} ${progress.text}\n`);
    },
    chunk: (chunk) => {
      if (!quiet && chunk.kind !== 'answerRetracted') process.stderr.write(dim(chunk.text));
    },
    finish: (outcome) => {
      const { attemptsRun, proofAttempt } = outcome.reasoningCache!;
      const stats = `${attemptsRun} attempt${attemptsRun === 1 ? '' : 's'}, ${outcome.stats.thinkingTokens} thinking + ${outcome.stats.answerTokens} answer tokens`;
      if (!outcome.proof) {
        process.stderr.write(`\nqed-nano: no proof (the last attempt ended: ${outcome.stopReason}); ${stats}\n`);
        return undefined;
      }
      process.stdout.write(`${outcome.proof}\n`);
      const from = proofAttempt === attemptsRun ? '' : ` (the proof is attempt ${proofAttempt}'s: attempt ${attemptsRun} wrote none)`;
      process.stderr.write(dim(`qed-nano: ${stats}${from}\n`));
      return outcome.proof;
    },
  };
}

/** Why a deep run stopped, in words. */
const STOPPED_BECAUSE: Record<DeepReport['stoppedBecause'], string> = {
  perfectScore: 'a proof scored 1 in every verification',
  roundsDone: 'all refinement rounds done',
  tokenBudget: 'the token budget ran out (or the run was stopped)',
};

/** How each mode's run shows in the terminal (which mode runs what is workspace/prove.ts's). */
const TERMINAL_VIEWS: Record<ProveMode, (quiet: boolean) => TerminalView> = {
  single: singleView,
  deep: deepView,
  rc: reasoningCacheView,
};
