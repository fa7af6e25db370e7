/**
 * What the chat remembers (client/src/chatSession.ts): the problem the cursor is in and its conversation,
 * New conversation (its old turns hidden until the next message begins a fresh one), Retry's message, and
 * the replies shown, for Copy and Insert by turn id (the last 200).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatSession, MAX_SHOWN_REPLIES } from '../../client/src/chatSession';
import type { ChatHistory } from '../../server/src/protocol';

const place = { uri: 'file:///notes.md', position: { line: 14, character: 2 } };
const history: ChatHistory = {
  problem: { title: 'Theorem 2 (AM-GM)', line: 13, statement: 'For a, b >= 0 ...' },
  macros: { '\\R': '\\mathbb{R}' },
  conversation: 'c1',
  turns: [
    { role: 'user', text: 'Hint?' },
    { role: 'assistant', text: 'Square it.', thinkingTokens: 12 },
  ],
  summarised: false,
  problemChanged: false,
};

test('the history at the cursor is shown with its problem named by file and line, and the next message continues it', () => {
  const session = new ChatSession();
  assert.equal(session.request('hello'), undefined, 'pointing nowhere, nothing is sent');
  session.place = place;
  const shown = session.showHistory(history, 'notes.md');
  assert.equal(shown.problem, 'Theorem 2 (AM-GM), notes.md:14');
  assert.deepEqual(shown.turns.map((t) => t.id), ['c1#0', 'c1#1']);
  assert.equal(session.statement, 'For a, b >= 0 ...');
  assert.deepEqual(session.request('And then?'), { textDocument: { uri: place.uri }, position: place.position, message: 'And then?', conversation: 'c1' });
  assert.equal(session.lastMessage, 'And then?');
});

test('New conversation hides the old turns until the next message begins a fresh conversation', () => {
  const session = new ChatSession();
  session.place = place;
  session.showHistory(history, 'notes.md');
  const fresh = session.startNew();
  assert.deepEqual([fresh.problem, fresh.turns], ['Theorem 2 (AM-GM), notes.md:14', []]);
  assert.deepEqual(session.showHistory(history, 'notes.md').turns, [], 'the server still calls c1 current: it stays hidden');
  assert.equal(session.request('Start over')?.conversation, undefined);
  session.answered('c2');
  const after = session.showHistory({ ...history, conversation: 'c2', turns: [{ role: 'user', text: 'Start over' }] }, 'notes.md');
  assert.deepEqual(after.turns.map((t) => t.text), ['Start over']);
  assert.equal(session.request('More')?.conversation, 'c2');
});

test('a place with no problem points the chat nowhere', () => {
  const session = new ChatSession();
  session.place = place;
  const shown = session.showHistory({ ...history, problem: null, turns: [] }, 'notes.md');
  assert.equal(shown.problem, undefined);
  assert.equal(session.place, undefined);
  assert.equal(session.request('x'), undefined);
});

test('replies shown stay findable by id for Copy and Insert, finished ones only, the newest 200', () => {
  const session = new ChatSession();
  session.remember([
    { id: 'a/question', role: 'user', text: 'Q' },
    { id: 'a', role: 'assistant', text: 'Reply A' },
    { id: 'b', role: 'assistant', text: '' },
  ]);
  assert.equal(session.reply('a'), 'Reply A');
  assert.equal(session.reply('a/question'), undefined, 'questions are not replies');
  assert.equal(session.reply('b'), undefined, 'a reply still streaming has no Copy yet');
  session.remember(Array.from({ length: MAX_SHOWN_REPLIES }, (_, i) => ({ id: `r${i}`, role: 'assistant' as const, text: `reply ${i}` })));
  assert.equal(session.reply('a'), undefined, 'the oldest went first');
  assert.equal(session.reply('r0'), 'reply 0');
  session.remember([{ id: 'r0', role: 'assistant', text: 'reply 0' }, { id: 'new', role: 'assistant', text: 'newest' }]);
  assert.equal(session.reply('r0'), 'reply 0', 'shown again, so newest again');
  assert.equal(session.reply('r1'), undefined);
});
