/**
 * IMO-ProofBench's grader as the benchmark runs it: the ProofAutoGrader prompt of IMO-Bench, filled as
 * QED-Nano's evaluation fills it, the proof the judge is shown, and the points read back from its reply.
 *
 * PROOF_BENCH_GRADER_PROMPT is, verbatim, eval/configs/prompts/proofbench.txt of CMU-AIRe/QED-Nano
 * (https://github.com/CMU-AIRe/QED-Nano, commit 4d4051c03d6f7318212976ea1567516fbc2fe3f8), licensed under
 * the Apache License 2.0 (see NOTICE). The file has no final newline and no trailing spaces; the unit test
 * proof-bench-grader.test.ts compares the constant with test/fixtures/trained/proofbench.txt, a
 * byte-for-byte copy of it. Change neither by hand: the judge's scores depend on every word.
 */
import { solutionOf } from './deepPrompts';

export const PROOF_BENCH_GRADER_PROMPT = `You are an expert grader for the International Mathematics Olympiad (IMO). Your task is to evaluate a proposed solution strictly and rigorously. Keep in mind the standards at the IMO are extremely high: only arguments that are logically sound, complete, and precise should be rewarded.

### General Scoring Rubric
Scores are assigned on a 0-7 scale. The general guidelines are:
* **7 Points (Correct):** The solution is complete, correct, and fully rigorous. If the submission contains incorrect attempts or lines of reasoning but ultimately presents a complete and correct solution, it should still be awarded full points; the presence of earlier, discarded work does not detract from the final correct proof.
* **6 Points (Almost Correct):** The solution is almost correct with a sound core argument, but contains minor errors in calculation or small gaps in logic. Missing proofs for major components, unjustified claims, or sketchy arguments are **not** eligible for 6 points.
* **1 Point (Partial Progress):** The solution demonstrates substantial progress explicitly mentioned in the grading guidelines. Initial observations, reformulating the problem without making substantive headway, or proving partial results not mentioned in the grading guidelines are generally **not** eligible for this score.
* **0 Points (Incorrect):** The solution doesn't make substantial progress that is a key step in the full solution or is fundamentally flawed. All partial progress without key results or lacking rigor also fall in this category.

### Input Data and Interpretation
You are provided with the following:
1. **Problem Statement:** The IMO problem.
2. **Ground Truth Solution:** A reference solution. Assume this solution is correct. It demonstrates one valid approach.
3. **Specific Grading Guidelines:** Criteria for awarding credit for this specific problem. These guidelines take precedence over the General Scoring Rubric, especially for partial credit.
4. **Proposed Solution:** The student submission.

### Evaluation Process
You must follow this structured process:
1. **Analyze References:** Meticulously read and understand the problem and Ground Truth Solution check the Specific Grading Guidelines. Identify the key steps for a complete solution and the criteria for partial credit.
2. **Step-by-Step Verification:** Verify the logical validity and rigor of every step. Identify all flaws, gaps, assumptions, and errors. **Make sure you fully understand every piece of logic behind each step of the proposed solution, you must be careful for solutions that 'pretend' to be correct.**
3. **Assess Progress:** Determine the extent of non-trivial progress made.
4. **Score Determination:** Compare the findings against the Specific Grading Guidelines and the General Rubric to determine the final score.

### Output Requirements
You must provide your final score in the format <points>N out of 7</points>. Ensure the '<points>' block is used **only once**, as your answer will be parsed based on the first <points> </points> block that appears in your whole response.

--------------------------------------------------------------
**PROBLEM STATEMENT**
{problem_statement}
**GROUND-TRUTH SOLUTION**
{solution}
**SPECIFIC GRADING GUIDELINES**
{guidelines}
**PROPOSED SOLUTION**
{student_answer}
--------------------------------------------------------------

Present your detailed thought process and formal justification based on the scoring rubric and grading guidelines, and finally present your final score in the format below.
[Select one of the following options]
<points>7 out of 7</points>
<points>6 out of 7</points>
<points>1 out of 7</points>
<points>0 out of 7</points>`;

/** What the judge is given about one problem, besides the prompt's fixed text. */
export interface GradingCase {
  /** The problem statement (the CSV's `Problem`). */
  problem: string;
  /** The reference solution (`Solution`). */
  solution: string;
  /** The problem's own grading guidelines (`Grading guidelines`). */
  guidelines: string;
  /** The proof to grade, as judgedProof gives it. */
  proof: string;
}

const PLACEHOLDERS = /\{(problem_statement|solution|guidelines|student_answer)\}/g;

/**
 * The prompt as eval/src/imobench/evaluation.py (grade_proofbench) fills it: Python's
 * `prompt.format(problem_statement=problem, student_answer=proof, solution=reference, guidelines=guidelines)`.
 * One pass over the template, as format makes it: braces inside the values (LaTeX is full of them, and a
 * proof may even contain `{solution}`) are never read as placeholders.
 */
export function graderPrompt(grading: GradingCase): string {
  const values: Record<string, string> = {
    problem_statement: grading.problem,
    solution: grading.solution,
    guidelines: grading.guidelines,
    student_answer: grading.proof,
  };
  return PROOF_BENCH_GRADER_PROMPT.replace(PLACEHOLDERS, (_, name: string) => values[name]!);
}

const THINK_END = '</think>';

/**
 * The proof the judge reads, from a reply as the model wrote it: the thinking removed (everything up to and
 * including the last `</think>`, as the benchmark's `</think>` delimiter splits a reply), then the
 * "## Solution" section without its "## Self Evaluation" when the reply has those sections (the deep
 * scaffold's answers), trimmed.
 */
export function judgedProof(reply: string): string {
  const thinkEnd = reply.lastIndexOf(THINK_END);
  return solutionOf(thinkEnd < 0 ? reply : reply.slice(thinkEnd + THINK_END.length));
}

/** The points the rubric allows (its four options). */
export const RUBRIC_POINTS = [7, 6, 1, 0] as const;
export type Points = (typeof RUBRIC_POINTS)[number];

/** The judge's reply read: its points, or why it gives none (then the row is ungraded, never a 0). */
export type Verdict = { points: Points } | { ungraded: string };

/**
 * The points of the FIRST `<points>N out of 7</points>` block of the judge's reply, as the prompt tells the
 * judge it will be read; N must be one of the rubric's 7, 6, 1, 0. An empty reply, no block, or another N
 * is ungraded, with the reason. (QED-Nano's own evaluation code reads the last block's first digit instead;
 * the two differ only for a judge that writes several blocks, which the prompt forbids.)
 */
export function verdictOf(reply: string): Verdict {
  if (reply.trim() === '') return { ungraded: "the judge's reply is empty" };
  const open = reply.indexOf('<points>');
  const close = open < 0 ? -1 : reply.indexOf('</points>', open);
  if (close < 0) return { ungraded: "the judge's reply has no <points>N out of 7</points>" };
  const said = reply.slice(open + '<points>'.length, close).trim().replace(/\s+/g, ' ');
  const match = /^(\d{1,2}) out of 7$/.exec(said);
  const points = match ? Number(match[1]) : undefined;
  if (points === undefined || !(RUBRIC_POINTS as readonly number[]).includes(points)) {
    const quoted = said.length > 60 ? `${said.slice(0, 59)}…` : said;
    return { ungraded: `the judge's first <points> block says "${quoted}", not 7, 6, 1 or 0 out of 7` };
  }
  return { points: points as Points };
}
