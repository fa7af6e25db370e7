/**
 * chatCompletion, the judge's client, against the judge stand-in on 127.0.0.1: what is tried again (resets,
 * 429 with its Retry-After, 5xx) and what is not (a deadline passed, a reply larger than any judgement, a
 * redirect), each failure a sentence naming the host and the flag to change. Waits between tries are made
 * 1 ms here; the command line's are seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatCompletion, MAX_REPLY_CHARS, type ChatCompletionOptions } from '../../server/src/engine/chatCompletion';
import { RemoteEngineError, type RemoteAdvice } from '../../server/src/engine/openAiHttp';
import { JudgeServer, type JudgeReply } from '../support/judgeServer';

const ADVICE: RemoteAdvice = { endpoints: '--endpoint', model: '--model', timeout: '--timeout', apiKey: 'Set KEY.', redirect: 'Name it.', context: 'Shorter.' };

async function withJudge(replies: JudgeReply[], check: (judge: JudgeServer, options: ChatCompletionOptions) => Promise<void>): Promise<void> {
  const judge = await JudgeServer.start({ model: 'm', respond: (_, index) => replies[Math.min(index, replies.length - 1)]! });
  try {
    await check(judge, { url: judge.url, model: 'm', apiKey: undefined, timeoutMs: 5000, backoffMs: 1, advice: ADVICE });
  } finally {
    await judge.stop();
  }
}

test('a reset, a 429 and a 500 are tried again; the reply and its usage come back', async () => {
  await withJudge([{ reset: true }, { status: 429, retryAfterSeconds: 0 }, { status: 500 }, { content: '<points>6 out of 7</points>' }], async (judge, options) => {
    const reply = await chatCompletion(options, 'Grade this.');
    assert.equal(reply.content, '<points>6 out of 7</points>');
    assert.equal(reply.finishReason, 'stop');
    assert.equal(typeof reply.promptTokens, 'number');
    assert.equal(judge.requests.length, 4);
    assert.ok(judge.requests.every((r) => r.prompt === 'Grade this.'));
  });
});

test('a reset every time ends after the tries, with the host named', async () => {
  await withJudge([{ reset: true }], async (judge, options) => {
    await assert.rejects(chatCompletion({ ...options, attempts: 3 }, 'x'), (error: RemoteEngineError) => {
      assert.equal(error.failure, 'unreachable');
      assert.match(error.message, /^127\.0\.0\.1:\d+ reset the connection\. \(3 tries\)$/);
      return true;
    });
    assert.equal(judge.requests.length, 3);
  });
});

test('no answer by the deadline: ended, not tried again', async () => {
  await withJudge([], async (judge, options) => {
    const held = await JudgeServer.start({ model: 'm', respond: () => new Promise<JudgeReply>(() => {}) });
    try {
      await assert.rejects(chatCompletion({ ...options, url: held.url, timeoutMs: 1000 }, 'x'), (error: RemoteEngineError) => {
        assert.equal(error.failure, 'timeout');
        assert.match(error.message, /^127\.0\.0\.1:\d+ did not answer within 1 s; the request was ended \(--timeout\)\.$/);
        return true;
      });
      assert.equal(held.requests.length, 1);
    } finally {
      await held.stop();
    }
    assert.equal(judge.requests.length, 0);
  });
});

test('a reply larger than any judgement is refused as it arrives; a redirect is refused with its target', async () => {
  await withJudge([{ content: 'a'.repeat(MAX_REPLY_CHARS) }, { redirect: 'http://127.0.0.1:9/v1/chat/completions' }], async (_, options) => {
    await assert.rejects(chatCompletion(options, 'x'), /is not an OpenAI-compatible server: its reply is over 4,000,000 characters\. Check --endpoint/);
    await assert.rejects(chatCompletion(options, 'x'), /redirected the request to http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions; QED-Nano does not follow redirects, .* Name it\.$/);
  });
});

test('the caller\'s cancel ends the request at once, with no retry', async () => {
  const held = await JudgeServer.start({ model: 'm', respond: () => new Promise<JudgeReply>(() => {}) });
  try {
    const stop = new AbortController();
    const asked = chatCompletion({ url: held.url, model: 'm', apiKey: undefined, timeoutMs: 60_000, backoffMs: 1, advice: ADVICE }, 'x', stop.signal);
    while (held.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort(new Error('cancelled by the test'));
    await assert.rejects(asked, /cancelled by the test/);
    assert.equal(held.requests.length, 1);
  } finally {
    await held.stop();
  }
});
