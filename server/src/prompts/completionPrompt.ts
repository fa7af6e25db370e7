/**
 * The completion prompt: QED-Nano's trained proof instruction for the statement, with the thinking closed
 * and the reply already begun with the proof as the user has written it so far, so that the model goes on
 * writing the user's proof, in its notation and format, from the cursor. Everything before the cursor
 * stays the same while the user pauses, accepts a suggestion or types on, so the model's cache keeps it.
 */
import type { ChatMessage } from '../engine/types';
import { proofRequest } from './proofPrompt';

export function completionRequest(problem: string): { messages: ChatMessage[] } {
  return { messages: [proofRequest(problem)] };
}
