/**
 * What a proof run's result means for the user, with no VS Code in it (so it is unit-tested): the line the
 * Proof view shows under a finished proof, whether an error means "no model could be used", and which
 * actions a run's outcome allows.
 */
import type { ModelUnavailableErrorData, ProveParams, ProveResult } from '../../server/src/protocol';

/** Whether a request failed because no model could be used (the server's ModelUnavailableErrorData). */
export function isModelUnavailable(error: unknown): boolean {
  const data = (error as { data?: Partial<ModelUnavailableErrorData> } | undefined)?.data;
  return data?.modelUnavailable === true;
}

/** A prove request's parameters without the continuation of an earlier attempt (Retry proves afresh). */
export function withoutContinuation(params: ProveParams): ProveParams {
  const { continueFrom: _previous, ...rest } = params;
  return rest;
}

/** The line under the proof: how it ended, in words, and the statistics. */
export function resultLine(result: ProveResult): string {
  if (result.deep) {
    const { deep } = result;
    const why = { perfectScore: 'a proof scored 1 in every verification', roundsDone: 'all rounds done', tokenBudget: 'the token budget (qedNano.deep.tokenBudget) was reached' }[deep.stoppedBecause];
    const chosen = deep.candidates.find((c) => c.id === deep.chosen);
    return chosen
      ? `Deep mode: ${deep.candidates.length} candidates over ${deep.rounds} round${deep.rounds === 1 ? '' : 's'}; chosen #${chosen.id} with mean score ${chosen.mean.toFixed(2)}; stopped because ${why}. ${deep.tokensUsed.toLocaleString()} tokens in ${(result.stats.ms / 1000).toFixed(1)} s.`
      : `Deep mode: no candidate finished a proof; stopped because ${why}.`;
  }
  const stats = `${result.stats.thinkingTokens.toLocaleString()} thinking + ${result.stats.answerTokens.toLocaleString()} proof tokens in ${(result.stats.ms / 1000).toFixed(1)} s (${result.stats.tokensPerSecond.toFixed(1)} tokens/s).`;
  const rc = result.reasoningCache;
  if (rc) {
    const cycle = `Reasoning cache: ${rc.attemptsRun} attempt${rc.attemptsRun === 1 ? '' : 's'}, ${rc.summaries.length} ${rc.summaries.length === 1 ? 'summary' : 'summaries'}.`;
    if (result.proof && rc.proofAttempt < rc.attemptsRun) {
      return `${cycle} The last attempt wrote no proof (${lastEnded(result)}); the proof above is attempt ${rc.proofAttempt}'s.${canContinue(result) ? ' Continue summarises the last attempt and solves again.' : ''} ${stats}`;
    }
    return `${cycle} ${singleLine(result, stats)}`;
  }
  return singleLine(result, stats);
}

/** How the last generation ended, in words, for a result whose last attempt wrote no proof. */
function lastEnded(result: ProveResult): string {
  const why: Partial<Record<ProveResult['stopReason'], string>> = { thinkingBudget: 'its thinking budget ran out', maxTokens: 'the token limit was reached', repetitionLoop: 'it was repeating itself' };
  return why[result.stopReason] ?? 'it ended without one';
}

/** The line of one generation's outcome (single pass, or the last attempt of the reasoning cache). */
function singleLine(result: ProveResult, stats: string): string {
  switch (result.stopReason) {
    case 'endOfText':
      return result.proof ? `Done: ${stats}` : `The model ended without writing a proof. ${stats}`;
    case 'thinkingBudget':
      return `No proof: the model used its whole thinking budget (qedNano.generation.thinkingBudget) before writing one. Continue summarises that thinking and solves again from the summary. ${stats}`;
    case 'maxTokens':
      return result.thoughtClosed ? `The proof was cut at the token limit (qedNano.generation.maxTokens); it may be unfinished. ${stats}` : `No proof: the token limit was reached while the model was still thinking. ${stats}`;
    case 'repetitionLoop':
      return `Stopped: the model was repeating itself. ${result.proof ? 'The proof may be unfinished. ' : 'No proof was written. '}${stats}`;
    default:
      return stats;
  }
}

/** Whether an attempt can be continued from a summary of its thinking: it stopped while still thinking (a
 * single pass, or the last attempt of the reasoning cache; never deep mode). */
export function canContinue(result: ProveResult | undefined): boolean {
  return result !== undefined && !result.deep && !result.thoughtClosed && result.thinking.length > 0;
}
