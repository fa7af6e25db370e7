/**
 * Deep mode's prompts and readings: QED-Nano's generate -> verify -> refine scaffold exactly as its evaluation
 * runs it (eval/src/imobench/agents/deepseek_math.py in github.com/CMU-AIRe/QED-Nano, Apache-2.0: see
 * NOTICE). The texts are the trained ones (trained.ts), filled as that code fills them; the problem text the
 * product builds (macros, earlier results, the statement) is the `{question}`.
 */
import type { ChatMessage } from '../engine/types';
import { fill, GENERATION_TEMPLATE, REFINEMENT_TEMPLATE, VERIFIER_TEMPLATE } from './trained';

/** A candidate: the generator's prompt (a solution, then its self-evaluation). */
export function generationRequest(problem: string): ChatMessage {
  return { role: 'user', content: fill(GENERATION_TEMPLATE, { question: problem }) };
}

/** A verification of `proof` (as extracted by `solutionOf`): an evaluation ending in `\boxed{0 | 0.5 | 1}`. */
export function verificationRequest(problem: string, proof: string): ChatMessage {
  return { role: 'user', content: fill(VERIFIER_TEMPLATE, { question: problem, proof }) };
}

/**
 * A refinement of `proof` from verifiers' analyses (deep mode passes its two lowest-scoring ones; the
 * critique's "Refine the whole proof" its one review): the generator's prompt, filled, then the candidate and
 * the analyses, each under `### Verification n ###` as `run_refiner` joins them.
 */
export function refinementRequest(problem: string, proof: string, analyses: readonly string[]): ChatMessage {
  const analysis = analyses.map((text, i) => `\n\n### Verification ${i + 1} ###\n${text}`).join('');
  return {
    role: 'user',
    content: fill(REFINEMENT_TEMPLATE, { proof_generation_prompt: fill(GENERATION_TEMPLATE, { question: problem }), proof, proof_analysis: analysis }),
  };
}

const SOLUTION_START = /##\s*solution/i;
const SELF_EVALUATION_STRICT = /#{2,}\s*self[\s-]*evaluation/i;
const SELF_EVALUATION_SOFT = /self[\s-]*evaluation/i;

/**
 * The proof in a generator's or refiner's answer, as `extract_proof` reads it: after the first `## Solution`
 * (any number of #, any case) and before `## Self Evaluation` (else before the first "self evaluation"
 * anywhere); without a Solution heading, everything before the self-evaluation; without either, the whole
 * answer. The self-evaluation is never shown, inserted, verified or graded. Three differences, none about
 * the proof's own text: a hyphen is allowed in "Self-Evaluation" and the whole `###` of its heading goes
 * (models write both; the source's patterns leave the heading's text or a stray `#` in the proof), and an
 * empty result is '' (the source verifies a placeholder text instead; the product scores such a candidate 0
 * without spending verifications on it).
 */
export function solutionOf(answer: string): string {
  const start = SOLUTION_START.exec(answer);
  const end = SELF_EVALUATION_STRICT.exec(answer) ?? SELF_EVALUATION_SOFT.exec(answer);
  const from = start ? start.index + start[0].length : 0;
  const to = end && end.index > from ? end.index : start ? answer.length : (end?.index ?? answer.length);
  return answer.slice(from, to).trim();
}

/**
 * A verification's score as `extract_score` reads it: the first `boxed{0}`, `boxed{0.5}` or `boxed{1}` (white
 * space allowed inside the braces); none is 0. Linear: the braces hold at most one number between runs of
 * white space, so `\boxed{` with thousands of spaces costs one scan of them.
 */
export function scoreOf(verification: string): number {
  const match = /boxed\{\s*(0\.5|0|1)\s*\}/.exec(verification);
  return match ? Number(match[1]) : 0;
}
