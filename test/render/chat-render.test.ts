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
  assert.match(CHAT_BODY, /<button id="send" type="button"/);
});

test('a streaming reply keeps its first line in sight: the view follows it down until that line reaches the top, and stays where the user scrolled', async () => {
  const { page } = await harness.show([problem([{ id: 'c#0', role: 'user', text: 'Earlier question' }, { id: 'c#1', role: 'assistant', text: 'Earlier reply.\n\n'.repeat(8) }]), { type: 'asked', message: 'A long answer, please.', turn: 'long' }], { width: 520, height: 400 });
  const paragraph = (i: number): string => `Paragraph ${i}: ${'words '.repeat(40)}\n\n`;
  const firstLine = (): Promise<{ top: number; viewTop: number; viewBottom: number; scrollTop: number }> =>
    page.evaluate(() => {
      const view = document.querySelector('#conversation')!;
      const text = document.querySelector('#turns > li:last-child .text > :first-child')!.getBoundingClientRect();
      const box = view.getBoundingClientRect();
      return { top: text.top, viewTop: box.top, viewBottom: box.bottom, scrollTop: view.scrollTop };
    });
  await page.evaluate((text) => window.postMessage({ type: 'progress', value: { kind: 'answer', text } }, '*'), paragraph(0));
  await page.waitForTimeout(300);
  const early = await firstLine();
  assert.ok(early.scrollTop > 0, 'the view followed the new exchange down, past the earlier one');
  for (let i = 1; i < 30; i++) await page.evaluate((text) => window.postMessage({ type: 'progress', value: { kind: 'answer', text } }, '*'), paragraph(i));
  await page.waitForTimeout(700);
  assert.ok((await page.evaluate(() => document.querySelector('#conversation')!.scrollHeight)) > 2000, 'the reply is taller than the view');
  const late = await firstLine();
  assert.ok(late.top >= late.viewTop && late.top + 16 <= late.viewBottom, `the reply's first line is in sight (${JSON.stringify(late)})`);
  await page.evaluate(() => document.querySelector('#conversation')!.scrollTo({ top: 0 }));
  await page.waitForTimeout(100);
  for (let i = 30; i < 35; i++) await page.evaluate((text) => window.postMessage({ type: 'progress', value: { kind: 'answer', text } }, '*'), paragraph(i));
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => document.querySelector('#conversation')!.scrollTop), 0, 'scrolled up to read: the view stays there');
  await page.close();
});

/** Where the view's visible boxes overlap: every element that is shown (not display:none, not zero-sized,
 * inside the viewport and every scrolling box around it), a formula and an icon counted as one box, and
 * each pair of boxes neither of which contains the other. */
function overlaps(): { a: string; b: string; area: number }[] {
  const name = (e: Element): string => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} "${(e.textContent ?? '').trim().slice(0, 30)}"`;
  const visibleRect = (e: Element): DOMRect | undefined => {
    let r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return undefined;
    let { left, top, right, bottom } = r;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      left = Math.max(left, c.left);
      top = Math.max(top, c.top);
      right = Math.min(right, c.right);
      bottom = Math.min(bottom, c.bottom);
    }
    left = Math.max(left, 0);
    top = Math.max(top, 0);
    right = Math.min(right, innerWidth);
    bottom = Math.min(bottom, innerHeight);
    if (right - left < 1 || bottom - top < 1) return undefined;
    r = new DOMRect(left, top, right - left, bottom - top);
    return r;
  };
  const boxes: { e: Element; r: DOMRect }[] = [];
  for (const e of document.querySelectorAll('.chat *')) {
    if (e.closest('.katex-display, .katex, svg') !== e && e.closest('.katex-display, .katex, svg')) continue; // inside a formula or icon
    if (e.classList.contains('visually-hidden')) continue;
    if (!e.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) continue; // e.g. inside a folded <details>
    const style = getComputedStyle(e);
    if ( (style.display === 'inline' && !e.classList.contains('katex'))) continue;
    const r = visibleRect(e);
    if (r) boxes.push({ e, r });
  }
  const found: { a: string; b: string; area: number }[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const { e: a, r: p } = boxes[i]!;
      const { e: b, r: q } = boxes[j]!;
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 0.5 && h > 0.5) found.push({ a: name(a), b: name(b), area: Math.round(w * h) });
    }
  }
  return found;
}

const wideFormula = 'The sum is\n\n$$\\sum_{k=1}^{n} (2k-1) = 1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19 + 21 + 23 + 25 + 27 + 29 + 31 + 33 + 35 + 37 + 39 + 41 + 43 + 45 + 47 + 49 + 51 + 53 + 55 + 57 + 59 + \\cdots + (2n-1) = n^2 \\quad \\text{for every } n \\in \\R$$\n\nso the claim holds.';

for (const [where, viewport] of [
  ['the bottom panel at 200 px', { width: 700, height: 200 }],
  ['the bottom panel at its default height', { width: 1000, height: 290 }],
  ['a narrow secondary side bar', { width: 300, height: 700 }],
] as const) {
  test(`in ${where} (${viewport.width}x${viewport.height}), nothing is drawn over anything, the latest reply's first line is in sight, and display math scrolls in its own box`, async () => {
    const { page } = await harness.show(
      [
        problem([
          { id: 'c#0', role: 'user', text: 'Give me a hint (no full solution)' },
          { id: 'c#1', role: 'assistant', text: 'Pair the first and last terms.', thinking: 'Pairs.', thinkingTokens: 4 },
        ]),
        { type: 'asked', message: 'Why is the sum of the first $n$ odd numbers $n^2$?', turn: 'latest' },
        { type: 'progress', value: { kind: 'thinking', text: 'Induction.', thinkingTokens: 3 } },
        { type: 'progress', value: { kind: 'answer', text: wideFormula, thinkingTokens: 3 } },
        { type: 'finish', state: 'done', message: '3 thinking + 80 reply tokens in 0.4 s.', thinkingTokens: 3 },
      ],
      viewport,
    );
    await page.waitForTimeout(300);
    await page.evaluate('window.__name = (f) => f'); // tsx names the helper's inner functions with a helper the page lacks
    const found = await page.evaluate(overlaps);
    assert.deepEqual(found, [], 'no two visible elements overlap');
    const report = await page.evaluate(() => {
      const view = document.querySelector('#conversation')!.getBoundingClientRect();
      const first = document.querySelector('#turns > li:last-child .text > :first-child')!.getBoundingClientRect();
      const lineHeight = parseFloat(getComputedStyle(document.querySelector('#turns > li:last-child .text')!).lineHeight) || 16;
      const display = document.querySelector('#turns > li:last-child .katex-display')!;
      const conversation = document.querySelector('#conversation')!;
      return {
        firstLine: { top: first.top, bottom: first.top + lineHeight },
        view: { top: view.top, bottom: view.bottom },
        header: document.querySelector('.chat-header')!.getBoundingClientRect().height,
        composer: document.querySelector('#input')!.getBoundingClientRect().height,
        mathScrolls: display.scrollWidth > display.clientWidth && getComputedStyle(display).overflowX === 'auto',
        pageScrollsSideways: conversation.scrollWidth > conversation.clientWidth || document.documentElement.scrollWidth > innerWidth,
      };
    });
    assert.ok(report.firstLine.top >= report.view.top && report.firstLine.bottom <= report.view.bottom, `the latest reply's first line is inside the conversation's viewport: ${JSON.stringify(report)}`);
    assert.ok(report.header <= 34, `one compact header row (${report.header} px)`);
    assert.ok(report.composer <= 32, `the composer is one line while empty (${report.composer} px)`);
    assert.equal(report.mathScrolls, true, 'the wide formula scrolls inside its own box');
    assert.equal(report.pageScrollsSideways, false, 'nothing else scrolls sideways');
    await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', `chat-layout-${viewport.width}x${viewport.height}.png`) });
    await page.close();
  });
}

test('the composer is one line until the message needs more, and one line again after sending; the intro and starters scroll with the conversation', async () => {
  const { page } = await harness.show([problem()], { width: 700, height: 200 });
  const height = (): Promise<number> => page.evaluate(() => document.querySelector('#input')!.getBoundingClientRect().height);
  const one = await height();
  await page.focus('#input');
  await page.keyboard.type('line 1');
  for (let i = 2; i <= 3; i++) {
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type(`line ${i}`);
  }
  const three = await height();
  assert.ok(three > one * 1.8, `three lines make it taller (${one} -> ${three} px)`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(100);
  assert.equal(await height(), one, 'sent: one line again');
  const inside = await page.evaluate(() => {
    const conversation = document.querySelector('#conversation')!;
    return { note: conversation.contains(document.querySelector('.note')), starters: conversation.contains(document.querySelector('#starters')), fixed: [...document.querySelectorAll('.chat *')].filter((e) => ['sticky', 'fixed'].includes(getComputedStyle(e).position)).length };
  });
  assert.deepEqual(inside, { note: true, starters: true, fixed: 0 });
  await page.close();
});
