/**
 * Memory per model request, over a real connection with the real engine: a day of typing fires a
 * completion at every pause, so what each request leaves behind adds up. The server runs with --expose-gc,
 * and qed/setupInfo reports its heap after a full collection. Counted, not timed.
 *
 * Before: 4-8 KB stayed per request (Node 20's AbortSignal.any on every generation, a pool listener that
 * kept each prompt's tokens), 4.8 MB per 1,000 requests. What remains (about 0.4 KB a request here) is V8's
 * compiled code settling and node-llama-cpp's own per-evaluation bookkeeping (raw node-llama-cpp keeps
 * about 0.34 KB per evaluate).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapPerRequest, REQUEST_KINDS } from '../support/heapPerRequest';

/** Heap growth allowed per request after warm-up: an eighth of what leaked before. */
const BOUND_BYTES_PER_REQUEST = 600;

test('1,000 mixed model requests (completion, prove, chat, cancelled prove, outline) leave the heap after GC flat', { timeout: 180_000 }, async () => {
  const perRequest = await heapPerRequest(REQUEST_KINDS, 250, 1000);
  assert.ok(perRequest < BOUND_BYTES_PER_REQUEST, `${perRequest.toFixed(0)} bytes of heap kept per request (bound ${BOUND_BYTES_PER_REQUEST})`);
});
