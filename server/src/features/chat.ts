/**
 * `qed/chat` and `qed/chatHistory`, the adapter of tasks/chat.ts.
 *
 * A conversation belongs to a problem, known by its file and its statement's label (or title and rank
 * among equal titles), so it survives edits that move the statement. Each problem has a current
 * conversation (the latest used); they are kept per workspace by storage/conversations.ts, so they outlive
 * window reloads and server restarts.
 */
import { randomUUID } from 'node:crypto';
import { LSPErrorCodes, ResponseError, type CancellationToken, type ResultProgressReporter } from 'vscode-languageserver';
import type { Position, Statement } from '../documents/model';
import { statementProblem } from '../prompts/proofPrompt';
import type { ChatHistory, ChatParams, ChatResult, GenerationProgress, QedNanoSettings } from '../protocol';
import { chatTurn } from '../tasks/chat';
import type { Generate } from '../tasks/generate';
import type { Critic } from './critique';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import { ProgressBatcher, toCost } from './streaming';
import type { Conversation, ConversationStore } from '../storage/conversations';
import { sha256 as hash } from '../storage/workspaceFiles';
import type { CurrentDocument } from '../documentStore';
import { clean, katexMacros, statementAt } from '../documents/queries';

export interface ChatHost {
  current: CurrentDocument;
  generate: Generate;
  settings(): QedNanoSettings;
  critic: Critic;
}

export class Chats {
  constructor(
    private readonly host: ChatHost,
    private readonly conversations: ConversationStore,
  ) {}

  history(uri: string, position: Position): ChatHistory {
    const found = this.problemAt(uri, position);
    const macros = katexMacros(this.host.current(uri)?.analysis ?? { macros: [] });
    if (!found) return { problem: null, macros, turns: [], summarised: false, problemChanged: false };
    const conversation = this.conversations.latest(found.key);
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

  async chat(params: ChatParams, token: CancellationToken, stream: ResultProgressReporter<GenerationProgress> | undefined): Promise<ChatResult> {
    const cancelled = cancellationSignal(token);
    try {
      throwIfCancelled(cancelled, 'The chat reply was cancelled.');
      if (!params.message.trim()) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Write a message first.');
      const uri = params.textDocument.uri;
      const found = this.problemAt(uri, params.position);
      if (!found) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Put the cursor in a problem, theorem or lemma (or its proof) to chat about it.');
      const conversation = params.conversation ? this.conversations.find(params.conversation) : this.begin(uri, found);
      if (!conversation) throw new ResponseError(LSPErrorCodes.RequestFailed, 'That conversation is no longer kept; start a new one.');
      const batcher = new ProgressBatcher(stream);
      const settings = this.host.settings();
      const { result, summarised } = await chatTurn(
        { context: conversation.context, turns: conversation.turns, summary: conversation.summary, tokensSoFar: conversation.tokens, message: params.message },
        this.host.generate,
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
      this.conversations.save(conversation); // a storage problem is reported there: the reply still counts
      return {
        conversation: conversation.id,
        reply: result.answer,
        thinking: result.thinking,
        stopReason: result.stopReason,
        stats: toCost(result.stats),
      };
    } catch (error) {
      throw toResponseError(error);
    }
  }

  /** A new conversation about `found`, now the problem's current one. */
  private begin(uri: string, found: ProblemAt): Conversation {
    const { document, analysis } = this.host.current(uri)!;
    const statement = found.statement;
    const proof = statement.proof ? document.getText(statement.proof.bodyRange) : '';
    const proofNow = this.host.critic.proofs(uri).find((p) => p.statement === statement);
    const critique = proofNow && this.host.critic.critiqueOf(uri, proofNow);
    const findings = critique?.findings.map((f) => `Step ${f.step} (${f.kind}): ${f.explanation}`) ?? [];
    const problem = statementProblem(analysis, statement, (range) => document.getText(range));
    // Kept once its first turn is answered (a cancelled or failed first turn leaves nothing behind).
    return { id: randomUUID(), problemKey: found.key, statementHash: found.statementHash, context: { problem, proof, findings }, turns: [], used: Date.now() };
  }

  private problemAt(uri: string, position: Position): ProblemAt | undefined {
    const current = this.host.current(uri);
    const statement = current && statementAt(current.analysis, position);
    if (!current || !statement) return undefined;
    const { document, analysis } = current;
    const sameTitle = analysis.statements.filter((s) => s.title === statement.title);
    const name = statement.label ?? `${statement.title}#${sameTitle.indexOf(statement)}`;
    const statementText = clean(document.getText(statement.bodyRange));
    return { statement, key: `${uri}\n${name}`, statementText, statementHash: hash(statementText) };
  }
}

interface ProblemAt {
  statement: Statement;
  key: string;
  statementText: string;
  statementHash: string;
}
