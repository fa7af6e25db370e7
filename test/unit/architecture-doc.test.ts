/**
 * docs/architecture.md's index of custom messages stays the list protocol.ts declares, as rust-analyzer keeps
 * its lsp-extensions.md in step with lsp_ext.rs: a message added, renamed or removed on one side fails here.
 * The commands the server puts in lenses are contributed by the extension.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../../server/src/wireNames';
import { REPO_ROOT } from '../support/fixtures';

test('every qed/* message protocol.ts declares has a row in the architecture\'s message table, and no row is stale', () => {
  const protocol = readFileSync(path.join(REPO_ROOT, 'server', 'src', 'protocol.ts'), 'utf8');
  const declared = [...protocol.matchAll(/new (?:ProtocolRequestType|RequestType0?|NotificationType0?|ProtocolNotificationType)\b[^(]*\('(qed\/[A-Za-z]+)'\)/g)].map((m) => m[1]!);
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `(qed\/[A-Za-z]+)` \|/gm)].map((m) => m[1]!);
  assert.ok(declared.length >= 9, `found ${declared.length} declarations`);
  assert.deepEqual([...documented].sort(), [...declared].sort());
});

test('the commands the server puts in lenses are commands the extension contributes', () => {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const command of Object.values(CLIENT_COMMANDS)) assert.ok(contributed.has(command), command);
});

test('the commands the server runs itself are the ones protocol.ts types, and README and the architecture name each', () => {
  const protocol = readFileSync(path.join(REPO_ROOT, 'server', 'src', 'protocol.ts'), 'utf8');
  const typed = [...protocol.slice(protocol.indexOf('export interface ServerCommandArguments')).matchAll(/^ {2}'(qedNano\.server\.[A-Za-z]+)':/gm)].map((m) => m[1]!);
  assert.deepEqual(typed.sort(), Object.values(SERVER_COMMANDS).sort());
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  for (const command of Object.values(SERVER_COMMANDS)) {
    assert.ok(readme.includes(`\`${command}\``), `README names ${command}`);
    assert.ok(doc.includes(`\`${command}\``) || doc.includes(`\`.${command.split('.').at(-1)}\``), `architecture.md names ${command}`);
  }
});
