/**
 * `qed-nano`: the extension's analysis and model tasks without an editor (check, prove, critique, batch),
 * and grade, which scores batch's proofs as IMO-ProofBench does with a judge model the user names. It runs
 * the tasks layer directly (no language server), with the same settings and engines. Arguments
 * are parsed by commander (well kept, gives every command its --help); exit codes are in exitCodes.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { BUILD_INFO } from '../buildInfo';
import { prepareBatch } from './batch';
import { check } from './check';
import { prepareCritique } from './critique';
import { cliPatterns, cliSettings, openModel, positiveInteger, type EngineFlags, type OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { prepareGrade } from './grade';
import { GRADE_FORMATS, type GradeFormat } from './gradeReport';
import type { JudgeFlags } from './judge';
import { prepareProve } from './prove';
import type { Format } from './report';
import type { ProveMode } from '../protocol';

const EXIT_CODES_HELP = `
Exit codes: 0 done, nothing found; 1 findings (check: structural errors; critique: a proof scored below 1;
prove and batch: a problem left without a proof; grade: a judge sample left ungraded, or a problem given no
proof); 2 usage (options, unreadable, binary or no input, a CSV without its columns); 3 the model, engine or
judge could not be used; 130 interrupted (finished work is kept).
A problem with no proof yet is a note in check's output, not a finding.`;

const GRADE_HELP = `
The judge gets IMO-Bench's ProofAutoGrader prompt, as QED-Nano's evaluation sends it, with each proof (its
thinking and self-evaluation removed); its points are the first <points>N out of 7</points> of its reply,
N one of 7, 6, 1, 0. Anything else leaves that sample ungraded, with the reason: never a silent 0.
The judge's API key comes from QED_NANO_JUDGE_API_KEY only, never a flag. Proofs go to the judge's
endpoint and nowhere else (a redirect is refused). The number depends on the judge: compare scores given
by the same judge model only.`;

const ENGINE_HELP = `
Model settings: defaults, then --config FILE (the qedNano settings as in VS Code), then the environment
(QED_NANO_ENGINE, QED_NANO_MODEL, QED_NANO_ENDPOINTS), then these flags. The remote engine's API key comes
from QED_NANO_API_KEY only, never a flag.`;

function engineOptions(command: Command): Command {
  return command
    .option('--model <path|hf:uri>', 'a local .gguf file, or a Hugging Face URI downloaded once')
    .option('--threads <n>', 'CPU threads for the local model (default: one per core)')
    .addOption(new Option('--gpu <mode>', 'use a GPU when one is found, or the CPU only').choices(['auto', 'off']))
    .addOption(new Option('--engine <engine>', 'run the model here, or on OpenAI-compatible servers').choices(['local', 'remote']))
    .option('--endpoint <url>', 'an OpenAI-compatible base URL (repeat for several; implies --engine remote)', (value: string, list: string[] = []) => [...list, value])
    .option('--config <file>', 'a JSON file of qedNano settings')
    .addHelpText('after', ENGINE_HELP + EXIT_CODES_HELP);
}

/** How a proof is written: the modes of `qed/prove` (protocol.ts ProveMode). */
const modeOption = (): Option =>
  new Option('--mode <mode>', 'single: one pass; deep: generate, verify and refine (slower, often better); rc: the reasoning cache (solve, summarise, solve again)')
    .choices(['single', 'deep', 'rc'] satisfies ProveMode[])
    .default('single');

const rcIterationsOption = (): Option => new Option('--rc-iterations <n>', 'attempts of --mode rc (default 3, as QED-Nano was evaluated)');

/** The settings `--rc-iterations` overrides, if given. */
function rcIterations(options: { rcIterations?: string }): Record<string, unknown> {
  return options.rcIterations !== undefined ? { rc: { iterations: positiveInteger(options.rcIterations, '--rc-iterations') } } : {};
}

const formatOption = (): Option => new Option('--format <format>', 'how findings are written').choices(['text', 'json', 'sarif']).default('text');

/**
 * Runs `work` with a signal that Ctrl+C (or SIGTERM) fires: the work stops cleanly, keeping what is
 * finished; a second Ctrl+C quits at once.
 */
function interruptible(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interrupted = new AbortController();
  const onInterrupt = (): void => {
    if (interrupted.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl+C does not wait
    process.stderr.write('\nqed-nano: stopping (Ctrl+C again to quit at once)…\n');
    interrupted.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  return work(interrupted.signal);
}

/**
 * Runs `work` with a model, stopped cleanly by Ctrl+C. `work` is what a command's preparation returned:
 * each command reads and checks its input first, so a missing statement or a bad CSV is reported before a
 * model is loaded (or downloaded).
 */
function withModel(flags: EngineFlags, overrides: Record<string, unknown>, work: (model: OpenModel, signal: AbortSignal) => Promise<number>): Promise<number> {
  return interruptible(async (signal) => {
    const model = await openModel(cliSettings(flags, overrides));
    try {
      return await work(model, signal);
    } finally {
      await model.close();
    }
  });
}

export function program(): Command {
  const cli = new Command('qed-nano')
    .description('QED-Nano for proofs in LaTeX and Markdown files: structural checks, and, with the model, proofs and critiques.')
    .version(BUILD_INFO.serverVersion)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  cli
    .command('check')
    .description('structural diagnostics of .tex and .md files (no model), each LaTeX file as part of its project (a root: the whole project); exit 1 when there are errors')
    .argument('<paths...>', 'files, or folders searched for .tex and .md files')
    .addOption(formatOption())
    .option('--guesses', 'also report, as notes, what a check can only guess (a proof that seems to follow no statement)', false)
    .option('--config <file>', 'a JSON file of qedNano settings (its structure.problemPatterns and structure.solutionPatterns)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (paths: string[], options: { format: Format; guesses: boolean; config?: string }) => {
      const { output, exitCode } = await check(paths, options.format, options.guesses, cliPatterns(options.config));
      process.stdout.write(output);
      process.exitCode = exitCode;
    });

  engineOptions(
    cli
      .command('prove')
      .description('prove the statement at FILE:LINE (1-based), or every statement of FILE still to prove')
      .argument('<file[:line]>', 'a .tex or .md file, with the line of a statement')
      .addOption(modeOption())
      .option('--deep', 'the same as --mode deep', false)
      .addOption(rcIterationsOption())
      .option('--write', 'insert each proof into the file, as the extension does', false)
      .option('--quiet', 'hide the thinking', false),
  ).action(async (target: string, options: EngineFlags & { mode: ProveMode; deep: boolean; rcIterations?: string; write: boolean; quiet: boolean }) => {
    const mode = options.deep ? 'deep' : options.mode;
    process.exitCode = await withModel(options, rcIterations(options), await prepareProve(target, { mode, write: options.write, quiet: options.quiet, patterns: cliPatterns(options.config) }));
  });

  engineOptions(
    cli
      .command('critique')
      .description("QED-Nano's findings on each step of every proof; exit 1 when there are findings")
      .argument('<paths...>', 'files, or folders searched for .tex and .md files')
      .addOption(formatOption()),
  ).action(async (paths: string[], options: EngineFlags & { format: Format }) => {
    const run = await prepareCritique(paths, options.format, cliPatterns(options.config));
    process.exitCode = await withModel(options, {}, async (model, signal) => {
      const { output, exitCode } = await run(model, signal);
      process.stdout.write(output);
      return exitCode;
    });
  });

  engineOptions(
    cli
      .command('batch')
      .description('prove every problem of a CSV (IMO-ProofBench columns "Problem ID", "Problem") or JSONL file; resumable')
      .argument('<problems>', 'a .csv or .jsonl file')
      .requiredOption('--out <results.jsonl>', 'where results go, one JSON line each (existing ids are skipped)')
      .addOption(modeOption())
      .addOption(rcIterationsOption())
      .option('--concurrency <n>', 'problems proved at once', '1'),
  ).action(async (problems: string, options: EngineFlags & { out: string; mode: ProveMode; rcIterations?: string; concurrency: string }) => {
    const concurrency = positiveInteger(options.concurrency, '--concurrency');
    // Side by side on a local model needs as many sequences.
    const overrides = { ...(concurrency > 1 ? { parallelSequences: concurrency } : {}), ...rcIterations(options) };
    process.exitCode = await withModel(options, overrides, prepareBatch(problems, options.out, { mode: options.mode, concurrency }));
  });

  cli
    .command('grade')
    .description('grade proofs as IMO-ProofBench does: each, with its problem, reference solution and grading guidelines, scored 7, 6, 1 or 0 out of 7 by a judge model on an OpenAI-compatible endpoint; resumable')
    .argument('<benchmark>', "IMO-ProofBench's CSV (Problem ID, Problem, Solution, Grading guidelines; Level), or JSONL with those keys")
    .argument('<proofs>', "batch's results (.jsonl), or a folder with one file per problem, named by its id (PB-Basic-001.md)")
    .requiredOption('--judge-endpoint <url>', "the judge's OpenAI-compatible base URL (https://host/v1): the proofs are sent there")
    .requiredOption('--judge-model <name>', 'the judge model, as the endpoint names it')
    .option('--judge-timeout <seconds>', 'the longest one judgement may take', '600')
    .requiredOption('--out <grades.jsonl>', 'where judgements go, one JSON line each (a run skips those already there)')
    .option('--samples <k>', 'judgements per proof, averaged', '1')
    .option('--concurrency <n>', 'judgements asked at once', '4')
    .addOption(new Option('--format <format>', 'how the report is written').choices(GRADE_FORMATS).default('text'))
    .addHelpText('after', GRADE_HELP + EXIT_CODES_HELP)
    .action(async (benchmark: string, proofs: string, options: JudgeFlags & { out: string; samples: string; concurrency: string; format: GradeFormat }) => {
      const run = prepareGrade(benchmark, proofs, {
        ...options,
        samples: positiveInteger(options.samples, '--samples'),
        concurrency: positiveInteger(options.concurrency, '--concurrency'),
      });
      process.exitCode = await interruptible(run);
    });
  return cli;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; every parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`qed-nano: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.engine;
  }
}

// Exits once what was written has gone out: a pipe takes 64 KB at a time, and process.exit() would cut a
// longer report (`check --format json | jq`) short.
void main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))));
