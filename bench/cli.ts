/**
 * Command-line benchmark: `qed-nano check` over 120 problem files (the fixtures' problems and solutions,
 * each file different) against the language server's analysis of the same files (open each, wait for its
 * published diagnostics), in alternating rounds. Target: the command line's time per file within 2x of the
 * server's (the command line pays its own Node start once per run, the server is already running).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestLanguageClient } from '../test/support/lspClient';
import { readDocument, REPO_ROOT } from '../test/support/fixtures';
import { sideBySide } from './sideBySide';

const FILES = 120;
const ROUNDS = 5;

/** 120 different problem files: the fixtures, each with its own numbering and a problem of its own. */
function problemFiles(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'qed-cli-bench-'));
  const sources = ['inequalities.tex', 'olympiad.tex', 'notes.md', 'broken.md', 'broken.tex'];
  for (let i = 0; i < FILES; i++) {
    const source = sources[i % sources.length]!;
    const text = readDocument(source).replace(/Problem (\d+)/g, (_, n: string) => `Problem ${Number(n) + i}`) + (source.endsWith('.md') ? `\n## Problem ${1000 + i}\n\nShow that $${i}^2 \\ge ${i}$.\n` : '');
    writeFileSync(path.join(folder, `${String(i).padStart(3, '0')}-${source}`), text);
  }
  return folder;
}

export async function benchCli(): Promise<void> {
  const folder = problemFiles();
  const files = readdirSync(folder).map((f) => path.join(folder, f));
  const cli = (): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), 'check', '--format', 'json', folder], { encoding: 'utf8' });
    if (result.status !== 0 && result.status !== 1) throw new Error(result.stderr);
    return (performance.now() - started) / files.length;
  };
  const { client } = await TestLanguageClient.start({});
  let round = 0;
  const server = async (): Promise<number> => {
    round++;
    const started = performance.now();
    await Promise.all(
      files.map(async (file) => {
        const uri = `file://${file}?round=${round}`;
        await client.open(uri, file.endsWith('.md') ? 'markdown' : 'latex', readFileSync(file, 'utf8'));
        await client.diagnostics(uri, () => true, 30_000);
      }),
    );
    const elapsed = (performance.now() - started) / files.length;
    for (const file of files) await client.close(`file://${file}?round=${round}`);
    return elapsed;
  };
  cli(); // warm the file cache
  const compared = await sideBySide(ROUNDS, cli, server);
  await client.stop();
  console.log(`Command line (qed-nano check over ${files.length} problem files; ${compared.rounds} alternating rounds, median of per-round ratios)`);
  console.log(
    `  ${(compared.a * files.length).toFixed(0)} ms in all, ${compared.a.toFixed(2)} ms per file (a fresh Node process included) vs the language server's analysis and diagnostics ${compared.b.toFixed(2)} ms per file = ${compared.ratio.toFixed(2)}x (target within 2x: ${compared.ratio <= 2 ? 'met' : 'MISSED'})`,
  );
}
