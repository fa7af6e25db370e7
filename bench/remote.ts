/**
 * Remote engine benchmark: tokens per second of a qed/prove through the language server's remote engine,
 * as the client receives them, against what a bare streaming HTTP client reads from the same server for the
 * same prompt and sampling (target: at least 0.95). The server is test/support/openAiServer.ts (vLLM's wire
 * format, node-llama-cpp and the tiny model behind it), in this process; the two sides alternate over rounds.
 */
import { createParser } from 'eventsource-parser';
import { promptText, qedNanoPrompt } from '../server/src/engine/prompt';
import { proofRequest } from '../server/src/prompts/proofPrompt';
import { TestLanguageClient } from '../test/support/lspClient';
import { tinyModelPath } from '../test/support/models';
import { OpenAiTestServer } from '../test/support/openAiServer';
import { roundsNote, sideBySide } from './sideBySide';
import { streamedProve } from './streamedProve';

const TOKENS = 1500;
const ROUNDS = 9;
const STATEMENT = 'Prove that there are infinitely many primes.';

export async function benchRemote(): Promise<void> {
  // Paced like a GPU server streaming one reply (the model's speed is the server's, not this machine's),
  // then unpaced, where the same 2 cores also run the model and every side competes for them.
  for (const pace of [PACED_TOKENS_PER_SECOND, undefined]) await compare(pace);
}

/** Faster than one vLLM stream of a 4B model on a data-centre GPU (about 100-200 tokens/s). */
const PACED_TOKENS_PER_SECOND = 400;

async function compare(pace: number | undefined): Promise<void> {
  const server = await OpenAiTestServer.start({ modelPath: tinyModelPath('endless'), sequences: 1, ...(pace ? { tokensPerSecond: pace } : {}) });
  const { client } = await TestLanguageClient.start({
    qedNano: { engine: 'remote', remote: { endpoints: [server.url] }, generation: { maxTokens: TOKENS, thinkingBudget: TOKENS, temperature: 0.6, topP: 0.95 } },
  });
  client.connection.onRequest('window/showMessageRequest', (params: { actions?: { title: string }[] }) => params.actions?.find((a) => a.title === 'Allow') ?? null);
  await client.open('file:///bench/remote.md', 'markdown', `## Problem 1\n${STATEMENT}\n`);
  const prove = streamedProve(client, { textDocument: { uri: 'file:///bench/remote.md' }, position: { line: 1, character: 0 } });
  const throughServer = async (): Promise<number> => (await prove()).tokensPerSecond;
  const prompt = promptText(qedNanoPrompt([proofRequest(STATEMENT)]));
  const bare = async (): Promise<number> => {
    const response = await fetch(`${server.url}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'lm-provers/QED-Nano', prompt, max_tokens: TOKENS, temperature: 0.6, top_p: 0.95, top_k: 20, stream: true, stream_options: { include_usage: true } }),
    });
    // Only fetch and an SSE parser: the tokens are the server's usage count, timed from the first text.
    const decoder = new TextDecoder();
    let tokens = 0;
    let first = 0;
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === '[DONE]') return;
        const data = JSON.parse(event.data) as { choices?: { text?: string }[]; usage?: { completion_tokens: number } };
        if (data.choices?.[0]?.text) first ||= performance.now();
        if (data.usage) tokens = data.usage.completion_tokens;
      },
    });
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(bytes, { stream: true }));
    return (tokens - 1) / ((performance.now() - first) / 1000);
  };
  await throughServer(); // consent, connection and prompt cache warm on both sides
  await bare();
  const compared = await sideBySide(ROUNDS, throughServer, bare);
  if (pace) console.log(`Remote engine (vLLM stand-in: OpenAI SSE, node-llama-cpp and the tiny model behind it, 1 thread, ${TOKENS} tokens; ${roundsNote(compared)})`);
  console.log(
    `  ${pace ? `server streaming at most ${pace} tok/s` : 'server unpaced, sharing the 2 cores'}: qed/prove through the remote engine to the client ${compared.a.toFixed(0)} tok/s vs a bare streaming HTTP client ${compared.b.toFixed(0)} tok/s = ${compared.ratio.toFixed(3)}${pace ? ` (target >= 0.95: ${compared.ratio >= 0.95 ? 'met' : 'MISSED'})` : ''}`,
  );
  await client.stop();
  await server.stop();
}
