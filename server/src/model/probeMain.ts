/**
 * `node dist/probe.js '{"file":…,"gpu":…,"threads":…,"contextSize":…}'`: loads a model file and frees it
 * again, then exits 0; exits 2 when the load is refused with an ordinary error. If llama.cpp aborts on the
 * file, this process dies instead of the language server (see loadProbe.ts).
 */
import { LlamaEngine } from '../engine/llamaEngine';
import type { ProbeSettings } from './loadProbe';

async function main(): Promise<number> {
  const { file, gpu, threads, contextSize } = JSON.parse(process.argv[2] ?? '{}') as ProbeSettings & { file: string };
  try {
    const engine = await LlamaEngine.load({ modelPath: file, gpu, threads, contextSize, batchSize: 512, sequences: 1 });
    await engine.dispose();
    return 0;
  } catch {
    return 2;
  }
}

void main().then((code) => process.exit(code));
