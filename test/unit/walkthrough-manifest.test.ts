/**
 * The Get Started walkthrough (package.json `contributes.walkthroughs`) only points at what exists: each
 * step's media file, every `command:` link and `onCommand:`/`onView:` completion event names a contributed
 * command or view, and every contributed command is in the extension's command table (so no link does nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/fixtures';
import { CLIENT_COMMANDS } from '../../server/src/wireNames';

interface Step {
  id: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    walkthroughs: { id: string; steps: Step[] }[];
  };
};
const commands = new Set(manifest.contributes.commands.map((c) => c.command));
const views = new Set(Object.values(manifest.contributes.views).flat().map((v) => v.id));
const known = (command: string): boolean => commands.has(command) || (command.endsWith('.focus') && views.has(command.slice(0, -'.focus'.length)));

test('the walkthrough takes a new user from the model to an inserted proof, in five steps with media', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.deepEqual(walkthrough?.steps.map((s) => s.id), ['getModel', 'openProblem', 'prove', 'readThinking', 'insert']);
  for (const step of walkthrough!.steps) {
    const media = step.media.markdown ?? step.media.image;
    assert.ok(media && existsSync(path.join(REPO_ROOT, media)), `${step.id}: its media ${media} exists`);
    const links = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0, `${step.id} offers an action`);
    for (const link of links) assert.ok(known(link), `${step.id}: command:${link} exists`);
    for (const event of step.completionEvents ?? []) {
      const [kind, name] = [event.slice(0, event.indexOf(':')), event.slice(event.indexOf(':') + 1)];
      if (kind === 'onCommand') assert.ok(known(name), `${step.id}: ${event}`);
      else if (kind === 'onView') assert.ok(views.has(name), `${step.id}: ${event}`);
      else assert.equal(kind, 'onContext', `${step.id}: ${event}`);
    }
  }
});

test('every contributed command is in the extension\'s command table', () => {
  const table = readFileSync(path.join(REPO_ROOT, 'client', 'src', 'commands.ts'), 'utf8');
  // By its id, or by the wire's name for it (the commands the server puts in lenses). The real VS Code
  // suite checks the same against the commands VS Code has registered.
  const registered = new Set([
    ...[...table.matchAll(/^\s*'(qedNano\.[\w.]+)':/gm)].map((m) => m[1]!),
    ...[...table.matchAll(/^\s*\[CLIENT_COMMANDS\.(\w+)\]:/gm)].map((m) => CLIENT_COMMANDS[m[1] as keyof typeof CLIENT_COMMANDS]),
  ]);
  assert.deepEqual([...commands].filter((c) => !registered.has(c)), []);
  assert.deepEqual([...registered].filter((c) => !commands.has(c)), [], 'a command in the table that the manifest does not declare');
});
