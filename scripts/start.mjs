// `npm start`: builds the extension and opens it, in development mode, on the examples/ workspace:
//   - in desktop VS Code when `code` is on the PATH (a new window);
//   - otherwise in the VS Code inside a local code-server (installed on first use by
//     scripts/install-code-server.sh), printing the URL to open in a browser once code-server answers.
//     Ctrl+C stops it.
// Either way the first screen is QED-Nano's: the example problem file, with QED-Nano's walkthrough beside
// it (QED_NANO_START_WALKTHROUGH, read by client/src/extension.ts), not code-server's own welcome page. The
// code-server session does not ask whether to trust examples/ (the project's own folder:
// --disable-workspace-trust, for that session only) nor offers to open the repository around it in Git.
// Environment: QED_START_PORT (default 8080, or a free port when that one is taken), QED_START_HOST
// (default 127.0.0.1; the server has no password, so keep it on loopback or behind an SSH tunnel).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const examples = path.join(root, 'examples');
const exampleFile = path.join(examples, 'inequalities.md');
const env = { ...process.env, QED_NANO_START_WALKTHROUGH: '1' };
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

if (spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0) {
  console.log('Opening desktop VS Code with the extension in development mode on examples/.');
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, examples, exampleFile], { stdio: 'inherit', detached: true, env }).unref();
} else {
  console.log('No desktop VS Code (`code`) on the PATH: QED-Nano opens in the VS Code of a local code-server instead.');
  console.log('The first time, that installs code-server (and, as root, the Debian packages it needs, each named with why first).');
  const codeServerDir = execFileSync('bash', [path.join(root, 'scripts', 'install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1);
  const host = process.env.QED_START_HOST ?? '127.0.0.1';
  const port = await availablePort(host, Number(process.env.QED_START_PORT ?? 8080));
  const state = path.join(root, '.vscode-test', 'code-server');
  mkdirSync(state, { recursive: true });
  // code-server's web build saves every file a moment after each edit, which would start a critique on every
  // pause while typing (qedNano.critique.trigger is onSave): off, as desktop VS Code has it. A setting the
  // user changed in this profile is kept.
  const userSettings = path.join(state, 'user-data', 'User', 'settings.json');
  mkdirSync(path.dirname(userSettings), { recursive: true });
  // Git would offer to open the repository around examples/ (this project's own): not asked in this profile.
  const current = existsSync(userSettings) ? jsonOrUndefined(userSettings) : {};
  const defaults = { 'files.autoSave': 'off', 'git.openRepositoryInParentFolders': 'never' };
  const missing = Object.fromEntries(Object.entries(defaults).filter(([key]) => current && !(key in current)));
  if (current && Object.keys(missing).length > 0) writeFileSync(userSettings, `${JSON.stringify({ ...current, ...missing }, null, 2)}\n`);
  const server = spawn(
    path.join(codeServerDir, 'node_modules', '.bin', 'code-server'),
    [
      '--auth', 'none', '--bind-addr', `${host}:${port}`, '--user-data-dir', path.join(state, 'user-data'),
      '--extensions-dir', path.join(state, 'extensions'), '--disable-telemetry', '--disable-update-check',
      '--disable-getting-started-override', '--disable-workspace-trust',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env },
  );
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code) => process.exit(code ?? 0));
  // skipWelcome: no welcome page (code-server's "Setup VS Code Web"); openFile: the example problem.
  const remote = `vscode-remote://${host}:${port}`;
  const payload = JSON.stringify([['extensionDevelopmentPath', `${remote}${root}`], ['openFile', `${remote}${exampleFile}`], ['skipWelcome', 'true']]);
  const url = `http://${host}:${port}/?folder=${encodeURIComponent(examples)}&payload=${encodeURIComponent(payload)}`;
  console.log('Starting code-server…');
  await answering(`http://${host}:${port}/healthz`);
  console.log(`\nQED-Nano is running in VS Code (code-server). Open this URL in a browser:\n\n  ${url}\n\nCtrl+C stops it.`);
}

/** Resolves once `url` answers 200 (code-server's health check), polling every 200 ms; code-server exiting
 * meanwhile ends the script through its exit handler. */
async function answering(url) {
  for (;;) {
    const ok = await fetch(url).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A settings file as an object, or undefined when it is not plain JSON (VS Code allows comments): then it
 * is left as the user wrote it. */
function jsonOrUndefined(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function availablePort(host, preferred) {
  const tryPort = (port) =>
    new Promise((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, host, () => {
        const chosen = probe.address().port;
        probe.close(() => resolve(chosen));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}
