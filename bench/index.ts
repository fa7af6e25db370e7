/** `npm run bench`: benchmarks, each printing its figures and ratios measured side by side in this run. */
import { benchAdversarial, benchAnalysis } from './analysis';
import { benchBook } from './book';
import { benchChat } from './chat';
import { benchCli } from './cli';
import { benchCompletion } from './completion';
import { benchCritique } from './critique';
import { benchDraft } from './draft';
import { benchEngine } from './engine';
import { benchMemory } from './memory';
import { benchPanel } from './panel';
import { benchPrediction } from './prediction';
import { benchProject } from './project';
import { benchRemote } from './remote';

/** Every part, in the order `npm run bench` runs them. */
const PARTS: Record<string, () => Promise<void>> = {
  analysis: benchAnalysis,
  adversarial: benchAdversarial,
  project: benchProject,
  book: benchBook,
  cli: benchCli,
  engine: benchEngine,
  prediction: benchPrediction,
  draft: benchDraft,
  critique: benchCritique,
  completion: benchCompletion,
  chat: benchChat,
  remote: benchRemote,
  memory: benchMemory,
  panel: benchPanel,
};

/** `npm run bench -- prediction draft`: only the parts named (a GPU session's few minutes); none: all. */
async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !(name in PARTS));
  if (unknown.length > 0) throw new Error(`no bench part ${unknown.join(', ')}: the parts are ${Object.keys(PARTS).join(', ')}`);
  for (const [name, part] of Object.entries(PARTS)) if (named.length === 0 || named.includes(name)) await part();
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
