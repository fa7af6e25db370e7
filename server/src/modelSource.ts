/** What `qedNano.model` may hold, shared by the client's commands and the server's model manager. */

/** The QED-Nano GGUF downloaded when no model is configured (Q4_K_M, about 2.5 GB). */
export const DEFAULT_MODEL = 'hf:Mungert/QED-Nano-GGUF:Q4_K_M';

/** `hf:owner/repo:QUANT` or `hf:owner/repo/file.gguf` (also `hf://`): a model resolved on Hugging Face. */
export function isHuggingFaceUri(model: string): boolean {
  return model.startsWith('hf:') || model.startsWith('hf://');
}
