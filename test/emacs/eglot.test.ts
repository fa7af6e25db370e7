/**
 * A real Emacs (Debian 12's emacs-nox 28.2 with elpa-eglot 1.9 and elpa-markdown-mode) in batch mode, set up
 * as README's eglot recipe says, against the built server (dist/server.js) with the tiny model in scripted
 * mode: test/emacs/eglot-run.el opens a .tex file with eglot-ensure and checks flymake's diagnostics, imenu,
 * xref to a \label, Prove through workspace/executeCommand (the buffer changes), the next step through
 * completion-at-point, and a .md file under the same entry. Needs `emacs` on the PATH
 * (`apt-get install emacs-nox elpa-eglot elpa-markdown-mode`; .ci/run installs them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/fixtures';
import { SERVER_PATH } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const TEX = String.raw`\begin{theorem}\label{thm:sq}
For all $n \ge 1$, $n^2 \ge n$.
\end{theorem}
\begin{proof}
Since $n - 1 \ge 0$, we get $n^2 \ge n$, as \ref{thm:sq} says and \ref{nosuch}.
\end{proof}
\begin{lemma}\label{lem:one}
$1 \ge 1$.
\end{lemma}
`;

const MARKDOWN = '## Problem 1\nShow that $n^2 \\ge n$.\n\n**Proof.** Clear. ∎\n';

/** The model's replies, in order: the lemma's proof, then the next step after "we get $n^2 \ge n$,". */
const SCRIPTS = ['Check n=1.\n</think>\n\n**Proof.** Since $1 \\ge 1$, done. ∎', ' so the claim holds. More text.'];

test('Emacs with eglot 1.9: diagnostics, imenu, xref, Prove through executeCommand, the next step by completion-at-point, a .md file read as Markdown', () => {
  const emacs = spawnSync('emacs', ['--version'], { encoding: 'utf8' });
  assert.equal(emacs.status, 0, 'Emacs is not installed: apt-get install emacs-nox elpa-eglot elpa-markdown-mode');
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-emacs-'));
  try {
    writeFileSync(path.join(folder, 'proofs.tex'), TEX);
    writeFileSync(path.join(folder, 'notes.md'), MARKDOWN);
    const run = spawnSync('emacs', ['--batch', '-Q', '-l', path.join(REPO_ROOT, 'test', 'emacs', 'eglot-run.el')], {
      cwd: folder,
      encoding: 'utf8',
      // A bound on a hang, not a measurement: the run takes seconds.
      timeout: 180_000,
      env: {
        ...process.env,
        HOME: folder,
        QED_EGLOT_SERVER: SERVER_PATH,
        QED_EGLOT_MODEL: tinyModelPath('natural'),
        QED_EGLOT_STORAGE: path.join(folder, 'storage'),
        QED_EGLOT_FILE: path.join(folder, 'proofs.tex'),
        QED_EGLOT_MARKDOWN_FILE: path.join(folder, 'notes.md'),
        QED_NANO_TEST_SCRIPT: JSON.stringify(SCRIPTS),
      },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    for (const check of [
      /^ok: eglot connected to qed-nano-language-server$/m,
      /^ok: flymake: .*\\ref\{nosuch\}/m,
      /^ok: imenu: .*Lemma \(lem:one\).*Theorem \(thm:sq\)/m,
      /^ok: xref: \\ref\{thm:sq\} -> line 1$/m,
      /^ok: Prove inserted the proof$/m,
      /^ok: completion-at-point inserted the next step$/m,
      /^ok: Markdown imenu/m,
      /^done$/m,
    ]) {
      assert.match(run.stdout, check, output);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
