/**
 * The first run, as a new user meets it: a fresh profile (new user-data folder, new browser), the user's own
 * problem file, `qedNano.model` set to a local file in the user settings and nothing else: no command warms
 * the model up, nothing is loaded by hand, the default theme. test/vscode/run.mjs starts this suite several
 * times, each in a new profile, because the webview service-worker race that left the side views dead
 * happens only in some fresh starts.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { QedNanoExports } from '../../../client/src/extension';
import { actInView, EXTENSION_ID, pressKeys, screenshot, waitFor, workspaceFile, type ViewProbe } from '../suite/helpers';

const PROOF_VIEW = '#insert';
const CHAT_VIEW = '#send';

suite('First run in a fresh profile', () => {
  test('the model loads by itself; the Proof and Chat views come up styled and answer; New conversation starts one; Insert at cursor makes a paragraph', async function () {
    // Longer than the sum of the waits below, so that a stuck step fails with its own message and screenshot
    // rather than with Mocha's bare timeout.
    this.timeout(360_000);
    const document = await vscode.workspace.openTextDocument(workspaceFile('my-problems.md'));
    const editor = await vscode.window.showTextDocument(document);
    const exports = await waitFor('the extension to activate', () => {
      const extension = vscode.extensions.getExtension<QedNanoExports>(EXTENSION_ID);
      return extension?.isActive ? extension.exports : undefined;
    });
    // A new user opens the Chat view at once, while VS Code is still starting its webview machinery.
    await vscode.commands.executeCommand('qedNano.openChat');
    const problemLine = document.getText().split('\n').findIndex((line) => line.includes('Prove that'));
    editor.selection = new vscode.Selection(problemLine, 5, problemLine, 5);
    await vscode.window.showTextDocument(document);
    // Nothing asks for the model: opening a proof document with a local model file set loads it.
    await waitFor('the model to load by itself', () => (exports.modelStatus()?.state === 'ready' ? true : undefined), 90_000).catch((error: unknown) => {
      throw new Error(`${String(error)}; the model's status: ${JSON.stringify(exports.modelStatus())}`);
    });

    const result = (await vscode.commands.executeCommand('qedNano.prove')) as { proof: string } | undefined;
    assert.ok(result?.proof, 'Prove returned a proof');
    // Long enough for every recovery the view host tries (readyWatchdog.ts READY_WAITS_MS) before it gives up.
    const proofView = await viewShowing('the Proof view', PROOF_VIEW, (probe) => probe.text.includes('odd numbers'), 45_000);
    assert.equal(proofView.styled, true, 'the Proof view is styled');
    await actInView({ view: PROOF_VIEW, do: 'click', selector: '#copy' });
    // Copy asks the server how Insert would write the proof, then writes the clipboard: it lands soon after the click.
    await waitFor('the Copy button to put the proof on the clipboard', async () => (/odd numbers/.test(await vscode.env.clipboard.readText()) ? true : undefined), 10_000);

    await vscode.commands.executeCommand('qedNano.openChat');
    const chatView = await viewShowing('the Chat view on the problem', CHAT_VIEW, (probe) => probe.text.includes('Problem 1, my-problems.md:3'), 45_000);
    assert.equal(chatView.styled, true, 'the Chat view is styled');
    await actInView({ view: CHAT_VIEW, do: 'type', selector: '#input', text: 'Give me a hint' });
    await pressKeys('Enter');
    await viewShowing('the chat reply', CHAT_VIEW, (probe) => probe.text.includes('Pair the first and last') && probe.buttons.some((b) => b.text === 'Insert at cursor'), 60_000);
    await screenshot('first-run');

    // New conversation: the old exchange is gone from the view, and the next question begins a conversation
    // of its own (the old one does not come back above it).
    await actInView({ view: CHAT_VIEW, do: 'click', selector: '#new' });
    await viewShowing('the starters of a new conversation', CHAT_VIEW, (probe) => !probe.text.includes('Pair the first and last') && probe.text.includes('Give me a hint (no full solution)'));
    await actInView({ view: CHAT_VIEW, do: 'type', selector: '#input', text: 'Another way?' });
    await pressKeys('Enter');
    const second = await viewShowing('the second conversation\'s reply', CHAT_VIEW, (probe) => probe.text.includes('Try induction') && probe.buttons.some((b) => b.text === 'Insert at cursor'), 60_000);
    assert.doesNotMatch(second.text, /Pair the first and last|Give me a hint\n/, 'the first conversation stays out of the second');

    // Insert at cursor with the cursor in the middle of a line: the reply becomes a paragraph of its own.
    await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(problemLine, 20, problemLine, 20);
    const lineBefore = document.lineAt(problemLine).text;
    await actInView({ view: CHAT_VIEW, do: 'click', selector: 'button[data-action="cursor"]' });
    await waitFor('the reply in the document', () => (document.getText().includes('Try induction on $n$') ? true : undefined));
    assert.equal(document.lineAt(problemLine).text, lineBefore, 'the line with the cursor is left whole');
    assert.equal(document.lineAt(problemLine + 1).text, '', 'a blank line before the reply');
    assert.equal(document.lineAt(problemLine + 2).text, 'Try induction on $n$: add $2n+1$ to both sides.');
  });
});

/** Probes the view until its script runs and `accept` holds (the view may still be loading). */
function viewShowing(what: string, view: string, accept: (probe: ViewProbe) => boolean, timeoutMs = 30_000): Promise<ViewProbe> {
  let last: ViewProbe | undefined;
  return waitFor(
    what,
    async () => {
      last = await actInView({ view, do: 'probe' });
      return last.found && last.scriptRan && accept(last) ? last : undefined;
    },
    timeoutMs,
  ).catch(async (error: unknown) => {
    await screenshot(`first-run-failed-${view.slice(1)}`).catch(() => undefined);
    throw new Error(`${String(error)}; the view showed: ${JSON.stringify(last)}`);
  });
}
