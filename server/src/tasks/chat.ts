/**
 * The chat task: one turn of a conversation about a problem (thinking open, interactive). The prompt is the
 * opening message (the problem, the proof so far, the critique's findings) and every earlier turn as it was
 * generated (ChatMessage.raw), so a turn's prompt extends the previous turn's and only the new message is
 * evaluated. When the conversation would take more than its share of the context, its older turns (whole
 * turns, never part of one) are summarised first and the conversation continues from the summary.
 */
import type { ChatMessage } from '../engine/types';
import { GenerationRefusedError, notStarted, type GenerationChunk, type GenerationResult } from '../engine/types';
import { chatOpening, conversationSummaryRequest, type ChatContext } from '../prompts/chatPrompts';
import { CHARACTERS_PER_TOKEN, cutShort, IGNORE_CHUNKS, type Generate, type ReplyBudgets } from './generate';

export interface ChatTurnRecord {
  role: 'user' | 'assistant';
  text: string;
  /** Assistant turns: the reply as generated, thinking included. */
  raw?: string;
}

export interface ChatTask {
  context: Omit<ChatContext, 'summary'>;
  /** The conversation so far (turns since the last summary), oldest first. */
  turns: readonly ChatTurnRecord[];
  summary: string | undefined;
  /** Tokens the conversation took at its last turn (prompt and reply), when known. */
  tokensSoFar: number | undefined;
  message: string;
}

/** The share of the context a conversation's history may fill before its older turns are summarised. */
const HISTORY_SHARE = 0.5;

export interface ChatOutcome {
  result: GenerationResult;
  /** When older turns were summarised: the new summary and the turns kept after it. */
  summarised?: { summary: string; turns: ChatTurnRecord[] };
}

export async function chatTurn(
  task: ChatTask,
  generate: Generate,
  budgets: ReplyBudgets & { contextSize: number },
  onChunk: (chunk: GenerationChunk) => void,
  signal: AbortSignal,
): Promise<ChatOutcome> {
  let { turns, summary } = task;
  let summarised: ChatOutcome['summarised'];
  /** Summarises every turn before the last exchange (or all of them); false when cancelled. */
  const summarise = async (keepLastExchange: boolean): Promise<boolean> => {
    const keep = keepLastExchange ? 2 : 0;
    const older = turns.slice(0, turns.length - keep);
    const written = await generate(
      { messages: [conversationSummaryRequest(task.context.problem, summary ? [{ role: 'assistant', text: summary }, ...older] : older)], ...budgets, priority: 'interactive' },
      IGNORE_CHUNKS,
      signal,
    );
    if (cutShort(written)) return false;
    summary = (written.answer || written.thinking).trim();
    turns = turns.slice(turns.length - keep);
    summarised = { summary, turns: [...turns] };
    return true;
  };
  const budget = budgets.contextSize * HISTORY_SHARE;
  const estimate = size(task, turns, summary) / CHARACTERS_PER_TOKEN;
  if (turns.length >= 2 && Math.max(estimate, task.tokensSoFar ?? 0) > budget && !(await summarise(turns.length >= 4))) return { result: notStarted('cancelled') };
  const ask = (): Promise<GenerationResult> => generate({ messages: messages(task, turns, summary), ...budgets, priority: 'interactive' }, onChunk, signal);
  try {
    return { result: await ask(), ...(summarised ? { summarised } : {}) };
  } catch (error) {
    // The estimate was short for this tokenizer: summarise everything said so far, then ask again.
    if (!(error instanceof GenerationRefusedError) || turns.length === 0) throw error;
    if (!(await summarise(false))) return { result: notStarted('cancelled') };
    return { result: await ask(), ...(summarised ? { summarised } : {}) };
  }
}

function messages(task: ChatTask, turns: readonly ChatTurnRecord[], summary: string | undefined): ChatMessage[] {
  const context = { ...task.context, ...(summary ? { summary } : {}) };
  const [first, ...rest] = turns;
  if (!first) return [chatOpening(context, task.message)];
  // The first question goes into the opening; every later turn follows as it was; the new message last.
  return [
    chatOpening(context, first.text),
    ...rest.map((turn): ChatMessage => (turn.role === 'assistant' ? { role: 'assistant', content: turn.text, ...(turn.raw !== undefined ? { raw: turn.raw } : {}) } : { role: 'user', content: turn.text })),
    { role: 'user', content: task.message },
  ];
}

function size(task: ChatTask, turns: readonly ChatTurnRecord[], summary: string | undefined): number {
  return task.context.problem.length + task.context.proof.length + (summary?.length ?? 0) + turns.reduce((sum, t) => sum + (t.raw ?? t.text).length, 0) + task.message.length;
}
