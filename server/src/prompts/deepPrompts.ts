/**
 * The prompts of QED-Nano's agent scaffold (generate -> verify -> refine, after DeepSeek-Math-V2), with the
 * grading rubric the model was trained against: 1 = completely correct and rigorous; 0.5 = generally
 * correct with minor omissions; 0 = a fatal error or the problem not addressed.
 */
import type { ChatMessage } from '../engine/types';

export const RUBRIC =
  'Grading: 1 means completely correct and rigorous; 0.5 means generally correct with minor omissions; 0 means a fatal error or the problem not addressed.';

export function candidateRequest(problem: string): ChatMessage {
  return {
    role: 'user',
    content: `Generate a rigorous proof to the following question:\n\n${problem}\n\n${RUBRIC}\nWrite your answer in two sections: "## Solution", the complete proof, then "## Self Evaluation", an honest evaluation of it against the grading.`,
  };
}

export function verificationRequest(problem: string, proof: string): ChatMessage {
  return {
    role: 'user',
    content: `Here is a question and a proof written for it.\n\nQuestion:\n${problem}\n\nProof:\n${proof}\n\nCheck the proof step by step. Analyse every doubtful step, then give the overall score. ${RUBRIC}\nEnd with the score in \\boxed{}: \\boxed{1}, \\boxed{0.5} or \\boxed{0}.`,
  };
}

export function refinementRequest(problem: string, proof: string, reviews: readonly string[]): ChatMessage {
  return {
    role: 'user',
    content: `Here is a question, a proof written for it, and reviews of that proof.\n\nQuestion:\n${problem}\n\nProof:\n${proof}\n\n${reviews.map((review, i) => `Review ${i + 1}:\n${review}`).join('\n\n')}\n\nFix the issues the reviews raise. ${RUBRIC}\nWrite your answer in two sections: "## Solution", the complete improved proof, then "## Self Evaluation".`,
  };
}

/** The proof in a candidate's answer: the "Solution" section (the whole answer when there is none). */
export function solutionOf(answer: string): string {
  const match = /^#{1,6}\s*Solution\s*\n([\s\S]*?)(?=^#{1,6}\s*Self[- ]Evaluation\b|$(?![\s\S]))/im.exec(answer);
  return (match ? match[1]! : answer).trim();
}

/**
 * A verification's score: the last \boxed{0 | 0.5 | 1}; a missing or other value counts as 0. The box's
 * content is trimmed after matching: white space on both sides inside the expression backtracked
 * cubically on `\boxed{` + 2,000 spaces.
 */
export function scoreOf(verification: string): number {
  const boxes = [...verification.matchAll(/\\boxed\{([^{}]*)\}/g)];
  const value = boxes.at(-1)?.[1]?.trim();
  if (value === undefined || value === '') return 0;
  const number = Number(value);
  return number === 1 || number === 0.5 ? number : 0;
}
