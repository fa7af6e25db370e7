/**
 * Chat benchmark (issue: side-panel chat), tiny model, 1 CPU thread, scripted replies, through the real
 * language server: how much of a second turn's prompt is evaluated again. Target: at most the new message
 * plus 5% of the conversation so far (the rest comes from the cache: a conversation is a growing prefix).
 */
import { LlamaEngine } from '../server/src/engine/llamaEngine';
import { ChatRequest, LoadModelRequest } from '../server/src/protocol';
import { TestLanguageClient } from '../test/support/lspClient';
import { tinyModelPath } from '../test/support/models';

const DOCUMENT = `\\begin{problem}\nShow that $n^2 \\ge n$ for every integer $n \\ge 1$.\n\\end{problem}\n\\begin{proof}\n${'Let $n \\ge 1$. Then $n^2 - n = n(n-1)$, a product of two nonnegative integers. '.repeat(8)}\n\\end{proof}\n`;
const SECOND = 'Why is $n - 1$ nonnegative here?';

export async function benchChat(): Promise<void> {
  console.log('Chat (tiny model, 1 thread, scripted replies)');
  const { client } = await TestLanguageClient.start(
    { qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 8192, gpu: 'off' } },
    {},
    { ...process.env, QED_NANO_TEST_SCRIPT: JSON.stringify(['I look at the factors.\n</think>\n\nBoth factors are nonnegative, so the product is.', 'Because n is at least 1.\n</think>\n\nSince $n \\ge 1$.']) },
  );
  await client.connection.sendRequest(LoadModelRequest);
  const uri = 'file:///bench/chat.tex';
  await client.open(uri, 'latex', DOCUMENT);
  const position = { line: 1, character: 3 };
  const first = await client.connection.sendRequest(ChatRequest, { textDocument: { uri }, position, message: 'Is my proof correct?' });
  const second = await client.connection.sendRequest(ChatRequest, { textDocument: { uri }, position, message: SECOND, conversation: first.conversation });
  await client.stop();
  const engine = await LlamaEngine.load({ modelPath: tinyModelPath('natural'), gpu: false, threads: 1, contextSize: 1024, batchSize: 512, sequences: 1 });
  const message = engine.tokenize([{ special: false, text: SECOND }]).length;
  await engine.dispose();
  const conversation = first.stats.promptTokens + first.stats.thinkingTokens + first.stats.answerTokens;
  const beyond = (second.stats.evaluatedPromptTokens - message) / conversation;
  console.log(
    `  second turn: evaluated ${second.stats.evaluatedPromptTokens} of ${second.stats.promptTokens} prompt tokens; the new message is ${message} tokens, ` +
      `the conversation so far ${conversation}; beyond the message ${(beyond * 100).toFixed(1)}% of the conversation (target <= 5%: ${beyond <= 0.05 ? 'met' : 'MISSED'})`,
  );
}
