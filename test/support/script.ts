/** Scripted test mode helpers (see server/src/engine/scriptedOutput.ts). */
import type { LlamaEngine } from '../../server/src/engine/llamaEngine';

export { scriptedBias } from '../../server/src/engine/scriptedOutput';

/** The tokens of `text` as the model would write them (special tokens such as `</think>` included). */
export function scriptTokens(engine: LlamaEngine, text: string): number[] {
  return engine.tokenize([{ special: true, text }]);
}
