/**
 * The single-pass proof task: one proof of a problem with QED-Nano's trained instruction (prompts/trained.ts).
 * The model's text streams to `onChunk`. (Continuing an attempt whose thinking ran out is the reasoning
 * cache's step: tasks/reasoningCache.ts.)
 */
import type { GenerationResult } from '../engine/types';
import { proofRequest } from '../prompts/proofPrompt';
import type { ChunkSink, Generate, ReplyBudgets } from './generate';

export function writeProof(problem: string, generate: Generate, budgets: ReplyBudgets, onChunk: ChunkSink, signal: AbortSignal): Promise<GenerationResult> {
  return generate({ messages: [proofRequest(problem)], maxTokens: budgets.maxTokens, thinkingBudget: budgets.thinkingBudget, priority: 'interactive' }, onChunk, signal);
}
