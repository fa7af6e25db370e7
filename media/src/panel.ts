/**
 * The proof panel's webview script. It never builds HTML from model output except through render.ts
 * (markdown-it without HTML, KaTeX); everything else is set as text. Streamed text is buffered and
 * painted at most once per animation frame, so hundreds of tokens per second do not back it up.
 */
import { NO_ACTIONS, type FromPanel, type PanelState, type ToPanel } from './panelProtocol';
import { EMPTY_PANEL, PANEL_MODEL } from './panelState';
import { createRenderer } from './render';
import { announceReady, element as $, frameScheduler, tokenCount, viewApi } from './viewScript';

const vscode = viewApi<PanelState, FromPanel>();
// A view restored from what it saved itself (after a window reload) offers nothing until the extension says
// what it still can do: the extension's restore after 'ready' brings its state and actions.
let state: PanelState = { ...EMPTY_PANEL, ...vscode.getState(), actions: NO_ACTIONS, copied: false };
let render = createRenderer(state.macros);
const schedule = frameScheduler(paint);
/** How long Copy says "Copied". */
const COPIED_SHOWN_MS = 2000;
const INSERT_BUTTON: Record<PanelState['actions']['insert'], [label: string, title: string]> = {
  none: ['Insert into document', 'Nothing to insert yet'],
  ready: ['Insert into document', 'Insert the proof after its statement (one undoable edit)'],
  inserted: ['Inserted', 'The proof is in the document (Undo there takes it out, and Insert comes back)'],
  statementChanged: ['Insert anyway', 'The statement was edited while the proof was written: insert the proof after it all the same'],
};

const statement = $('statement');
const statementHeading = $('statement-heading');
const proofHeading = $('proof-heading');
const thinkingSummary = $('thinking-summary');
const thinkingText = $('thinking-text');
const proof = $('proof');
const message = $('message');
const candidates = $('candidates');
const objections = $('objections');
const buttons = {
  stop: $<HTMLButtonElement>('stop'),
  retry: $<HTMLButtonElement>('retry'),
  continue: $<HTMLButtonElement>('continue'),
  insert: $<HTMLButtonElement>('insert'),
  discard: $<HTMLButtonElement>('discard'),
  copy: $<HTMLButtonElement>('copy'),
};
const summaries = $('summaries');
const modeChoice = $<HTMLSelectElement>('mode');
modeChoice.addEventListener('change', () => {
  state.mode = modeOf(modeChoice.value);
  vscode.setState(state);
});
buttons.stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
buttons.retry.addEventListener('click', () => vscode.postMessage({ type: 'retry', mode: modeOf(modeChoice.value) }));
buttons.continue.addEventListener('click', () => vscode.postMessage({ type: 'continue' }));
buttons.insert.addEventListener('click', () => vscode.postMessage(state.actions.insert === 'statementChanged' ? { type: 'insert', anyway: true } : { type: 'insert' }));
buttons.discard.addEventListener('click', () => vscode.postMessage({ type: 'discard' }));
buttons.copy.addEventListener('click', () => vscode.postMessage({ type: 'copy' }));

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const m = event.data;
  const before = state;
  state = PANEL_MODEL.reduce(state, m, Date.now());
  if (m.type === 'restore') state.copied = before.copied;
  if (m.type === 'copied') setTimeout(() => {
    state = PANEL_MODEL.reduce(state, { type: 'copiedShown' }, Date.now());
    schedule();
  }, COPIED_SHOWN_MS);
  if (state.macros !== before.macros && JSON.stringify(state.macros) !== JSON.stringify(before.macros)) {
    render = createRenderer(state.macros);
    // Blocks typeset with the previous macros are not reused.
    proof.replaceChildren();
    statement.replaceChildren();
    summaries.replaceChildren();
  }
  schedule();
});

function paint(): void {
  vscode.setState(state);
  const refinement = state.kind === 'refinement';
  statementHeading.textContent = refinement ? 'As written' : 'Statement';
  proofHeading.textContent = refinement ? 'Refined by QED-Nano' : 'Proof';
  const [insertLabel, insertTitle] = refinement
    ? ['Apply', 'Replace exactly what was refined with this text (one undoable edit)']
    : INSERT_BUTTON[state.actions.insert];
  buttons.insert.textContent = insertLabel;
  buttons.insert.title = insertTitle;
  buttons.retry.title = refinement ? 'Refine the same text again' : 'Prove the same statement again';
  buttons.discard.hidden = !refinement;
  buttons.discard.disabled = state.state === 'running' || state.actions.insert === 'none';
  modeChoice.parentElement!.hidden = refinement;
  paintBlocks(statement, state.statement);
  // The thinking's own time and tokens: the whole reply's are in the message under the proof.
  const thinkingMs = state.thinkingMs ?? (state.state === 'running' ? Date.now() - state.thinkingStartedAt : state.elapsedMs);
  thinkingSummary.textContent = state.thinking
    ? `Thinking — ${state.thinkingTokens ? `${tokenCount(state.thinkingTokens)}, ` : ''}${(thinkingMs / 1000).toFixed(1)} s`
    : 'Thinking';
  // The thinking only grows while streaming: append what is new instead of resetting tens of thousands of
  // characters on every frame.
  const painted = thinkingText.firstChild instanceof Text ? thinkingText.firstChild : undefined;
  if (painted && state.thinking.startsWith(painted.data)) painted.appendData(state.thinking.slice(painted.data.length));
  else thinkingText.textContent = state.thinking;
  const shown = state.proof || state.outdatedProof;
  proof.classList.toggle('outdated', !state.proof && Boolean(state.outdatedProof));
  proof.title = proof.classList.contains('outdated') ? 'The previous proof: a new one is being written.' : '';
  paintBlocks(proof, shown);
  candidates.hidden = state.candidates.length === 0;
  candidates.replaceChildren(
    ...state.candidates.map((c) => {
      const row = document.createElement('li');
      const scores = c.scores.length > 0 ? c.scores.join(', ') : 'no proof written';
      row.textContent = `Round ${c.round} · #${c.id}${c.refines !== undefined ? ` (refines #${c.refines})` : ''}: ${scores} → mean ${c.mean.toFixed(2)}${c.id === state.chosen ? (state.state === 'running' ? '  ← best so far' : '  ← chosen') : ''}`;
      if (c.id === state.chosen) row.className = 'chosen';
      return row;
    }),
  );
  paintSummaries();
  objections.hidden = state.objections.length === 0;
  objections.innerHTML = state.objections.length
    ? `<h2>Verifier objections to the chosen proof</h2>${state.objections.map((o) => `<blockquote>${render(o)}</blockquote>`).join('')}`
    : '';
  message.textContent = state.state === 'running' ? (state.phase ? `${state.phase}…` : state.proof ? 'Writing the proof…' : 'Thinking…') : state.message;
  message.className = `message ${state.state}`;
  modeChoice.value = state.mode;
  buttons.stop.disabled = state.state !== 'running';
  buttons.retry.disabled = state.state === 'running' || !state.actions.retry;
  buttons.insert.disabled = state.state === 'running' || state.actions.insert === 'none' || state.actions.insert === 'inserted';
  buttons.continue.hidden = !state.actions.continue;
  buttons.continue.disabled = state.state === 'running';
  buttons.copy.disabled = !state.proof;
  buttons.copy.textContent = state.copied ? 'Copied' : 'Copy';
  if (state.state === 'running') setTimeout(schedule, 500); // keep the elapsed time moving
}

/** The reasoning cache's summaries, each folded under its title; a summary already shown is kept as it is (an
 * open one stays open while the next attempt streams), and one whose text differs is rendered anew. */
function paintSummaries(): void {
  summaries.hidden = state.summaries.length === 0;
  while (summaries.children.length > state.summaries.length) summaries.lastElementChild!.remove();
  state.summaries.forEach((text, i) => {
    const existing = summaries.children[i] as HTMLElement | undefined;
    if (existing?.dataset.source === text) return;
    const folded = document.createElement('details');
    folded.className = 'summary';
    folded.dataset.source = text;
    const title = document.createElement('summary');
    title.textContent = `Summary ${i + 1}: what the next attempt starts from`;
    const body = document.createElement('div');
    body.innerHTML = render(text); // render.ts: markdown-it without HTML, KaTeX without trust
    folded.append(title, body);
    if (existing) existing.replaceWith(folded);
    else summaries.append(folded);
  });
}

/** The panel's mode choice, read back from its select (any other value is the single pass). */
function modeOf(value: string): PanelState['mode'] {
  return value === 'deep' || value === 'rc' ? value : 'single';
}

/**
 * Paints Markdown block by block, keeping the DOM of blocks whose text did not change: a streamed proof
 * only grows at its end, so a repaint typesets and replaces the last block, not the whole proof.
 */
function paintBlocks(container: HTMLElement, markdown: string): void {
  const blocks = splitBlocks(markdown);
  const children = container.children;
  blocks.forEach((block, i) => {
    const existing = children[i] as HTMLElement | undefined;
    if (existing?.dataset.source === block) return;
    const element = document.createElement('div');
    element.className = 'block';
    element.dataset.source = block;
    element.innerHTML = render(block);
    if (existing) existing.replaceWith(element);
    else container.append(element);
  });
  while (children.length > blocks.length) children[children.length - 1]!.remove();
}

/** Splits Markdown at blank lines, but never inside a fenced code block or `$$` display math. */
function splitBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let fence = false;
  let display = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (!fence) display = ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) !== display;
    if (line.trim() === '' && !fence && !display) {
      if (current.length > 0) blocks.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  if (current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}

paint();
announceReady(vscode, { type: 'ready' });
