/**
 * The Chat view's webview script. Model output and the user's words go through render.ts only (markdown-it
 * without HTML, links or images; KaTeX without trust) or are set as text; nothing else builds HTML.
 * Streamed text is painted at most once per animation frame. Keyboard: Enter sends, Shift+Enter is a new
 * line, Escape stops the reply; every control is a button or a textarea in the tab order.
 */
import { STARTERS, type ChatViewState, type FromChat, type ToChat } from './chatProtocol';
import { CHAT_MODEL, EMPTY_CHAT } from './chatState';
import { createRenderer } from './render';
import { announceReady, element as $, frameScheduler, tokenCount, viewApi } from './viewScript';

const vscode = viewApi<ChatViewState, FromChat>();
let state: ChatViewState = { ...EMPTY_CHAT, ...vscode.getState() };
let render = createRenderer(state.macros);
const schedule = frameScheduler(paint);

const problem = $('problem');
const notice = $('notice');
const turns = $('turns');
const starters = $('starters');
const message = $('message');
const input = $<HTMLTextAreaElement>('input');
const buttons = { pin: $<HTMLButtonElement>('pin'), new: $<HTMLButtonElement>('new'), stop: $<HTMLButtonElement>('stop'), retry: $<HTMLButtonElement>('retry'), send: $<HTMLButtonElement>('send') };

input.value = state.draft;
const send = (text: string): void => {
  if (!text.trim() || state.state === 'running' || !state.problem) return;
  vscode.postMessage({ type: 'send', message: text });
  input.value = '';
  state.draft = '';
};
buttons.send.addEventListener('click', () => send(input.value));
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send(input.value);
  } else if (event.key === 'Escape' && state.state === 'running') {
    event.preventDefault();
    vscode.postMessage({ type: 'stop' });
  }
});
input.addEventListener('input', () => {
  state.draft = input.value;
  vscode.setState(state);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.state === 'running') vscode.postMessage({ type: 'stop' });
});
buttons.pin.addEventListener('click', () => vscode.postMessage({ type: 'pin', pinned: !state.pinned }));
buttons.new.addEventListener('click', () => vscode.postMessage({ type: 'new' }));
buttons.stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
buttons.retry.addEventListener('click', () => vscode.postMessage({ type: 'retry' }));
turns.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('button[data-action]') as HTMLButtonElement | null;
  if (!target) return;
  const turn = target.dataset.turn!;
  const action = target.dataset.action;
  vscode.postMessage(action === 'copy' ? { type: 'copy', turn } : { type: 'insert', turn, as: action === 'proof' ? 'proof' : 'cursor' });
});

window.addEventListener('message', (event: MessageEvent<ToChat>) => {
  const m = event.data;
  const before = state;
  state = CHAT_MODEL.reduce(state, m, Date.now());
  if (m.type === 'restore') state.draft = before.draft; // what the user is typing is the view's own
  if (JSON.stringify(state.macros) !== JSON.stringify(before.macros)) render = createRenderer(state.macros);
  if (m.type === 'problem' || m.type === 'restore') turns.replaceChildren();
  // A conversation shown, a new question, a reply streaming in and its end: the view follows them down
  // (unless the user scrolled up to read while it streams).
  if (m.type === 'asked' || m.type === 'problem' || m.type === 'restore') follow = true;
  schedule();
});

/** Whether the view keeps the end of the conversation in sight while a reply streams. */
let follow = true;
document.addEventListener('scroll', () => {
  const bottom = document.scrollingElement!;
  follow = bottom.scrollHeight - bottom.scrollTop - bottom.clientHeight < 40;
}, { passive: true });

function paint(): void {
  vscode.setState(state);
  const running = state.state === 'running';
  problem.textContent = state.problem ? `${state.pinned ? 'Pinned: ' : ''}${state.problem}` : 'Put the cursor in a problem, theorem or lemma to chat about it.';
  const notices = [
    state.problemChanged ? 'The problem was edited since this conversation began: it is about the earlier statement.' : '',
    state.summarised ? 'Older messages were summarised to keep the conversation within the model\'s context.' : '',
  ].filter(Boolean);
  notice.hidden = notices.length === 0;
  notice.textContent = notices.join(' ');
  paintTurns();
  starters.hidden = state.turns.length > 0 || !state.problem;
  if (!starters.hidden && starters.childElementCount === 0) {
    for (const text of STARTERS) {
      const button = document.createElement('button');
      button.className = 'secondary';
      button.textContent = text;
      button.addEventListener('click', () => send(text));
      starters.append(button);
    }
  }
  message.textContent = running ? 'QED-Nano is writing…' : state.message;
  message.className = `message ${state.state}`;
  buttons.pin.textContent = state.pinned ? 'Unpin' : 'Pin';
  buttons.pin.setAttribute('aria-pressed', String(state.pinned));
  buttons.pin.disabled = !state.problem;
  buttons.new.disabled = running || state.turns.length === 0;
  buttons.stop.disabled = !running;
  buttons.retry.disabled = running || !state.turns.some((t) => t.role === 'user');
  buttons.send.disabled = running || !state.problem;
  input.disabled = !state.problem;
  if (follow) (document.scrollingElement ?? document.body).scrollTo({ top: document.body.scrollHeight });
  if (running) setTimeout(schedule, 500);
}

/** Paints the turns, keeping the DOM of turns whose text did not change (a streamed reply only grows). */
function paintTurns(): void {
  state.turns.forEach((turn, index) => {
    const key = `${turn.id}\u0000${turn.thinkingTokens ?? ''}\u0000${turn.thinking ?? ''}\u0000${turn.text}\u0000${state.state === 'running' && index === state.turns.length - 1}`;
    const existing = turns.children[index] as HTMLElement | undefined;
    if (existing?.dataset.key === key) return;
    const item = document.createElement('li');
    item.className = `turn ${turn.role}`;
    item.dataset.key = key;
    item.setAttribute('aria-label', turn.role === 'user' ? 'You' : 'QED-Nano');
    if (turn.role === 'assistant' && turn.thinking) {
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = turn.thinkingTokens === undefined ? 'Thinking' : `Thinking — ${tokenCount(turn.thinkingTokens)}`;
      const pre = document.createElement('pre');
      pre.textContent = turn.thinking;
      details.append(summary, pre);
      item.append(details);
    }
    const body = document.createElement('div');
    body.className = 'text';
    body.innerHTML = render(turn.text);
    item.append(body);
    const finished = !(state.state === 'running' && index === state.turns.length - 1);
    if (turn.role === 'assistant' && turn.text && finished) {
      const actions = document.createElement('div');
      actions.className = 'turn-actions';
      for (const [action, label] of [['copy', 'Copy'], ['cursor', 'Insert at cursor'], ['proof', 'Insert as proof']] as const) {
        const button = document.createElement('button');
        button.className = 'secondary';
        button.dataset.action = action;
        button.dataset.turn = turn.id;
        button.textContent = label;
        actions.append(button);
      }
      item.append(actions);
    }
    if (existing) existing.replaceWith(item);
    else turns.append(item);
  });
  while (turns.children.length > state.turns.length) turns.lastElementChild!.remove();
}

paint();
announceReady(vscode, { type: 'ready' });
