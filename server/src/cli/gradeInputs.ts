/**
 * What `qed-nano grade` grades: IMO-ProofBench's problems (its CSV as it is: `Problem ID`, `Problem`,
 * `Solution`, `Grading guidelines`, and `Level` when there is one) and a proof for each, read from a batch
 * results file (its lines' `proof`, matched by `id`) or from a folder with one file per problem named by its
 * id (`PB-Basic-001.md`; any extension). All of it is read and checked before the judge is asked anything.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CliError, EXIT } from './exitCodes';
import { readTextFile } from './inputs';
import { readProblems, type Problem } from './problems';
import { readResults } from './resultsFile';

export interface BenchmarkProblem extends Problem {
  /** The reference solution. */
  solution: string;
  guidelines: string;
  /** The level the report groups it under: see levelOf. */
  level: string;
}

/** The benchmark's problems, each with its reference solution, grading guidelines and level. */
export function readBenchmark(file: string): BenchmarkProblem[] {
  return readProblems(file, {
    solution: { title: 'Solution', names: ['solution', 'reference solution', 'reference_solution'] },
    guidelines: { title: 'Grading guidelines', names: ['grading guidelines', 'grading_guidelines', 'guidelines'] },
    levelColumn: { title: 'Level', names: ['level'], optional: true },
  }).map(({ levelColumn, ...problem }) => ({ ...problem, level: levelOf(problem.id, levelColumn) }));
}

/**
 * A problem's level in the report: Basic or Advanced as IMO-ProofBench's ids say (PB-Basic-001,
 * PB-Advanced-001), which is how the model card and QED-Nano's eval/scripts/stats.py split it (the CSV's
 * `Level` column holds the difficulty, pre-IMO to IMO-hard, instead); other ids are grouped by their
 * `Level`, or as Other.
 */
export function levelOf(id: string, levelColumn: string): string {
  if (/basic/i.test(id)) return 'Basic';
  if (/advanced/i.test(id)) return 'Advanced';
  return levelColumn || 'Other';
}

/** The proofs of the problems whose ids are `ids`, by id, as written (judgedProof makes what the judge reads). */
export interface Proofs {
  byId: Map<string, string>;
  /** Results or files that name no problem of the benchmark. */
  strays: string[];
}

/** Reads `source`: a batch results file (.jsonl) or a folder of proof files. */
export function readProofs(source: string, ids: ReadonlySet<string>): Proofs {
  let isFolder: boolean;
  try {
    isFolder = statSync(source).isDirectory();
  } catch {
    throw new CliError(`qed-nano: cannot read ${source}: no such file or folder.`, EXIT.usage);
  }
  if (isFolder) return proofFiles(source, ids);
  if (path.extname(source).toLowerCase() !== '.jsonl') {
    throw new CliError(`qed-nano: ${source} is neither a batch results file (.jsonl) nor a folder of proofs.`, EXIT.usage);
  }
  const proofs: Proofs = { byId: new Map(), strays: [] };
  for (const result of readResults(source)) {
    if (typeof result.proof !== 'string') continue;
    if (!ids.has(result.id)) proofs.strays.push(result.id);
    else if (!proofs.byId.has(result.id)) proofs.byId.set(result.id, result.proof);
  }
  return proofs;
}

/** One file per problem, named by its id; hidden files are skipped, two files of one id are a usage error. */
function proofFiles(folder: string, ids: ReadonlySet<string>): Proofs {
  const proofs: Proofs = { byId: new Map(), strays: [] };
  const fileOf = new Map<string, string>();
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.isDirectory()) continue;
    const id = path.parse(entry.name).name;
    const full = path.join(folder, entry.name);
    if (!ids.has(id)) {
      proofs.strays.push(entry.name);
      continue;
    }
    const other = fileOf.get(id);
    if (other) throw new CliError(`qed-nano: ${other} and ${full} are both proofs of ${id}; keep one.`, EXIT.usage);
    fileOf.set(id, full);
    proofs.byId.set(id, readTextFile(full, 'a text'));
  }
  return proofs;
}
