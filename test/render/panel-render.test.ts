/**
 * The proof panel's real script (dist/media/panel.js: markdown-it + KaTeX) in headless Chromium, under the
 * panel's Content-Security-Policy: formulas render (also with `\(..\)`, `\[..\]` and the document's macros),
 * a broken formula shows its source without breaking the rest, and hostile model output stays inert.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { PANEL_BODY } from '../../media/src/panelMarkup';
import type { ToPanel } from '../../media/src/panelProtocol';
import { REPO_ROOT } from '../support/fixtures';
import { ViewHarness } from '../support/viewHarness';
import { contrast, grey, over } from '../support/contrast';

const harness = new ViewHarness(PANEL_BODY, 'panel.js');
before(() => harness.start());
after(() => harness.stop());

function show(messages: ToPanel[]): Promise<{ page: Page; violations: string[] }> {
  return harness.show(messages);
}


/** A finished proof with Insert and Retry on offer: the state the button tests start from. */
const FINISHED_PROOF: ToPanel[] = [
  { type: 'run', kind: 'proof', mode: 'single' },
  { type: 'progress', value: { kind: 'started', statement: 'Show $n \\ge 1$.', macros: {} } },
  { type: 'progress', value: { kind: 'answer', text: 'Clear. ∎' } },
  { type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 1, tokensPerSecond: 1, elapsedMs: 1, objections: [] },
  { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
];

test('formulas render in every delimiter, with the document macros; a broken one shows its source and the rest renders', async () => {
  const proof = [
    '**Proof.** For $x \\in \\R$ we have \\(x^2 \\ge 0\\), and',
    '$$',
    '\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}.',
    '$$',
    'Also \\[ \\abs{a+b} \\le \\abs{a} + \\abs{b} \\] and a broken one $\\frac{1}{$ here. Code `$not math$` stays code. ∎',
  ].join('\n');
  const { page, violations } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'For all $x \\in \\R$, $x^2 \\ge 0$.', macros: { '\\R': '\\mathbb{R}', '\\abs': '\\left|#1\\right|' } } },
    { type: 'progress', value: { kind: 'thinking', text: 'Squares are non-negative.' } },
    { type: 'progress', value: { kind: 'answer', text: proof } },
    { type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 5, thinkingMs: 800, tokensPerSecond: 12.5, elapsedMs: 1200, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
  ]);
  const report = await page.evaluate(() => ({
    katex: document.querySelectorAll('#proof .katex').length,
    display: document.querySelectorAll('#proof .katex-display').length,
    errors: [...document.querySelectorAll('#proof .katex-error')].map((e) => e.textContent),
    mathbb: document.querySelector('#statement .mathbb, #statement .mord.mathbb') !== null,
    code: document.querySelector('#proof code')?.textContent,
    end: document.querySelector('#proof')?.textContent?.includes('∎'),
    summary: document.querySelector('#thinking-summary')?.textContent,
    insertEnabled: !(document.querySelector('#insert') as HTMLButtonElement).disabled,
  }));
  assert.equal(report.katex, 4, 'four formulas render (the broken fifth is shown as source)');
  assert.equal(report.display, 2, '$$..$$ and \\[..\\] are display math');
  assert.deepEqual(report.errors, ['\\frac{1}{'], 'the broken formula shows its source');
  assert.ok(report.mathbb, 'the document macro \\R is expanded');
  assert.equal(report.code, '$not math$');
  assert.equal(report.end, true, 'text after the broken formula still renders');
  assert.equal(report.summary, 'Thinking — 5 tokens, 0.8 s');
  assert.equal(report.insertEnabled, true);
  assert.deepEqual(violations, []);
  await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', 'panel-render.png'), fullPage: true });
  await page.close();
});

test('hostile model output is inert: no script runs, no handler attribute, no link of any scheme', async () => {
  const hostile = [
    '[docs](https://evil.example/x) [run](command:workbench.action.terminal.new) [open](vscode://file/etc/passwd) <https://evil.example/auto>',
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(2)">',
    '[click](javascript:alert(3))',
    '$\\href{javascript:alert(4)}{x}$ and $\\url{javascript:alert(5)}$',
    '<a href="javascript:alert(6)">a</a> <iframe src="javascript:alert(7)"></iframe>',
    '$\\htmlClass{x}{y}$ $\\includegraphics{http://evil/x.png}$',
  ].join('\n\n');
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: '<svg onload="alert(8)"></svg>', macros: { '\\evil': '\\href{javascript:alert(9)}{x}' } } },
    { type: 'progress', value: { kind: 'thinking', text: '<script>alert(10)</script>' } },
    { type: 'progress', value: { kind: 'answer', text: `${hostile}\n\n$\\evil$` } },
    { type: 'finish', state: 'done', message: '<b>bold?</b>', thinkingTokens: 1, tokensPerSecond: 1, elapsedMs: 1, objections: ['<img src=x onerror=alert(11)> step 2 is wrong'] },
  ]);
  await page.waitForTimeout(300);
  const report = await page.evaluate(() => ({
    alerts: (window as unknown as { __alerts: number }).__alerts,
    scripts: document.querySelectorAll('#proof script, #statement script, #thinking-text script').length,
    handlers: [...document.querySelectorAll('#proof *, #statement *, #objections *')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    links: document.querySelectorAll('#proof a, #statement a, #objections a').length,
    iframes: document.querySelectorAll('iframe').length,
    images: document.querySelectorAll('#proof img, #objections img').length,
    proofText: document.querySelector('#proof')?.textContent ?? '',
    message: document.querySelector('#message')?.innerHTML,
  }));
  assert.equal(report.alerts, 0);
  assert.equal(report.scripts, 0);
  assert.equal(report.handlers, 0);
  assert.equal(report.links, 0, 'no anchor at all: https, command: and vscode: links stay text');
  assert.ok(report.proofText.includes('[run](command:workbench.action.terminal.new)'), 'a link shows as the text the model wrote');
  assert.equal(report.iframes, 0);
  assert.equal(report.images, 0);
  assert.ok(report.proofText.includes('<script>alert(1)</script>'), 'raw HTML shows as text');
  assert.equal(report.message, '&lt;b&gt;bold?&lt;/b&gt;');
  await page.close();
});

test('an attempt that ran out of budget while thinking shows no proof, says why, and offers Continue', async () => {
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n^2 \\ge n$.', macros: {} } },
    { type: 'progress', value: { kind: 'thinking', text: 'Let me try induction on n, the base case' } },
    { type: 'finish', state: 'noProof', message: 'No proof: the model used its whole thinking budget.', thinkingTokens: 40, tokensPerSecond: 9, elapsedMs: 4000, objections: [] },
    { type: 'actions', actions: { retry: true, continue: true, insert: 'none' } },
  ]);
  const report = await page.evaluate(() => ({
    proof: document.querySelector('#proof')?.textContent,
    message: document.querySelector('#message')?.textContent,
    continueShown: !(document.querySelector('#continue') as HTMLButtonElement).hidden,
    continueEnabled: !(document.querySelector('#continue') as HTMLButtonElement).disabled,
    insertEnabled: !(document.querySelector('#insert') as HTMLButtonElement).disabled,
  }));
  assert.deepEqual(report, { proof: '', message: 'No proof: the model used its whole thinking budget.', continueShown: true, continueEnabled: true, insertEnabled: false });
  await page.click('#continue');
  await page.selectOption('#mode', 'rc');
  await page.click('#retry');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: object[] }).__posted), [
    { type: 'ready' },
    { type: 'continue' },
    { type: 'retry', mode: 'rc' },
  ]);
  await page.close();
});

test('while a new proof is written, the last one stays visible, marked outdated, until the new text arrives', async () => {
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'A.', macros: {} } },
    { type: 'progress', value: { kind: 'answer', text: 'First proof with $x^2$.' } },
    { type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 1, tokensPerSecond: 1, elapsedMs: 1, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'A.', macros: {} } },
    { type: 'progress', value: { kind: 'thinking', text: 'Thinking again.' } },
  ]);
  const during = await page.evaluate(() => ({ text: document.querySelector('#proof')?.textContent, outdated: document.querySelector('#proof')?.classList.contains('outdated') }));
  assert.match(during.text ?? '', /First proof with/);
  assert.equal(during.outdated, true);
  await page.evaluate(() => window.postMessage({ type: 'progress', value: { kind: 'answer', text: 'Second proof.' } }, '*'));
  await page.waitForTimeout(100);
  const after = await page.evaluate(() => ({ text: document.querySelector('#proof')?.textContent?.trim(), outdated: document.querySelector('#proof')?.classList.contains('outdated') }));
  assert.deepEqual(after, { text: 'Second proof.', outdated: false });
  await page.close();
});

test('hidden and shown again, the panel comes back as it was, but offers only what the extension says it still can do', async () => {
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n \\ge 1$.', macros: {} } },
    { type: 'progress', value: { kind: 'thinking', text: 'Easy.' } },
    { type: 'progress', value: { kind: 'answer', text: 'Since $n$ is a positive integer. ∎' } },
    { type: 'finish', state: 'done', message: 'Done: 3 thinking + 9 proof tokens.', thinkingTokens: 3, tokensPerSecond: 9, elapsedMs: 300, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
  ]);
  await page.reload(); // a webview that was hidden is rebuilt from scratch, with only its saved state
  await page.waitForTimeout(150);
  const restored = await page.evaluate(() => ({
    statementMath: document.querySelector('#statement .katex') !== null,
    proofMath: document.querySelectorAll('#proof .katex').length,
    proofText: document.querySelector('#proof')?.textContent ?? '',
    message: document.querySelector('#message')?.textContent,
    insert: !(document.querySelector('#insert') as HTMLButtonElement).disabled,
    retry: !(document.querySelector('#retry') as HTMLButtonElement).disabled,
    posted: (window as unknown as { __posted: object[] }).__posted,
  }));
  assert.equal(restored.statementMath, true);
  assert.equal(restored.proofMath, 1);
  assert.match(restored.proofText, /Since .* is a positive integer\.\s∎/);
  assert.equal(restored.message, 'Done: 3 thinking + 9 proof tokens.');
  // A restored view (after a window reload the extension has no run at all) asks before offering anything.
  assert.deepEqual([restored.insert, restored.retry, restored.posted], [false, false, [{ type: 'ready' }]]);
  await page.evaluate(() => window.postMessage({ type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } }, '*'));
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => !(document.querySelector('#insert') as HTMLButtonElement).disabled), true, 'the extension still has it');
  await page.close();
});

test('a refinement shows the text as written and the refined text, with Apply and Discard, and no Deep mode', async () => {
  const { page } = await show([
    { type: 'run', kind: 'refinement', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Then $x^2 \\ge 0$.', macros: {} } },
    { type: 'progress', value: { kind: 'thinking', text: 'Say why.' } },
    { type: 'progress', value: { kind: 'answer', text: 'Then $x^2 = x \\cdot x \\ge 0$.' } },
    { type: 'finish', state: 'done', message: 'Apply replaces exactly the text as written.', thinkingTokens: 0, tokensPerSecond: 0, elapsedMs: 10, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } },
  ]);
  await page.waitForTimeout(300);
  const report = await page.evaluate(() => ({
    headings: [...document.querySelectorAll('h2')].filter((h) => !(h as HTMLElement).hidden).map((h) => h.textContent),
    insert: document.querySelector('#insert')?.textContent,
    discardVisible: getComputedStyle(document.querySelector('#discard')!).display !== 'none',
    modeVisible: getComputedStyle(document.querySelector('#mode')!.parentElement!).display !== 'none',
    math: document.querySelectorAll('#statement .katex, #proof .katex').length,
  }));
  assert.deepEqual(report.headings.slice(0, 2), ['As written', 'Refined by QED-Nano']);
  assert.equal(report.insert, 'Apply');
  assert.equal(report.discardVisible, true);
  assert.equal(report.modeVisible, false);
  assert.equal(report.math, 2);
  await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', 'panel-refinement.png'), fullPage: true });
  await page.close();
});

test('Insert says "Inserted" (disabled) while the proof is in the document, offers "Insert anyway" after a statement edit; Copy says "Copied"', async () => {
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n \\ge 1$.', macros: {} } },
    { type: 'progress', value: { kind: 'answer', text: 'Clear. ∎' } },
    { type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 1, tokensPerSecond: 1, elapsedMs: 1, objections: [] },
    { type: 'actions', actions: { retry: true, continue: false, insert: 'inserted' } },
  ]);
  const insert = (): Promise<{ text: string | null; disabled: boolean }> =>
    page.evaluate(() => ({ text: document.querySelector('#insert')!.textContent, disabled: (document.querySelector('#insert') as HTMLButtonElement).disabled }));
  assert.deepEqual(await insert(), { text: 'Inserted', disabled: true });
  await page.evaluate(() => window.postMessage({ type: 'actions', actions: { retry: true, continue: false, insert: 'ready' } }, '*'));
  await page.waitForTimeout(100);
  assert.deepEqual(await insert(), { text: 'Insert into document', disabled: false }, 'after Undo in the document');
  await page.evaluate(() => window.postMessage({ type: 'actions', actions: { retry: true, continue: false, insert: 'statementChanged' } }, '*'));
  await page.waitForTimeout(100);
  assert.deepEqual(await insert(), { text: 'Insert anyway', disabled: false });
  await page.click('#insert');
  await page.click('#copy');
  await page.evaluate(() => window.postMessage({ type: 'copied' }, '*'));
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => document.querySelector('#copy')!.textContent), 'Copied');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: object[] }).__posted), [{ type: 'ready' }, { type: 'insert', anyway: true }, { type: 'copy' }]);
  await page.waitForTimeout(2100);
  assert.equal(await page.evaluate(() => document.querySelector('#copy')!.textContent), 'Copy', 'only for a moment');
  await page.close();
});

/** Mean HSV saturation (0..1) of an element's pixels, from a screenshot of it. */
async function saturationOf(page: Page, selector: string): Promise<number> {
  const image = PNG.sync.read(await page.locator(selector).screenshot());
  let total = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
    const max = Math.max(r, g, b);
    total += max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
  }
  return total / (image.data.length / 4);
}

test('in a dark theme a disabled button is grey, not a dimmer blue; a focused button keeps its label and gets a 2px ring', async () => {
  const { page } = await show(FINISHED_PROOF);
  // Default Dark Modern's colours, as VS Code sets them on a webview.
  await page.evaluate(() => {
    const colours: Record<string, string> = {
      '--vscode-foreground': '#cccccc', '--vscode-sideBar-background': '#181818', '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-focusBorder': '#0078d4',
    };
    for (const [name, value] of Object.entries(colours)) document.documentElement.style.setProperty(name, value);
    document.body.style.background = '#181818';
  });
  const disabled = await saturationOf(page, '#stop');
  const enabled = await saturationOf(page, '#insert');
  assert.ok(enabled > 0.5, `an enabled primary button is blue (saturation ${enabled.toFixed(2)})`);
  assert.ok(disabled < 0.1, `a disabled primary button is grey (saturation ${disabled.toFixed(2)}, enabled ${enabled.toFixed(2)})`);
  await page.keyboard.press('Tab'); // Stop is disabled: the focus goes to Retry
  const focus = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement!);
    return { id: document.activeElement!.id, width: style.outlineWidth, offset: style.outlineOffset, colour: style.outlineColor, opacity: style.opacity };
  });
  assert.deepEqual(focus, { id: 'retry', width: '2px', offset: '2px', colour: 'rgb(0, 120, 212)', opacity: '1' });
  await page.close();
});

test('the Thinking header counts the thinking alone: its tokens as streamed (= the final count) and its own time', async () => {
  const { page } = await show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n \\ge 1$.', macros: {} } },
    { type: 'progress', value: { kind: 'thinking', text: 'A long thought with few tokens.', thinkingTokens: 7 } },
  ]);
  const header = (): Promise<string | null | undefined> => page.evaluate(() => document.querySelector('#thinking-summary')?.textContent);
  assert.match((await header()) ?? '', /^Thinking — 7 tokens, \d+\.\d s$/, 'the streamed count, not a guess from the length');
  await page.evaluate(() => window.postMessage({ type: 'progress', value: { kind: 'answer', text: 'Clear. ∎', thinkingTokens: 8 } }, '*'));
  await page.waitForTimeout(100);
  const whenTheProofBegan = await header();
  assert.match(whenTheProofBegan ?? '', /^Thinking — 8 tokens, \d+\.\d s$/);
  await page.waitForTimeout(1100); // the proof is written; the thinking's time stays where it ended
  assert.equal(await header(), whenTheProofBegan);
  await page.evaluate(() =>
    window.postMessage({ type: 'finish', state: 'done', message: 'Done.', thinkingTokens: 8, thinkingMs: 450, tokensPerSecond: 3, elapsedMs: 9000, objections: [] }, '*'),
  );
  await page.waitForTimeout(100);
  assert.equal(await header(), 'Thinking — 8 tokens, 0.5 s', 'the thinking time, not the whole reply\'s 9 s');
  await page.close();
});

/** The button colours of VS Code 1.100's default themes (Dark Modern, Light Modern, Dark High Contrast). */
const THEMES: Record<string, Record<string, string>> = {
  'dark modern': {
    '--vscode-foreground': '#cccccc', '--vscode-sideBar-background': '#181818', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-focusBorder': '#0078d4', '--vscode-button-border': '#ffffff12',
  },
  'light modern': {
    '--vscode-foreground': '#3b3b3b', '--vscode-sideBar-background': '#f8f8f8', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc', '--vscode-focusBorder': '#005fb8', '--vscode-button-border': '#0000001a',
  },
  'high contrast': {
    '--vscode-foreground': '#ffffff', '--vscode-sideBar-background': '#000000', '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff', '--vscode-focusBorder': '#f38518',
    '--vscode-button-border': '#6fc3df', '--vscode-contrastBorder': '#6fc3df',
  },
};

test('every button state reads at WCAG AA (4.5:1) in the dark, light and high-contrast themes: enabled, hovered, focused; disabled stays legible (3:1)', async () => {
  const failures: string[] = [];
  const measured: string[] = [];
  for (const [theme, colours] of Object.entries(THEMES)) {
    const { page } = await show(FINISHED_PROOF);
    await page.evaluate((vars) => {
      for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
      document.body.style.background = vars['--vscode-sideBar-background']!;
    }, colours);
    const panel = colours['--vscode-sideBar-background']!;
    const measure = async (id: string, state: string): Promise<void> => {
      const style = await page.evaluate((selector) => {
        const s = getComputedStyle(document.querySelector(selector)!);
        return { color: s.color, background: s.backgroundColor, opacity: Number(s.opacity), grey: s.filter.includes('grayscale(1)') };
      }, `#${id}`);
      const panelRgb = `rgb(${parseInt(panel.slice(1, 3), 16)}, ${parseInt(panel.slice(3, 5), 16)}, ${parseInt(panel.slice(5, 7), 16)})`;
      // The button as painted (its background over the panel, its label over that), greyed by its filter,
      // then faded as a whole by its opacity over the panel.
      const paint = (colour: string): string => (style.grey ? grey(colour) : colour);
      const face = paint(over(style.background, panelRgb));
      const label = paint(over(style.color, over(style.background, panelRgb)));
      const ratio = contrast(over(label, panelRgb, style.opacity), over(face, panelRgb, style.opacity));
      const needed = state === 'disabled' ? 3 : 4.5;
      measured.push(`${theme}: ${id} ${state} ${ratio.toFixed(2)}:1`);
      if (ratio < needed) failures.push(`${theme}: ${id} ${state} ${ratio.toFixed(2)}:1 (${style.color} on ${style.background}, opacity ${style.opacity})`);
    };
    for (const id of ['insert', 'retry', 'copy']) await measure(id, 'enabled');
    await measure('stop', 'disabled');
    await page.hover('#insert');
    await measure('insert', 'hovered');
    await page.hover('#retry');
    await measure('retry', 'hovered');
    await page.mouse.move(0, 0);
    await page.keyboard.press('Tab'); // Stop is disabled: Retry takes the focus
    await measure('retry', 'focused');
    await page.keyboard.press('Tab');
    await measure(await page.evaluate(() => document.activeElement!.id), 'focused');
    await page.close();
  }
  console.log(`contrast: ${measured.join('; ')}`);
  assert.deepEqual(failures, []);
});

test('the reasoning cache: each attempt starts afresh, each summary is folded with its math typeset and no HTML, a stopped run keeps the last proof', async () => {
  const { page, violations } = await show([
    { type: 'run', kind: 'proof', mode: 'rc' },
    { type: 'progress', value: { kind: 'started', statement: 'Show $n^2 \\ge n$.', macros: {} } },
    { type: 'progress', value: { kind: 'attempt', attempt: 1, of: 3, proofSoFar: '' } },
    { type: 'progress', value: { kind: 'thinking', text: 'First thoughts.' } },
    { type: 'progress', value: { kind: 'answer', text: 'Proof one: $n \\cdot n \\ge n$.' } },
    { type: 'progress', value: { kind: 'summary', text: 'I tried $n^2 - n = n(n-1)$. <img src=x onerror="alert(1)">' } },
    { type: 'progress', value: { kind: 'attempt', attempt: 2, of: 3, proofSoFar: 'Proof one: $n \\cdot n \\ge n$.' } },
    { type: 'progress', value: { kind: 'thinking', text: 'Second thoughts.' } },
  ]);
  await page.waitForTimeout(200);
  const running = await page.evaluate(() => ({
    thinking: document.querySelector('#thinking-text')?.textContent,
    outdated: document.querySelector('#proof')?.classList.contains('outdated'),
    proof: document.querySelector('#proof')?.textContent,
    summaries: [...document.querySelectorAll('#summaries details summary')].map((s) => s.textContent),
    open: (document.querySelector('#summaries details') as HTMLDetailsElement | null)?.open,
    math: document.querySelectorAll('#summaries .katex').length,
    images: document.querySelectorAll('#summaries img').length,
    mode: (document.querySelector('#mode') as HTMLSelectElement).value,
  }));
  assert.deepEqual(running, {
    thinking: 'Second thoughts.',
    outdated: true,
    proof: running.proof,
    summaries: ['Summary 1: what the next attempt starts from'],
    open: false,
    math: 1,
    images: 0,
    mode: 'rc',
  });
  assert.ok(running.proof?.startsWith('Proof one'), 'the last proof so far stays visible, dimmed, while attempt 2 thinks');
  // Stop: the controller ends the run with the last proof an attempt wrote.
  await page.evaluate(() => window.postMessage({ type: 'finish', state: 'stopped', message: 'Stopped: the last proof an attempt wrote stays above.', thinkingTokens: 0, tokensPerSecond: 0, elapsedMs: 5, objections: [], proof: 'Proof one: $n \\cdot n \\ge n$.' }, '*'));
  await page.waitForTimeout(200);
  const stopped = await page.evaluate(() => ({ outdated: document.querySelector('#proof')?.classList.contains('outdated'), proof: document.querySelector('#proof')?.textContent }));
  assert.equal(stopped.outdated, false);
  assert.ok(stopped.proof?.startsWith('Proof one'));
  await page.screenshot({ path: path.join(REPO_ROOT, 'test-output', 'panel-reasoning-cache.png') });
  assert.deepEqual(violations, []);
  await page.close();
});

test('in a narrow Proof view the end-of-proof mark stays on the line of the last word', async () => {
  const words = 'Since every term is positive the sum is positive and the claim follows for every integer we considered';
  const page = (await harness.show([
    { type: 'run', kind: 'proof', mode: 'single' },
    { type: 'progress', value: { kind: 'started', statement: 'Show it.', macros: {} } },
    // Each width below puts a break right before the mark without the no-break space: one of them is the
    // width at which a plain space would let "∎" wrap alone.
    { type: 'progress', value: { kind: 'answer', text: `${words} ∎` } },
  ], { width: 240, height: 600 })).page;
  const wrapsAlone: number[] = [];
  for (let width = 180; width <= 260; width += 2) {
    await page.setViewportSize({ width, height: 600 });
    const lines = await page.evaluate(() => {
      const proof = document.querySelector('#proof')!;
      const walker = document.createTreeWalker(proof, NodeFilter.SHOW_TEXT);
      let node: Text | null;
      let mark: DOMRect | undefined;
      let last: DOMRect | undefined;
      while ((node = walker.nextNode() as Text | null)) {
        const at = node.data.indexOf('∎');
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 1);
        mark = range.getBoundingClientRect();
        const before = node.data.slice(0, at).trimEnd().lastIndexOf(' ');
        range.setStart(node, before + 1);
        range.setEnd(node, before + 2);
        last = range.getBoundingClientRect();
      }
      return mark && last ? { mark: mark.top, last: last.top } : undefined;
    });
    assert.ok(lines, 'the mark is shown');
    if (Math.abs(lines.mark - lines.last) > 2) wrapsAlone.push(width);
  }
  assert.deepEqual(wrapsAlone, [], 'widths at which "∎" went to a line without the last word');
  await page.close();
});
