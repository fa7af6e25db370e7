// `npm test`: every test, in order of cost, with one closing line that counts them all.
//   1. build (esbuild) and typecheck (tsc, strict)
//   2. unit, incremental and fuzz tests of document analysis; language-server tests over real stdio;
//      engine tests through the real node-llama-cpp with the tiny generated model; the qed-nano command
//      line end to end through dist/cli.js; the server in a real Emacs with eglot (test/emacs: Debian's
//      emacs-nox, elpa-eglot and elpa-markdown-mode, which .ci/run installs)
//   3. the math-in-Markdown grammar with VS Code's TextMate engine and grammars; the proof panel's
//      rendering (markdown-it + KaTeX, hostile output) in headless Chromium
//   4. the integration suite in a real VS Code: in the current one (code-server 4.139.1) from the development
//      folder and from the installed .vsix, in VS Code 1.100.3 (the engines floor) a part of it, then beside
//      LaTeX Workshop, then the first run in fresh profiles (test/vscode/run.mjs)
// Stage 3 and 4 need code-server and Chromium: scripts/install-code-server.sh installs them when missing.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const node = process.execPath;
const testFiles = (dir) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));

let passed = 0;
let failed = 0;
const failures = [];
/** Each failed test, as its stage named it, with its first error line. */
const failedTests = [];

await stage('build', node, ['scripts/build.mjs'], { essential: true });
await stage('typecheck', node, ['node_modules/typescript/bin/tsc', '-p', '.'], { essential: true });
// Two test files at a time (node's default on 2 cores is one): most of these tests wait on a language server,
// a model load or a pipe, so the second core is otherwise idle (6 min 41 s became 4 min 39 s, same 507 tests).
await stage('unit, language-server, engine, command-line and Emacs tests', node, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...testFiles('test/unit'), ...testFiles('test/lsp'), ...testFiles('test/engine'), ...testFiles('test/cli'), ...testFiles('test/emacs'),
], { counts: nodeTestCounts });

/** Installs (once per machine) the pinned code-server `version`; returns its folder. */
const installCodeServer = (version) =>
  execFileSync('bash', ['scripts/install-code-server.sh', '--with-chromium', '--code-server', version], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1);
const withCodeServer = { ...process.env, QED_CODE_SERVER_DIR: installCodeServer('4.139.1'), QED_CODE_SERVER_FLOOR_DIR: installCodeServer('4.100.3') };
await stage('grammar and panel-render tests', node, ['--import', 'tsx', '--test', '--test-reporter=spec', ...testFiles('test/grammar'), ...testFiles('test/render')], {
  env: withCodeServer,
  counts: nodeTestCounts,
});
await stage('VS Code integration tests', node, ['test/vscode/run.mjs'], { env: withCodeServer, counts: vscodeCounts });

// Repeated last, where the tail of a long log (CI's) shows them: each failed test and its first error line.
if (failedTests.length > 0) console.log(`\nFailed tests:\n${failedTests.join('\n')}`);
if (failures.length > 0) console.log(`\nFailed stages: ${failures.join(', ')}`);
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 ? 1 : 0);

/** Runs one stage, echoing its output; adds its test counts; stops everything if an essential stage fails. */
async function stage(name, command, args, { env = process.env, counts, essential = false } = {}) {
  console.log(`\n### ${name}`);
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
    process.stdout.write(d);
  });
  child.stderr.on('data', (d) => {
    output += d;
    process.stderr.write(d);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const found = counts ? counts(output) : { passed: 0, failed: 0, failedTests: [] };
  passed += found.passed;
  failed += found.failed;
  failedTests.push(...found.failedTests);
  if (code !== 0) {
    if (found.failed === 0) failed += 1; // the stage broke without reporting a failed test
    failures.push(name);
    if (essential) {
      console.log(`\n${name} failed (exit ${code}); nothing else can run.\ntotal: ${passed} passed, ${failed} failed`);
      process.exit(1);
    }
  }
}

function nodeTestCounts(output) {
  const count = (label) => Number(output.match(new RegExp(`^ℹ ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  // The spec reporter lists the failures again after "✖ failing tests:": "test at FILE:LINE", "✖ title", then
  // the error.
  const failingSection = output.split(/^✖ failing tests:$/m)[1] ?? '';
  const failedTests = [...failingSection.matchAll(/^test at (.*)\n(✖ .*)\n\s*(.*)$/gm)].map(([, where, title, error]) => `${title} (${where}): ${error.slice(0, 300)}`);
  return { passed: count('pass'), failed: count('fail'), failedTests };
}

function vscodeCounts(output) {
  let passedHere = 0;
  let failedHere = 0;
  for (const match of output.matchAll(/^vscode-[a-z-]+: (\d+) passed, (\d+) failed$/gm)) {
    passedHere += Number(match[1]);
    failedHere += Number(match[2]);
  }
  const failedTests = [...output.matchAll(/^✖ vscode-.*$/gm)].map(([line]) => line);
  return { passed: passedHere, failed: failedHere, failedTests };
}
