/**
 * QED-Nano beside LaTeX Workshop, as most LaTeX users of VS Code have it: both installed in one profile
 * (LaTeX Workshop 10.17.1 from its .vsix, test/fixtures/coexistence), a correct three-file amsart thesis
 * with cross-file `\ref`/`\cref`. With `qedNano.latex.labels` at its default (`auto`), each label question is
 * answered once: F12 jumps instead of opening "Definitions (2)", `\ref{` lists each label once, a hover
 * shows one answer; QED-Nano keeps rename across files and its checks, and says nothing false about the
 * thesis. Prove and Insert leave LaTeX Workshop's ChkTeX linter (Debian's chktex) with nothing new to say.
 * Screenshots of the Outline and the breadcrumbs with both providers. Run beside LaTeX Workshop 10.17.1 in the
 * current VS Code and beside 10.14.0 in VS Code 1.100.3 (test/vscode/run.mjs).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, openFile, pressKeys, screenshot, waitFor, workspaceFile } from '../suite/helpers';

const LATEX_WORKSHOP_ID = 'James-Yu.latex-workshop';
const PRIMES = 'thesis/chapters/primes.tex';
/** primes.tex's `e.g.` with a plain space after it: ChkTeX's warning 12, in each lint of the file (fixture README). */
const LINT_ANCHOR = 'e.g. \\((n+1)! + 2\\)';

/** Where `needle` starts in `editor`'s document, `offset` characters in. */
function positionOf(editor: vscode.TextEditor, needle: string, offset = 0): vscode.Position {
  const at = editor.document.getText().indexOf(needle);
  assert.ok(at >= 0, `${needle} is in ${editor.document.fileName}`);
  return editor.document.positionAt(at + offset);
}

/** Every provider's definitions of the position, once at least one has answered. */
async function definitions(uri: vscode.Uri, position: vscode.Position): Promise<(vscode.Location | vscode.LocationLink)[]> {
  return waitFor('a definition', async () => {
    const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, position);
    return found.length > 0 ? found : undefined;
  });
}

const where = (location: vscode.Location | vscode.LocationLink): string => {
  const uri = 'targetUri' in location ? location.targetUri : location.uri;
  const range = 'targetUri' in location ? (location.targetSelectionRange ?? location.targetRange) : location.range;
  return `${path.basename(uri.fsPath)}:${range.start.line + 1}`;
};

/** One ChkTeX diagnostic as the comparisons read it: line (0-based), code, severity, message. */
interface Lint {
  line: number;
  code: string;
  severity: vscode.DiagnosticSeverity;
  message: string;
}

/**
 * ChkTeX's diagnostics for `document` from a lint of the file as it is saved now, once LaTeX Workshop has
 * published them. LaTeX Workshop lints on save and publishes each file's diagnostics in one call; the lint
 * of this text is the one whose warning 12 sits on the line where LINT_ANCHOR is now (every edit the test
 * makes before a save moves that line, so an earlier lint's diagnostics never match).
 */
async function chktexOfSaved(document: vscode.TextDocument): Promise<Lint[]> {
  const anchorLine = document.positionAt(document.getText().indexOf(LINT_ANCHOR)).line;
  return waitFor(`ChkTeX's lint of ${path.basename(document.fileName)} with the anchor on line ${anchorLine + 1}`, () => {
    const lints = vscode.languages
      .getDiagnostics(document.uri)
      .filter((d) => d.source === 'ChkTeX')
      .map((d) => ({ line: d.range.start.line, code: String(typeof d.code === 'object' ? d.code.value : d.code), severity: d.severity, message: d.message }));
    return lints.some((lint) => lint.code === '12' && lint.line === anchorLine) ? lints : undefined;
  }, 60_000);
}

const describeLints = (lints: readonly Lint[]): string[] => lints.map((l) => `${l.line + 1} ${vscode.DiagnosticSeverity[l.severity]} ${l.message}`).sort();

suite('QED-Nano beside LaTeX Workshop', () => {
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    editor = await openFile(PRIMES);
    await waitFor('both extensions to activate', () => {
      const ours = vscode.extensions.getExtension(EXTENSION_ID);
      const theirs = vscode.extensions.getExtension(LATEX_WORKSHOP_ID);
      return ours?.isActive && theirs?.isActive ? true : undefined;
    }, 60_000);
    // QED-Nano has read the project: the lemmas of divisors.tex are in reach of primes.tex's references.
    await waitFor('QED-Nano to read the thesis', async () => {
      const found = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', editor.document.uri, positionOf(editor, 'lem:divisor', 2));
      return found.length >= 2 ? found : undefined;
    }, 60_000);
  });

  test('F12 on \\ref and \\cref jumps straight to the label: one definition, not two', async () => {
    const uri = editor.document.uri;
    for (const reference of ['\\ref{lem:divisor}', '\\cref{lem:product}']) {
      const position = positionOf(editor, reference, reference.indexOf('{') + 3);
      const found = await definitions(uri, position);
      assert.deepEqual(found.map(where), [reference.includes('divisor') ? 'divisors.tex:3' : 'divisors.tex:11'], reference);
    }
    const position = positionOf(editor, '\\ref{lem:divisor}', 8);
    editor.selection = new vscode.Selection(position, position);
    await vscode.commands.executeCommand('editor.action.revealDefinition');
    const jumped = await waitFor('the jump to the label', () => {
      const active = vscode.window.activeTextEditor;
      return active && path.basename(active.document.fileName) === 'divisors.tex' ? active : undefined;
    });
    assert.equal(jumped.selection.active.line, 2, 'the cursor is on \\label{lem:divisor}');
    editor = await openFile(PRIMES);
  });

  test('with qedNano.latex.labels on, both answer: the "Definitions (2)" the setting avoids', async () => {
    const config = vscode.workspace.getConfiguration('qedNano');
    await config.update('latex.labels', 'on', vscode.ConfigurationTarget.Workspace);
    try {
      const uri = editor.document.uri;
      const position = positionOf(editor, '\\ref{lem:divisor}', 8);
      const both = await waitFor('two definitions', async () => {
        const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, position);
        return found.length === 2 ? found : undefined;
      });
      assert.deepEqual(both.map(where), ['divisors.tex:3', 'divisors.tex:3']);
    } finally {
      await config.update('latex.labels', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('one definition again', async () => {
      const found = await vscode.commands.executeCommand<unknown[]>('vscode.executeDefinitionProvider', editor.document.uri, positionOf(editor, '\\ref{lem:divisor}', 8));
      return found.length === 1 ? true : undefined;
    });
  });

  test('\\ref{ completion lists each label of the thesis once, and a hover on a reference is one answer', async () => {
    const end = editor.document.lineCount;
    await editor.edit((edit) => edit.insert(new vscode.Position(end, 0), '\nSee \\ref{'));
    try {
      const cursor = new vscode.Position(editor.document.lineCount - 1, 'See \\ref{'.length);
      const labels = ['lem:divisor', 'lem:product', 'sec:divisors', 'sec:primes', 'thm:gaps', 'thm:infinite'];
      const offered = await waitFor('the labels offered in \\ref{', async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, cursor, '{');
        const names = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label)).filter((name) => labels.includes(name));
        return labels.every((label) => names.includes(label)) ? names : undefined;
      });
      assert.deepEqual(offered.sort(), labels, 'each label once');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    const hovers = await waitFor('a hover on \\cref{lem:product}', async () => {
      const found = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, positionOf(editor, '\\cref{lem:product}', 9));
      return found.length > 0 ? found : undefined;
    });
    assert.equal(hovers.length, 1, hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join(' ')).join(' | '));
  });

  test('QED-Nano keeps what LaTeX Workshop lacks: Find All References and rename across the files', async () => {
    const position = positionOf(editor, '\\ref{lem:divisor}', 8);
    const references = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', editor.document.uri, position);
    assert.deepEqual(references.map(where).sort(), ['divisors.tex:3', 'primes.tex:7']);
    const rename = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', editor.document.uri, position, 'lem:primedivisor');
    assert.deepEqual(rename.entries().map(([file]) => path.basename(file.fsPath)).sort(), ['divisors.tex', 'primes.tex']);
  });

  test('the Problems view holds no QED-Nano warning or error on the correct thesis', async () => {
    for (const file of ['thesis/main.tex', 'thesis/chapters/divisors.tex', PRIMES]) {
      const document = await vscode.workspace.openTextDocument(workspaceFile(file));
      await vscode.window.showTextDocument(document);
      // QED-Nano's outline of the file: its analysis is done, so its diagnostics are published.
      await waitFor(`QED-Nano's outline of ${file}`, async () => {
        const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', document.uri)) ?? [];
        return symbols.length > 0 ? true : undefined;
      });
    }
    const ours = vscode.languages
      .getDiagnostics()
      .flatMap(([uri, diagnostics]) => diagnostics.filter((d) => d.source?.startsWith('QED-Nano') && d.severity <= vscode.DiagnosticSeverity.Warning).map((d) => `${path.basename(uri.fsPath)}:${d.range.start.line + 1} ${d.message}`));
    assert.deepEqual(ours, []);
  });

  test('screenshots: the Outline and the breadcrumbs inside a proof, with both extensions', async () => {
    editor = await openFile(PRIMES);
    const inProof = positionOf(editor, 'has a prime divisor');
    editor.selection = new vscode.Selection(inProof, inProof);
    await vscode.commands.executeCommand('outline.focus');
    await vscode.window.showTextDocument(editor.document);
    await new Promise((r) => setTimeout(r, 1500)); // the Outline and the breadcrumbs follow the cursor
    await screenshot('outline-breadcrumbs');
    await vscode.commands.executeCommand('breadcrumbs.focusAndSelect');
    await new Promise((r) => setTimeout(r, 1000));
    await screenshot('breadcrumbs-open');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  test('Prove and Insert leave LaTeX Workshop\'s ChkTeX with nothing new to say: the inserted proof draws no error or warning', async () => {
    // As a user sets it up: the model (the tiny one, its reply scripted by test/vscode/run.mjs), and LaTeX
    // Workshop's ChkTeX linting (off by default; Debian's chktex is on the PATH). No build on save: there is
    // no TeX here, and a failed build is not what this test is about.
    const ours = vscode.workspace.getConfiguration('qedNano');
    // Completions and critiques only when asked, so that neither takes the reply scripted for Prove.
    const settings = [['model', process.env.QED_TINY_MODEL], ['threads', 1], ['contextSize', 2048], ['gpu', 'off'], ['completion.mode', 'manual'], ['critique.trigger', 'manual']] as const;
    for (const [key, value] of settings) {
      await ours.update(key, value, vscode.ConfigurationTarget.Global);
    }
    const theirs = vscode.workspace.getConfiguration('latex-workshop');
    await theirs.update('linting.chktex.enabled', true, vscode.ConfigurationTarget.Global);
    await theirs.update('latex.autoBuild.run', 'never', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('qedNano.loadModel');
    editor = await openFile(PRIMES);
    const original = editor.document.getText();
    try {
      // The user states a new lemma under the section heading and saves; LaTeX Workshop lints the thesis.
      const lemma = '\n\\begin{lemma}\\label{lem:odd}\nEvery prime \\(p > 2\\) is odd.\n\\end{lemma}';
      await editor.edit((edit) => edit.insert(new vscode.Position(0, editor.document.lineAt(0).text.length), lemma));
      assert.ok(await editor.document.save(), 'saved');
      const before = await chktexOfSaved(editor.document);
      console.log(`ChkTeX before Insert: ${before.length} diagnostics on primes.tex: ${describeLints(before).join('; ')}`);

      const inLemma = positionOf(editor, 'is odd.');
      editor.selection = new vscode.Selection(inLemma, inLemma);
      const result = await vscode.commands.executeCommand<{ proof: string }>('qedNano.prove');
      assert.match(result?.proof ?? '', /^\*\*Proof\.\*\* Suppose \$p > 2\$ were even\./, 'the scripted proof, in the model\'s Markdown and $-math');
      await vscode.window.showTextDocument(editor.document);
      assert.equal(await vscode.commands.executeCommand('qedNano.insertProof'), 'inserted');
      const text = editor.document.getText();
      const start = text.indexOf('\\begin{proof}', text.indexOf('\\end{lemma}'));
      const end = text.indexOf('\\end{proof}', start) + '\\end{proof}'.length;
      const inserted = text.slice(start, end);
      assert.ok(text.startsWith(`${text.slice(0, start)}${inserted}\n\n\\begin{theorem}\\label{thm:infinite}`), 'the proof right after the lemma');
      assert.ok(inserted.includes('Suppose \\(p > 2\\) were even.') && !inserted.includes('$'), `in the chapter's own \\(…\\): ${inserted}`);
      const first = editor.document.positionAt(start).line;
      const last = editor.document.positionAt(end).line;
      const added = last - first + 1;

      assert.ok(await editor.document.save(), 'saved');
      const after = await chktexOfSaved(editor.document);
      console.log(`ChkTeX after Insert: ${after.length} diagnostics on primes.tex: ${describeLints(after).join('; ')}`);
      assert.deepEqual(describeLints(after.filter((l) => l.line >= first && l.line <= last)), [], 'nothing on the inserted proof');
      const moved = after.filter((l) => l.line < first || l.line > last).map((l) => (l.line > last ? { ...l, line: l.line - added } : l));
      assert.deepEqual(describeLints(moved), describeLints(before), 'the rest of the chapter draws what it drew before');
      const errors = vscode.languages.getDiagnostics().flatMap(([, list]) => list.filter((d) => d.source === 'ChkTeX' && d.severity === vscode.DiagnosticSeverity.Error));
      assert.deepEqual(errors.map((d) => d.message), [], 'no ChkTeX error anywhere in the thesis');
      // The inserted proof, and the Problems view filtered to the chapter: LaTeX Workshop's two warnings.
      const top = new vscode.Position(Math.max(0, first - 2), 0);
      editor.selection = new vscode.Selection(top, top);
      editor.revealRange(new vscode.Range(top, top), vscode.TextEditorRevealType.AtTop);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await vscode.commands.executeCommand('problems.action.focusFilter');
      await pressKeys(...'primes'.split(''));
      await new Promise((r) => setTimeout(r, 1000)); // the Problems view filters and paints
      await screenshot('chktex-after-insert');
      await vscode.commands.executeCommand('problems.action.clearFilterText');
    } finally {
      await editor.edit((edit) => edit.replace(new vscode.Range(new vscode.Position(0, 0), editor.document.lineAt(editor.document.lineCount - 1).range.end), original));
      await editor.document.save();
    }
  });
});
