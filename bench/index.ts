/** `npm run bench`: benchmarks, each printing its figures and ratios measured side by side in this run. */
import { benchAnalysis } from './analysis';
import { benchEngine } from './engine';

async function main(): Promise<void> {
  benchAnalysis();
  await benchEngine();
}

void main().then(() => process.exit(0));
