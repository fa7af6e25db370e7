/**
 * `qed-nano grade`'s report: points out of 7 per problem (the mean of its judge samples), per level (Basic,
 * Advanced: the mean of its problems) and overall (the mean of all problems, as the model card and
 * QED-Nano's stats.py average), as text, JSON or a Markdown table like the model card's. Every form names the
 * judge (endpoint host and model) and the samples per proof, and counts what was not graded: samples without
 * points are left out of the means (never counted as 0), and so are problems given no proof; a proof that
 * is empty is a 0 the judge was not asked for.
 */
import type { Points } from '../prompts/proofBenchGrader';
import type { BenchmarkProblem } from './gradeInputs';
import type { JudgeIdentity } from './judge';

/** How the samples of one problem went. */
export type SampleOutcome = { points: Points } | { ungraded: string };

export interface ProblemGrade {
  id: string;
  level: string;
  /** The mean of its graded samples; undefined when none has points (or it has no proof). */
  points: number | undefined;
  /** Each sample's outcome, sample 1 first; empty for a problem without a proof or with an empty one. */
  samples: SampleOutcome[];
  /** `graded`: judged; `empty`: its proof is empty, 0 without the judge; `missing`: no proof was given. */
  proof: 'graded' | 'empty' | 'missing';
}

export interface LevelScore {
  level: string;
  /** Problems with points (those in the mean). */
  problems: number;
  /** Mean points out of 7; undefined when no problem has points. */
  points: number | undefined;
  /** The mean as a percentage of 7. */
  percent: number | undefined;
}

export interface GradeReport {
  judge: JudgeIdentity;
  samples: number;
  problems: ProblemGrade[];
  levels: LevelScore[];
  overall: LevelScore;
  /** Samples without points, with the reason. */
  ungraded: { id: string; sample: number; reason: string }[];
  /** Problems no proof was given for. */
  missing: string[];
  /** Problems whose proof is empty. */
  empty: string[];
}

export const GRADE_FORMATS = ['text', 'json', 'markdown'] as const;
export type GradeFormat = (typeof GRADE_FORMATS)[number];

/** The report of `problems`, each with its proof's state and its samples' outcomes. */
export function gradeReport(judge: JudgeIdentity, samples: number, problems: readonly BenchmarkProblem[], outcomes: (problem: BenchmarkProblem) => Pick<ProblemGrade, 'proof' | 'samples'>): GradeReport {
  const grades = problems.map((problem): ProblemGrade => {
    const given = outcomes(problem);
    const graded = given.samples.flatMap((o) => ('points' in o ? [o.points] : []));
    return { id: problem.id, level: problem.level, ...given, points: given.proof === 'empty' ? 0 : mean(graded) };
  });
  const levels = [...new Set(grades.map((g) => g.level))].sort(byLevel).map((level) => score(level, grades.filter((g) => g.level === level)));
  return {
    judge,
    samples,
    problems: grades,
    levels,
    overall: score('Overall', grades),
    ungraded: grades.flatMap((g) => g.samples.flatMap((o, i) => ('ungraded' in o ? [{ id: g.id, sample: i + 1, reason: o.ungraded }] : []))),
    missing: grades.filter((g) => g.proof === 'missing').map((g) => g.id),
    empty: grades.filter((g) => g.proof === 'empty').map((g) => g.id),
  };
}

/** Whether everything given was graded: no sample without points, no problem without a proof. */
export function complete(report: GradeReport): boolean {
  return report.ungraded.length === 0 && report.missing.length === 0;
}

export function formatReport(report: GradeReport, format: GradeFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'markdown' ? markdown(report) : text(report);
}

function score(level: string, grades: readonly ProblemGrade[]): LevelScore {
  const points = mean(grades.flatMap((g) => (g.points === undefined ? [] : [g.points])));
  return { level, problems: grades.filter((g) => g.points !== undefined).length, points, percent: points === undefined ? undefined : (points / 7) * 100 };
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

const BENCHMARK_LEVELS = ['Basic', 'Advanced'];

/** Basic before Advanced (the benchmark's order), then any other level by name. */
function byLevel(a: string, b: string): number {
  const rank = (level: string): number => (BENCHMARK_LEVELS.includes(level) ? BENCHMARK_LEVELS.indexOf(level) : BENCHMARK_LEVELS.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

const points = (value: number | undefined): string => (value === undefined ? '—' : value.toFixed(2));
const percent = (value: number | undefined): string => (value === undefined ? '—' : `${value.toFixed(1)}%`);

function judgeLine(report: GradeReport): string {
  const graded = report.samples === 1 ? '1 judge sample per proof' : `${report.samples} judge samples per proof, averaged`;
  return `judged by ${report.judge.model} at ${report.judge.host}, ${graded}`;
}

/** How many samples were graded and what was left out of the means, in one sentence. */
function coverage(report: GradeReport): string {
  const asked = report.problems.reduce((n, g) => n + g.samples.length, 0);
  const parts = [report.ungraded.length === 0 ? `all ${asked} judge samples graded` : `${report.ungraded.length} of ${asked} judge samples ungraded (not counted)`];
  if (report.missing.length > 0) parts.push(`${report.missing.length} ${report.missing.length === 1 ? 'problem' : 'problems'} without a proof (not counted)`);
  if (report.empty.length > 0) parts.push(`${report.empty.length} empty ${report.empty.length === 1 ? 'proof' : 'proofs'} (0 points, the judge not asked)`);
  return parts.join('; ');
}

function capitalised(sentence: string): string {
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}`;
}

function text(report: GradeReport): string {
  const idWidth = Math.max(10, ...report.problems.map((g) => g.id.length));
  const levelWidth = Math.max(8, ...report.problems.map((g) => g.level.length));
  const lines = [`IMO-ProofBench ${judgeLine(report)}`, ''];
  for (const g of report.problems) {
    const detail = g.proof === 'missing' ? 'no proof given' : g.proof === 'empty' ? 'empty proof' : g.samples.map((o) => ('points' in o ? String(o.points) : 'ungraded')).join(', ');
    lines.push(`${g.id.padEnd(idWidth)}  ${g.level.padEnd(levelWidth)}  ${points(g.points).padStart(5)}  ${detail}`);
  }
  lines.push('', `${'Level'.padEnd(levelWidth)}  Problems  Points (of 7)  Score`);
  for (const s of [...report.levels, report.overall]) {
    lines.push(`${s.level.padEnd(levelWidth)}  ${String(s.problems).padStart(8)}  ${points(s.points).padStart(13)}  ${percent(s.percent).padStart(6)}`);
  }
  lines.push('', `${capitalised(coverage(report))}.`);
  for (const u of report.ungraded) lines.push(`  ${u.id} sample ${u.sample}: ${u.reason}`);
  if (report.missing.length > 0) lines.push(`  without a proof: ${report.missing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function markdown(report: GradeReport): string {
  const row = (s: LevelScore, strong: boolean): string => {
    const b = (cell: string): string => (strong ? `**${cell}**` : cell);
    return `| ${b(s.level)} | ${b(String(s.problems))} | ${b(points(s.points))} | ${b(percent(s.percent))} |`;
  };
  return [
    '| IMO-ProofBench | Problems | Points (of 7) | Score |',
    '| --- | ---: | ---: | ---: |',
    ...report.levels.map((s) => row(s, false)),
    row(report.overall, true),
    '',
    `${capitalised(judgeLine(report))}; ${coverage(report)}.`,
    '',
  ].join('\n');
}
