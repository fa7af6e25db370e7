/**
 * `qed-nano grade BENCHMARK.csv PROOFS --judge-endpoint URL --judge-model NAME --out GRADES.jsonl`:
 * proofs graded as IMO-ProofBench grades them. Each proof is cleaned as the benchmark cleans it
 * (judgedProof: no thinking, no self-evaluation), put into the ProofAutoGrader prompt with its problem,
 * reference solution and guidelines (graderPrompt), and sent to the judge `--samples` times; each judgement
 * is one line of GRADES.jsonl, appended as it comes (resultsFile.ts), and when every sample has one, the
 * report (gradeReport.ts) goes to stdout. Progress goes to stderr, as batch's does.
 *
 * Resumable as batch is: a run skips every sample already graded for the same prompt by the same judge (a
 * line names its judge and its prompt's SHA-256, so grades of another proof, reference or judge never
 * count) and asks again for the ungraded ones. Ctrl+C stops the running requests and keeps every finished
 * line; a kill loses nothing finished either.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { eitherSignal } from '../engine/eitherSignal';
import { graderPrompt, judgedProof, RUBRIC_POINTS, type Points } from '../prompts/proofBenchGrader';
import { CliError, EXIT } from './exitCodes';
import { readBenchmark, readProofs, type BenchmarkProblem } from './gradeInputs';
import { complete, formatReport, gradeReport, type GradeFormat, type SampleOutcome } from './gradeReport';
import { Judge, type Judgement, type JudgeFlags, type JudgeIdentity } from './judge';
import { appendResult, readResults, repairResults, type ResultLine } from './resultsFile';
import { dim, ProgressLine } from './terminal';

export interface GradeOptions extends JudgeFlags {
  out: string;
  samples: number;
  concurrency: number;
  format: GradeFormat;
}

/** One line of the grades file: one judgement of one sample. */
interface GradeLine {
  id: string;
  /** 1 to `--samples`. */
  sample: number;
  judge: JudgeIdentity;
  /** The SHA-256 of the prompt judged: the grade counts for that prompt only. */
  promptSha256: string;
  /** The points, when the judge gave them; otherwise `ungraded` says why not. */
  points?: Points;
  ungraded?: string;
  reply: string;
  promptTokens?: number;
  completionTokens?: number;
  ms: number;
}

/** A problem as grade sees it: its proof (undefined: none given) and, for a proof that is not empty, the prompt. */
interface GradeCase {
  problem: BenchmarkProblem;
  proof: string | undefined;
  prompt: { text: string; sha256: string } | undefined;
}

/** Reads and checks everything now (a bad CSV or flag fails before the judge is asked anything); the returned
 * function grades what is still to grade. */
export function prepareGrade(benchmarkFile: string, proofsSource: string, options: GradeOptions): (signal: AbortSignal) => Promise<number> {
  if ([benchmarkFile, proofsSource].some((input) => path.resolve(input) === path.resolve(options.out))) {
    throw new CliError(`qed-nano: --out ${options.out} is one of grade's inputs; name a file of its own for the grades.`, EXIT.usage);
  }
  const problems = readBenchmark(benchmarkFile);
  if (problems.length === 0) throw new CliError(`qed-nano: ${benchmarkFile} has no problem to grade.`, EXIT.usage);
  const proofs = readProofs(proofsSource, new Set(problems.map((p) => p.id)));
  const judge = Judge.fromFlags(options);
  if (proofs.strays.length > 0) {
    const named = proofs.strays.slice(0, 5).join(', ') + (proofs.strays.length > 5 ? ', …' : '');
    process.stderr.write(dim(`qed-nano: not graded, as ${benchmarkFile} has no problem of that id: ${named} (in ${proofsSource})\n`));
  }
  const cases = problems.map((problem): GradeCase => {
    const proof = proofs.byId.get(problem.id);
    const judged = proof === undefined ? '' : judgedProof(proof);
    const text = judged === '' ? undefined : graderPrompt({ problem: problem.problem, solution: problem.solution, guidelines: problem.guidelines, proof: judged });
    return { problem, proof, prompt: text === undefined ? undefined : { text, sha256: createHash('sha256').update(text).digest('hex') } };
  });
  repairResults(options.out);
  const earlier = readResults(options.out).flatMap((line) => gradeLineOf(line) ?? []);
  return (signal) => grade(cases, earlier, judge, options, signal);
}

async function grade(cases: GradeCase[], earlier: GradeLine[], judge: Judge, options: GradeOptions, signal: AbortSignal): Promise<number> {
  const key = (id: string, sample: number): string => `${id}\u0000${sample}`;
  const byId = new Map(cases.map((c) => [c.problem.id, c]));
  // The latest line of each sample that judged the same prompt with the same judge.
  const latest = new Map<string, GradeLine>();
  let stale = 0;
  for (const line of earlier) {
    const prompt = byId.get(line.id)?.prompt;
    if (!prompt) continue;
    if (line.promptSha256 !== prompt.sha256 || line.judge.host !== judge.identity.host || line.judge.model !== judge.identity.model) stale++;
    else if (line.sample <= options.samples) latest.set(key(line.id, line.sample), line);
  }
  const asked = cases.flatMap((c) => (c.prompt ? Array.from({ length: options.samples }, (_, i) => ({ c, sample: i + 1, prompt: c.prompt! })) : []));
  const todo = asked.filter(({ c, sample }) => latest.get(key(c.problem.id, sample))?.points === undefined);
  process.stderr.write(dim(`qed-nano: proofs are sent to the judge, ${judge.describe()}\n`));
  if (stale > 0) process.stderr.write(dim(`qed-nano: ${stale} earlier grades in ${options.out} judged another prompt or were given by another judge; they are not counted\n`));
  const before = asked.length - todo.length;
  if (before > 0) process.stderr.write(dim(`qed-nano: ${before} of ${asked.length} judge samples already in ${options.out}; ${todo.length} to go\n`));

  // A judge that cannot be used stops every request, not only the one that found out.
  const unusable = new AbortController();
  const stopping = eitherSignal(signal, unusable.signal);
  let failure: unknown;
  const progress = new ProgressLine();
  const started = Date.now();
  let finished = 0;
  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next && !stopping.signal.aborted; next = queue.shift()) {
      let judgement: Judgement;
      try {
        judgement = await judge.judge(next.prompt.text, stopping.signal);
      } catch (error) {
        if (!stopping.signal.aborted) {
          failure = error;
          unusable.abort();
        }
        return;
      }
      const line: GradeLine = {
        id: next.c.problem.id,
        sample: next.sample,
        judge: judge.identity,
        promptSha256: next.prompt.sha256,
        ...judgement.verdict,
        reply: judgement.reply,
        ...(judgement.promptTokens !== undefined ? { promptTokens: judgement.promptTokens } : {}),
        ...(judgement.completionTokens !== undefined ? { completionTokens: judgement.completionTokens } : {}),
        ms: judgement.ms,
      };
      appendResult(options.out, line);
      latest.set(key(line.id, line.sample), line);
      finished++;
      progress.update('Grading', before + finished, asked.length, (finished * 1000) / Math.max(1, Date.now() - started), 'grades');
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, todo.length)) }, worker));
  stopping.done();
  progress.clear();
  if (failure !== undefined) throw failure;
  if (signal.aborted) {
    process.stderr.write(`qed-nano: interrupted; ${before + finished} of ${asked.length} judge samples are in ${options.out}. Run the same command again to go on.\n`);
    return EXIT.interrupted;
  }
  const report = gradeReport(judge.identity, options.samples, cases.map((c) => c.problem), (problem) => {
    const c = byId.get(problem.id)!;
    if (c.proof === undefined) return { proof: 'missing', samples: [] };
    if (!c.prompt) return { proof: 'empty', samples: [] };
    const samples = Array.from({ length: options.samples }, (_, i): SampleOutcome => {
      const line = latest.get(key(problem.id, i + 1));
      return line?.points !== undefined ? { points: line.points } : { ungraded: line?.ungraded ?? 'the judge was not asked' };
    });
    return { proof: 'graded', samples };
  });
  process.stdout.write(formatReport(report, options.format));
  return complete(report) ? EXIT.ok : EXIT.findings;
}

/** A line of the grades file read back, or undefined when it is not one (a line is never trusted blindly). */
function gradeLineOf(line: ResultLine): GradeLine | undefined {
  const judge = line.judge as Partial<JudgeIdentity> | undefined;
  if (typeof line.sample !== 'number' || typeof line.promptSha256 !== 'string' || typeof judge?.host !== 'string' || typeof judge.model !== 'string') return undefined;
  const points = (RUBRIC_POINTS as readonly unknown[]).includes(line.points) ? (line.points as Points) : undefined;
  if (points === undefined && typeof line.ungraded !== 'string') return undefined;
  return {
    id: line.id,
    sample: line.sample,
    judge: { host: judge.host, model: judge.model },
    promptSha256: line.promptSha256,
    ...(points !== undefined ? { points } : { ungraded: line.ungraded as string }),
    reply: typeof line.reply === 'string' ? line.reply : '',
    ms: typeof line.ms === 'number' ? line.ms : 0,
  };
}
