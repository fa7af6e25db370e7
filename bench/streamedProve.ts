/**
 * A qed/prove over the language server's stdio, timed as its client sees it: from sending the request to
 * the first streamed text, and the tokens per second of the stream (after the first token, to the result).
 */
import { ProveRequest, type ProveParams } from '../server/src/protocol';
import type { TestLanguageClient } from '../test/support/lspClient';

export interface StreamedProveTiming {
  firstTokenMs: number;
  tokensPerSecond: number;
}

/** A prove function for `client` (one listener for the stream, whatever the number of rounds). */
export function streamedProve(client: TestLanguageClient, at: Pick<ProveParams, 'textDocument' | 'position'>): () => Promise<StreamedProveTiming> {
  let firstProgress = 0;
  let round = 0;
  client.connection.onNotification('$/progress', (params: { value: { kind: string } }) => {
    if (params.value.kind !== 'started') firstProgress ||= performance.now();
  });
  return async () => {
    firstProgress = 0;
    const sent = performance.now();
    const result = await client.connection.sendRequest(ProveRequest, { ...at, partialResultToken: `bench-${++round}` });
    const generated = result.stats.thinkingTokens + result.stats.answerTokens;
    return { firstTokenMs: firstProgress - sent, tokensPerSecond: (generated - 1) / ((performance.now() - firstProgress) / 1000) };
  };
}
