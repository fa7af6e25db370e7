/**
 * `npm run tiny-model -- <out.gguf> [--variant endless|natural|qwen3] [--seed N]`: writes the tiny qwen3 test
 * model (see test/support/tinyModel.ts). The same variant and seed always give the same bytes.
 */
import { writeFileSync } from 'node:fs';
import { tinyModelBytes, type TinyModelVariant } from '../test/support/tinyModel';

const [out, ...rest] = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = rest.indexOf(`--${name}`);
  return at >= 0 ? rest[at + 1] : undefined;
};
const variant = (option('variant') ?? 'endless') as TinyModelVariant;
if (!out || !['endless', 'natural', 'qwen3'].includes(variant)) {
  console.error('usage: npm run tiny-model -- <out.gguf> [--variant endless|natural|qwen3] [--seed N]');
  process.exit(2);
}
const bytes = tinyModelBytes(variant, option('seed') ? Number(option('seed')) : undefined);
writeFileSync(out, bytes);
console.log(`${out}: ${bytes.length} bytes, tiny qwen3 model (${variant})`);
