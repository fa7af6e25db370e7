/**
 * The critique prompts. The review is the deep scaffold's verifier prompt, verbatim (trained.ts: the rubric
 * 1 / 0.5 / 0, the score in \boxed{}), with the proof's steps, numbered `[1]`, `[2]`... so that findings can
 * name them, as its solution: the numbering is the product's, and it lives in the `{proof}` placeholder,
 * not in the wording. The proof is the template's last field and its steps come in order, so after an edit
 * in step k the model's cache still holds the prompt up to step k.
 * The findings are then read out as JSON under a schema, in a turn of the product's own after the review
 * (full depth) or after the verifier prompt (quick depth): the trained text is never edited to ask for it.
 */
import type { ChatMessage } from '../engine/types';
import { verificationRequest } from './deepPrompts';

export type FindingKind = 'error' | 'gap' | 'unclear';

export const FINDING_KINDS: readonly FindingKind[] = ['error', 'gap', 'unclear'];

/** Longest explanation kept (characters): one paragraph. */
export const MAX_EXPLANATION_LENGTH = 600;

/** The review: the verifier prompt with the numbered steps as the solution; its answer ends in \boxed{score}. */
export function reviewRequest(problem: string, steps: readonly string[]): ChatMessage {
  return verificationRequest(problem, numbered(steps));
}

/** The read-out turn after a review: the findings and the score as JSON (see findingsSchema). */
export function findingsRequest(stepCount: number): ChatMessage {
  return {
    role: 'user',
    content: `${READ_OUT} The steps are numbered 1 to ${stepCount}.`,
  };
}

/** A quick critique without a free review: the verifier prompt, then (after a blank line, outside its text)
 * the read-out's question, answered as JSON directly. */
export function quickCritiqueRequest(problem: string, steps: readonly string[]): ChatMessage {
  const review = reviewRequest(problem, steps).content;
  return { role: 'user', content: `${review}\n\n${READ_OUT}` };
}

const READ_OUT =
  'Now list the steps that do not follow as JSON: for each, its number, its kind ("error": it is wrong; "gap": a needed argument is missing; "unclear": it cannot be checked as written) and one paragraph explaining what is wrong; and the overall score as "0", "0.5" or "1". List no step that is fine.';

/** The schema of the read-out (enums and strings rather than numbers where it can: a JSON number lets a
 * model write 5E5555). Step numbers are integers; one that names no step is dropped when read. */
export function findingsSchema(): object {
  return {
    type: 'object',
    properties: {
      score: { enum: ['0', '0.5', '1'] },
      findings: {
        type: 'array',
        maxItems: 40,
        items: {
          type: 'object',
          properties: {
            step: { type: 'integer' },
            kind: { enum: FINDING_KINDS },
            explanation: { type: 'string', maxLength: MAX_EXPLANATION_LENGTH },
          },
        },
      },
    },
  };
}

function numbered(steps: readonly string[]): string {
  return steps.map((step, i) => `[${i + 1}] ${step}`).join('\n\n');
}
