/**
 * The messages between the extension and the Chat view's webview: one typed definition for both sides.
 * The streamed reply arrives as the wire's ProveProgress values as they are (`thinking`, then the reply
 * as `proof` text).
 */
import type { ProveProgress } from '../../server/src/protocol';

export interface ChatTurnView {
  role: 'user' | 'assistant';
  text: string;
  thinking?: string;
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
  /** The message being written (kept when the view is hidden). */
  draft: string;
}

export type ToChat =
  /** The problem the chat is about now, and its current conversation. */
  | { type: 'problem'; problem: string | undefined; pinned: boolean; macros: Record<string, string>; turns: ChatTurnView[]; summarised: boolean; problemChanged: boolean }
  /** The user's message was sent: it shows, and the reply starts streaming under it. */
  | { type: 'asked'; message: string }
  | { type: 'progress'; value: ProveProgress }
  | { type: 'finish'; state: Exclude<ChatRunState, 'idle' | 'running'>; message: string };

export type FromChat =
  | { type: 'ready' }
  | { type: 'send'; message: string }
  | { type: 'stop' }
  /** Ask the last message again. */
  | { type: 'retry' }
  /** Copy the reply of turn `index`, or insert it at the editor's cursor or as the problem's proof. */
  | { type: 'copy'; index: number }
  | { type: 'insert'; index: number; as: 'cursor' | 'proof' }
  | { type: 'new' }
  | { type: 'pin'; pinned: boolean };

/** The questions a conversation can start with (the view offers them as buttons). */
export const STARTERS = ['Give me a hint (no full solution)', 'Is my proof correct?', 'Explain this step', 'Try a different approach'];
