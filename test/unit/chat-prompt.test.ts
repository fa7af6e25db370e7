/**
 * What the model is asked in a chat turn. The generate function here is a recorder of the tasks' own
 * `Generate` interface: this checks the prompt the task assembles, not the model (test/lsp/chat.test.ts
 * runs the real engine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationRequest, GenerationResult } from '../../server/src/engine/types';
import { chatTurn } from '../../server/src/tasks/chat';
import type { Generate } from '../../server/src/tasks/generate';

function recorder(): { generate: Generate; requests: GenerationRequest[] } {
  const requests: GenerationRequest[] = [];
  const generate: Generate = async (request) => {
    requests.push(request);
    const stats = { promptTokens: 10, evaluatedPromptTokens: 10, thinkingTokens: 1, answerTokens: 1, timeToFirstTokenMs: 1, thinkingMs: 1, ms: 1, tokensPerSecond: 1, predictedTokens: { validated: 0, refuted: 0 } };
    return { thinking: 't', answer: 'a', raw: 't\n</think>\n\na', thoughtClosed: true, stopReason: 'endOfText', stats } satisfies GenerationResult;
  };
  return { generate, requests };
}

const context = { problem: 'Show that $n^2 \\ge n$.', proof: 'Let $n \\ge 1$. Then $n^2 - n = n(n-1)$.', findings: ['Step 2 (gap): why is n(n-1) nonnegative?'] };
const budgets = { maxTokens: 500, thinkingBudget: 400, contextSize: 16_384 };

test('the first message carries the problem, the proof so far, the critique findings, and keeps the model on the problem', async () => {
  const { generate, requests } = recorder();
  await chatTurn({ context, turns: [], summary: undefined, tokensSoFar: undefined, message: 'Is my proof correct?' }, generate, budgets, () => {}, new AbortController().signal);
  const [message] = requests[0]!.messages;
  assert.equal(requests[0]!.messages.length, 1);
  for (const part of [context.problem, context.proof, context.findings[0]!, 'Question:\nIs my proof correct?', 'say only that you discuss this problem alone']) {
    assert.ok(message!.content.includes(part), part);
  }
  assert.equal(requests[0]!.priority, 'interactive');
});

test('a later turn repeats the conversation as generated (its raw reply) and ends with the new message', async () => {
  const { generate, requests } = recorder();
  const turns = [
    { role: 'user' as const, text: 'Is my proof correct?' },
    { role: 'assistant' as const, text: 'Almost.', raw: 'Check step 2.\n</think>\n\nAlmost.' },
  ];
  await chatTurn({ context, turns, summary: undefined, tokensSoFar: 100, message: 'Why?' }, generate, budgets, () => {}, new AbortController().signal);
  const messages = requests[0]!.messages;
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.ok(messages[0]!.content.endsWith('Question:\nIs my proof correct?'));
  assert.equal(messages[1]!.raw, 'Check step 2.\n</think>\n\nAlmost.');
  assert.equal(messages[2]!.content, 'Why?');
});
