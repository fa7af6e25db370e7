import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CrashGuard, type LoadProbe } from '../../server/src/model/crashGuard';
import { REPO_ROOT } from '../support/fixtures';
import { scratchFile } from '../support/models';

const GUARD = JSON.stringify(path.join(REPO_ROOT, 'server/src/model/crashGuard.ts'));

/** A probe that records its calls and answers `outcome`. */
function probeAnswering(outcome: 'crashed' | 'survived'): LoadProbe & { calls: string[] } {
  const calls: string[] = [];
  return Object.assign(async (file: string) => {
    calls.push(file);
    return outcome;
  }, { calls });
}

/** Another server process that runs `during` inside a guarded load of `model` (`during` is JavaScript). */
function serverLoading(storage: string, model: string, during: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `const { CrashGuard } = require(${GUARD});
     new CrashGuard(${JSON.stringify(storage)}, async () => 'survived').guard(${JSON.stringify(model)}, () => { ${during} });`],
    { cwd: REPO_ROOT, stdio: 'ignore' },
  );
}

async function waitForMarker(storage: string): Promise<void> {
  const markers = (): string[] => (existsSync(path.join(storage, 'loads')) ? readdirSync(path.join(storage, 'loads')) : []);
  for (let i = 0; i < 400 && markers().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(markers().length, 1, 'the loading process wrote its marker');
}

function withStorage(body: (storage: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const storage = mkdtempSync(path.join(tmpdir(), 'qed-crash-'));
    try {
      await body(storage);
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  };
}

test(
  'a process that aborts while loading a file: the probe confirms the crash, and the file is not loaded again until forgiven',
  withStorage(async (storage) => {
    const model = scratchFile('aborts-llama.gguf', 'pretend this aborts llama.cpp');
    // A real abort (SIGABRT, as GGML_ASSERT does) in another process, in the middle of a guarded load.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', `const { CrashGuard } = require(${GUARD});
       new CrashGuard(${JSON.stringify(storage)}, async () => 'survived').guard(${JSON.stringify(model)}, () => process.abort());`],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    assert.equal(child.signal, 'SIGABRT', child.stderr);

    const probe = probeAnswering('crashed');
    const guard = new CrashGuard(storage, probe);
    assert.equal(guard.crashedBefore(model), false, 'a death during a load is only a suspicion until the probe confirms it');
    assert.equal(await guard.confirm(model), true);
    assert.deepEqual(probe.calls, [model]);
    assert.equal(guard.crashedBefore(model), true);
    const later = new CrashGuard(storage, probeAnswering('survived'));
    assert.equal(later.crashedBefore(model), true, 'remembered across restarts');
    assert.equal(await later.confirm(model), true);
    const other = scratchFile('fine.gguf', 'another file');
    assert.equal(await later.confirm(other), false);

    const original = statSync(model);
    const changed = new Date(Date.now() + 60_000);
    utimesSync(model, changed, changed);
    assert.equal(later.crashedBefore(model), false, 'a replaced file (new modification time) is tried again');
    utimesSync(model, original.atimeMs / 1000, original.mtimeMs / 1000);
    assert.equal(later.crashedBefore(model), true);
    later.forgive(model);
    assert.equal(new CrashGuard(storage, probeAnswering('survived')).crashedBefore(model), false, 'forgiven for good');
  }),
);

test(
  'kill -9 during the load of a good file: the probe loads it in a child, it survives, and it is loaded as usual',
  withStorage(async (storage) => {
    const model = scratchFile('good-but-killed.gguf', 'a good model');
    const child = serverLoading(storage, model, 'return new Promise(() => setInterval(() => {}, 1000));');
    await waitForMarker(storage);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const probe = probeAnswering('survived');
    const guard = new CrashGuard(storage, probe);
    assert.equal(await guard.confirm(model), false);
    assert.deepEqual(probe.calls, [model], 'probed once');
    assert.equal(await new CrashGuard(storage, probe).confirm(model), false);
    assert.equal(probe.calls.length, 1, 'the suspicion is gone after the probe survived');
  }),
);

test(
  'a clean exit in the middle of a load (window reload, Restart Language Server) leaves no mark',
  withStorage(async (storage) => {
    const model = scratchFile('reloaded.gguf', 'a good model');
    const child = serverLoading(storage, model, 'setTimeout(() => process.exit(0), 100); return new Promise(() => {});');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    const probe = probeAnswering('crashed');
    assert.equal(await new CrashGuard(storage, probe).confirm(model), false);
    assert.deepEqual(probe.calls, [], 'nothing to probe');
  }),
);

test(
  'a second server starting while the first still loads leaves the first one\'s marker alone',
  withStorage(async (storage) => {
    const model = scratchFile('shared.gguf', 'a good model');
    const first = serverLoading(storage, model, 'return new Promise(() => setInterval(() => {}, 1000));');
    try {
      await waitForMarker(storage);
      const probe = probeAnswering('crashed');
      const second = new CrashGuard(storage, probe);
      assert.equal(await second.confirm(model), false);
      assert.deepEqual(probe.calls, []);
      assert.equal(readdirSync(path.join(storage, 'loads')).length, 1, 'the live server\'s marker is still there');
    } finally {
      first.kill('SIGKILL');
    }
  }),
);

test(
  'dispose during a load clears the marker; loads that succeed or fail normally leave none',
  withStorage(async (storage) => {
    const model = scratchFile('normal.gguf', 'x');
    const guard = new CrashGuard(storage, probeAnswering('crashed'));
    assert.equal(await guard.guard(model, async () => 42), 42);
    await assert.rejects(guard.guard(model, async () => Promise.reject(new Error('refused'))), /refused/);
    void guard.guard(model, () => new Promise(() => {}));
    assert.equal(existsSync(path.join(storage, 'loads', `${process.pid}.json`)), true);
    guard.dispose();
    assert.equal(existsSync(path.join(storage, 'loads', `${process.pid}.json`)), false);
    const probe = probeAnswering('crashed');
    assert.equal(await new CrashGuard(storage, probe).confirm(model), false);
    assert.deepEqual(probe.calls, []);
  }),
);
