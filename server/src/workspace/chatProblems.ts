/**
 * What chat knows about the problem at a position, with no LSP in it: a conversation belongs to a problem,
 * known by its file and its statement's key (documents/queries.ts: its label, else its text and rank), so it
 * survives edits that move the statement, and a labelled statement's survives edits of its text (the
 * history then says the problem changed). Each problem has a current conversation (the latest used), kept
 * per workspace by storage/conversations.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Position, Statement } from '../documents/proofDocument';
import type { Conversation, ConversationStore } from '../storage/conversations';
import { sha256 as hash } from '../storage/workspaceFiles';
import type { QedNanoSettings } from '../protocol';
import { chatTurn, type ChatOutcome } from '../tasks/chat';
import type { ChunkSink, Generate } from '../tasks/generate';
import type { CritiqueFindings } from './critiqueFindings';
import type { DocumentSnapshot } from './snapshot';

/** The problem a chat is about. */
export interface ChatProblem {
  statement: Statement;
  /** The conversation key: the document and the statement's key. */
  key: string;
  /** The key earlier versions kept conversations under (the label, else the title and its rank). */
  legacyKey: string;
  /** The statement's text as the model reads it, and its hash (whether the problem changed since). */
  statementText: string;
  statementHash: string;
}

/** The problem (statement) at `position` of `now`. */
export function chatProblemAt(now: DocumentSnapshot, position: Position): ChatProblem | undefined {
  const statement = now.statementAt(position);
  if (!statement) return undefined;
  const sameTitle = now.analysis.statements.filter((s) => s.title === statement.title);
  const { key, text: statementText } = now.identities().get(statement)!;
  return {
    statement,
    key: `${now.uri}\n${key}`,
    legacyKey: `${now.uri}\n${statement.label ?? `${statement.title}#${sameTitle.indexOf(statement)}`}`,
    statementText,
    statementHash: hash(statementText),
  };
}

/** The problem's current conversation. One kept by an earlier version under its legacy key is taken over
 * when it is about this same problem. */
export function currentConversation(conversations: ConversationStore, found: ChatProblem): Conversation | undefined {
  const conversation = conversations.latest(found.key);
  if (conversation) return conversation;
  const earlier = conversations.latest(found.legacyKey);
  if (!earlier || (found.statement.label === undefined && earlier.statementHash !== found.statementHash)) return undefined;
  earlier.problemKey = found.key;
  conversations.save(earlier);
  return earlier;
}

/** A new conversation about `found`: the problem as the model reads it, its proof as written, and what the
 * critique of that proof found (if it is current). Kept once its first turn is answered. */
export function newConversation(now: DocumentSnapshot, found: ChatProblem, findings: CritiqueFindings): Conversation {
  const statement = found.statement;
  const proof = statement.proof ? now.text(statement.proof.bodyRange) : '';
  const proofNow = now.proofs().find((p) => p.statement === statement);
  const critique = proofNow && findings.critiqueOf(now.uri, proofNow);
  const flagged = critique?.findings.map((f) => `Step ${f.step} (${f.kind}): ${f.explanation}`) ?? [];
  return { id: randomUUID(), problemKey: found.key, statementHash: found.statementHash, context: { problem: now.problem(statement), proof, findings: flagged }, turns: [], used: Date.now() };
}

/** The model's reply to `message` in `conversation` (its context, turns, summary and tokens so far), within the
 * generation budgets and the context size; the conversation is not changed (`recordTurn` keeps the turn). */
export function replyIn(conversation: Conversation, message: string, generate: Generate, settings: QedNanoSettings, onChunk: ChunkSink, signal: AbortSignal): Promise<ChatOutcome> {
  return chatTurn(
    { context: conversation.context, turns: conversation.turns, summary: conversation.summary, tokensSoFar: conversation.tokens, message },
    generate,
    { ...settings.generation, contextSize: settings.contextSize },
    onChunk,
    signal,
  );
}

/** Adds a turn (the user's message and the reply) to `conversation`, after the summary that replaced its
 * older turns if the turn made one, and the tokens it now takes. */
export function recordTurn(conversation: Conversation, message: string, { result, summarised }: ChatOutcome): void {
  if (summarised) {
    conversation.summary = summarised.summary;
    conversation.turns = summarised.turns;
  }
  conversation.turns.push(
    { role: 'user', text: message },
    { role: 'assistant', text: result.answer, raw: result.raw, ...(result.thinking ? { thinking: result.thinking } : {}), thinkingTokens: result.stats.thinkingTokens },
  );
  conversation.tokens = result.stats.promptTokens + result.stats.thinkingTokens + result.stats.answerTokens;
  conversation.used = Date.now();
}
