/**
 * The crash guard's probe: loads a model file in a child process (`dist/probe.js`, built from probeMain.ts)
 * with the settings the server would use, so that a file that aborts llama.cpp kills that child, not the
 * language server. A child that ends by a signal or with abort's exit code 134 crashed; one that exits
 * normally (loaded, or refused with an ordinary error) survived.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { LoadProbe } from './crashGuard';

/** What the probe loads with: the same device, threads and context as the real load. */
export interface ProbeSettings {
  gpu: 'auto' | false;
  threads: number;
  contextSize: number;
}

/** A probe that stops waiting after this long: a slow disk is not a crash. */
const PROBE_TIMEOUT_MS = 5 * 60_000;

export function childProcessProbe(settings: () => ProbeSettings, script = path.join(__dirname, 'probe.js')): LoadProbe {
  return (file) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [script, JSON.stringify({ file, ...settings() })], { stdio: 'ignore' });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, PROBE_TIMEOUT_MS);
      child.on('error', () => resolve('survived'));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(!timedOut && (signal !== null || code === 134) ? 'crashed' : 'survived');
      });
    });
}
