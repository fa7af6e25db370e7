/**
 * Ghost text inside a proof, with no LSP in it: the next step the model writes from a position in a proof,
 * after the proof so far (tasks/complete.ts). features/completion.ts decides when to ask (the completion
 * mode, a loaded model, a newer request ending an older one).
 */
import type { Position, Statement } from '../documents/proofDocument';
import type { Generate } from '../tasks/generate';
import { completeStep } from '../tasks/complete';
import type { DocumentSnapshot } from './snapshot';

/** The next step of `statement`'s proof in `now` from `position` (inside that proof), or undefined when the
 * model wrote none (or was stopped). */
export function nextStep(now: DocumentSnapshot, statement: Statement, position: Position, generate: Generate, signal: AbortSignal): Promise<string | undefined> {
  const problem = now.problem(statement);
  const proofSoFar = now.text({ start: statement.proof!.bodyRange.start, end: position });
  return completeStep({ problem, proofSoFar }, generate, signal);
}
