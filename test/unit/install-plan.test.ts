/**
 * scripts/install-code-server.sh says which Debian packages it needs and why before installing anything,
 * and only the tests ask for Chromium (`npm start` is opened in the user's own browser). Checked with
 * --dry-run on a PATH where neither chromium nor rg exists and an empty cache (code-server not installed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/fixtures';

function plan(...options: string[]): string {
  const bin = mkdtempSync(path.join(tmpdir(), 'qed-path-'));
  symlinkSync('/usr/bin/dpkg', path.join(bin, 'dpkg'));
  const run = spawnSync('/bin/bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh'), '--dry-run', ...options], {
    env: { PATH: bin, QED_TEST_CACHE: mkdtempSync(path.join(tmpdir(), 'qed-cache-')), HOME: tmpdir() },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr;
}

test('npm start\'s install plan names each Debian package with why, and leaves Chromium to the tests', () => {
  const forStart = plan();
  const needed = /^Debian packages needed \(once per machine\): (.*)$/m.exec(forStart)?.[1]?.split(' ') ?? [];
  assert.ok(needed.includes('ripgrep'), forStart);
  for (const name of needed) assert.match(forStart, new RegExp(`^ {2}- ${name}: \\w`, 'm'), `${name} comes with why`);
  assert.ok(forStart.indexOf('- ripgrep: VS Code\'s search') > 0);
  assert.doesNotMatch(forStart, /chromium/);
  assert.match(forStart, /code-server 4\.100\.3 would be installed into .* \(about 70 s, once per machine\)/);
  const forTests = plan('--with-chromium');
  assert.match(forTests, /needed \(once per machine\): chromium ripgrep.*\n {2}- chromium: the browser the tests drive VS Code with, headless\n {2}- ripgrep/);
});

test('an unknown option is refused with the known ones', () => {
  const run = spawnSync('/bin/bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh'), '--chromium'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /unknown option --chromium \(known: --with-chromium, --dry-run, --code-server VERSION\)/);
});
