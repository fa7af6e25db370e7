/** A generation's stats as the wire reports them (`GenerationCost`): what every generating request and the
 * command line report of a reply's cost. */
import type { GenerationStats } from '../engine/types';
import type { GenerationCost } from '../protocol';

export function toCost(stats: GenerationStats): GenerationCost {
  const { promptTokens, evaluatedPromptTokens, thinkingTokens, answerTokens, thinkingMs, ms, tokensPerSecond, predictedTokens } = stats;
  return { promptTokens, evaluatedPromptTokens, thinkingTokens, answerTokens, thinkingMs, ms, tokensPerSecond, predictedTokens: { ...predictedTokens } };
}
