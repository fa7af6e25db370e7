/**
 * The one way model work reaches a model: the `Engine` interface's generate. The server makes it once
 * (model/liveGenerate.ts) from the model manager and the live settings, so a task never knows which engine
 * runs, where the model came from, or how sampling is configured; it says what to ask, with which budgets
 * and priority.
 */
import type { Engine, GenerationChunk, GenerationResult } from '../engine/types';

export type Generate = Engine['generate'];

/** A generation's streamed chunks, or nothing for a task that only wants the result. */
export type ChunkSink = (chunk: GenerationChunk) => void;

export const IGNORE_CHUNKS: ChunkSink = () => {};

/** Budgets every generation of a task gets from the settings (`qedNano.generation`). */
export interface ReplyBudgets {
  maxTokens: number;
  thinkingBudget: number;
}

/**
 * Wraps `generate` so that the caller learns when the model was taken away under it (its settings changed:
 * stop reason `preempted`): multi-step tasks stop there instead of going on with a reloaded model.
 */
export function watchingPreemption(generate: Generate): { generate: Generate; preempted: () => boolean } {
  let preempted = false;
  return {
    generate: async (request, onChunk, signal) => {
      const result = await generate(request, onChunk, signal);
      if (result.stopReason === 'preempted') preempted = true;
      return result;
    },
    preempted: () => preempted,
  };
}

/** About 3.5 characters per token (QED-Nano's tokenizer on proofs): what a text will cost before it is counted. */
export const CHARACTERS_PER_TOKEN = 3.5;

/** Whether a generation ended because it was stopped (cancelled) or gave way (pre-empted), not by itself:
 * a task does not go on from such a result. */
export function cutShort(result: GenerationResult): boolean {
  return result.stopReason === 'cancelled' || result.stopReason === 'preempted';
}

export type { GenerationResult };
