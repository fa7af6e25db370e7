/**
 * The refinement prompts, for a step or a proof that a critique flagged.
 *  - A step: the proof with its steps numbered and the objection to step k; the answer is the new text of
 *    step k alone, in the document's own format, so it can replace exactly that step.
 *  - The whole proof: the deep scaffold's refinement prompt (deepPrompts.ts) with the critique's review as
 *    the review it answers.
 */
import type { ChatMessage } from '../engine/types';

export function stepRefinementRequest(problem: string, steps: readonly string[], step: number, objection: string, format: 'latex' | 'markdown'): ChatMessage {
  const numbered = steps.map((text, i) => `[${i + 1}] ${text}`).join('\n\n');
  const notation = format === 'latex' ? 'LaTeX, as the proof is written (math in $...$ or \\[...\\])' : 'Markdown with $...$ math, as the proof is written';
  return {
    role: 'user',
    content:
      `Here is a question and a proof of it, step by step, with an objection to step ${step}.\n\n` +
      `Question:\n${problem}\n\nProof, step by step:\n${numbered}\n\nObjection to step ${step}:\n${objection}\n\n` +
      `Rewrite step ${step} so that it is rigorous and answers the objection, keeping what the other steps rely on. ` +
      `Answer with the new text of step ${step} only, in ${notation}: no step number, no other step, no comment.`,
  };
}
