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
    { type: 'asked', message: 'Is $x^2 \\ge 0$ for $x \\in \\R$?' },
    { type: 'progress', value: { kind: 'thinking', text: 'Squares.' } },
    { type: 'progress', value: { kind: 'proof', text: 'Yes: $x^2 = x \\cdot x \\ge 0$ for every $x \\in \\R$.' } },
    { type: 'finish', state: 'done', message: '1 thinking + 20 reply tokens in 0.1 s.' },
  ]);
  await page.waitForTimeout(200);
  const report = await page.evaluate(() => ({
    problem: document.querySelector('#problem')?.textContent,
    turns: [...document.querySelectorAll('#turns > li')].map((li) => li.className),
    katex: document.querySelectorAll('#turns .katex').length,
    macroError: document.querySelectorAll('#turns .katex-error').length,
    thinkingOpen: (document.querySelector('#turns details') as HTMLDetailsElement | null)?.open,
    startersShown: getComputedStyle(document.querySelector('#starters')!).display !== 'none',
    actions: [...document.querySelectorAll('#turns button')].map((b) => b.textContent),
  }));
  assert.equal(report.problem, 'Problem, chat.tex:1');
  assert.deepEqual(report.turns, ['turn user', 'turn assistant']);
  assert.ok(report.katex >= 4, `${report.katex} formulas`);
  assert.equal(report.macroError, 0, 'the document\'s \\R renders');
  assert.equal(report.thinkingOpen, false);
  assert.equal(report.startersShown, false);
  assert.deepEqual(report.actions, ['Copy', 'Insert at cursor', 'Insert as proof']);
  assert.deepEqual(violations, []);
  await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', 'chat-render.png'), fullPage: true });
  await page.close();
});

test('hostile model output in the chat is inert: no script, no handler, no link of any scheme', async () => {
  const { page } = await harness.show([
    problem([
      { role: 'user', text: '<img src=x onerror="alert(1)">' },
      { role: 'assistant', text: '<script>alert(2)</script> [run](command:workbench.action.terminal.new) <https://evil.example> $\\href{javascript:alert(3)}{x}$', thinking: '<b>t</b>' },
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
  await page.evaluate(() => window.postMessage({ type: 'asked', message: 'x' }, '*'));
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
