/**
 * cli/report.ts: the three forms of check's and critique's findings. SARIF is validated against the
 * official 2.1.0 schema (the one @microsoft/jest-sarif ships), with the shapes that are easy to get wrong:
 * an empty range (a region whose end column must still follow its start), a finding in a file outside the
 * working folder, a path with characters a URI must escape, and the rule index pointing at the rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import type { Log } from 'sarif';
import { RULES as STRUCTURAL_RULES } from '../../server/src/documents/precision';
import { formatFindings, RULES, type Finding } from '../../server/src/cli/report';

const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);

const span = (line: number, start: number, endLine: number, end: number): Finding['range'] => ({ start: { line, character: start }, end: { line: endLine, character: end } });
const FINDINGS: Finding[] = [
  { file: 'proofs/a b#1.tex', rule: 'undefined-reference', level: 'warning', message: 'No label.', range: span(2, 4, 2, 15) },
  { file: 'notes.md', rule: 'critique/gap', level: 'warning', message: 'Why does step 2 follow?', range: span(0, 7, 0, 7) },
  { file: path.join(path.parse(process.cwd()).root, 'elsewhere', 'x.tex'), rule: 'critique/error', level: 'error', message: 'Wrong.', range: span(4, 0, 6, 0) },
];

test('SARIF is valid 2.1.0, each result on its rule (by id and index) with 1-based UTF-16 positions and a non-empty region', () => {
  const log = JSON.parse(formatFindings(FINDINGS, 'sarif', ['proofs/a b#1.tex', 'notes.md'])) as Log;
  assert.equal(validate(log), true, JSON.stringify(validate.errors?.slice(0, 3)));
  const run = log.runs[0]!;
  assert.equal(run.columnKind, 'utf16CodeUnits');
  const rules = run.tool.driver.rules!;
  for (const result of run.results!) assert.equal(rules[result.ruleIndex!]!.id, result.ruleId);
  const regions = run.results!.map((r) => r.locations![0]!.physicalLocation!.region!);
  assert.deepEqual(regions[0], { startLine: 3, startColumn: 5, endLine: 3, endColumn: 16 });
  assert.deepEqual([regions[1]!.startColumn, regions[1]!.endColumn], [8, 9], 'an empty range still covers one column');
  assert.deepEqual(regions[2], { startLine: 5, startColumn: 1, endLine: 7, endColumn: 1 });
  const uris = run.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri);
  assert.equal(uris[0], 'proofs/a%20b%231.tex', 'relative to the working folder, escaped as a URI');
  assert.ok(uris[2]!.endsWith('/elsewhere/x.tex') && !uris[2]!.startsWith('..'), 'a file outside the working folder keeps its absolute path');
  assert.deepEqual(run.artifacts!.map((a) => a.location!.uri), ['proofs/a%20b%231.tex', 'notes.md']);
  assert.equal(run.results![2]!.level, 'error');
});

test('SARIF declares every structural rule and the critique\'s, at the loudest level each can have; an empty report is valid too', () => {
  for (const code of Object.keys(STRUCTURAL_RULES)) assert.ok(code in RULES, code);
  const empty = JSON.parse(formatFindings([], 'sarif', ['clean.tex'])) as Log;
  assert.equal(validate(empty), true, JSON.stringify(validate.errors?.slice(0, 3)));
  assert.deepEqual(empty.runs[0]!.results, []);
  const ids = empty.runs[0]!.tool.driver.rules!.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'each rule once');
  assert.equal(empty.runs[0]!.tool.driver.rules!.find((r) => r.id === 'critique/unclear')?.defaultConfiguration?.level, 'note');
});

test('JSON counts the files and gives 1-based start and end; text is one compiler-style line per finding and a summary line', () => {
  const json = JSON.parse(formatFindings(FINDINGS.slice(0, 2), 'json', ['a', 'b', 'c'])) as { files: number; findings: { file: string; start: object; end: object; rule: string }[] };
  assert.equal(json.files, 3);
  assert.deepEqual(json.findings[0], { file: 'proofs/a b#1.tex', rule: 'undefined-reference', level: 'warning', message: 'No label.', start: { line: 3, column: 5 }, end: { line: 3, column: 16 } });
  const text = formatFindings(FINDINGS.slice(0, 2), 'text', ['a', 'b']).replace(/\u001b\[[0-9;]*m/g, '');
  assert.equal(text, 'proofs/a b#1.tex:3:5: warning: No label. [undefined-reference]\nnotes.md:1:8: warning: Why does step 2 follow? [critique/gap]\n2 files: 2 warnings\n');
  assert.equal(formatFindings([], 'text', ['a', 'b', 'c']), '3 files, no findings\n', 'a clean run says so');
});
