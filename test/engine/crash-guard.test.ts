import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CrashGuard } from '../../server/src/model/crashGuard';
import { REPO_ROOT } from '../support/fixtures';
import { scratchFile } from '../support/models';

test('a process that dies while loading a file leaves that file marked; it is not loaded again until forgiven', () => {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-crash-'));
  try {
    const model = scratchFile('aborts-llama.gguf', 'pretend this aborts llama.cpp');
    // A real abort (SIGABRT, as GGML_ASSERT does) in another process, in the middle of a guarded load.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', `const { CrashGuard } = require(${JSON.stringify(path.join(REPO_ROOT, 'server/src/model/crashGuard.ts'))});
       new CrashGuard(${JSON.stringify(storage)}).guard(${JSON.stringify(model)}, () => process.abort());`],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    assert.equal(child.signal, 'SIGABRT', child.stderr);

    const guard = new CrashGuard(storage);
    assert.equal(guard.crashedBefore(model), true);
    assert.equal(new CrashGuard(storage).crashedBefore(model), true, 'remembered across restarts');
    const other = scratchFile('fine.gguf', 'another file');
    assert.equal(guard.crashedBefore(other), false);

    const original = statSync(model);
    const later = new Date(Date.now() + 60_000);
    utimesSync(model, later, later);
    assert.equal(guard.crashedBefore(model), false, 'a replaced file (new modification time) is tried again');
    utimesSync(model, original.atimeMs / 1000, original.mtimeMs / 1000);
    assert.equal(guard.crashedBefore(model), true);
    guard.forgive(model);
    assert.equal(new CrashGuard(storage).crashedBefore(model), false, 'forgiven for good');
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});

test('a load that succeeds or fails normally leaves no mark', async () => {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-crash-'));
  try {
    const model = scratchFile('normal.gguf', 'x');
    const guard = new CrashGuard(storage);
    assert.equal(await guard.guard(model, async () => 42), 42);
    await assert.rejects(guard.guard(model, async () => Promise.reject(new Error('refused'))), /refused/);
    assert.equal(new CrashGuard(storage).crashedBefore(model), false);
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});
