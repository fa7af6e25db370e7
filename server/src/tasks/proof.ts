/**
 * The proof task: one proof of a problem with QED-Nano's trained instruction, or, when an earlier attempt
 * ran out of budget while thinking, the reasoning-cache cycle it was trained with: that thinking summarised
 * (first person, no new reasoning), then the problem solved again from the summary in a fresh context.
 * The model's text streams to `onChunk`; what is not model text (phases, the quoted summary) to `report`.
 */
import type { GenerationResult } from '../engine/types';
import { continuedProofRequest, proofRequest, summaryRequest } from '../prompts/proofPrompt';
import type { GenerationProgress } from '../protocol';
import { IGNORE_CHUNKS, type ChunkSink, type Generate, type ReplyBudgets } from './generate';

export interface ProofTask {
  problem: string;
  /** The thinking of an attempt that ran out of budget: continue from its summary. */
  continueFrom?: { thinking: string };
}

export async function writeProof(
  task: ProofTask,
  generate: Generate,
  budgets: ReplyBudgets & { contextSize: number },
  report: (progress: GenerationProgress) => void,
  onChunk: ChunkSink,
  signal: AbortSignal,
): Promise<GenerationResult> {
  const ask = { maxTokens: budgets.maxTokens, thinkingBudget: budgets.thinkingBudget, priority: 'interactive' as const };
  let messages = [proofRequest(task.problem)];
  if (task.continueFrom) {
    report({ kind: 'phase', text: 'Summarising the previous attempt' });
    const summary = await generate({ ...ask, messages: [summaryRequest(task.problem, tail(task.continueFrom.thinking, budgets.contextSize))] }, IGNORE_CHUNKS, signal);
    if (summary.stopReason === 'cancelled' || summary.stopReason === 'preempted') return { ...summary, thinking: '', answer: '', thoughtClosed: false };
    // A summary that never left its thinking is still the best account of the attempt.
    const text = summary.answer || summary.thinking;
    report({ kind: 'phase', text: 'Solving again from the summary' });
    report({ kind: 'thinking', text: `Summary of the previous attempt:\n${text}\n\n` });
    messages = [continuedProofRequest(task.problem, text)];
    // The new attempt reuses the summary's notation and steps: the engine predicts from it.
    return generate({ ...ask, messages, repeats: text }, onChunk, signal);
  }
  return generate({ ...ask, messages }, onChunk, signal);
}

/** About 3.5 characters per token: the end of a long thinking trace that fits a summary prompt. */
function tail(thinking: string, contextSize: number): string {
  const room = Math.floor(contextSize * 0.6 * 3.5);
  return thinking.length <= room ? thinking : `…${thinking.slice(thinking.length - room)}`;
}
