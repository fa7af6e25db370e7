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

async function main(): Promise<void> {
  await benchAnalysis();
  await benchAdversarial();
  await benchProject();
  await benchBook();
  await benchCli();
  await benchEngine();
  await benchPrediction();
  await benchDraft();
  await benchCritique();
  await benchCompletion();
  await benchChat();
  await benchRemote();
  await benchMemory();
  await benchPanel();
}

void main().then(() => process.exit(0));
