/**
 * The messages between the extension and the Chat view's webview: one typed definition for both sides.
 * The streamed reply arrives as the wire's GenerationProgress values as they are (`thinking`, then the reply
 * as `proof` text).
 */
import type { GenerationProgress } from '../../server/src/protocol';

export interface ChatTurnView {
  /** Unique in the view: Copy and Insert name the turn by it (never by its position). */
  id: string;
  role: 'user' | 'assistant';
  text: string;
  thinking?: string;
  /** The reply's thinking tokens (streamed running total, then the final count; one measure). */
  thinkingTokens?: number;
}

export type ChatRunState = 'idle' | 'running' | 'done' | 'stopped' | 'error';

/** Everything the Chat view shows; also what it saves to restore itself. */
export interface ChatViewState {
  /** "Theorem 2 (AM-GM), notes.md:14", or undefined when the cursor is in no problem. */
  problem: string | undefined;
  pinned: boolean;
  macros: Record<string, string>;
  turns: ChatTurnView[];
  /** Older turns were summarised to keep the conversation inside the model's context. */
  summarised: boolean;
  problemChanged: boolean;
  state: ChatRunState;
  /** Under the conversation: how the last reply ended, or what is wrong and what to do. */
  message: string;
  /** The message being written: the view's own (kept when the view is hidden; the host never sets it). */
  draft: string;
}

export type ToChat =
  /** The problem the chat is about now, and its current conversation. */
  | { type: 'problem'; problem: string | undefined; pinned: boolean; macros: Record<string, string>; turns: ChatTurnView[]; summarised: boolean; problemChanged: boolean }
  /** The user's message was sent: it shows, and the reply (turn id `turn`) starts streaming under it. */
  | { type: 'asked'; message: string; turn: string }
  | { type: 'progress'; value: GenerationProgress }
  /** The reply ended; `thinkingTokens`: its final count (when it was generated). */
  | { type: 'finish'; state: Exclude<ChatRunState, 'idle' | 'running'>; message: string; thinkingTokens?: number }
  /** The whole state, sent by the host on every `ready` (the page was loaded or loaded again). */
  | { type: 'restore'; state: ChatViewState };

export type FromChat =
  | { type: 'ready' }
  | { type: 'send'; message: string }
  | { type: 'stop' }
  /** Ask the last message again. */
  | { type: 'retry' }
  /** Copy the reply of the turn with id `turn`, or insert it at the editor's cursor or as the problem's proof. */
  | { type: 'copy'; turn: string }
  | { type: 'insert'; turn: string; as: 'cursor' | 'proof' }
  | { type: 'new' }
  | { type: 'pin'; pinned: boolean };

/** The questions a conversation can start with (the view offers them as buttons). */
export const STARTERS = ['Give me a hint (no full solution)', 'Is my proof correct?', 'Explain this step', 'Try a different approach'];
