/**
 * The proof panel's state and what each message of the extension does to it: run by the view's script
 * (media/src/panel.ts) and by its host in the extension, which restores the view with it.
 */
import type { GenerationProgress } from '../../server/src/protocol';
import { NO_ACTIONS, type PanelState, type ToPanel } from './panelProtocol';
import type { ViewModel } from './viewScript';

export const EMPTY_PANEL: PanelState = {
  kind: 'proof',
  statement: '',
  macros: {},
  thinking: '',
  proof: '',
  state: 'done',
  message: 'Run "QED-Nano: Prove Selected Statement" (or the Prove lens above a statement) to see a proof here.',
  thinkingTokens: 0,
  thinkingMs: undefined,
  tokensPerSecond: 0,
  startedAt: 0,
  elapsedMs: 0,
  outdatedProof: '',
  actions: NO_ACTIONS,
  copied: false,
  phase: '',
  candidates: [],
  chosen: undefined,
  objections: [],
  summaries: [],
  thinkingStartedAt: 0,
  mode: 'single',
};

export const PANEL_MODEL: ViewModel<PanelState, ToPanel> = {
  initial: EMPTY_PANEL,
  reduce(state, m, now) {
    switch (m.type) {
      case 'restore':
        return m.state;
      case 'run':
        return { ...state, mode: m.mode, kind: m.kind };
      case 'progress':
        return take({ ...state }, m.value, now);
      case 'actions':
        return { ...state, actions: m.actions };
      case 'copied':
        return { ...state, copied: true };
      case 'copiedShown':
        return { ...state, copied: false };
      case 'finish':
        return {
          ...state,
          state: m.state,
          message: m.message,
          thinkingTokens: m.thinkingTokens || state.thinkingTokens,
          thinkingMs: m.thinkingMs ?? state.thinkingMs,
          tokensPerSecond: m.tokensPerSecond,
          elapsedMs: m.elapsedMs,
          objections: m.objections,
          proof: m.proof ?? state.proof,
          outdatedProof: '',
          phase: '',
        };
    }
  },
  restore: (state) => ({ type: 'restore', state }),
};

/** One value of the prove stream into `state` (a copy the caller owns). */
function take(state: PanelState, value: GenerationProgress, now: number): PanelState {
  switch (value.kind) {
    case 'started':
      return {
        ...EMPTY_PANEL,
        kind: state.kind,
        actions: state.actions,
        statement: value.statement,
        macros: value.macros,
        state: 'running',
        message: '',
        startedAt: now,
        thinkingStartedAt: now,
        outdatedProof: state.proof || state.outdatedProof,
        phase: state.phase,
        mode: state.mode,
      };
    case 'phase':
      state.phase = value.text;
      break;
    case 'attempt':
      // A fresh context: its thinking and proof replace the last attempt's, whose proof stays visible,
      // marked outdated, until the new one begins.
      state.outdatedProof = value.proofSoFar || state.proof || state.outdatedProof;
      state.proof = '';
      state.thinking = '';
      state.thinkingTokens = 0;
      state.thinkingMs = undefined;
      state.thinkingStartedAt = now;
      break;
    case 'summary':
      state.summaries = [...state.summaries, value.text];
      break;
    case 'candidates':
      state.candidates = value.candidates;
      state.chosen = value.best?.id;
      if (value.best) state.proof = value.best.proof;
      break;
    case 'thinking':
      state.thinking += value.text;
      if (value.thinkingTokens !== undefined) state.thinkingTokens = value.thinkingTokens;
      break;
    case 'answer':
      state.proof += value.text;
      if (value.thinkingTokens !== undefined) state.thinkingTokens = value.thinkingTokens;
      state.thinkingMs ??= now - state.thinkingStartedAt; // the thinking ended when the proof began
      break;
    case 'answerRetracted':
      state.thinking += value.movedToThinking;
      state.proof = '';
      state.thinkingMs = undefined; // it was thinking after all: still going
      break;
  }
  return state;
}
