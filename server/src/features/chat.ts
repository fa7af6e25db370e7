/**
 * `qed/chat` and `qed/chatHistory`, the LSP adapter of workspace/chatProblems.ts (which problem and
 * conversation a request is about, and the model's reply in it through tasks/chat.ts); the conversations are kept by storage/conversations.ts.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type ResultProgressReporter } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { katexMacros } from '../documents/queries';
import type { ChatHistory, ChatHistoryParams, ChatParams, ChatResult, GenerationProgress } from '../protocol';
import { chatProblemAt, currentConversation, newConversation, recordTurn, replyIn } from '../workspace/chatProblems';
import { macrosInForce } from '../workspace/projectContext';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import { toCost } from '../workspace/generationCost';
import { ProgressBatcher } from './streaming';

/** `qed/chatHistory`. */
export function chatHistory(context: ServerSnapshot, params: ChatHistoryParams): ChatHistory {
  const current = context.snapshot(params.textDocument.uri);
  // Only the macros: the chat view asks on every rest of the cursor, and the problem's prompt is made later.
  const macros = katexMacros({ macros: macrosInForce(context.index, params.textDocument.uri) });
  const found = current && chatProblemAt(current, params.position);
  if (!found) return { problem: null, macros, turns: [], summarised: false, problemChanged: false };
  const conversation = currentConversation(context.conversations, found);
  return {
    problem: { title: found.statement.title, line: found.statement.range.start.line, statement: found.statementText },
    macros,
    ...(conversation ? { conversation: conversation.id } : {}),
    turns: (conversation?.turns ?? []).map((t) => ({
      role: t.role,
      text: t.text,
      ...(t.thinking ? { thinking: t.thinking } : {}),
      ...(t.thinkingTokens !== undefined ? { thinkingTokens: t.thinkingTokens } : {}),
    })),
    summarised: conversation?.summary !== undefined,
    problemChanged: conversation !== undefined && conversation.statementHash !== found.statementHash,
  };
}

/** `qed/chat`: one turn, streamed. */
export async function chat(context: ServerSnapshot, params: ChatParams, token: CancellationToken, stream: ResultProgressReporter<GenerationProgress> | undefined): Promise<ChatResult> {
  const cancelled = cancellationSignal(token);
  try {
    throwIfCancelled(cancelled, 'The chat reply was cancelled.');
    if (!params.message.trim()) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Write a message first.');
    const current = context.snapshot(params.textDocument.uri);
    const found = current && chatProblemAt(current, params.position);
    if (!current || !found) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Put the cursor in a problem, theorem or lemma (or its proof) to chat about it.');
    const conversation = params.conversation ? context.conversations.find(params.conversation) : newConversation(current, found, context.critique.findings);
    if (!conversation) throw new ResponseError(LSPErrorCodes.RequestFailed, 'That conversation is no longer kept; start a new one.');
    const batcher = new ProgressBatcher(stream);
    const outcome = await replyIn(conversation, params.message, context.generate, context.settings(), batcher.pushChunk, cancelled);
    batcher.flush();
    throwIfCancelled(cancelled, 'The chat reply was cancelled.');
    recordTurn(conversation, params.message, outcome);
    context.conversations.save(conversation); // a storage problem is reported there: the reply still counts
    const { result } = outcome;
    return { conversation: conversation.id, reply: result.answer, thinking: result.thinking, stopReason: result.stopReason, stats: toCost(result.stats) };
  } catch (error) {
    throw toResponseError(error);
  }
}
