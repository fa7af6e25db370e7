/**
 * The Chat view's real script (dist/media/chat.js) in headless Chromium under the views' CSP: the
 * conversation renders math with the document's macros, hostile model output stays inert, and the
 * keyboard works (Enter sends, Shift+Enter is a new line, Escape stops).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CHAT_BODY } from '../../media/src/chatMarkup';
import type { FromChat, ToChat } from '../../media/src/chatProtocol';
import { REPO_ROOT } from '../support/fixtures';
import { ViewHarness } from '../support/viewHarness';

const harness = new ViewHarness(CHAT_BODY, 'chat.js');
before(() => harness.start());
after(() => harness.stop());

const problem = (turns: Extract<ToChat, { type: 'problem' }>['turns'] = []): ToChat => ({
  type: 'problem',
  problem: 'Problem, chat.tex:1',
  pinned: false,
  macros: { '\\R': '\\mathbb{R}' },
  turns,
  summarised: false,
  problemChanged: false,
});

test('a conversation renders: the problem named, math typeset with the document\'s macros, thinking folded, starters only when empty', async () => {
  const { page, violations } = await harness.show([
    problem(),
    { type: 'asked', message: 'Is $x^2 \\ge 0$ for $x \\in \\R$?', turn: 'reply-1' },
    { type: 'progress', value: { kind: 'thinking', text: 'Squares.', thinkingTokens: 1 } },
    { type: 'progress', value: { kind: 'answer', text: 'Yes: $x^2 = x \\cdot x \\ge 0$ for every $x \\in \\R$.', thinkingTokens: 1 } },
    { type: 'finish', state: 'done', message: '1 thinking + 20 reply tokens in 0.1 s.', thinkingTokens: 1 },
  ]);
  await page.waitForTimeout(200);
  const report = await page.evaluate(() => ({
    problem: document.querySelector('#problem')?.textContent,
    turns: [...document.querySelectorAll('#turns > li')].map((li) => li.className),
    katex: document.querySelectorAll('#turns .katex').length,
    macroError: document.querySelectorAll('#turns .katex-error').length,
    thinkingOpen: (document.querySelector('#turns details') as HTMLDetailsElement | null)?.open,
    thinkingSummary: document.querySelector('#turns summary')?.textContent,
    startersShown: getComputedStyle(document.querySelector('#starters')!).display !== 'none',
    actions: [...document.querySelectorAll('#turns button')].map((b) => b.textContent),
  }));
  assert.equal(report.problem, 'Problem, chat.tex:1');
  assert.deepEqual(report.turns, ['turn user', 'turn assistant']);
  assert.ok(report.katex >= 4, `${report.katex} formulas`);
  assert.equal(report.macroError, 0, 'the document\'s \\R renders');
  assert.equal(report.thinkingOpen, false);
  assert.equal(report.thinkingSummary, 'Thinking — 1 token', 'the count the footer gives, in the singular');
  assert.equal(report.startersShown, false);
  assert.deepEqual(report.actions, ['Copy', 'Insert at cursor', 'Insert as proof']);
  assert.deepEqual(violations, []);
  await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', 'chat-render.png'), fullPage: true });
  await page.close();
});

test('hostile model output in the chat is inert: no script, no handler, no link of any scheme', async () => {
  const { page } = await harness.show([
    problem([
      { id: 'q', role: 'user', text: '<img src=x onerror="alert(1)">' },
      { id: 'a', role: 'assistant', text: '<script>alert(2)</script> [run](command:workbench.action.terminal.new) <https://evil.example> $\\href{javascript:alert(3)}{x}$', thinking: '<b>t</b>' },
    ]),
  ]);
  await page.waitForTimeout(200);
  const report = await page.evaluate(() => ({
    alerts: (window as unknown as { __alerts: number }).__alerts,
    scripts: document.querySelectorAll('#turns script').length,
    handlers: [...document.querySelectorAll('#turns *')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    links: document.querySelectorAll('#turns a').length,
    images: document.querySelectorAll('#turns img').length,
    text: document.querySelector('#turns')?.textContent ?? '',
  }));
  assert.deepEqual([report.alerts, report.scripts, report.handlers, report.links, report.images], [0, 0, 0, 0, 0]);
  assert.ok(report.text.includes('<script>alert(2)</script>'), 'shown as text');
  await page.close();
});

test('keyboard: Enter sends, Shift+Enter is a new line, Escape stops a running reply; starters send too', async () => {
  const { page } = await harness.show([problem()]);
  await page.click('#starters button');
  await page.focus('#input');
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  await page.keyboard.press('Enter');
  await page.evaluate(() => window.postMessage({ type: 'asked', message: 'x', turn: 't' }, '*'));
  await page.waitForTimeout(100);
  await page.keyboard.press('Escape');
  const posted = (await page.evaluate(() => (window as unknown as { __posted: FromChat[] }).__posted)).filter((m) => m.type !== 'ready');
  assert.deepEqual(posted.slice(0, 3), [
    { type: 'send', message: 'Give me a hint (no full solution)' },
    { type: 'send', message: 'first line\nsecond line' },
    { type: 'stop' },
  ]);
  const labels = await page.evaluate(() => ({ input: document.querySelector('label[for="input"]')?.textContent, pinPressed: document.querySelector('#pin')?.getAttribute('aria-pressed') }));
  assert.deepEqual(labels, { input: 'Message to QED-Nano', pinPressed: 'false' });
  await page.close();
});

test('Copy and Insert name the reply by its id, also after a failed turn; a restore brings the conversation back and keeps the draft', async () => {
  const { page } = await harness.show([
    problem([
      { id: 'c#0', role: 'user', text: 'first' },
      { id: 'c#1', role: 'assistant', text: 'first reply' },
    ]),
    { type: 'asked', message: 'second', turn: 'failed' },
    { type: 'finish', state: 'error', message: 'The model is not loaded.' },
    { type: 'asked', message: 'third', turn: 'third' },
    { type: 'progress', value: { kind: 'answer', text: 'third reply' } },
    { type: 'finish', state: 'done', message: 'done' },
  ]);
  await page.click('#turns li:last-child button[data-action="copy"]');
  await page.click('#turns li:nth-child(2) button[data-action="cursor"]');
  const posted = (await page.evaluate(() => (window as unknown as { __posted: FromChat[] }).__posted)).filter((m) => m.type !== 'ready');
  assert.deepEqual(posted, [
    { type: 'copy', turn: 'third' },
    { type: 'insert', turn: 'c#1', as: 'cursor' },
  ]);
  await page.focus('#input');
  await page.keyboard.type('half-written');
  await page.evaluate(() =>
    window.postMessage({ type: 'restore', state: { problem: 'Problem, chat.tex:1', pinned: false, macros: {}, turns: [{ id: 'x', role: 'user', text: 'restored question' }], summarised: false, problemChanged: false, state: 'done', message: '', draft: '' } }, '*'),
  );
  await page.waitForTimeout(150);
  const after = await page.evaluate(() => ({ turns: document.querySelector('#turns')?.textContent, draft: (document.querySelector('#input') as HTMLTextAreaElement).value }));
  assert.match(after.turns ?? '', /restored question/);
  assert.equal(after.draft, 'half-written', 'what the user is typing stays');
  await page.close();
});

test('a page whose script never runs cannot lose the typed question: Send does not navigate', async () => {
  assert.doesNotMatch(CHAT_BODY, /<form/, 'no form to submit');
  assert.match(CHAT_BODY, /<button id="send" type="button">/);
});

test('a streaming reply stays in sight: the view follows it down, unless the user scrolled up to read', async () => {
  const { page } = await harness.show([problem(), { type: 'asked', message: 'A long answer, please.', turn: 'long' }]);
  const paragraph = (i: number): string => `Paragraph ${i}: ${'words '.repeat(40)}\n\n`;
  const distanceFromEnd = (): Promise<number> =>
    page.evaluate(() => {
      const root = document.scrollingElement!;
      return root.scrollHeight - root.scrollTop - root.clientHeight;
    });
  for (let i = 0; i < 30; i++) await page.evaluate((text) => window.postMessage({ type: 'progress', value: { kind: 'answer', text } }, '*'), paragraph(i));
  await page.waitForTimeout(700);
  assert.ok((await page.evaluate(() => document.scrollingElement!.scrollHeight)) > 2000, 'the reply is taller than the view');
  assert.ok((await distanceFromEnd()) < 40, `the end of the reply is in sight (${await distanceFromEnd()} px below)`);
  await page.evaluate(() => document.scrollingElement!.scrollTo({ top: 0 }));
  await page.waitForTimeout(100);
  for (let i = 30; i < 35; i++) await page.evaluate((text) => window.postMessage({ type: 'progress', value: { kind: 'answer', text } }, '*'), paragraph(i));
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => document.scrollingElement!.scrollTop), 0, 'scrolled up to read: the view stays there');
  await page.close();
});
