/**
 * The qed-nano command line, end to end through the built dist/cli.js (`npm run build` first), with the
 * tiny model in scripted mode: check's three output formats (SARIF validated against the official 2.1.0
 * schema), prove --write against the extension's own insertion, a batch interrupted and resumed, and bad
 * input answered with one line and the documented exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { proofInsertion } from '../../server/src/documents/insertion';
import { REPO_ROOT, readDocument } from '../support/fixtures';
import { asExpected, describeExpected, PRECISION_DIR, precisionFixtures } from '../support/precisionFixtures';
import { RECOGNITION_DIR, RECOGNITION_EXPECTATIONS } from '../support/recognitionFixtures';
import { tinyModelPath } from '../support/models';
import { closedPort } from '../support/ports';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'qed-cli-'));
const env = { ...process.env, QED_NANO_STORAGE: path.join(scratch, 'storage'), NO_COLOR: '1' };

/** Runs the built command line; `timeoutMs` is a hang guard (a run killed by it has status null). */
function run(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: timeoutMs });
}

function file(name: string, text: string | Buffer): string {
  const full = path.join(scratch, name);
  writeFileSync(full, text);
  return full;
}

test('check on a LaTeX project: the root checks every file it brings in, a chapter alone finds its root; only real findings', () => {
  const project = path.join(REPO_ROOT, 'test/fixtures/latex-project');
  type Report = { files: number; findings: { file: string; rule: string; start: { line: number } }[] };
  const whole = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', 'main.tex'], { cwd: project, env, encoding: 'utf8' });
  assert.equal(whole.status, 0, whole.stderr);
  const report = JSON.parse(whole.stdout) as Report;
  assert.equal(report.files, 6, 'main.tex, its three chapters (one with an \\input cycle), the \\imported appendix, the shared file');
  assert.deepEqual(
    report.findings.map((f) => `${f.file}:${f.start.line} ${f.rule}`),
    ['chapters/one.tex:9 duplicate-label', 'chapters/two.tex:3 duplicate-label', 'chapters/two.tex:10 undefined-reference'],
    'no claimx orphan proof, no \\ref{prop:pos} alarm: the label that exists nowhere and the duplicate across files remain',
  );
  const chapter = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', 'two.tex'], { cwd: path.join(project, 'chapters'), env, encoding: 'utf8' });
  assert.deepEqual((JSON.parse(chapter.stdout) as Report).findings.map((f) => `${f.file}:${f.start.line} ${f.rule}`), ['two.tex:3 duplicate-label', 'two.tex:10 undefined-reference']);
  // prove reads the project too: the claimx of line 4 (declared in mymacros.sty) is a statement to prove, so
  // only the missing model stops it (exit 3), where a line with no statement is a usage error (exit 2).
  const noModel = path.join(scratch, 'no-such-model.gguf');
  const claim = spawnSync(process.execPath, [CLI, 'prove', 'chapters/two.tex:5', '--model', noModel], { cwd: project, env, encoding: 'utf8' });
  assert.equal(claim.status, 3, claim.stderr);
  assert.equal(spawnSync(process.execPath, [CLI, 'prove', 'chapters/two.tex:2', '--model', noModel], { cwd: project, env, encoding: 'utf8' }).status, 2);
});

test('check on the precision fixtures: each file\'s findings are exactly the ones it expects, without and with --guesses', () => {
  type Report = { files: number; findings: { file: string; rule: string; level: string; start: { line: number; column: number } }[] };
  for (const guesses of [false, true]) {
    const result = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', ...(guesses ? ['--guesses'] : []), '.'], { cwd: PRECISION_DIR, env, encoding: 'utf8' });
    assert.ok(result.status === 0 || result.status === 1, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    const fixtures = precisionFixtures();
    assert.equal(report.files, fixtures.length);
    for (const fixture of fixtures) {
      const expected = guesses ? fixture.expectedWithGuesses : fixture.expected;
      const found = report.findings.filter((f) => f.file === fixture.name).map((f) => asExpected({ rule: f.rule, line: f.start.line, column: f.start.column }, expected));
      assert.deepEqual(found, describeExpected(expected), `${fixture.name}${guesses ? ' --guesses' : ''}`);
    }
    assert.ok(report.findings.every((f) => f.level !== 'warning' || f.rule === 'unbalanced-braces-in-math'), 'nothing but what is certain is louder than a note');
  }
});

/**
 * The command line as a shell runs it into a pipe whose reader is slow to start (`| (sleep 1; cat)`: an
 * upload step, `jq` on a busy machine): what the reader got, and the command's own exit status.
 */
function throughPipe(args: string[], extraEnv: Record<string, string> = {}): { stdout: string; status: number } {
  const command = `${[process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')} | (sleep 1; cat); exit "\${PIPESTATUS[0]}"`;
  const result = spawnSync('bash', ['-c', command], { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  assert.equal(result.signal, null, result.stderr);
  return { stdout: result.stdout, status: result.status! };
}

test('check writes its whole report into a pipe in every format (several MB each) and exits with its code after it', () => {
  // 30,000 labels defined nowhere (one finding each) and one unclosed proof (an error: exit 1).
  const many = file('many-references.tex', `\\documentclass{article}\n\\begin{document}\n\\begin{proof}\n${Array.from({ length: 30_000 }, (_, i) => `See \\ref{nowhere-${i}}.\n`).join('')}\\end{document}\n`);
  const json = throughPipe(['check', '--format', 'json', many]);
  assert.ok(json.stdout.length > 4_000_000, `${json.stdout.length} characters`);
  assert.equal((JSON.parse(json.stdout) as { findings: unknown[] }).findings.length, 30_001, 'parsed whole');
  assert.equal(json.status, 1);
  const sarif = throughPipe(['check', '--format', 'sarif', many]);
  assert.ok(sarif.stdout.length > 8_000_000, `${sarif.stdout.length} characters`);
  assert.equal((JSON.parse(sarif.stdout) as { runs: { results: unknown[] }[] }).runs[0]!.results.length, 30_001);
  assert.equal(sarif.status, 1);
  const text = throughPipe(['check', many]);
  assert.equal(text.stdout.split('\n').filter(Boolean).length, 30_002, 'each finding and the summary line');
  assert.match(text.stdout, /\n1 file: 1 error, 30,000 warnings\n$/);
  assert.equal(text.status, 1);
  assert.equal(throughPipe(['check', '--format', 'json', file('fine.md', '## Problem 1\n\nShow $x$.\n\n**Proof.** Clear. ∎\n')]).status, 0);
  const usage = throughPipe(['check', path.join(scratch, 'no-such-file.tex')]);
  assert.equal(usage.status, 2, 'a usage error keeps its code through the pipe');
  assert.match(throughPipe(['--help']).stdout, /Usage: qed-nano/);
});

test('critique and prove write into a slow pipe whole, with their exit codes', () => {
  const proof = file('piped-critique.md', '## Problem 1\n\nShow that $x^2 \\ge 0$.\n\n**Proof.** Let $x$ be real.\n\nThen $x^2 \\ge 0$.\n\nHence the claim. ∎\n');
  const config = file('piped-quick.json', JSON.stringify({ threads: 1, critique: { depth: 'quick' } }));
  const verdict = '{"score":"0.5","findings":[{"step":2,"kind":"gap","explanation":"Why is a square not negative? Say it."}]}';
  const critique = throughPipe(['critique', proof, '--format', 'json', '--model', tinyModelPath('natural'), '--config', config], { QED_NANO_TEST_SCRIPT: verdict });
  assert.equal(critique.status, 1);
  assert.deepEqual((JSON.parse(critique.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule), ['critique/score', 'critique/gap']);
  const problem = file('piped-prove.md', '## Problem 1\n\nShow that $1 + 1 = 2$.\n');
  const proved = throughPipe(['prove', `${problem}:3`, '--model', tinyModelPath('natural'), '--config', config, '--quiet'], { QED_NANO_TEST_SCRIPT: 'Count.\n</think>\n\nBy counting: $1 + 1 = 2$. ∎' });
  assert.equal(proved.status, 0);
  assert.match(proved.stdout, /By counting: \$1 \+ 1 = 2\$\. ∎\n$/);
});

test('check: compiler-style text, JSON and SARIF 2.1.0 that the official schema accepts; exit 1 on errors, 0 without', () => {
  const broken = file('broken.tex', readDocument('broken.tex'));
  const clean = file('clean.md', '## Problem 1\n\nShow $x$.\n\n**Proof.** Clear. ∎\n');
  const text = run(['check', broken, clean]);
  assert.equal(text.status, 1);
  assert.match(text.stdout, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: (error|warning|note): .+ \\[[a-z-]+\\]$`, 'm'));
  assert.doesNotMatch(text.stdout, /clean\.md/);
  const levels = analyzeDocument('latex', readDocument('broken.tex')).diagnostics.map((d) => (d.severity === 'information' ? 'note' : d.severity));
  const tally = (['error', 'warning', 'note'] as const).map((l) => [l, levels.filter((x) => x === l).length] as const).filter(([, n]) => n > 0);
  assert.ok(text.stdout.endsWith(`\n2 files: ${tally.map(([l, n]) => `${n} ${l}${n === 1 ? '' : 's'}`).join(', ')}\n`), `the last line sums up: ${text.stdout.slice(-80)}`);
  const quiet = run(['check', clean]);
  assert.deepEqual([quiet.status, quiet.stdout], [0, '1 file, no findings\n'], 'a clean check says so in one line');

  const json = JSON.parse(run(['check', '--format', 'json', broken]).stdout) as { findings: { file: string; rule: string; start: { line: number } }[] };
  const analysis = analyzeDocument('latex', readDocument('broken.tex'));
  assert.deepEqual(json.findings.map((f) => [f.rule, f.start.line]), analysis.diagnostics.map((d) => [d.code, d.range.start.line + 1]), 'what the editor shows');

  const sarif = JSON.parse(run(['check', '--format', 'sarif', broken, clean]).stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);
  assert.equal(validate(sarif), true, JSON.stringify(validate.errors?.slice(0, 3)));
  assert.equal(sarif.runs[0]!.results.length, analysis.diagnostics.length);
  assert.equal(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine, analysis.diagnostics[0]!.range.start.line + 1);

  assert.equal(run(['check', clean]).status, 0);
});

test('prove --write inserts exactly what the extension\'s Insert inserts, and streams the proof to stdout', () => {
  const proof = '**Proof.** For $n \\ge 1$ we have $n^2 = n \\cdot n \\ge n$. ∎';
  const source = '\\begin{theorem}\\label{t}\nFor every integer $n \\ge 1$, $n^2 \\ge n$.\n\\end{theorem}\n\nMore text.\n';
  const target = file('write.tex', source);
  const result = run(['prove', `${target}:2`, '--write', '--model', tinyModelPath('natural'), '--threads', '1', '--quiet'], { QED_NANO_TEST_SCRIPT: `Easy.</think>${proof}` });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), proof);
  const document = TextDocument.create('file:///x.tex', 'latex', 1, source);
  const analysis = analyzeDocument('latex', source);
  const expected = TextDocument.applyEdits(document, [proofInsertion(document, analysis, analysis.statements[0]!, proof)]);
  assert.equal(readFileSync(target, 'utf8'), expected);
});

test('prove --config: a problem written in a format the config teaches is found and proved; without it, there is none', () => {
  const config = file('prove-patterns.json', JSON.stringify({ qedNano: { threads: 1, structure: { problemPatterns: ['Aufgabe \\d+\\.?'], solutionPatterns: ['Lösungsvorschlag[.:]?'] } } }));
  const target = file('prove-aufgaben.md', 'Aufgabe 1. Zeige, dass $n^2 - n$ gerade ist.\n\nAufgabe 2. Zeige $3 \\mid n^3 - n$.\n\nLösungsvorschlag. Klar.\n');
  const proof = '**Beweis.** $n^2 - n = n(n-1)$. ∎';
  const taught = run(['prove', target, '--model', tinyModelPath('natural'), '--config', config, '--quiet'], { QED_NANO_TEST_SCRIPT: `Klar.</think>${proof}` });
  assert.equal(taught.status, 0, taught.stderr);
  assert.equal(taught.stdout.trim(), proof, 'Aufgabe 1, the one problem still to prove, is proved');
  assert.match(taught.stderr, /Aufgabe 1 \(.*prove-aufgaben\.md:1\)/);
  const untaught = run(['prove', `${target}:1`, '--model', tinyModelPath('natural')]);
  assert.equal(untaught.status, 2, 'without the patterns the line is prose: no statement there');
});

test('critique: findings on the flagged step, as SARIF with the step\'s region; exit 1 with findings', () => {
  const proof = file('critique.md', '## Problem 1\n\nShow that $x^2 \\ge 0$.\n\n**Proof.** Let $x$ be real.\n\nThen $x^2 \\ge 0$.\n\nHence the claim. ∎\n');
  const config = file('quick.json', JSON.stringify({ threads: 1, critique: { depth: 'quick' } }));
  const verdict = '{"score":"0.5","findings":[{"step":2,"kind":"gap","explanation":"Why is a square not negative? Say it."}]}';
  const result = run(['critique', proof, '--format', 'sarif', '--model', tinyModelPath('natural'), '--config', config], { QED_NANO_TEST_SCRIPT: verdict });
  assert.equal(result.status, 1, result.stderr);
  const sarif = JSON.parse(result.stdout) as { runs: { results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[] }[] }[] };
  const [score, finding] = sarif.runs[0]!.results;
  assert.deepEqual([score?.ruleId, score?.level, score?.message.text], ['critique/score', 'warning', 'Problem 1: score 0.5 of 1, 1 step flagged']);
  assert.deepEqual(
    [finding?.ruleId, finding?.level, finding?.message.text, finding?.locations[0]?.physicalLocation.region.startLine, finding?.locations[0]?.physicalLocation.region.startColumn],
    ['critique/gap', 'warning', 'Why is a square not negative? Say it.', 7, 1],
  );
});

test('critique prints each proof\'s score; a score of 0 whose only finding names a step the proof does not have still exits 1', () => {
  const proof = file('zero.md', '## Problem 1\n\nShow that $x^2 \\ge 0$.\n\n**Proof.** Let $x$ be real.\n\nThen $x^2 \\ge 0$. ∎\n');
  const config = file('quick0.json', JSON.stringify({ threads: 1, critique: { depth: 'quick' } }));
  const verdict = '{"score":"0","findings":[{"step":9,"kind":"error","explanation":"Step 9 is wrong."}]}';
  const result = run(['critique', proof, '--model', tinyModelPath('natural'), '--config', config], { QED_NANO_TEST_SCRIPT: verdict });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stdout, /zero\.md:1:1: warning: Problem 1: score 0 of 1, no step flagged \[critique\/score\]/);
});

test('batch: IMO-ProofBench\'s CSV, interrupted with Ctrl+C and resumed, ends with each id exactly once', async () => {
  const rows = Array.from({ length: 6 }, (_, i) => `PB-${i + 1},"Prove that ${i + 1} + ${i + 1} is even.\nGive all details.",Algebra`);
  const problems = file('problems.csv', `Problem ID,Problem,Category\n${rows.join('\n')}\n`);
  const out = path.join(scratch, 'results.jsonl');
  const config = file('config.json', JSON.stringify({ qedNano: { threads: 1, generation: { maxTokens: 400, thinkingBudget: 400 } } }));
  const args = ['batch', problems, '--out', out, '--model', tinyModelPath('endless'), '--config', config];
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let waited = 0; !(existsSync(out) && readFileSync(out, 'utf8').includes('\n')) && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted; \d of 6 results are in .*results\.jsonl\. Run the same command again to go on\./);
  const partial = readFileSync(out, 'utf8').trim().split('\n');
  assert.ok(partial.length >= 1 && partial.length < 6, `${partial.length} done before the interrupt`);

  const resumed = run(args);
  assert.ok(resumed.status === 0 || resumed.status === 1, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`${partial.length} of 6 already in`));
  const results = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; thinkingTokens: number; ms: number; stopReason: string });
  assert.deepEqual(results.map((r) => r.id).sort(), ['PB-1', 'PB-2', 'PB-3', 'PB-4', 'PB-5', 'PB-6']);
  assert.ok(results.every((r) => r.thinkingTokens > 0 && r.ms >= 0 && typeof r.stopReason === 'string'));
});

test('resuming a batch keeps a finished result whose line lost its final newline, and drops a line cut short', () => {
  const problems = file('resume.csv', 'Problem ID,Problem\nR-1,Show that 1 + 1 = 2.\nR-2,Show that 2 + 2 = 4.\n');
  const out = path.join(scratch, 'resume.jsonl');
  const finished = JSON.stringify({ id: 'R-1', proof: 'Kept.', thinkingLength: 1, promptTokens: 1, thinkingTokens: 1, proofTokens: 1, ms: 1, stopReason: 'endOfText' });
  writeFileSync(out, finished); // a complete result, no newline after it
  const config = file('resume-config.json', JSON.stringify({ qedNano: { threads: 1, generation: { maxTokens: 60, thinkingBudget: 40 } } }));
  const resumed = run(['batch', problems, '--out', out, '--model', tinyModelPath('natural'), '--config', config]);
  assert.ok(resumed.status === 0 || resumed.status === 1, resumed.stderr);
  assert.match(resumed.stderr, /1 of 2 already in/);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], finished, 'the finished result is kept as it was');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { id: string }).id), ['R-1', 'R-2']);

  writeFileSync(out, `${finished}\n{"id":"R-2","proof":"cut sh`);
  const again = run(['batch', problems, '--out', out, '--model', tinyModelPath('natural'), '--config', config]);
  assert.match(again.stderr, /1 of 2 already in/, 'the cut line is not a result');
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id), ['R-1', 'R-2']);
});

test('batch --mode deep: each problem through the generate-verify-refine run, the Solution section its proof', () => {
  const problems = file('deep.csv', 'Problem ID,Problem\nD-1,Show that 1 + 1 = 2.\nD-2,"Show that 2 + 2 = 4,\nin detail."\n');
  const out = path.join(scratch, 'deep.jsonl');
  // One candidate and one verification per problem, no refinement: the scripted replies alternate.
  const config = file('deep-config.json', JSON.stringify({ threads: 1, generation: { maxTokens: 120, thinkingBudget: 60 }, deep: { poolSize: 1, verifications: 1, rounds: 0 } }));
  const candidate = 'Plan.</think>## Solution\nBy counting.\n\n## Self Evaluation\nSound.';
  const verification = 'Checked.</think>\\boxed{1}';
  const result = run(['batch', problems, '--out', out, '--mode', 'deep', '--model', tinyModelPath('natural'), '--config', config], {
    QED_NANO_TEST_SCRIPT: JSON.stringify([candidate, verification, candidate, verification]),
  });
  assert.equal(result.status, 0, result.stderr);
  const results = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; proof: string; stopReason: string; thinkingTokens: number });
  assert.deepEqual(results.map((r) => [r.id, r.proof, r.stopReason]), [['D-1', 'By counting.', 'perfectScore'], ['D-2', 'By counting.', 'perfectScore']]);
  assert.ok(results.every((r) => r.thinkingTokens > 0), 'the totals of the whole run');

  const unknown = run(['batch', problems, '--out', out, '--mode', 'fast', '--model', tinyModelPath('natural')]);
  assert.equal(unknown.status, 2, 'a mode batch does not have is a usage error');
  assert.match(unknown.stderr, /argument 'fast' is invalid\. Allowed choices are single, deep, rc/);
});

test('prove --mode deep: the refined proof on stdout, each round on stderr, and the run\'s report: its rounds and why it stopped', () => {
  const notes = file('deep.md', '**Problem 1.** Show that $1 + 1 = 2$.\n');
  // One candidate and one verification per round: the scripted replies are the candidate, its verification,
  // then (when it scored below 1) the refinement and the refinement's verification.
  const deepConfig = (rounds: number): string => file(`deep-prove-${rounds}.json`, JSON.stringify({ threads: 1, generation: { maxTokens: 120, thinkingBudget: 60 }, deep: { poolSize: 1, verifications: 1, rounds } }));
  const candidate = 'Plan.</think>## Solution\nBy counting.\n\n## Self Evaluation\nSound.';
  const refined = 'Again.</think>## Solution\nOne and one make two.\n\n## Self Evaluation\nSound.';
  const flawed = 'Checked.</think>The count is not justified. \\boxed{0}';
  const sound = 'Checked.</think>\\boxed{1}';
  const script = JSON.stringify([candidate, flawed, refined, sound]);

  const refinedRun = run(['prove', `${notes}:1`, '--mode', 'deep', '--model', tinyModelPath('natural'), '--config', deepConfig(1)], { QED_NANO_TEST_SCRIPT: script });
  assert.equal(refinedRun.status, 0, refinedRun.stderr);
  assert.equal(refinedRun.stdout, 'One and one make two.\n', 'the refinement, which scored 1, is the proof; the candidate is no output');
  assert.match(refinedRun.stderr, /Round 2: refining the best 1 proofs/);
  assert.match(refinedRun.stderr, /candidates: #1 0\.00, #2 1\.00\n/);
  assert.match(refinedRun.stderr, /qed-nano: 2 rounds, stopped: a proof scored 1 in every verification, candidate #2 chosen \(mean 1\.00\); \d+ tokens\n/);

  // No refinement round allowed: the candidate that scored 0 is still the proof, and the report says why.
  const unrefined = run(['prove', `${notes}:1`, '--mode', 'deep', '--model', tinyModelPath('natural'), '--config', deepConfig(0)], { QED_NANO_TEST_SCRIPT: script });
  assert.equal(unrefined.status, 0, unrefined.stderr);
  assert.equal(unrefined.stdout, 'By counting.\n');
  assert.doesNotMatch(unrefined.stderr, /refining/);
  assert.match(unrefined.stderr, /qed-nano: 1 round, stopped: all refinement rounds done, candidate #1 chosen \(mean 0\.00\)/);
});

test('batch and prove --mode rc: the reasoning cache per problem, the last attempt\'s proof the result; only the proof on stdout', () => {
  const problems = file('rc.csv', 'Problem ID,Problem\nC-1,Show that 1 + 1 = 2.\n');
  const out = path.join(scratch, 'rc.jsonl');
  const config = file('rc-config.json', JSON.stringify({ threads: 1, generation: { maxTokens: 120, thinkingBudget: 60 } }));
  const scripts = ['Count.</think>First: by counting.', 'Sum.</think>I counted.', 'Again.</think>Second: one and one make two.'];
  const result = run(['batch', problems, '--out', out, '--mode', 'rc', '--rc-iterations', '2', '--model', tinyModelPath('natural'), '--config', config], {
    QED_NANO_TEST_SCRIPT: JSON.stringify(scripts),
  });
  assert.equal(result.status, 0, result.stderr);
  const [line] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; proof: string; stopReason: string });
  assert.deepEqual([line!.id, line!.proof, line!.stopReason], ['C-1', 'Second: one and one make two.', 'endOfText']);

  const notes = file('rc.md', '**Problem 1.** Show that $1 + 1 = 2$.\n');
  const proved = run(['prove', `${notes}:1`, '--mode', 'rc', '--rc-iterations', '2', '--model', tinyModelPath('natural'), '--config', config], { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) });
  assert.equal(proved.status, 0, proved.stderr);
  assert.equal(proved.stdout, 'Second: one and one make two.\n', "an earlier attempt's answer is no output");
  assert.match(proved.stderr, /Summary:.*I counted\./);
  assert.match(proved.stderr, /qed-nano: 2 attempts, \d+ thinking \+ \d+ answer tokens\n/, 'the report: both attempts ran, the proof the last one\'s');
  assert.equal(run(['prove', notes, '--mode', 'rc', '--rc-iterations', '0']).status, 2, 'a bad count is a usage error');
});

test('bad input: one line and the documented exit code', async () => {
  const missing = run(['check', path.join(scratch, 'nowhere.tex')]);
  assert.deepEqual([missing.status, missing.stderr.trim().split('\n').length], [2, 1]);
  assert.match(missing.stderr, /^qed-nano: cannot read .*nowhere\.tex: no such file or folder\.\n$/);

  const binary = run(['check', file('image.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]))]);
  assert.equal(binary.status, 2);
  assert.match(binary.stderr, /^qed-nano: .*image\.md is a binary file, not a LaTeX or Markdown document\.\n$/);

  // The input is checked before any model is loaded: a model that does not exist is never reached.
  const noModel = path.join(scratch, 'no-such-model.gguf');
  const columns = run(['batch', file('wrong.csv', 'name,text\na,b\n'), '--out', path.join(scratch, 'x.jsonl'), '--model', noModel, '--threads', '1']);
  assert.equal(columns.status, 2, columns.stderr);
  assert.match(columns.stderr, /needs the columns "Problem ID" and "Problem" \(found: name, text\)\.\n$/);

  const noStatement = run(['prove', `${file('q.md', '## Problem 1\n\nShow $x$.\n')}:40`, '--model', noModel]);
  assert.equal(noStatement.status, 2, noStatement.stderr);
  assert.match(noStatement.stderr, /there is no theorem, lemma or problem at .*q\.md:40/);
  const noDocuments = path.join(scratch, 'no-documents');
  mkdirSync(noDocuments, { recursive: true });
  writeFileSync(path.join(noDocuments, 'notes.txt'), 'not a document');
  for (const command of ['check', 'critique']) {
    const empty = run([command, noDocuments, '--model', noModel].slice(0, command === 'check' ? 2 : 4));
    assert.equal(empty.status, 2, `${command}: ${empty.stderr}`);
    assert.match(empty.stderr, /^qed-nano: no LaTeX \(\.tex\) or Markdown \(\.md\) file in .*no-documents\.\n$/);
  }

  // Not regular files: refused before anything is read (a symlink to /dev/zero once grew to 11 GB, a FIFO
  // blocked forever).
  const zero = path.join(scratch, 'zero.tex');
  symlinkSync('/dev/zero', zero);
  const fifo = path.join(scratch, 'pipe.md');
  execFileSync('mkfifo', [fifo]);
  for (const [target, kind] of [[zero, 'a device'], [fifo, 'a named pipe']] as const) {
    for (const command of ['check', 'critique']) {
      const refused = run(command === 'check' ? [command, target] : [command, target, '--model', noModel], {}, 20_000);
      assert.equal(refused.status, 2, `${command} ${target}: ${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`is not a regular file \\(${kind}\\); name a LaTeX or Markdown file\\.`));
    }
  }

  const port = await closedPort();
  const unreachable = run(['prove', file('p.md', '## Problem 1\n\nShow $x$.\n'), '--endpoint', `http://127.0.0.1:${port}/v1`]);
  assert.equal(unreachable.status, 3);
  assert.match(unreachable.stderr, new RegExp(`qed-nano: 127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\)`));

  assert.equal(run(['check', '--format', 'xml', 'x.tex']).status, 2, 'an unknown format is a usage error');
  for (const command of ['check', 'prove', 'critique', 'batch']) {
    const help = run([command, '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Exit codes: 0 done/);
  }
});

test('colours only on a terminal, and never with NO_COLOR', () => {
  const broken = file('colours.md', readDocument('broken.md'));
  // `script` runs the command on a pseudo-terminal, as a user's shell would.
  const onTerminal = (extra: string): string =>
    spawnSync('script', ['-qec', `${extra} "${process.execPath}" "${CLI}" check "${broken}"`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } }).stdout;
  assert.match(onTerminal(''), /\u001b\[1m.*colours\.md:5:22:\u001b\[0m/);
  assert.doesNotMatch(onTerminal('NO_COLOR=1'), /\u001b\[/);
  assert.doesNotMatch(run(['check', broken], { NO_COLOR: '' }).stdout, /\u001b\[/, 'piped output has none');
});

test('check on the recognition fixtures (issue 31): every problem has its solution, so even with guesses nothing is reported', () => {
  for (const name of Object.keys(RECOGNITION_EXPECTATIONS)) {
    const result = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', '--guesses', name], { cwd: RECOGNITION_DIR, env, encoding: 'utf8' });
    assert.equal(result.status, 0, `${name}: ${result.stderr}`);
    assert.deepEqual((JSON.parse(result.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule), [], name);
  }
});

test('check --config: the problem and solution patterns it teaches are read, one outside the bounded matcher\'s syntax is refused with why', () => {
  const config = file('patterns.json', JSON.stringify({ qedNano: { structure: { problemPatterns: ['Aufgabe \\d+\\.?', '(a)\\1'], solutionPatterns: ['Lösungsvorschlag[.:]?'] } } }));
  const unsolved = file('aufgaben.md', 'Aufgabe 1. Zeige $x$.\n\nAufgabe 2. Zeige $y$.\n\nLösungsvorschlag. Klar.\n');
  const result = run(['check', '--format', 'json', '--config', config, unsolved]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /qedNano\.structure\.problemPatterns: the pattern "\(a\)\\\\1" is ignored: .*backreference/);
  const findings = (JSON.parse(result.stdout) as { findings: { rule: string; start: { line: number } }[] }).findings;
  assert.deepEqual(findings.map((f) => [f.rule, f.start.line]), [['problem-without-proof', 1]], 'Aufgabe 1 is a problem with no solution; Aufgabe 2 has its own');
  const untaught = JSON.parse(run(['check', '--format', 'json', unsolved]).stdout) as { findings: unknown[] };
  assert.deepEqual(untaught.findings, [], 'without the patterns, prose');
});
