import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinkSplitter, type SplitEvent } from '../../server/src/engine/thinkSplitter';

/** Feeds `text` in the given chunks; returns the final split and the streamed text per kind. */
function split(chunks: string[]): { thinking: string; answer: string; closed: boolean; streamed: { thinking: string; answer: string } } {
  const splitter = new ThinkSplitter();
  const streamed = { thinking: '', answer: '' };
  const take = (events: SplitEvent[]): void => {
    for (const e of events) {
      if (e.kind === 'answerRetracted') {
        streamed.thinking += e.movedToThinking;
        streamed.answer = '';
      } else streamed[e.kind] += e.text;
    }
  };
  for (const chunk of chunks) take(splitter.push(chunk));
  const final = splitter.finish();
  take(final.events);
  return { thinking: final.thinking, answer: final.answer, closed: final.thoughtClosed, streamed };
}

test('every spacing variant around </think> gives the same thinking and answer', () => {
  for (const text of [
    'Try induction.\n</think>\n\n**Proof.** By induction.',
    'Try induction.</think>\n\n**Proof.** By induction.',
    'Try induction.\n</think>\n**Proof.** By induction.',
    'Try induction.</think>**Proof.** By induction.',
    'Try induction.\n\n</think>\n\n\n**Proof.** By induction.\n',
  ]) {
    const result = split([text]);
    assert.deepEqual([result.thinking, result.answer, result.closed], ['Try induction.', '**Proof.** By induction.', true], JSON.stringify(text));
  }
});

test('the tag split across chunks at every position is recognised, and what streams equals the final split', () => {
  const text = 'Consider $n=1$.\n</think>\n\nWe prove it for all $n$.';
  for (let cut = 1; cut < text.length; cut++) {
    for (let cut2 = cut; cut2 < text.length; cut2 += 7) {
      const result = split([text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)]);
      assert.equal(result.thinking, 'Consider $n=1$.', `cut at ${cut}/${cut2}`);
      assert.equal(result.answer, 'We prove it for all $n$.', `cut at ${cut}/${cut2}`);
      assert.equal(result.streamed.thinking.trimEnd(), result.thinking);
      assert.equal(result.streamed.answer.trim(), result.answer);
    }
  }
});

test('the answer is what follows the LAST </think>; an earlier answer is moved back into the thinking', () => {
  const result = split(['First idea.</think>\n\nA first answer', ' that was not final.\n</think>\n\nThe real proof.']);
  assert.equal(result.answer, 'The real proof.');
  assert.match(result.thinking, /First idea\.\s*A first answer that was not final\./);
  assert.equal(result.streamed.answer, 'The real proof.');
});

test('no </think>: all is thinking and there is no answer; a lone < or </thi at the end is kept as text', () => {
  const result = split(['Still thinking about a < b and </thi']);
  assert.deepEqual([result.thinking, result.answer, result.closed], ['Still thinking about a < b and </thi', '', false]);
});
