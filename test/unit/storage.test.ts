/**
 * storage/jsonFile.ts: what is stored is validated when read, written atomically (a full disk mid-write
 * leaves the previous file whole), merged under a lock with another server's writes, and a file that cannot
 * be used is a problem in words, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { JsonFile, StorageProblem, type StorageIo } from '../../server/src/storage/jsonFile';
import { conversationFrom } from '../../server/src/storage/conversations';

const folder = (): string => mkdtempSync(path.join(tmpdir(), 'qed-storage-'));
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

test('a full disk during a write leaves the previous file whole, says so in words, and leaves no temporary file', async () => {
  const dir = folder();
  const file = path.join(dir, 'kept.json');
  await new JsonFile(file, asString, () => undefined).update(() => Array.from({ length: 30 }, (_, i) => `conversation ${i}`));
  const before = readFileSync(file, 'utf8');
  // The disk fills up after half of the new content is written.
  const fullDisk: StorageIo = {
    writeFile(target, data) {
      writeFileSync(target, data.slice(0, data.length / 2));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };
  const failing = new JsonFile(file, asString, () => undefined, fullDisk);
  await assert.rejects(
    failing.update((all) => [...all, 'one more']),
    (error: unknown) => error instanceof StorageProblem && /cannot write .*kept\.json: the disk is full \(free some space; what was stored before is kept\)\./.test(error.message),
  );
  assert.equal(readFileSync(file, 'utf8'), before, 'the previous file is whole');
  assert.equal(new JsonFile(file, asString, () => undefined).read().length, 30);
  assert.deepEqual(readdirSync(dir), ['kept.json'], 'no temporary file and no lock left behind');
  rmSync(dir, { recursive: true, force: true });
});

test('every entry is validated when read: malformed conversations are dropped and logged, the good ones kept', () => {
  const dir = folder();
  const file = path.join(dir, 'conversations.json');
  const good = { id: 'a', problemKey: 'k', statementHash: 'h', context: { problem: 'P', proof: '', findings: [] }, turns: [{ role: 'user', text: 'q' }], used: 1 };
  writeFileSync(file, JSON.stringify([{ ...good, id: 'bad-turn', turns: [null], used: 9 }, { ...good, id: 'bad-used', used: 'x' }, good, 42, null]));
  const logged: string[] = [];
  const entries = new JsonFile(file, conversationFrom, (m) => logged.push(m)).read();
  assert.deepEqual(entries.map((c) => c.id), ['a']);
  assert.match(logged.join('\n'), /4 malformed entries were dropped/);
  writeFileSync(file, '{"truncated": ');
  assert.deepEqual(new JsonFile(file, conversationFrom, (m) => logged.push(m)).read(), [], 'a file cut short is started afresh');
  rmSync(dir, { recursive: true, force: true });
});

test('a folder where the file should be, or a file where the folder should be: a problem naming the path and the reason', async () => {
  const dir = folder();
  const asFolder = path.join(dir, 'entry.json');
  mkdirSync(asFolder);
  assert.throws(() => new JsonFile(asFolder, asString, () => undefined).read(), /cannot read .*entry\.json: a folder stands where the file should be/);
  writeFileSync(path.join(dir, 'kind'), 'a file');
  await assert.rejects(new JsonFile(path.join(dir, 'kind', 'x.json'), asString, () => undefined).update(() => ['x']), /cannot write .*x\.json: a file stands where a folder should be/);
  rmSync(dir, { recursive: true, force: true });
});

test('two writers on one file merge instead of overwriting; a lock left by a dead server is taken over, a live one waited for', async () => {
  const dir = folder();
  const file = path.join(dir, 'shared.json');
  const one = new JsonFile(file, asString, () => undefined);
  const two = new JsonFile(file, asString, () => undefined);
  await one.update((all) => [...all, 'from one']);
  await two.update((all) => [...all, 'from two']);
  assert.deepEqual(one.read(), ['from one', 'from two']);

  const lock = `${file}.lock`;
  writeFileSync(lock, ''); // an older version's lock: no owner, only its age
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  await one.update((all) => [...all, 'after a stale lock']);
  assert.equal(one.read().length, 3);

  const holder = await liveProcess();
  try {
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname() })); // a server holding the lock right now
    await assert.rejects(two.update((all) => [...all, 'blocked']), /another QED-Nano server holds .*shared\.json\.lock/);
    assert.throws(() => two.updateNow((all) => [...all, 'blocked']), /another QED-Nano server holds/, 'updateNow does not wait');
    assert.equal(one.read().length, 3, 'nothing written while the other held the lock');
  } finally {
    holder.kill();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A process that runs until killed (a live lock owner). */
async function liveProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

/** The id of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

test('waiting for another server\'s lock never blocks the event loop: other work runs meanwhile, and the update goes through when it is released', async () => {
  const dir = folder();
  const file = path.join(dir, 'shared.json');
  const lock = `${file}.lock`;
  const holder = await liveProcess();
  writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname() }));
  const events: string[] = [];
  const update = new JsonFile(file, asString, () => undefined).update((all) => [...all, 'saved']).then(() => events.push('saved'));
  // What the server does meanwhile (an outline request): it runs while the update waits.
  await new Promise((resolve) => setImmediate(resolve));
  events.push('other work');
  rmSync(lock); // the other server is done
  holder.kill();
  await update;
  assert.deepEqual(events, ['other work', 'saved']);
  assert.deepEqual(new JsonFile(file, asString, () => undefined).read(), ['saved']);
  rmSync(dir, { recursive: true, force: true });
});

test('a lock whose owner process is gone is taken over at once, also when it is dated in the future (a clock stepped back)', async () => {
  const dir = folder();
  const file = path.join(dir, 'shared.json');
  const lock = `${file}.lock`;
  writeFileSync(lock, JSON.stringify({ pid: await deadPid(), host: hostname() }));
  const future = new Date(Date.now() + 3_600_000);
  utimesSync(lock, future, future);
  const store = new JsonFile(file, asString, () => undefined);
  assert.deepEqual(store.updateNow((all) => [...all, 'after a crash']), ['after a crash'], 'no wait: the owner is gone');
  assert.equal(existsSync(lock), false, 'the lock is released after the write');

  // Another machine's lock is waited for (its age then counts from when this server first saw it, so one dated
  // in the future is taken over LOCK_STALE_MS later; not waited out here).
  writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-machine' }));
  utimesSync(lock, future, future);
  assert.throws(() => store.updateNow((all) => all), /another QED-Nano server holds/, 'a lock of another machine is not judged by a process id');
  rmSync(dir, { recursive: true, force: true });
});
