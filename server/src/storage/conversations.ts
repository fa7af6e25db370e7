/**
 * The chat's conversations, kept per workspace in the server's storage (jsonFile.ts: validated when read,
 * written atomically, merged under a lock with other servers on the same folder). At most
 * MAX_CONVERSATIONS, the least recently used dropped first. When the file cannot be used, conversations
 * live in memory and the problem is reported once.
 */
import type { ChatContext } from '../prompts/chatPrompts';
import type { ChatTurnRecord } from '../tasks/chat';
import { JsonFile, withStorage, withStorageAsync } from './jsonFile';
import { workspaceFile, type OnStorageProblem } from './workspaceFiles';

/** Conversations kept per workspace (the least recently used are dropped beyond). */
export const MAX_CONVERSATIONS = 100;

export interface ConversationTurn extends ChatTurnRecord {
  thinking?: string;
  /** The reply's thinking tokens, as the model counted them. */
  thinkingTokens?: number;
}

export interface Conversation {
  id: string;
  /** The problem it is about: its file and its statement's label (or title and rank). */
  problemKey: string;
  /** A hash of the statement when the conversation began: a change is reported. */
  statementHash: string;
  context: Omit<ChatContext, 'summary'>;
  summary?: string;
  turns: ConversationTurn[];
  /** Tokens of the last turn's prompt and reply. */
  tokens?: number;
  /** When it was last used (ms since the epoch). */
  used: number;
}

export class ConversationStore {
  private readonly file: JsonFile<Conversation>;
  private cached: Conversation[] = [];
  private cachedAt = -1;
  /** Conversations kept in memory only: the storage could not take them. */
  private readonly unsaved = new Set<string>();

  /** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
  constructor(
    storagePath: string,
    workspace: string | undefined,
    log: (message: string) => void,
    private readonly onProblem: OnStorageProblem,
  ) {
    this.file = new JsonFile(workspaceFile(storagePath, 'conversations', workspace), conversationFrom, log);
  }

  /** Every conversation, as on disk now (another server's included) plus what only this one holds. */
  all(): Conversation[] {
    const changedAt = this.file.changedAt();
    if (changedAt !== this.cachedAt) {
      const onDisk = withStorage(() => this.file.read(), this.onProblem);
      if (onDisk) this.cached = merge(onDisk, this.cached.filter((c) => this.unsaved.has(c.id)));
      this.cachedAt = changedAt;
    }
    return this.cached;
  }

  find(id: string): Conversation | undefined {
    return this.all().find((c) => c.id === id);
  }

  /** The problem's current conversation: the one used last. */
  latest(problemKey: string): Conversation | undefined {
    return this.all()
      .filter((c) => c.problemKey === problemKey)
      .reduce<Conversation | undefined>((a, b) => (!a || b.used >= a.used ? b : a), undefined);
  }

  /** Keeps `conversation` (new or changed): in memory at once, on disk when it can (resolves then), else in
   * memory only (and says why once). */
  async save(conversation: Conversation): Promise<void> {
    const others = this.all().filter((c) => c.id !== conversation.id);
    this.cached = merge(others, [conversation]);
    this.unsaved.add(conversation.id);
    const mine = this.cached.filter((c) => this.unsaved.has(c.id));
    const saved = await withStorageAsync(() => this.file.update((onDisk) => merge(onDisk, mine)), this.onProblem);
    if (!saved) return;
    for (const c of mine) if (this.cached.find((now) => now.id === c.id) === c) this.unsaved.delete(c.id);
    // Conversations changed while this write waited for the lock stay as they are now.
    this.cached = merge(saved, this.cached.filter((c) => this.unsaved.has(c.id)));
    this.cachedAt = this.file.changedAt();
  }
}

/** `a` and `b` by id (`b` wins), most recently used first, bounded. */
function merge(a: readonly Conversation[], b: readonly Conversation[]): Conversation[] {
  const byId = new Map(a.map((c) => [c.id, c]));
  for (const c of b) byId.set(c.id, c);
  return [...byId.values()].sort((x, y) => y.used - x.used).slice(0, MAX_CONVERSATIONS);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A conversation read from disk, checked field by field; undefined when anything is off. */
export function conversationFrom(value: unknown): Conversation | undefined {
  if (!isObject(value) || !isString(value.id) || !isString(value.problemKey) || !isString(value.statementHash)) return undefined;
  if (typeof value.used !== 'number' || !Number.isFinite(value.used)) return undefined;
  const context = value.context;
  if (!isObject(context) || !isString(context.problem) || !isString(context.proof) || !Array.isArray(context.findings) || !context.findings.every(isString)) return undefined;
  if (value.summary !== undefined && !isString(value.summary)) return undefined;
  if (value.tokens !== undefined && (typeof value.tokens !== 'number' || !Number.isFinite(value.tokens))) return undefined;
  if (!Array.isArray(value.turns)) return undefined;
  const turns: ConversationTurn[] = [];
  for (const turn of value.turns) {
    if (!isObject(turn) || (turn.role !== 'user' && turn.role !== 'assistant') || !isString(turn.text)) return undefined;
    if ((turn.raw !== undefined && !isString(turn.raw)) || (turn.thinking !== undefined && !isString(turn.thinking))) return undefined;
    if (turn.thinkingTokens !== undefined && typeof turn.thinkingTokens !== 'number') return undefined;
    turns.push({
      role: turn.role,
      text: turn.text,
      ...(turn.raw !== undefined ? { raw: turn.raw as string } : {}),
      ...(turn.thinking !== undefined ? { thinking: turn.thinking as string } : {}),
      ...(turn.thinkingTokens !== undefined ? { thinkingTokens: turn.thinkingTokens as number } : {}),
    });
  }
  return {
    id: value.id,
    problemKey: value.problemKey,
    statementHash: value.statementHash,
    context: { problem: context.problem, proof: context.proof, findings: context.findings as string[] },
    ...(value.summary !== undefined ? { summary: value.summary } : {}),
    turns,
    ...(value.tokens !== undefined ? { tokens: value.tokens as number } : {}),
    used: value.used,
  };
}
