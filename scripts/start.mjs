// `npm start`: builds the extension and opens it, in development mode, on the examples/ workspace:
//   - in desktop VS Code when `code` is on the PATH (a new window);
//   - otherwise in the VS Code inside a local code-server (installed on first use by
//     scripts/install-code-server.sh), printing the URL to open in a browser. Ctrl+C stops it.
// Environment: QED_START_PORT (default 8080, or a free port when that one is taken), QED_START_HOST
// (default 127.0.0.1; the server has no password, so keep it on loopback or behind an SSH tunnel).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const examples = path.join(root, 'examples');
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

if (spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0) {
  console.log('Opening desktop VS Code with the extension in development mode on examples/.');
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, examples], { stdio: 'inherit', detached: true }).unref();
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
  const current = existsSync(userSettings) ? jsonOrUndefined(userSettings) : {};
  if (current && !('files.autoSave' in current)) writeFileSync(userSettings, `${JSON.stringify({ ...current, 'files.autoSave': 'off' }, null, 2)}\n`);
  const server = spawn(
    path.join(codeServerDir, 'node_modules', '.bin', 'code-server'),
    [
      '--auth', 'none', '--bind-addr', `${host}:${port}`, '--user-data-dir', path.join(state, 'user-data'),
      '--extensions-dir', path.join(state, 'extensions'), '--disable-telemetry', '--disable-update-check',
      '--disable-getting-started-override',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${host}:${port}${root}`]]);
  const url = `http://${host}:${port}/?folder=${encodeURIComponent(examples)}&payload=${encodeURIComponent(payload)}`;
  console.log(`\nQED-Nano is running in VS Code (code-server). Open this URL in a browser:\n\n  ${url}\n\nCtrl+C stops it.`);
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code) => process.exit(code ?? 0));
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
