/**
 * The bounded matcher of the user's patterns (documents/patternMachine.ts), fuzzed: thousands of random
 * patterns (nested repetitions and alternatives included, the shapes that make a backtracking engine take
 * exponential time) on adversarial lines, each run counted in steps. Every run stays within the bound the
 * module states (twice the program's size per character), and on short lines every match is the one
 * JavaScript's RegExp finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, MAX_INSTRUCTIONS, PatternRefused, run, stepBound } from '../../server/src/documents/patternMachine';
import { RECOGNISED_PREFIX } from '../../server/src/documents/recognition';

/** A seeded generator (mulberry32): the same patterns every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const QUANTIFIERS = ['', '', '*', '+', '?', '{0,3}', '{2}', '{1,}', '*?', '+?', '??', '{1,4}?'];
const ATOMS = ['a', 'b', ' ', '.', '[ab]', '[^a]', '[a-c]', '\\d', '\\s', '\\w', '\\.'];

function pattern(next: () => number, depth: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const atom = (): string => {
    const group = depth < 3 && next() < 0.35;
    const body = group ? `${pick(['(', '(?:'])}${pattern(next, depth + 1)})` : pick(ATOMS);
    return body + pick(QUANTIFIERS);
  };
  const sequence = (): string => Array.from({ length: 1 + Math.floor(next() * 4) }, atom).join('') + (next() < 0.1 ? '$' : '');
  return next() < 0.3 ? `${sequence()}|${sequence()}` : sequence();
}

function text(next: () => number, length: number): string {
  return Array.from({ length }, () => 'aab 1.'[Math.floor(next() * 6)]).join('');
}

test('fuzzed patterns: each run stays within its stated step bound on adversarial lines, however the pattern nests', () => {
  const next = random(31);
  const lines = ['a'.repeat(RECOGNISED_PREFIX), `${'a'.repeat(RECOGNISED_PREFIX - 1)}!`, `${'ab'.repeat(RECOGNISED_PREFIX / 2)}`, ' '.repeat(RECOGNISED_PREFIX)];
  let programs = 0;
  let most = 0;
  for (let i = 0; i < 3000; i++) {
    const source = pattern(next, 0);
    let program;
    try {
      program = compile(source);
    } catch (error) {
      assert.ok(error instanceof PatternRefused, `${source}: ${String(error)}`);
      continue;
    }
    programs++;
    for (const line of [...lines, text(next, RECOGNISED_PREFIX)]) {
      const { steps } = run(program, line);
      assert.ok(steps <= stepBound(program, line.length), `${source} took ${steps} steps on a line of ${line.length}`);
      most = Math.max(most, steps);
    }
  }
  assert.ok(programs > 1500, `most patterns compile (${programs})`);
  assert.ok(most <= 2 * MAX_INSTRUCTIONS * (RECOGNISED_PREFIX + 1), `the most any run took: ${most} steps`);
  // The classic catastrophic shapes take a number of steps linear in the line.
  for (const source of ['(a+)+b', '(a|aa)*c', '(?:a|a)*b', '(?:a+a+)+x', '(\\s+\\s+)+x']) {
    const program = compile(source);
    const steps = (length: number): number => run(program, 'a'.repeat(length)).steps;
    // Linear: 50 more characters cost as much at 150 as at 50.
    assert.equal(steps(200) - steps(150), steps(100) - steps(50), source);
  }
});

test('fuzzed patterns match exactly what JavaScript\'s RegExp matches at the start of a line', () => {
  const next = random(7);
  let compared = 0;
  for (let i = 0; i < 3000; i++) {
    const source = pattern(next, 0);
    let program;
    try {
      program = compile(source);
    } catch {
      continue;
    }
    const reference = new RegExp(`^(?:${source})`);
    for (let j = 0; j < 4; j++) {
      // Short lines: RegExp itself may take exponential time on these patterns.
      const line = text(next, Math.floor(next() * 12));
      assert.equal(run(program, line).length, reference.exec(line)?.[0].length, `${JSON.stringify(source)} on ${JSON.stringify(line)}`);
      compared++;
    }
  }
  assert.ok(compared > 6000);
});

test('the syntax the settings use: classes, escapes, anchors, lazy repetitions, named groups', () => {
  const cases: [string, string, number | undefined][] = [
    ['Aufgabe \\d+\\.?', 'Aufgabe 12. Zeige', 11],
    ['Lösungsvorschlag[.:]?', 'Lösungsvorschlag: Es', 17],
    ['(?<word>Ex|Exercise) \\d{1,3}', 'Exercise 42 x', 11],
    ['[^\\s]+\\b', 'word, more', 4],
    ['a+?', 'aaa', 1],
    ['\\x41\\u00e9\\t', 'Aé\t', 3],
    ['\\[\\w+\\]', '[A1] x', 4],
    ['x$', 'xy', undefined],
    ['\\Bb', 'ab', undefined],
    ['a{2,}', 'aaaa', 4],
    ['a{', 'a{', 2],
  ];
  for (const [source, line, length] of cases) {
    assert.equal(run(compile(source), line).length, length, `${source} on ${line}`);
    assert.equal(new RegExp(`^(?:${source})`).exec(line)?.[0].length, length, `RegExp agrees: ${source}`);
  }
});
