/**
 * Draft-model decoding (qedNano.draftModel) without real weights: the generated wide target (QED-Nano's layer
 * sizes) with the generated tiny model as its draft (the generated models share one vocabulary), both
 * scripted. The target writes the same text in every case; the draft's script is the target's (acceptance
 * near 100%, the mechanism's ceiling) or diverges from it at a fixed share of positions (about 90%, 70%, 50%
 * and 25% of its tokens right). Each level: tokens/s of the target with the draft against the target alone
 * (no prediction of any kind on either side, so the draft's own effect is measured), alternating rounds,
 * identical text; with the acceptance, and whether the draft was turned off for the rest of a reply (below
 * break-even it should be, and then cost under 5%).
 * Targets (issue 26): at 90% acceptance >= 1.5x on 2 cores; below break-even, turned off and costing under
 * 5% (timed over 4 more rounds, and counted: the drafted tokens the target evaluated in vain, and the draft
 * model's own evaluated tokens).
 */
import { LlamaEngine, type LlamaEngineOptions } from '../server/src/engine/llamaEngine';
import { scriptedBias } from '../server/src/engine/scriptedOutput';
import type { GenerationRequest } from '../server/src/engine/types';
import { proofRequest } from '../server/src/prompts/proofPrompt';
import { scratchFile, tinyModelPath } from '../test/support/models';
import { wideModelBytes } from '../test/support/wideModel';
import { BENCH_GPU } from './hardware';
import { PROOF_SENTENCES } from './prediction';
import { roundsNote, sideBySide } from './sideBySide';

const ROUNDS = Number(process.env.QED_NANO_BENCH_ROUNDS) || 5;

const REPLY = [...PROOF_SENTENCES.slice(0, 4), 'No prime divides $1$, so $q$ is a prime missing from our list, and there are infinitely many primes. ∎'].join(' ');

/** Each level: the positions (of every `period`) where the draft's script is wrong; `cost`: a level at or below
 * break-even (the product turns the draft off, or drafts a token now and then where the measured costs say one
 * pays), whose few percent of cost need four more rounds to read (as the chat's figure). */
const LEVELS: { label: string; period: number; wrong: number[]; cost?: true }[] = [
  { label: 'draft = target (~100%)', period: 1, wrong: [] },
  { label: 'wrong 1 in 10 (~90%)', period: 10, wrong: [9] },
  { label: 'wrong 3 in 10 (~70%)', period: 10, wrong: [3, 6, 9] },
  { label: 'wrong 1 in 2 (~50%)', period: 2, wrong: [1], cost: true },
  { label: 'wrong 3 in 4 (~25%)', period: 4, wrong: [1, 2, 3], cost: true },
];

export async function benchDraft(): Promise<void> {
  console.log('Draft model (generated wide target, generated tiny draft, both scripted; no lookup on either side)');
  const target: LlamaEngineOptions = { modelPath: scratchFile('wide-q8.gguf', wideModelBytes()), gpu: BENCH_GPU, threads: 2, contextSize: 2048, batchSize: 512, sequences: 1, tokenPrediction: false };
  const drafted = await LlamaEngine.load({ ...target, draftModelPath: tinyModelPath('endless') });
  const alone = await LlamaEngine.load(target);
  const tokens = alone.tokenize([{ special: true, text: REPLY }]);
  const other = alone.tokenize([{ special: false, text: ' the' }])[0]!;
  const request: GenerationRequest = {
    messages: [proofRequest('Show that there are infinitely many primes.')],
    maxTokens: tokens.length,
    sampling: { temperature: 0 },
    detectLoops: false,
    tokenBias: scriptedBias(tokens),
  };
  for (const level of LEVELS) {
    const draftScript = tokens.map((token, i) => (level.wrong.includes(i % level.period) ? (token === other ? other + 1 : other) : token));
    const texts = new Set<string>();
    const before = drafted.describe().local!.draftModel!;
    let turnedOff = 0;
    let rounds = 0;
    const measured = await sideBySide(
      level.cost ? ROUNDS + 4 : ROUNDS,
      async () => {
        const figuresBefore = drafted.describe().local!.draftModel!;
        const result = await drafted.generate({ ...request, draftTokenBias: scriptedBias(draftScript) }, () => undefined);
        const figuresAfter = drafted.describe().local!.draftModel!;
        // The draft stopped proposing well before the reply's end: it was turned off for the rest of it.
        if (figuresAfter.drafted - figuresBefore.drafted < tokens.length / 2) turnedOff++;
        rounds++;
        texts.add(result.raw);
        return result.stats.tokensPerSecond;
      },
      async () => {
        const result = await alone.generate(request, () => undefined);
        texts.add(result.raw);
        return result.stats.tokensPerSecond;
      },
    );
    const after = drafted.describe().local!.draftModel!;
    const proposed = after.drafted - before.drafted;
    const confirmed = after.accepted - before.accepted;
    // Work, not time: what the draft model evaluated (the prompt's new part at each reply's start, and its
    // drafts), against the target's tokens over the same replies.
    const draftWork =
      `the target evaluated ${proposed - confirmed} drafted tokens in vain (${((100 * (proposed - confirmed)) / (rounds * tokens.length)).toFixed(1)}% of the ${rounds * tokens.length} it wrote), ` +
      `the draft model ${after.evaluatedTokens - before.evaluatedTokens} tokens`;
    const verdict =
      level.period === 10 && level.wrong.length === 1
        ? `; target >= 1.5x: ${measured.ratio >= 1.5 && texts.size === 1 ? 'met' : 'MISSED'}`
        : level.cost
          ? `; costs under 5%: ${measured.ratio >= 0.95 && texts.size === 1 ? 'met' : 'MISSED'}`
          : '';
    const off = turnedOff > 0 ? `; turned off for the rest of the reply in ${turnedOff} of ${rounds} replies` : '';
    console.log(
      `  ${level.label}: ${Math.round((100 * confirmed) / Math.max(1, proposed))}% of ${proposed} drafted tokens confirmed; ` +
        `${measured.a.toFixed(1)} tok/s with the draft vs ${measured.b.toFixed(1)} alone = ${measured.ratio.toFixed(2)}x ` +
        `(${roundsNote(measured)}; ${texts.size === 1 ? 'identical text' : 'TEXT DIFFERS'}${off}; ${draftWork})${verdict}`,
    );
  }
  await drafted.dispose();
  await alone.dispose();
}
