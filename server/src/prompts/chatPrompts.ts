/**
 * The chat prompts. A conversation is about one problem: its first message carries the problem (with the
 * document's macros and earlier results), the user's proof so far and the critique's findings on it, and
 * keeps QED-Nano on that problem: it is a proof specialist, and says so rather than answering anything
 * else. Later messages are only the user's words, so each turn's prompt is the previous one plus what was
 * said since (the model's cache keeps the conversation).
 * When a conversation grows past its budget, its older turns are summarised (first person, what was asked
 * and found, no new reasoning, as the reasoning-cache summary is) and the conversation goes on from that.
 */
import type { ChatMessage } from '../engine/types';

export interface ChatContext {
  problem: string;
  /** The user's proof so far (empty when none is written). */
  proof: string;
  /** The critique's findings on that proof, one line each. */
  findings: string[];
  /** A summary of earlier turns that no longer fit, if any. */
  summary?: string;
}

export function chatOpening(context: ChatContext, question: string): ChatMessage {
  const parts = [
    'You are helping a student with one olympiad problem. Answer their question about this problem and its proof rigorously and briefly. ' +
      'When asked for a hint, give a hint, not a full solution. If the question is not about this problem or its proof, say only that you discuss this problem alone.',
    `Problem:\n${context.problem}`,
    context.proof.trim() ? `The student's proof so far:\n${context.proof.trim()}` : "The student has not written a proof yet.",
  ];
  if (context.findings.length > 0) parts.push(`A critique of that proof found:\n${context.findings.map((f) => `- ${f}`).join('\n')}`);
  if (context.summary) parts.push(`Summary of our conversation so far:\n${context.summary}`);
  parts.push(`Question:\n${question}`);
  return { role: 'user', content: parts.join('\n\n') };
}

/** Summarises turns that no longer fit (first person, at most two paragraphs, no new reasoning). */
export function conversationSummaryRequest(problem: string, turns: readonly { role: 'user' | 'assistant'; text: string }[]): ChatMessage {
  const transcript = turns.map((t) => `${t.role === 'user' ? 'Student' : 'Me'}: ${t.text}`).join('\n\n');
  return {
    role: 'user',
    content:
      `Below is a problem and a conversation I had with a student about it.\n\nProblem:\n${problem}\n\nConversation:\n${transcript}\n\n` +
      'Summarise this conversation in at most two paragraphs, in the first person: what the student asked and what we found. Do not add any new reasoning.',
  };
}
