/**
 * The completion task: the next step of the proof being written, continued from the cursor (thinking
 * closed, the proof so far as the start of the model's reply) and cut at the end of the current step: the
 * end of the sentence or paragraph, before the next list item, after a display block. A suggestion never
 * closes an environment or writes the end mark (the document has its own). Generation stops as soon as the
 * step ends, so a suggestion costs the tokens it shows.
 */
import { completionRequest } from '../prompts/completionPrompt';
import type { Generate } from './generate';
import { eitherSignal } from '../engine/eitherSignal';

export interface CompletionTask {
  /** The statement, as the proof task gets it. */
  problem: string;
  /** The proof's text from its start to the cursor, as written. */
  proofSoFar: string;
}

/** Most tokens a suggestion may take: a step, not a proof. */
export const MAX_SUGGESTION_TOKENS = 120;

/** The suggested text (possibly empty); undefined when cancelled (a newer request, the user typed). */
export async function completeStep(task: CompletionTask, generate: Generate, signal: AbortSignal): Promise<string | undefined> {
  const stepDone = new AbortController();
  const stop = eitherSignal(signal, stepDone.signal);
  let written = '';
  const result = await generate(
    { ...completionRequest(task.problem), answerPrefix: task.proofSoFar, maxTokens: MAX_SUGGESTION_TOKENS, priority: 'interactive' },
    (chunk) => {
      if (chunk.kind !== 'answer') return;
      written += chunk.text;
      if (stepEnd(written) !== undefined) stepDone.abort();
    },
    stop.signal,
  ).finally(stop.done);
  if (signal.aborted || result.stopReason === 'preempted') return undefined;
  const text = stepDone.signal.aborted ? written : result.answer;
  // At the end of the reply, a final full stop ends the step too.
  const end = Math.min(text.length, stepEnd(`${text}\n`) ?? wholeWords(text));
  return text.slice(0, end).trimEnd();
}

/** Ends of a proof that a suggestion must never write (the document closes its proof itself), at the start
 * of the text tested. */
const CLOSER = /^(?:\\end\s*\{|∎|□|■|\\qed\b|\$\\blacksquare\$|Q\.?E\.?D\b)/;

/**
 * Where the step that `continuation` continues (or, after leading white space, starts) ends: after the
 * sentence's full stop, before a blank line, a list item, or a closer; after a display block. Undefined
 * while it has not ended yet. Linear in the text.
 */
export function stepEnd(continuation: string): number | undefined {
  let i = 0;
  while (i < continuation.length && /\s/.test(continuation[i]!)) i++;
  const start = i;
  let math: '$' | '$$' | '\\(' | '\\[' | undefined;
  for (; i < continuation.length; i++) {
    const rest = continuation.slice(i, i + 16);
    if (i > start && (rest.startsWith('\n\n') || rest.startsWith('\r\n\r\n'))) return i;
    if (i > start && /^\n\s*(\\item\b|[-*+] |\d+[.)] )/.test(rest)) return i;
    if (!math && CLOSER.test(rest) && !/\w/.test(continuation[i - 1] ?? '')) return i;
    const c = continuation[i]!;
    if (c === '\\' && (rest[1] === '(' || rest[1] === '[') && !math) {
      math = rest[1] === '(' ? '\\(' : '\\[';
      i++;
    } else if (c === '\\' && ((rest[1] === ')' && math === '\\(') || (rest[1] === ']' && math === '\\['))) {
      const display = math === '\\[';
      math = undefined;
      i++;
      if (display) return i + 1;
    } else if (c === '\\') {
      i++;
    } else if (c === '$') {
      const delimiter = rest[1] === '$' ? '$$' : '$';
      if (delimiter === '$$') i++;
      if (!math) math = delimiter;
      else if (math === delimiter) {
        math = undefined;
        if (delimiter === '$$') return i + 1;
      }
    } else if (!math && (c === '.' || c === '!' || c === '?') && i > start && /^\s/.test(continuation[i + 1] ?? '') && !/\b(e\.g|i\.e|cf|resp|etc)$/i.test(continuation.slice(Math.max(start, i - 5), i))) {
      return i + 1;
    }
  }
  return undefined;
}

/** Up to the last whole word: a suggestion cut at the token limit does not end in half a word. */
function wholeWords(text: string): number {
  const cut = text.search(/\s\S*$/);
  return cut > 0 ? cut : text.length;
}
