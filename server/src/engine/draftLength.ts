/**
 * The length of node-llama-cpp's DraftSequenceTokenPredictor's next drafting run, set before each one.
 *
 * The library takes `minTokens` (how many draft tokens the target waits for) and `maxTokens` (where the
 * drafting loop stops) once, at construction, and drafts in the background while the target evaluates. On a
 * CPU that background drafting takes the cores the target's evaluation needs: measured on the generated wide
 * target at 2 threads with a draft right 9 times in 10, a 5-token verification took 50 ms beside it against
 * about 15 ms alone. So the lookup predictor decides how long a draft pays (from the draft's accuracy in this
 * reply and the measured costs) and sets both to that length before it asks: the target waits for exactly
 * the tokens it will check and the draft stops there, drafting and verifying in turn. (Waiting for a draft
 * needs node-llama-cpp as patched at install: docs/upstream-draft-predictor-resume.md.)
 *
 * node-llama-cpp 3.21.1 (pinned exactly in package.json) keeps both in `_minTokens` and `_maxTokens` and
 * reads them on every `predictTokens` and in the drafting loop; the library offers no setter.
 * test/engine/draft-predictor-resume.test.ts pins that a length set here is the length drafted.
 */
import type { DraftSequenceTokenPredictor } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

export function setDraftLength(predictor: DraftSequenceTokenPredictor, tokens: number): void {
  const fields = predictor as unknown as { _minTokens: number; _maxTokens: number };
  if (typeof fields._minTokens !== 'number' || typeof fields._maxTokens !== 'number') {
    throw new Error('node-llama-cpp changed DraftSequenceTokenPredictor: its draft length can no longer be set (see draftLength.ts)');
  }
  fields._minTokens = tokens;
  fields._maxTokens = tokens;
}
