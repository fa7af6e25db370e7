/**
 * The refine tasks, for a step or a whole proof that a critique flagged (thinking open; interactive: the
 * user waits for it). A reply that never left its thinking gives no refinement: an unfinished thought is
 * never written into the document.
 */
import { refinementRequest, solutionOf } from '../prompts/deepPrompts';
import { stepRefinementRequest } from '../prompts/refinePrompts';
import { TaskError } from './errors';
import { cutShort, type ChunkSink, type Generate, type ReplyBudgets } from './generate';

/** The model gave no usable text (its thinking ran out, or it wrote nothing); the message says so. */
export class NoRefinementError extends TaskError {
  constructor(reason: string) {
    super(`QED-Nano wrote no refinement (${reason}); nothing was changed. Try again, or raise qedNano.generation.thinkingBudget.`);
  }
}

export interface StepRefinement {
  problem: string;
  steps: readonly string[];
  /** 1-based. */
  step: number;
  objection: string;
  format: 'latex' | 'markdown';
}

/** The new text of the step (thinking and answer stream to `onChunk`); undefined when cancelled. */
export async function refineStep(task: StepRefinement, generate: Generate, budgets: ReplyBudgets, onChunk: ChunkSink, signal: AbortSignal): Promise<string | undefined> {
  const result = await generate(
    // The new step mostly repeats the old one: the engine predicts from it (prompt-lookup decoding).
    { messages: [stepRefinementRequest(task.problem, task.steps, task.step, task.objection, task.format)], ...budgets, priority: 'interactive', repeats: task.steps[task.step - 1] },
    onChunk,
    signal,
  );
  if (cutShort(result)) return undefined;
  if (!result.thoughtClosed) throw new NoRefinementError('its thinking ran out of budget');
  const text = result.answer.replace(/^\[\d+\]\s*/, '').trim();
  if (!text) throw new NoRefinementError('the answer was empty');
  return text;
}

/** The refined proof (Markdown with LaTeX math, the scaffold's "Solution" section); undefined when cancelled. */
export async function refineProof(problem: string, proof: string, review: string, generate: Generate, budgets: ReplyBudgets, onChunk: ChunkSink, signal: AbortSignal): Promise<string | undefined> {
  const result = await generate({ messages: [refinementRequest(problem, proof, [review])], ...budgets, priority: 'interactive', repeats: proof }, onChunk, signal);
  if (cutShort(result)) return undefined;
  if (!result.thoughtClosed) throw new NoRefinementError('its thinking ran out of budget');
  const text = solutionOf(result.answer);
  if (!text) throw new NoRefinementError('the answer was empty');
  return text;
}
