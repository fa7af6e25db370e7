import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepEnd } from '../../server/src/tasks/complete';

/** The continuation cut where the step ends (the whole text while it has not ended). */
const cut = (text: string): string => text.slice(0, stepEnd(text) ?? text.length);

test('a step ends after its sentence, not at a full stop inside math or an abbreviation', () => {
  assert.equal(cut(' then $x \\ge 1.5$ holds. Next we'), ' then $x \\ge 1.5$ holds.');
  assert.equal(cut(' as in e.g. the lemma, it holds. More'), ' as in e.g. the lemma, it holds.');
  assert.equal(cut('so $a = b$'), 'so $a = b$', 'not ended yet');
});

test('a step ends before a blank line, a list item or anything that closes the proof', () => {
  assert.equal(cut(' and we are done\n\nFor the second part'), ' and we are done');
  assert.equal(cut(' the first case\n\\item In the second'), ' the first case');
  assert.equal(cut(' the first case\n- In the second'), ' the first case');
  assert.equal(cut(' which proves it \\end{proof}'), ' which proves it ');
  assert.equal(cut(' which proves it $\\blacksquare$'), ' which proves it ');
  assert.equal(cut(' which proves it ∎'), ' which proves it ');
  assert.equal(cut(' hence QED'), ' hence ');
  assert.equal(cut(' by QEDlemma'), ' by QEDlemma', 'only the mark itself');
});

test('a display block is a step of its own: it ends after the display closes; leading white space starts a new step', () => {
  assert.equal(cut('\n\\[ a^2 + b^2 \\ge 2ab. \\] Then'), '\n\\[ a^2 + b^2 \\ge 2ab. \\]');
  assert.equal(cut('\n$$ x. $$ and'), '\n$$ x. $$');
  assert.equal(cut('\n\nNext, $n$ is odd. So'), '\n\nNext, $n$ is odd.');
});
