/**
 * `qed/chat` and `qed/chatHistory`, the adapter of tasks/chat.ts.
 *
 * A conversation belongs to a problem, known by its file and its statement's key (documents/queries.ts:
 * its label, else its text and rank), so it survives edits that move the statement, and a labelled
 * statement's survives edits of its text (the history then says the problem changed). Each problem has a
 * current conversation (the latest used); they are kept per workspace by storage/conversations.ts, so they
 * outlive window reloads and server restarts.
 */
import { randomUUID } from 'node:crypto';
import { LSPErrorCodes, ResponseError, type CancellationToken, type ResultProgressReporter } from 'vscode-languageserver';
import type { ServerContext } from '../context';
import type { OpenDocument } from '../documentStore';
import type { Position, Statement } from '../documents/proofDocument';
import { katexMacros, statementAt, statementIdentities } from '../documents/queries';
import { statementProblem } from '../prompts/proofPrompt';
import { macrosInForce } from './projectContext';
import type { ChatHistory, ChatHistoryParams, ChatParams, ChatResult, GenerationProgress } from '../protocol';
import type { Conversation } from '../storage/conversations';
import { sha256 as hash } from '../storage/workspaceFiles';
import { chatTurn } from '../tasks/chat';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import { ProgressBatcher, toCost } from './streaming';

/** `qed/chatHistory`. */
export function chatHistory(context: ServerContext, params: ChatHistoryParams): ChatHistory {
  const current = context.current(params.textDocument.uri);
  // Only the macros: the chat view asks on every rest of the cursor, and the problem's prompt is made later.
  const macros = katexMacros({ macros: macrosInForce(context.documents.index, params.textDocument.uri) });
  const found = current && problemAt(current, params.position);
  if (!found) return { problem: null, macros, turns: [], summarised: false, problemChanged: false };
  const conversation = currentConversation(context, found);
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
export async function chat(context: ServerContext, params: ChatParams, token: CancellationToken, stream: ResultProgressReporter<GenerationProgress> | undefined): Promise<ChatResult> {
  const cancelled = cancellationSignal(token);
  try {
    throwIfCancelled(cancelled, 'The chat reply was cancelled.');
    if (!params.message.trim()) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Write a message first.');
    const current = context.current(params.textDocument.uri);
    const found = current && problemAt(current, params.position);
    if (!current || !found) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Put the cursor in a problem, theorem or lemma (or its proof) to chat about it.');
    const conversation = params.conversation ? context.conversations.find(params.conversation) : begin(context, current, found);
    if (!conversation) throw new ResponseError(LSPErrorCodes.RequestFailed, 'That conversation is no longer kept; start a new one.');
    const batcher = new ProgressBatcher(stream);
    const settings = context.settings();
    const { result, summarised } = await chatTurn(
      { context: conversation.context, turns: conversation.turns, summary: conversation.summary, tokensSoFar: conversation.tokens, message: params.message },
      context.generate,
      { ...settings.generation, contextSize: settings.contextSize },
      batcher.pushChunk,
      cancelled,
    );
    batcher.flush();
    throwIfCancelled(cancelled, 'The chat reply was cancelled.');
    if (summarised) {
      conversation.summary = summarised.summary;
      conversation.turns = summarised.turns;
    }
    conversation.turns.push(
      { role: 'user', text: params.message },
      { role: 'assistant', text: result.answer, raw: result.raw, ...(result.thinking ? { thinking: result.thinking } : {}), thinkingTokens: result.stats.thinkingTokens },
    );
    conversation.tokens = result.stats.promptTokens + result.stats.thinkingTokens + result.stats.answerTokens;
    conversation.used = Date.now();
    context.conversations.save(conversation); // a storage problem is reported there: the reply still counts
    return { conversation: conversation.id, reply: result.answer, thinking: result.thinking, stopReason: result.stopReason, stats: toCost(result.stats) };
  } catch (error) {
    throw toResponseError(error);
  }
}

/** A new conversation about `found`, now the problem's current one. */
function begin(context: ServerContext, { document, analysis }: OpenDocument, found: ProblemAt): Conversation {
  const statement = found.statement;
  const uri = document.uri;
  const proof = statement.proof ? document.getText(statement.proof.bodyRange) : '';
  const proofNow = context.proofs(uri).find((p) => p.statement === statement);
  const critique = proofNow && context.findings.critiqueOf(uri, proofNow);
  const findings = critique?.findings.map((f) => `Step ${f.step} (${f.kind}): ${f.explanation}`) ?? [];
  const problem = statementProblem(analysis, statement, (range) => document.getText(range), context.projectContext(uri));
  // Kept once its first turn is answered (a cancelled or failed first turn leaves nothing behind).
  return { id: randomUUID(), problemKey: found.key, statementHash: found.statementHash, context: { problem, proof, findings }, turns: [], used: Date.now() };
}

/** The problem's current conversation. One kept by an earlier version under its key (the statement's label,
 * else its title and rank among equal titles) is taken over when it is about this same problem. */
function currentConversation(context: ServerContext, found: ProblemAt): Conversation | undefined {
  const conversation = context.conversations.latest(found.key);
  if (conversation) return conversation;
  const earlier = context.conversations.latest(found.legacyKey);
  if (!earlier || (found.statement.label === undefined && earlier.statementHash !== found.statementHash)) return undefined;
  earlier.problemKey = found.key;
  context.conversations.save(earlier);
  return earlier;
}

interface ProblemAt {
  statement: Statement;
  /** The conversation key: the document and the statement's key. */
  key: string;
  legacyKey: string;
  statementText: string;
  statementHash: string;
}

function problemAt({ document, analysis }: OpenDocument, position: Position): ProblemAt | undefined {
  const statement = statementAt(analysis, position);
  if (!statement) return undefined;
  const text = (range: Parameters<typeof document.getText>[0]): string => document.getText(range);
  const sameTitle = analysis.statements.filter((s) => s.title === statement.title);
  const { key, text: statementText } = statementIdentities(analysis, text).get(statement)!;
  return {
    statement,
    key: `${document.uri}\n${key}`,
    legacyKey: `${document.uri}\n${statement.label ?? `${statement.title}#${sameTitle.indexOf(statement)}`}`,
    statementText,
    statementHash: hash(statementText),
  };
}
