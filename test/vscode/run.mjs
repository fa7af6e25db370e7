// Runs the integration suite (test/vscode/suite) inside a real VS Code, through @vscode/test-electron's
// runTests(): in the current VS Code twice, once with the extension loaded from this folder (development
// mode), once with the extension installed from its .vsix (so a file missing from the package fails a test);
// then in VS Code 1.100.3, the engines floor, from this folder (the `floor` run: the tests FLOOR_TESTS names,
// those that meet what changed most between the two: activation, the language client's features, the
// webviews, the model in the extension host, Prove end to end).
//
// Where VS Code is: by default the VS Code inside code-server driven by headless Chromium (the only one that
// runs offline here; installed by scripts/install-code-server.sh): code-server 4.139.1 (VS Code 1.139.1, on
// its own Node 24) as the current one, 4.100.3 (VS Code 1.100.3) as the floor. With QED_VSCODE=desktop,
// desktop VS Code 1.100.3 is downloaded by test-electron for the development and .vsix runs instead (run
// under `xvfb-run -a` on a headless Linux).
//
// Then the coexistence suite (test/vscode/coexistence) with LaTeX Workshop installed from
// test/fixtures/coexistence, twice and at once: LaTeX Workshop 10.17.1 in the current VS Code, and 10.14.0 (one
// that installs there) in VS Code 1.100.3, the engines floor; then the first-run suite (test/vscode/firstRun) in FIRST_RUN_STARTS fresh
// profiles, one after another: each a new user-data folder and a new browser, the user's own problem file
// and a model file in the user settings.
//
// Usage: node test/vscode/run.mjs [--development-only | --vsix-only | --first-run-only | --coexistence-only | --floor-only].
// QED_CODE_SERVER_DIR and QED_CODE_SERVER_FLOOR_DIR name installed code-servers (else they are installed).
// Writes screenshots and results to test-output/.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runTests, downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath } from '@vscode/test-electron';

const root = path.resolve(import.meta.dirname, '..', '..');
const outputDir = process.env.QED_TEST_OUTPUT ?? path.join(root, 'test-output');
const desktop = process.env.QED_VSCODE === 'desktop';
const testsPath = path.join(root, 'out', 'test', 'vscode', 'suite', 'index.js');
/** Only the tests whose titles match (a Mocha grep), for a quick look while developing. */
const userGrep = process.env.QED_VSCODE_GREP;
const only = ['--development-only', '--vsix-only', '--first-run-only', '--coexistence-only', '--floor-only'].find((flag) => process.argv.includes(flag));
const modes = only === undefined ? ['development', 'vsix', 'floor'] : only === '--development-only' ? ['development'] : only === '--vsix-only' ? ['vsix'] : only === '--floor-only' ? ['floor'] : [];
/** The code-server of the current VS Code and of the engines floor (scripts/install-code-server.sh pins both). */
const CURRENT_CODE_SERVER = '4.139.1';
const FLOOR_CODE_SERVER = '4.100.3';
/** The tests the floor run keeps: the suite's titles they begin with (a Mocha grep). */
const FLOOR_TESTS = [
  'the extension under test',
  'activates on demand',
  'the Outline of a LaTeX file',
  'a broken LaTeX file',
  'labels in a project',
  'the language server is restarted',
  'without a model',
  'the model loads',
  'Prove on a LaTeX selection',
];
/** How many fresh profiles the first-run suite starts in (the webview race hit 5 of 6 starts once). */
// Three since the floor run and the coexistence suite joined the 15-minute budget: starts 1 and 3 have the
// race's dead first page injected, start 2 is a plain fresh start (one start takes about 64 s on a loaded
// 2-core machine).
const FIRST_RUN_STARTS = Number(process.env.QED_FIRST_RUN_STARTS ?? 3);
const firstRunTestsPath = path.join(root, 'out', 'test', 'vscode', 'firstRun', 'index.js');
const coexistenceTestsPath = path.join(root, 'out', 'test', 'vscode', 'coexistence', 'index.js');
/** LaTeX Workshop for each coexistence run, built from its source (test/fixtures/coexistence/README.md). */
const COEXISTENCE_RUNS = [
  { mode: 'coexistence', latexWorkshop: '10.17.1' },
  { mode: 'coexistence-floor', latexWorkshop: '10.14.0' },
];
// A new user's own file (not a fixture): a problem without a proof, and what the first run's model says.
const FIRST_RUN_FILE = '# My problems\n\n**Problem 1.** Prove that $1 + 3 + \\dots + (2n-1) = n^2$ for every positive integer $n$.\n\n**Problem 2.** Find all primes $p$ with $p^2 + 2$ prime.\n';
const FIRST_RUN_PROOF = 'Induction.\n</think>\n\n**Proof.** The sum of the first $n$ odd numbers grows by $2n+1$ from $n$ to $n+1$, and $n^2 + 2n + 1 = (n+1)^2$. ∎';
const FIRST_RUN_CHAT = 'A hint.\n</think>\n\nPair the first and last terms: $1 + (2n-1) = 2n$.';
const FIRST_RUN_CHAT_AGAIN = 'Another.\n</think>\n\nTry induction on $n$: add $2n+1$ to both sides.';
const PROVE_SCRIPT = 'Try $x = 1$ first.\n</think>\n\n**Proof.** For $a, b \\in \\R$, $\\abs{a+b}^2 = a^2 + 2ab + b^2 \\le (\\abs a + \\abs b)^2$. ∎';
// Prove (Reasoning Cache) with two attempts: the first attempt, its summary, the second attempt.
const RC_SCRIPTS = [
  'Square both sides.\n</think>\n\nA first attempt: square both sides.',
  'Summarising.\n</think>\n\nI bounded $\\abs{a+b}^2$ by squaring and compared it with $(\\abs a + \\abs b)^2$; the cross term $2ab \\le 2\\abs a \\abs b$ is what is left to justify.',
  'Use the summary.\n</think>\n\n**Proof.** $\\abs{a+b}^2 = a^2 + 2ab + b^2 \\le a^2 + 2\\abs a \\abs b + b^2 = (\\abs a + \\abs b)^2$, since $ab \\le \\abs{ab}$. ∎',
];
// The completion test's reply: the rest of the sentence, then more that the step's end cuts off.
const COMPLETION = ' $x^2 \\ge 0$ since squares are nonnegative. And then more.';
// The coexistence suite's Prove: a proof of the lemma it adds to the thesis, as the model writes it (Markdown,
// $-math), for Insert to write in the chapter's own way (\\(…\\)).
const COEXISTENCE_PROOF = 'Parity.\n</think>\n\n**Proof.** Suppose $p > 2$ were even. Then $2$ divides $p$ and $1 < 2 < p$, so $p$ has a divisor other than $1$ and $p$, which a prime does not have. ∎';
// The critique test's replies: its review, then the findings read out as JSON (see test/lsp/critique.test.ts).
const CRITIQUE_REVIEW = 'Step 2 needs a reason.\n</think>\n\nStep 2 states the bound without a reason. \\boxed{0.5}';
const CRITIQUE_FINDINGS = '{"score":"0.5","findings":[{"step":2,"kind":"gap","explanation":"Why does the square of a real number not go below zero here? Say it."}]}';
const REMOTE_KEY = 'sk-vscode-test-key';
const REFINED_STEP = 'Say why.\n</think>\n\nThen $x^2 = x \\cdot x \\ge 0$, since a product of two reals of the same sign is nonnegative.';

if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run \`npm run build\` first.`);

const codeServerAsVSCode = path.join(root, 'test', 'vscode', 'codeServerAsVSCode.mjs');
const desktopVSCode = desktop ? await downloadAndUnzipVSCode('1.100.3') : undefined;
const env = { QED_TEST_OUTPUT: outputDir };
/** Where each code-server is, installed on first use. */
const codeServers = new Map();
function codeServer(version) {
  if (!codeServers.has(version)) {
    const given = version === CURRENT_CODE_SERVER ? process.env.QED_CODE_SERVER_DIR : process.env.QED_CODE_SERVER_FLOOR_DIR;
    codeServers.set(version, given ?? installCodeServer(version));
  }
  return codeServers.get(version);
}
/** The VS Code a run of `mode` is in: its executable for runTests, and its name. */
function vscodeFor(mode) {
  if (desktopVSCode && mode !== 'floor') return { executable: desktopVSCode, name: 'desktop VS Code 1.100.3', env: {} };
  const version = mode === 'floor' ? FLOOR_CODE_SERVER : CURRENT_CODE_SERVER;
  return { executable: codeServerAsVSCode, name: `VS Code in code-server ${version}`, env: { QED_CODE_SERVER_DIR: codeServer(version) } };
}

const results = [];
const unreachableHuggingFace = await droppingServer();
for (const mode of modes) {
  const scratch = mkdtempSync(path.join(tmpdir(), `qed-vscode-${mode}-`));
  const workspace = path.join(scratch, 'workspace');
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  cpSync(path.join(root, 'test', 'fixtures', 'documents'), workspace, { recursive: true });
  cpSync(path.join(root, 'test', 'fixtures', 'latex-project'), path.join(workspace, 'thesis'), { recursive: true });
  const tinyModel = path.join(scratch, 'tiny-natural.gguf');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'tiny-model.ts'), tinyModel, '--variant', 'natural'], { cwd: root, stdio: 'ignore' });
  // The language server's replies in turn (scripted mode), so the tests can check exact output: the first
  // prove test, the reasoning-cache test's three replies, the second prove test, the completion test, then the critique test's review, findings and refined step, in the order
  // the suite runs them (completions are manual in the suite, so no automatic one takes a reply).
  const scripts = [PROVE_SCRIPT, ...RC_SCRIPTS, PROVE_SCRIPT, COMPLETION, CRITIQUE_REVIEW, CRITIQUE_FINDINGS, REFINED_STEP];
  // The remote-engine test's stand-in for vLLM (OpenAI API, node-llama-cpp behind it), which wants the key.
  const remote = await startRemoteServer(tinyModel);
  const vscode = vscodeFor(mode);
  const grep = mode === 'floor' ? `^QED-Nano in a real VS Code (${FLOOR_TESTS.join('|')})` : userGrep;
  const modeEnv = {
    ...env,
    ...vscode.env,
    QED_TEST_MODE: mode,
    QED_TINY_MODEL: tinyModel,
    QED_NANO_TEST_SCRIPT: JSON.stringify(scripts),
    QED_TEST_REMOTE_URL: remote.url,
    QED_TEST_REMOTE_KEY: REMOTE_KEY,
    // hf: models resolve at a local server that drops every connection: the default model's download fails
    // at once with the network named, whatever the machine's network does with huggingface.co (refused here;
    // on another machine its packets may be dropped, and the "without a model" test then waited out Mocha's
    // timeout). A server, not a port let go, so that no later listener can take the port.
    QED_NANO_HF_ENDPOINT: unreachableHuggingFace.url,
    ...(grep ? { QED_VSCODE_GREP: grep } : {}),
  };
  let developmentPath = root;
  if (mode === 'vsix') {
    const vsix = packageExtension();
    developmentPath = path.join(root, 'test', 'vscode', 'packageHarness');
    if (desktopVSCode) installIntoDesktop(desktopVSCode, vsix, extensionsDir, userDataDir);
    else modeEnv.QED_VSIX = vsix;
  }
  try {
    const counts = await runSuite(`VS Code integration tests (${mode}, ${vscode.name})`, vscode.executable, modeEnv, {
      extensionDevelopmentPath: developmentPath,
      extensionTestsPath: testsPath,
      launchArgs: [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`],
    });
    results.push({ mode, ...counts });
  } finally {
    remote.process.kill();
    rmSync(scratch, { recursive: true, force: true });
    // runSuite leaves a run's environment in process.env: a later run installs and greps only what it names.
    delete process.env.QED_VSIX;
    delete process.env.QED_VSCODE_GREP;
  }
}

if ((only === undefined || only === '--coexistence-only') && !userGrep) {
  // Both at once (their output interleaves): each spends most of its time waiting for its VS Code to start,
  // so the floor's run costs the suite less beside the current one than after it.
  const counts = await Promise.all(COEXISTENCE_RUNS.map((run) => coexistence(run)));
  COEXISTENCE_RUNS.forEach((run, i) => results.push({ mode: run.mode, ...counts[i] }));
}

if ((only === undefined || only === '--first-run-only') && !userGrep && FIRST_RUN_STARTS > 0) {
  let passed = 0;
  let failed = 0;
  const failures = [];
  for (let start = 1; start <= FIRST_RUN_STARTS; start++) {
    const counts = await firstRun(start);
    passed += counts.passed;
    failed += counts.failed;
    failures.push(...(counts.failures ?? []).map((f) => ({ ...f, title: `start ${start}: ${f.title}` })));
  }
  results.push({ mode: 'firstrun', passed, failed, failures });
}

for (const { mode, failures = [] } of results) for (const { title, error } of failures) console.log(`✖ vscode-${mode}: ${title}: ${error}`);
for (const { mode, passed, failed } of results) console.log(`vscode-${mode}: ${passed} passed, ${failed} failed`);
process.exit(results.some((r) => r.failed > 0) ? 1 : 0);

/**
 * The coexistence suite with LaTeX Workshop `latexWorkshop` installed, on the correct thesis: in the current
 * VS Code (mode `coexistence`) or in the floor's (`coexistence-floor`). The tiny model answers its Prove.
 */
async function coexistence({ mode, latexWorkshop }) {
  const scratch = mkdtempSync(path.join(tmpdir(), `qed-vscode-${mode}-`));
  const workspace = path.join(scratch, 'workspace');
  cpSync(path.join(root, 'test', 'fixtures', 'coexistence', 'thesis'), path.join(workspace, 'thesis'), { recursive: true });
  const tinyModel = path.join(scratch, 'tiny-natural.gguf');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'tiny-model.ts'), tinyModel, '--variant', 'natural'], { cwd: root, stdio: 'ignore' });
  const vsix = path.join(root, 'test', 'fixtures', 'coexistence', `latex-workshop-${latexWorkshop}.vsix`);
  const vscode = vscodeFor(mode === 'coexistence-floor' ? 'floor' : mode);
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  if (desktopVSCode && mode !== 'coexistence-floor') installIntoDesktop(desktopVSCode, vsix, extensionsDir, userDataDir);
  const suiteEnv = {
    ...env,
    ...vscode.env,
    QED_TEST_MODE: mode,
    QED_OTHER_VSIX: vsix,
    QED_TINY_MODEL: tinyModel,
    QED_NANO_TEST_SCRIPT: JSON.stringify([COEXISTENCE_PROOF]),
  };
  try {
    return await runSuite(`Beside LaTeX Workshop ${latexWorkshop} (${vscode.name})`, vscode.executable, suiteEnv, {
      extensionDevelopmentPath: root,
      extensionTestsPath: coexistenceTestsPath,
      launchArgs: [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`],
    });
  } finally {
    delete process.env.QED_OTHER_VSIX;
    delete process.env.QED_NANO_TEST_SCRIPT;
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One start of the first-run suite in a fresh profile; resolves with its counts. */
async function firstRun(start) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'qed-vscode-first-run-'));
  const workspace = path.join(scratch, 'workspace');
  mkdirSync(workspace);
  writeFileSync(path.join(workspace, 'my-problems.md'), FIRST_RUN_FILE);
  const tinyModel = path.join(scratch, 'my-model.gguf');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'tiny-model.ts'), tinyModel, '--variant', 'natural'], { cwd: root, stdio: 'ignore' });
  const mode = `first-run-${start}`;
  const vscode = vscodeFor(mode);
  const runEnv = {
    ...env,
    ...vscode.env,
    QED_TEST_MODE: mode,
    QED_NANO_TEST_SCRIPT: JSON.stringify([FIRST_RUN_PROOF, FIRST_RUN_CHAT, FIRST_RUN_CHAT_AGAIN]),
    // Every other start, each view's first page comes up dead, as the webview service-worker race leaves it.
    QED_TEST_WEBVIEW_FAULT: start % 2 === 1 ? 'dead-first-page' : '',
    QED_USER_SETTINGS: JSON.stringify({ 'qedNano.model': tinyModel, 'qedNano.threads': 1, 'qedNano.contextSize': 2048, 'qedNano.gpu': 'off' }),
  };
  try {
    return await runSuite(`First run in a fresh profile, start ${start} of ${FIRST_RUN_STARTS} (${vscode.name})`, vscode.executable, runEnv, {
      extensionDevelopmentPath: root,
      extensionTestsPath: firstRunTestsPath,
      launchArgs: [workspace, `--user-data-dir=${path.join(scratch, 'user-data')}`, `--extensions-dir=${path.join(scratch, 'extensions')}`],
    });
  } finally {
    delete process.env.QED_USER_SETTINGS;
    delete process.env.QED_TEST_WEBVIEW_FAULT;
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs one suite in VS Code with `suiteEnv` (runTests passes the environment to VS Code itself, from which
 * the extension host inherits it); resolves with its counts from the results file its Mocha entry writes
 * (named by QED_TEST_MODE), with each failed test's title and first error line. A run that failed without
 * reporting (no browser, no workbench) counts as one failure.
 */
async function runSuite(title, vscodeExecutablePath, suiteEnv, options) {
  const resultFile = path.join(outputDir, `vscode-results-${suiteEnv.QED_TEST_MODE}.json`);
  rmSync(resultFile, { force: true });
  console.log(`\n=== ${title} ===`);
  let exitCode = 0;
  try {
    // runTests gives VS Code process.env with suiteEnv over it: a run beside this one leaves its own values in
    // process.env, and suiteEnv names every variable in which two runs differ.
    Object.assign(process.env, suiteEnv);
    await runTests({ vscodeExecutablePath, extensionTestsEnv: suiteEnv, ...options });
  } catch (error) {
    exitCode = typeof error?.code === 'number' ? error.code : 1;
  }
  const counts = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : { passed: 0, failed: 0, failures: [] };
  if (exitCode !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures = [{ title, error: `VS Code exited with ${exitCode} before its tests reported` }];
  }
  return counts;
}

/** A local server that closes every connection as it comes (for the whole run); resolves with its URL. */
function droppingServer() {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve({ url: `http://127.0.0.1:${server.address().port}/` });
    });
  });
}

/** Starts test/support/openAiServer.ts in its own process; resolves with its base URL. */
async function startRemoteServer(model) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'support', 'openAiServer.ts'), '--model', model, '--key', REMOTE_KEY, '--scripts', JSON.stringify([PROVE_SCRIPT])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [url] = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve([line.trim()]));
    child.once('exit', (code) => reject(new Error(`the remote test server exited (${code})`)));
  });
  return { process: child, url };
}

function installCodeServer(version) {
  const output = execFileSync('bash', [path.join(root, 'scripts', 'install-code-server.sh'), '--with-chromium', '--code-server', version], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return output.trim().split('\n').at(-1);
}

function packageExtension() {
  const output = execFileSync(process.execPath, [path.join(root, 'scripts', 'package.mjs')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return output.trim().split('\n').at(-1);
}

function installIntoDesktop(vscodeExecutablePath, vsix, extensionsDir, userDataDir) {
  const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(vscodeExecutablePath);
  execFileSync(cli, [...cliArgs, `--extensions-dir=${extensionsDir}`, `--user-data-dir=${userDataDir}`, '--install-extension', vsix], {
    stdio: 'inherit',
  });
}
