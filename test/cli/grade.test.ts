/**
 * `qed-nano grade` end to end through the built dist/cli.js (`node scripts/build.mjs` first), against a judge
 * stand-in on 127.0.0.1 that speaks OpenAI's chat-completions wire format with scripted replies
 * (test/support/judgeServer.ts): the prompt the judge gets, the points read back, ungraded samples with
 * their reasons, the report's numbers worked out by hand, resuming after Ctrl+C and after a kill without
 * grading anything twice, and the judge failures that stop a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { graderPrompt } from '../../server/src/prompts/proofBenchGrader';
import { REPO_ROOT } from '../support/fixtures';
import { JudgeServer, type JudgeReply, type JudgeRequest } from '../support/judgeServer';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'qed-grade-'));
const KEY = 'sk-judge-test-key';
const MODEL = 'judge-model';
const env = { ...process.env, NO_COLOR: '1', QED_NANO_JUDGE_API_KEY: KEY };

function file(name: string, text: string): string {
  const full = path.join(scratch, name);
  writeFileSync(full, text);
  return full;
}

interface Run {
  child: ChildProcess;
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stderr: () => string;
}

/** Starts the built command line (asynchronously: the judge stand-in answers from this process). */
function start(args: string[], extraEnv: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A hang guard, not a timing assertion: a run that never ends fails the test instead of stalling it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr });
    }),
  );
  return { child, done, stderr: () => stderr };
}

function lines(out: string): { id: string; sample: number; points?: number; ungraded?: string }[] {
  return existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; sample: number; points?: number; ungraded?: string }) : [];
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 60_000) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** IMO-ProofBench's columns as the benchmark's CSV has them, quoted multi-line fields and commas included. */
const PROBLEMS = [
  {
    id: 'PB-Basic-001',
    problem: 'Prove that $a^2 + b^2 \\ge 2ab$ for all real numbers $a, b$.',
    solution: 'Since $(a-b)^2 \\ge 0$, expanding gives $a^2 - 2ab + b^2 \\ge 0$.',
    guidelines: '(Partial)\n 1. Considered $(a-b)^2$.\n(Almost)\n 1. Expanded with a sign slip.',
    level: 'pre-IMO',
  },
  {
    id: 'PB-Basic-002',
    problem: 'Show that the sum of two odd integers is even.',
    solution: 'Write them as $2m+1$ and $2n+1$; the sum is $2(m+n+1)$.',
    guidelines: '(Partial)\n 1. Wrote odd integers as $2k+1$.',
    level: 'pre-IMO',
  },
  {
    id: 'PB-Advanced-001',
    problem: 'Prove that there are infinitely many primes, "as Euclid did".',
    solution: 'Given primes $p_1, \\dots, p_n$, a prime factor of $p_1 \\cdots p_n + 1$ is new.',
    guidelines: '(Partial)\n 1. Considered the product plus one.',
    level: 'IMO-easy',
  },
];

function benchmarkCsv(name: string): string {
  const quote = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;
  const rows = PROBLEMS.map((p) => [p.id, p.problem, p.solution, p.guidelines, 'Algebra', p.level, '', 'Folklore'].map(quote).join(','));
  return file(name, `Problem ID,Problem,Solution,Grading guidelines,Category,Level,Short Answer,Source\n${rows.join('\n')}\n`);
}

/** A batch results file: the deep scaffold's answer for PB-Basic-002 (its self-evaluation must not reach the judge). */
const PROOFS: Record<string, { written: string; judged: string }> = {
  'PB-Basic-001': { written: 'Since $(a-b)^2 \\ge 0$, we get $a^2 + b^2 \\ge 2ab$. $\\blacksquare$', judged: 'Since $(a-b)^2 \\ge 0$, we get $a^2 + b^2 \\ge 2ab$. $\\blacksquare$' },
  'PB-Basic-002': { written: '## Solution\nLet the integers be $2m+1$ and $2n+1$; their sum $2(m+n+1)$ is even.\n\n## Self Evaluation\nI am confident: 1.', judged: 'Let the integers be $2m+1$ and $2n+1$; their sum $2(m+n+1)$ is even.' },
  'PB-Advanced-001': { written: 'Suppose finitely many primes; their product plus one has no prime factor among them.', judged: 'Suppose finitely many primes; their product plus one has no prime factor among them.' },
};

function resultsJsonl(name: string): string {
  const results = Object.entries(PROOFS).map(([id, proof]) => JSON.stringify({ id, proof: proof.written, thinkingLength: 10, promptTokens: 50, thinkingTokens: 30, proofTokens: 40, ms: 900, stopReason: 'endOfText' }));
  return file(name, `${results.join('\n')}\n`);
}

const points = (n: number): JudgeReply => ({ content: `The key step is justified.\n\n<points>${n} out of 7</points>` });

/** The problem a grader prompt is about. */
function problemOf(request: JudgeRequest): string {
  return PROBLEMS.find((p) => request.prompt.includes(p.problem))!.id;
}

/** Replies per problem, in turn (the last repeats), whatever the order the requests come in. */
function scripted(replies: Record<string, JudgeReply[]>): (request: JudgeRequest) => JudgeReply {
  const asked = new Map<string, number>();
  return (request) => {
    const id = problemOf(request);
    const n = asked.get(id) ?? 0;
    asked.set(id, n + 1);
    const list = replies[id]!;
    return list[Math.min(n, list.length - 1)]!;
  };
}

test('grade: the benchmark\'s prompt with the cleaned proof, the first <points> read, the report\'s numbers as worked out by hand', async () => {
  const judge = await JudgeServer.start({
    model: MODEL,
    apiKey: KEY,
    respond: scripted({
      'PB-Basic-001': [points(7), points(6)],
      'PB-Basic-002': [points(1), { content: 'A fair attempt; I would give it 5 out of 7.' }],
      'PB-Advanced-001': [points(0), { content: 'Correct. <points>7 out of 7</points> (not <points>0 out of 7</points>)' }],
    }),
  });
  try {
    const benchmark = benchmarkCsv('bench.csv');
    const results = resultsJsonl('results.jsonl');
    const out = path.join(scratch, 'grades.jsonl');
    const args = ['grade', benchmark, results, '--judge-endpoint', judge.url, '--judge-model', MODEL, '--out', out, '--samples', '2', '--concurrency', '1'];
    const json = await start([...args, '--format', 'json']).done;
    assert.equal(json.status, 1, `one sample is ungraded: exit 1\n${json.stderr}`);

    // What the judge was sent: each problem twice, the key in the header only, the proof as the benchmark cleans it.
    assert.equal(judge.requests.length, 6);
    assert.ok(judge.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === MODEL));
    for (const p of PROBLEMS) {
      const expected = graderPrompt({ problem: p.problem, solution: p.solution, guidelines: p.guidelines, proof: PROOFS[p.id]!.judged });
      assert.deepEqual(judge.requests.filter((r) => problemOf(r) === p.id).map((r) => r.prompt), [expected, expected]);
    }
    assert.match(judge.requests.find((r) => problemOf(r) === 'PB-Basic-002')!.prompt, /\*\*PROPOSED SOLUTION\*\*\nLet the integers be \$2m\+1\$ and \$2n\+1\$; their sum \$2\(m\+n\+1\)\$ is even\.\n-{62}\n/);
    assert.ok(!judge.requests.some((r) => r.prompt.includes('Self Evaluation')));
    assert.ok(!json.stdout.includes(KEY) && !json.stderr.includes(KEY));

    // By hand: PB-Basic-001 samples 7 and 6 -> 6.5; PB-Basic-002 1 and an ungraded one -> 1 (the ungraded
    // sample is left out, not a 0); PB-Advanced-001 0 and 7 (the first <points> of its reply) -> 3.5.
    // Basic = (6.5 + 1) / 2 = 3.75 (53.57 % of 7); Advanced = 3.5 (50 %); overall = (6.5 + 1 + 3.5) / 3 = 11/3.
    type Score = { level: string; problems: number; points: number; percent: number };
    const report = JSON.parse(json.stdout) as { judge: object; samples: number; problems: { id: string; points: number; samples: object[] }[]; levels: Score[]; overall: Score; ungraded: object[] };
    assert.deepEqual(report.judge, { host: new URL(judge.url).host, model: MODEL });
    assert.equal(report.samples, 2);
    assert.deepEqual(report.problems.map((p) => [p.id, p.points, p.samples]), [
      ['PB-Basic-001', 6.5, [{ points: 7 }, { points: 6 }]],
      ['PB-Basic-002', 1, [{ points: 1 }, { ungraded: "the judge's reply has no <points>N out of 7</points>" }]],
      ['PB-Advanced-001', 3.5, [{ points: 0 }, { points: 7 }]],
    ]);
    assert.deepEqual(report.levels.map((l) => [l.level, l.problems, l.points]), [['Basic', 2, 3.75], ['Advanced', 1, 3.5]]);
    assert.equal(report.overall.problems, 3);
    assert.ok(Math.abs(report.overall.points - 11 / 3) < 1e-12);
    assert.ok(Math.abs(report.levels[0]!.percent - (3.75 / 7) * 100) < 1e-9);
    assert.deepEqual(report.ungraded, [{ id: 'PB-Basic-002', sample: 2, reason: "the judge's reply has no <points>N out of 7</points>" }]);

    // Run again: only the ungraded sample is asked again (its reply is as bad), the rest is read back.
    const markdown = await start([...args, '--format', 'markdown']).done;
    assert.equal(markdown.status, 1, markdown.stderr);
    assert.equal(judge.requests.length, 7);
    assert.match(markdown.stderr, /5 of 6 judge samples already in .*grades\.jsonl; 1 to go/);
    assert.equal(
      markdown.stdout,
      [
        '| IMO-ProofBench | Problems | Points (of 7) | Score |',
        '| --- | ---: | ---: | ---: |',
        '| Basic | 2 | 3.75 | 53.6% |',
        '| Advanced | 1 | 3.50 | 50.0% |',
        '| **Overall** | **3** | **3.67** | **52.4%** |',
        '',
        `Judged by ${MODEL} at ${new URL(judge.url).host}, 2 judge samples per proof, averaged; 1 of 6 judge samples ungraded (not counted).`,
        '',
      ].join('\n'),
    );

    const text = await start(args).done;
    assert.equal(text.status, 1, text.stderr);
    assert.match(text.stdout, /^IMO-ProofBench judged by judge-model at 127\.0\.0\.1:\d+, 2 judge samples per proof, averaged\n/);
    assert.match(text.stdout, /^PB-Basic-002\s+Basic\s+1\.00 {2}1, ungraded$/m);
    assert.match(text.stdout, /^Overall\s+3\s+3\.67\s+52\.4%$/m);
    assert.match(text.stdout, /^ {2}PB-Basic-002 sample 2: the judge's reply has no <points>N out of 7<\/points>$/m);
    assert.equal(lines(out).length, 8, 'six judgements, then the ungraded one asked twice more');
  } finally {
    await judge.stop();
  }
});

test('grade resumes after Ctrl+C and after a kill, and grades nothing twice', async () => {
  let allowance = 0;
  let given = 0;
  const held: (() => void)[] = [];
  const replies = scripted({ 'PB-Basic-001': [points(7)], 'PB-Basic-002': [points(6)], 'PB-Advanced-001': [points(1)] });
  const judge = await JudgeServer.start({
    model: MODEL,
    apiKey: KEY,
    // The first `allowance` requests are answered; the rest wait, as on a slow judge, until the run is stopped.
    respond: (request) => {
      if (given >= allowance) return new Promise<JudgeReply>((resolve) => held.push(() => resolve(points(0))));
      given++;
      return replies(request);
    },
  });
  try {
    const out = path.join(scratch, 'resume-grades.jsonl');
    const args = ['grade', benchmarkCsv('resume.csv'), resultsJsonl('resume-results.jsonl'), '--judge-endpoint', judge.url, '--judge-model', MODEL, '--out', out, '--samples', '2', '--concurrency', '2'];

    allowance = 2;
    const first = start(args);
    await until(() => lines(out).length === 2 && judge.requests.length === 4);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    assert.equal(interrupted.status, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /interrupted; 2 of 6 judge samples are in .*resume-grades\.jsonl\. Run the same command again to go on\./);

    allowance = 4;
    const second = start(args);
    await until(() => lines(out).length === 4 && judge.requests.length === 8);
    second.child.kill('SIGKILL');
    assert.equal((await second.done).signal, 'SIGKILL');
    assert.match(second.stderr(), /2 of 6 judge samples already in/);

    allowance = Infinity;
    const last = await start(args).done;
    assert.equal(last.status, 0, last.stderr);
    assert.match(last.stderr, /4 of 6 judge samples already in .*; 2 to go/);
    const graded = lines(out);
    assert.equal(graded.length, 6, 'each sample graded once');
    assert.equal(new Set(graded.map((g) => `${g.id}/${g.sample}`)).size, 6);
    assert.equal(judge.answered.length, 6, 'the judge answered six times in all');
    assert.ok(judge.requests.length > 6, 'the stopped runs left requests unanswered');
    for (const p of PROBLEMS) assert.equal(judge.answered.filter((r) => problemOf(r) === p.id).length, 2, p.id);
    assert.match(last.stdout, /^Overall\s+3\s+4\.67\s+66\.7%$/m, '(7 + 6 + 1) / 3');
    assert.match(last.stdout, /^All 6 judge samples graded\.$/m);
  } finally {
    held.forEach((release) => release());
    await judge.stop();
  }
});

test('grade from a folder of proofs: thinking and self-evaluation removed, an empty proof 0 without the judge, a missing one not counted', async () => {
  const judge = await JudgeServer.start({ model: MODEL, respond: () => points(7) });
  try {
    const folder = path.join(scratch, 'proofs');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'PB-Basic-001.md'), '<think>\nMaybe AM-GM? No: a square.\n</think>\n\n## Solution\nExpand $(a-b)^2 \\ge 0$.\n\n## Self Evaluation\nScore: 1.\n');
    writeFileSync(path.join(folder, 'PB-Basic-002.tex'), '  \n');
    writeFileSync(path.join(folder, 'notes.txt'), 'not a proof of any problem');
    const out = path.join(scratch, 'folder-grades.jsonl');
    const result = await start(['grade', benchmarkCsv('folder.csv'), folder, '--judge-endpoint', judge.url, '--judge-model', MODEL, '--out', out, '--format', 'json']).done;
    assert.equal(result.status, 1, `a problem without a proof: exit 1\n${result.stderr}`);
    assert.match(result.stderr, /not graded, as .*folder\.csv has no problem of that id: notes\.txt \(in .*proofs\)/);
    assert.equal(judge.requests.length, 1, 'the empty proof is not sent');
    const p = PROBLEMS[0]!;
    assert.equal(judge.requests[0]!.prompt, graderPrompt({ problem: p.problem, solution: p.solution, guidelines: p.guidelines, proof: 'Expand $(a-b)^2 \\ge 0$.' }));
    const report = JSON.parse(result.stdout) as { problems: { id: string; points?: number; proof: string }[]; levels: { level: string; problems: number; points?: number }[]; overall: { problems: number; points: number }; missing: string[]; empty: string[] };
    assert.deepEqual(report.problems.map((g) => [g.id, g.points, g.proof]), [['PB-Basic-001', 7, 'graded'], ['PB-Basic-002', 0, 'empty'], ['PB-Advanced-001', undefined, 'missing']]);
    // Basic: (7 + 0) / 2 = 3.5 over two problems; Advanced has no problem with points; overall as Basic.
    assert.deepEqual(report.levels.map((l) => [l.level, l.problems, l.points]), [['Basic', 2, 3.5], ['Advanced', 0, undefined]]);
    assert.deepEqual([report.overall.problems, report.overall.points], [2, 3.5]);
    assert.deepEqual([report.missing, report.empty], [['PB-Advanced-001'], ['PB-Basic-002']]);
  } finally {
    await judge.stop();
  }
});

test('judge failures: 5xx retried, still busy after the retries ungraded with the reason; a refused key, a redirect or a reply that is not OpenAI\'s stop the run', async () => {
  const elsewhere = await JudgeServer.start({ model: MODEL, respond: () => points(7) });
  let mode: 'flaky' | 'redirect' | 'html' = 'flaky';
  const flaky = scripted({
    'PB-Basic-001': [{ status: 500, message: 'The server had an error while processing your request.' }, points(6)],
    'PB-Basic-002': [{ status: 503, message: 'Overloaded.', retryAfterSeconds: 1 }],
    'PB-Advanced-001': [points(1)],
  });
  const judge = await JudgeServer.start({
    model: MODEL,
    apiKey: KEY,
    respond: (request) => (mode === 'redirect' ? { redirect: `${elsewhere.url}/chat/completions` } : mode === 'html' ? { raw: '<html>Sign in</html>' } : flaky(request)),
  });
  try {
    const benchmark = benchmarkCsv('failures.csv');
    const results = resultsJsonl('failures-results.jsonl');
    const args = (out: string): string[] => ['grade', benchmark, results, '--judge-endpoint', judge.url, '--judge-model', MODEL, '--out', path.join(scratch, out), '--format', 'json'];

    const busy = await start(args('busy.jsonl')).done;
    assert.equal(busy.status, 1, busy.stderr);
    const report = JSON.parse(busy.stdout) as { problems: { id: string; points?: number }[]; ungraded: { id: string; reason: string }[] };
    assert.deepEqual(report.problems.map((p) => [p.id, p.points]), [['PB-Basic-001', 6], ['PB-Basic-002', undefined], ['PB-Advanced-001', 1]]);
    assert.equal(report.ungraded.length, 1);
    assert.match(report.ungraded[0]!.reason, /^127\.0\.0\.1:\d+ is busy or unavailable \(HTTP 503: Overloaded\.\); tried again, then gave up\. Try again later\. \(4 tries\)$/);
    assert.equal(judge.requests.filter((r) => problemOf(r) === 'PB-Basic-002').length, 4, 'four tries, then ungraded');

    const refused = await start(args('refused.jsonl'), { QED_NANO_JUDGE_API_KEY: 'sk-wrong' }).done;
    assert.equal(refused.status, 3, refused.stderr);
    assert.match(refused.stderr, /qed-nano: the judge cannot be used: 127\.0\.0\.1:\d+ rejected the API key \(HTTP 401: Incorrect API key provided\.\)\. Set the judge's key in the QED_NANO_JUDGE_API_KEY environment variable\.\n/);
    assert.ok(!refused.stderr.includes('sk-wrong'));

    mode = 'redirect';
    const redirected = await start(args('redirected.jsonl')).done;
    assert.equal(redirected.status, 3, redirected.stderr);
    assert.ok(redirected.stderr.includes(`redirected the request to ${elsewhere.url}/chat/completions; QED-Nano does not follow redirects`), redirected.stderr);
    assert.match(redirected.stderr, /If that is where the judge is now, name it with --judge-endpoint\./);
    assert.equal(elsewhere.requests.length, 0, 'nothing went where the user did not say');

    mode = 'html';
    const html = await start(args('html.jsonl')).done;
    assert.equal(html.status, 3, html.stderr);
    assert.match(html.stderr, /127\.0\.0\.1:\d+ is not an OpenAI-compatible server: its reply is not JSON\. Check --judge-endpoint \(the base URL ends in \/v1\)\./);
    assert.equal(lines(path.join(scratch, 'html.jsonl')).length, 0, 'a run stopped by its judge writes no grade of that failure');
  } finally {
    await judge.stop();
    await elsewhere.stop();
  }
});

test('grade\'s bad input is a usage error before the judge is asked anything', async () => {
  const judge = await JudgeServer.start({ model: MODEL, respond: () => points(7) });
  try {
    const results = resultsJsonl('usage-results.jsonl');
    const base = (benchmark: string, ...more: string[]): string[] => ['grade', benchmark, results, '--judge-model', MODEL, '--out', path.join(scratch, 'usage.jsonl'), ...more];
    const noSolution = await start(base(file('no-solution.csv', 'Problem ID,Problem\nPB-Basic-001,Show it.\n'), '--judge-endpoint', judge.url)).done;
    assert.equal(noSolution.status, 2);
    assert.match(noSolution.stderr, /needs the columns "Problem ID", "Problem", "Solution" and "Grading guidelines" \(found: Problem ID, Problem\)\.\n$/);
    const badUrl = await start(base(benchmarkCsv('usage.csv'), '--judge-endpoint', 'judge-box:8000')).done;
    assert.equal(badUrl.status, 2);
    assert.match(badUrl.stderr, /--judge-endpoint must be an http or https URL/);
    const noEndpoint = await start(base(benchmarkCsv('usage.csv'))).done;
    assert.equal(noEndpoint.status, 2);
    assert.match(noEndpoint.stderr, /required option '--judge-endpoint <url>' not specified/);
    const samples = await start(base(benchmarkCsv('usage.csv'), '--judge-endpoint', judge.url, '--samples', '0')).done;
    assert.equal(samples.status, 2);
    const sameFile = await start(['grade', benchmarkCsv('usage.csv'), results, '--judge-endpoint', judge.url, '--judge-model', MODEL, '--out', results]).done;
    assert.equal(sameFile.status, 2);
    assert.match(sameFile.stderr, /--out .*usage-results\.jsonl is one of grade's inputs/);
    assert.equal(judge.requests.length, 0);
    const help = await start(['grade', '--help']).done;
    assert.equal(help.status, 0);
    assert.match(help.stdout, /QED_NANO_JUDGE_API_KEY only/);
  } finally {
    await judge.stop();
  }
});
