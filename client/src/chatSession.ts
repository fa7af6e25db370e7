/**
 * What the chat controller remembers, with no VS Code in it (unit-tested in test/unit/chat-session.test.ts):
 * where the chat points and the problem there, whether it is pinned, the problem's current conversation,
 * New conversation's pending fresh start, the last message (Retry), and the replies the view has shown (for
 * Copy and Insert, by turn id). ChatController turns events into calls here and posts what this returns.
 */
import type { ChatTurnView, ToChat } from '../../media/src/chatProtocol';
import type { ChatHistory, ChatParams } from '../../server/src/protocol';

/** Replies remembered for Copy and Insert (a view shows far fewer). */
export const MAX_SHOWN_REPLIES = 200;

/** A place in a document: the problem there is the one talked about. */
export interface ChatPlace {
  uri: string;
  position: { line: number; character: number };
}

type ProblemMessage = Extract<ToChat, { type: 'problem' }>;

export class ChatSession {
  /** Where the chat points; undefined when the cursor was last in no problem. */
  place: ChatPlace | undefined;
  /** The chat stays on its problem while the cursor moves elsewhere. */
  pinned = false;
  /** What Retry asks again. */
  lastMessage: string | undefined;
  /** The problem as last shown ("Theorem 2, notes.md:14"). */
  private shown: string | undefined;
  /** Its statement, as qed/proofInsertion names it. */
  private problemStatement: string | undefined;
  private macros: Record<string, string> = {};
  private conversation: string | undefined;
  /** The problem ("shown") for which New conversation was pressed: its next message begins a conversation,
   * whatever the server's history says is current, and its old turns are not shown meanwhile. */
  private startingNew: string | undefined;
  /** Replies the view has shown, by turn id (the last MAX_SHOWN_REPLIES): a history refresh renames the
   * turns while the view may still show the old ones, and Copy or Insert on them must still find them. */
  private readonly shownReplies = new Map<string, string>();

  /** The problem's statement, as qed/proofInsertion names it (Insert as proof). */
  get statement(): string | undefined {
    return this.problemStatement;
  }

  /** The server's history at `place` (in the file `fileName`): what the view shows now. */
  showHistory(history: ChatHistory, fileName: string): ProblemMessage {
    const problem = history.problem ? `${history.problem.title}, ${fileName}:${history.problem.line + 1}` : undefined;
    if (!problem) this.place = undefined;
    this.shown = problem;
    this.problemStatement = history.problem?.statement;
    this.macros = history.macros;
    if (problem !== undefined && this.startingNew === problem) {
      this.conversation = undefined;
      return this.empty();
    }
    this.startingNew = undefined;
    this.conversation = history.conversation;
    const turns = history.turns.map((turn, index) => ({ ...turn, id: `${history.conversation ?? 'none'}#${index}` }));
    return { type: 'problem', problem, pinned: this.pinned, macros: history.macros, turns, summarised: history.summarised, problemChanged: history.problemChanged };
  }

  /** New conversation: the problem shown with no turns; its next message begins a conversation. */
  startNew(): ProblemMessage {
    this.conversation = undefined;
    this.startingNew = this.shown;
    return this.empty();
  }

  /** The request for `message` about the problem at `place` (undefined when the chat points nowhere). */
  request(message: string): ChatParams | undefined {
    if (!this.place) return undefined;
    this.lastMessage = message;
    return { textDocument: { uri: this.place.uri }, position: this.place.position, message, ...(this.conversation ? { conversation: this.conversation } : {}) };
  }

  /** The server answered in `conversation`, which is now the problem's current one. */
  answered(conversation: string): void {
    this.conversation = conversation;
    this.startingNew = undefined;
  }

  /** Remembers the finished replies among `turns` (what the view shows now), the newest last, at most
   * MAX_SHOWN_REPLIES. */
  remember(turns: readonly ChatTurnView[]): void {
    for (const turn of turns) {
      if (turn.role !== 'assistant' || !turn.text) continue;
      this.shownReplies.delete(turn.id);
      this.shownReplies.set(turn.id, turn.text);
    }
    for (const id of this.shownReplies.keys()) {
      if (this.shownReplies.size <= MAX_SHOWN_REPLIES) break;
      this.shownReplies.delete(id);
    }
  }

  /** The text of the reply with id `turn`, if the view has shown it. */
  reply(turn: string): string | undefined {
    return this.shownReplies.get(turn);
  }

  private empty(): ProblemMessage {
    return { type: 'problem', problem: this.shown, pinned: this.pinned, macros: this.macros, turns: [], summarised: false, problemChanged: false };
  }
}
