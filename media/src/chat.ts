/**
 * The Chat view's webview script. Model output and the user's words go through render.ts only (markdown-it
 * without HTML, links or images; KaTeX without trust) or are set as text; nothing else builds HTML.
 * Streamed text is painted at most once per animation frame. Keyboard: Enter sends, Shift+Enter is a new
 * line, Escape stops the reply; every control is a button or a textarea in the tab order. The composer is
 * one line until the message needs more. The conversation (the only part that scrolls) keeps the latest
 * reply's beginning in sight: it follows a new exchange down until the reply's first line reaches the top,
 * and leaves the scrolling to the user once they scroll it themselves.
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
const conversation = $('conversation');
const notice = $('notice');
const turns = $('turns');
const starters = $('starters');
const message = $('message');
const input = $<HTMLTextAreaElement>('input');
const buttons = { pin: $<HTMLButtonElement>('pin'), new: $<HTMLButtonElement>('new'), stop: $<HTMLButtonElement>('stop'), retry: $<HTMLButtonElement>('retry'), send: $<HTMLButtonElement>('send') };

input.value = state.draft;
/** Sizes the composer to its text: one line empty, taller as the message grows (CSS caps it). */
const grow = (): void => {
  input.style.height = 'auto';
  if (!input.value) return; // rows="1": one line (the placeholder may wrap in a narrow view; it must not grow it)
  input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
};
const send = (text: string): void => {
  if (!text.trim() || state.state === 'running' || !state.problem) return;
  vscode.postMessage({ type: 'send', message: text });
  input.value = '';
  state.draft = '';
  grow();
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
  grow();
  place();
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
  // A conversation shown or a new question: the view places the conversation again (see place()).
  if (m.type === 'asked' || m.type === 'problem' || m.type === 'restore') follow = true;
  schedule();
});

/** Whether the view places the conversation itself (until the user scrolls it), and where it last put it. */
let follow = true;
let placedAt = 0;
conversation.addEventListener('scroll', () => {
  const atEnd = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 4;
  follow = atEnd || Math.abs(conversation.scrollTop - placedAt) <= 2;
}, { passive: true });
window.addEventListener('resize', () => {
  grow();
  place();
});

/** Scrolls the conversation so the latest exchange is in sight: as far down as it goes, but never past the
 * first line of the latest reply. */
function place(): void {
  if (!follow) return;
  const replies = turns.querySelectorAll<HTMLElement>(':scope > li.assistant');
  const latest = replies[replies.length - 1];
  const end = conversation.scrollHeight - conversation.clientHeight;
  const replyTop = latest ? latest.getBoundingClientRect().top - conversation.getBoundingClientRect().top + conversation.scrollTop - 4 : end;
  conversation.scrollTop = Math.max(0, Math.min(end, replyTop));
  placedAt = conversation.scrollTop;
}

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
  buttons.pin.setAttribute('aria-pressed', String(state.pinned));
  buttons.pin.setAttribute('aria-label', state.pinned ? 'Unpin' : 'Pin');
  buttons.pin.title = state.pinned ? 'Unpin: follow the cursor to other problems again' : 'Pin: keep chatting about this problem when the cursor moves';
  buttons.pin.disabled = !state.problem;
  buttons.new.disabled = running || state.turns.length === 0;
  buttons.stop.disabled = !running;
  buttons.retry.disabled = running || !state.turns.some((t) => t.role === 'user');
  buttons.send.disabled = running || !state.problem;
  input.disabled = !state.problem;
  problem.title = problem.textContent;
  place();
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

grow();
paint();
announceReady(vscode, { type: 'ready' });
