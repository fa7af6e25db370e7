/**
 * The Chat view's state and what each message of the extension does to it: run by the view's script
 * (media/src/chat.ts) and by its host in the extension, which restores the view with it.
 */
import type { GenerationProgress } from '../../server/src/protocol';
import type { ChatTurnView, ChatViewState, ToChat } from './chatProtocol';
import type { ViewModel } from './viewScript';

export const EMPTY_CHAT: ChatViewState = {
  problem: undefined,
  pinned: false,
  macros: {},
  turns: [],
  summarised: false,
  problemChanged: false,
  state: 'idle',
  message: '',
  draft: '',
};

export const CHAT_MODEL: ViewModel<ChatViewState, ToChat> = {
  initial: EMPTY_CHAT,
  reduce(state, m) {
    switch (m.type) {
      case 'restore':
        return m.state;
      case 'problem':
        return {
          ...state,
          problem: m.problem,
          pinned: m.pinned,
          macros: m.macros,
          turns: m.turns,
          summarised: m.summarised,
          problemChanged: m.problemChanged,
          message: state.state === 'running' ? state.message : '',
        };
      case 'asked':
        return {
          ...state,
          turns: [...state.turns, { id: `${m.turn}/question`, role: 'user', text: m.message }, { id: m.turn, role: 'assistant', text: '', thinking: '' }],
          state: 'running',
          message: '',
        };
      case 'progress':
        return { ...state, turns: withReply(state.turns, (reply) => take(reply, m.value)) };
      case 'finish':
        return {
          ...state,
          state: m.state,
          message: m.message,
          turns: m.thinkingTokens === undefined ? state.turns : withReply(state.turns, (reply) => ({ ...reply, thinkingTokens: m.thinkingTokens })),
        };
    }
  },
  restore: (state) => ({ type: 'restore', state }),
};

/** The turns with the last one (the reply being written) replaced by `change(it)`. */
function withReply(turns: ChatTurnView[], change: (reply: ChatTurnView) => ChatTurnView): ChatTurnView[] {
  const reply = turns[turns.length - 1];
  if (!reply || reply.role !== 'assistant') return turns;
  return [...turns.slice(0, -1), change(reply)];
}

/** A value of the reply's stream into the reply. */
function take(reply: ChatTurnView, value: GenerationProgress): ChatTurnView {
  const tokens = 'thinkingTokens' in value && value.thinkingTokens !== undefined ? { thinkingTokens: value.thinkingTokens } : {};
  if (value.kind === 'thinking') return { ...reply, thinking: (reply.thinking ?? '') + value.text, ...tokens };
  if (value.kind === 'answer') return { ...reply, text: reply.text + value.text, ...tokens };
  if (value.kind === 'answerRetracted') return { ...reply, thinking: (reply.thinking ?? '') + value.movedToThinking, text: '' };
  return reply;
}
