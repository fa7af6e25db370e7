/**
 * The side-panel views' state as their host in the extension keeps it (client/src/webviewHost.ts): the same
 * reducer the view's script runs, so a view loaded again (hidden and shown, or a page that lost the webview
 * service-worker race) is restored to exactly what the stream of messages made of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAT_MODEL } from '../../media/src/chatState';
import type { ToChat } from '../../media/src/chatProtocol';
import { PANEL_MODEL } from '../../media/src/panelState';
import type { ToPanel } from '../../media/src/panelProtocol';

test('the proof panel: the host\'s state after a run is the proof, its thinking and counts, the finish and the actions', () => {
  const messages: ToPanel[] = [
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n \\ge 1$.', macros: { '\\R': '\\mathbb{R}' } } },
    { type: 'progress', value: { kind: 'thinking', text: 'Think.', thinkingTokens: 2 } },
    { type: 'progress', value: { kind: 'answer', text: '**Proof.** ', thinkingTokens: 3 } },
    { type: 'progress', value: { kind: 'answer', text: 'Clear. ∎' } },
    { type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 3, thinkingMs: 40, tokensPerSecond: 9, elapsedMs: 100, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
  ];
  let now = 1000;
  const state = messages.reduce((s, m) => PANEL_MODEL.reduce(s, m, (now += 10)), PANEL_MODEL.initial);
  assert.deepEqual(
    [state.statement, state.thinking, state.proof, state.thinkingTokens, state.thinkingMs, state.state, state.message, state.actions.insert],
    ['Show $n \\ge 1$.', 'Think.', '**Proof.** Clear. ∎', 3, 40, 'done', 'Done.', 'ready'],
  );
  assert.deepEqual(PANEL_MODEL.restore(state), { type: 'restore', state });
  assert.equal(PANEL_MODEL.reduce(PANEL_MODEL.initial, PANEL_MODEL.restore(state), 0), state, 'a restore brings back the whole state');
  assert.equal(PANEL_MODEL.initial.proof, '', 'the reducer never changes the state it is given');
});

test('the chat: turns carry ids (a failed turn does not shift them), the reply\'s token count is the streamed one, New conversation empties the turns', () => {
  const messages: ToChat[] = [
    { type: 'problem', problem: 'Problem 1, p.md:1', pinned: false, macros: {}, turns: [{ id: 'c#0', role: 'user', text: 'q' }, { id: 'c#1', role: 'assistant', text: 'a' }], summarised: false, problemChanged: false },
    { type: 'asked', message: 'fails', turn: 'f' },
    { type: 'finish', state: 'error', message: 'No model.' },
    { type: 'asked', message: 'works', turn: 'w' },
    { type: 'progress', value: { kind: 'thinking', text: 'hm', thinkingTokens: 1 } },
    { type: 'progress', value: { kind: 'answer', text: 'reply', thinkingTokens: 1 } },
    { type: 'finish', state: 'done', message: 'ok', thinkingTokens: 1 },
  ];
  const state = messages.reduce((s, m) => CHAT_MODEL.reduce(s, m, 0), CHAT_MODEL.initial);
  assert.deepEqual(
    state.turns.map((t) => [t.id, t.role, t.text, t.thinkingTokens]),
    [
      ['c#0', 'user', 'q', undefined],
      ['c#1', 'assistant', 'a', undefined],
      ['f/question', 'user', 'fails', undefined],
      ['f', 'assistant', '', undefined],
      ['w/question', 'user', 'works', undefined],
      ['w', 'assistant', 'reply', 1],
    ],
  );
  const fresh = CHAT_MODEL.reduce(state, { type: 'problem', problem: 'Problem 1, p.md:1', pinned: false, macros: {}, turns: [], summarised: false, problemChanged: false }, 0);
  assert.deepEqual(fresh.turns, []);
});
