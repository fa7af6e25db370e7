// The precision harness: `qed-nano check` over public corpora nobody on the project wrote (test/corpus/
// corpora.json), to see how many of its warnings and errors are right. Not part of `npm test`: the corpora
// are large and not in the repository (clone each at its commit under --root, as corpora.json says).
//
//   node scripts/precision-harness.mjs --root /tmp/corpora [--cli dist/cli.js] [--sample 25] [--only name,...]
//                                      [--context 3] [--show] [--write-doc LABEL] [--json results.json]
//
// For each corpus: its files and size, the whole check's time and peak memory (GNU time), the findings by
// level and rule, warnings and errors per 100 KB, and a sample of warnings and errors (all of them when
// there are no more than --sample; else a spread chosen by a fixed seed, so a run samples the same ones).
// --show prints each sampled finding with the source around it, for judging by hand. Verdicts are kept in
// test/corpus/judgements.json ("corpus:file:line:rule" -> { verdict: true|false, why }); a run reports how
// many of its sample are judged true, --write-doc LABEL puts the tables into docs/precision.md between its
// `<!-- harness:LABEL:begin -->` and `<!-- harness:LABEL:end -->` markers, and --json writes the whole
// result (samples included) to a file.
//
// --recall (run under tsx: node --import tsx scripts/precision-harness.mjs --recall [--write-doc]) measures
// recall instead, on the files corpora.json's `recall` lists with their problems counted by hand: per file,
// problems found and solutions attached by the analysis, and its warnings and errors on that file; with
// --write-doc the table goes into docs/recognition.md between `<!-- harness:recall:begin -->` and
// `<!-- harness:recall:end -->`.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const args = parseArgs(process.argv.slice(2));
const root = path.resolve(args.root ?? '/tmp/corpora');
const cli = path.resolve(args.cli ?? path.join(repo, 'dist', 'cli.js'));
const sampleSize = Number(args.sample ?? 25);
const context = Number(args.context ?? 3);
const { corpora } = JSON.parse(readFileSync(path.join(repo, 'test', 'corpus', 'corpora.json'), 'utf8'));
const judgementsFile = path.join(repo, 'test', 'corpus', 'judgements.json');
const judgements = existsSync(judgementsFile) ? JSON.parse(readFileSync(judgementsFile, 'utf8')).judgements : {};
const only = args.only ? new Set(args.only.split(',')) : undefined;

if (args.recall) {
  await recall();
  process.exit(0);
}

const results = [];
for (const corpus of corpora) {
  if (only && !only.has(corpus.name)) continue;
  const folder = path.join(root, corpus.name, corpus.path);
  if (!existsSync(folder)) {
    console.error(`skipped ${corpus.name}: no ${folder} (clone ${corpus.repository} at ${corpus.commit} there)`);
    continue;
  }
  const head = execFileSync('git', ['-C', path.join(root, corpus.name), 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  if (head !== corpus.commit) console.error(`warning: ${corpus.name} is at ${head}, not ${corpus.commit}`);
  const documents = walk(folder).filter((file) => /\.(tex|md)$/i.test(file));
  const bytes = documents.reduce((sum, file) => sum + statSync(file).size, 0);
  // The report goes to a file: a CLI older than its pipe fix cut a report piped to another process at 64 KB.
  const reportFile = path.join(tmpdir(), `precision-${process.pid}-${corpus.name}.json`);
  const out = openSync(reportFile, 'w');
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, cli, 'check', '--format', 'json', folder], { encoding: 'utf8', stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  const [seconds, peakKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  rmSync(reportFile);
  const findings = report.findings.map((f) => ({ ...f, file: path.relative(path.join(root, corpus.name), f.file) }));
  const loud = findings.filter((f) => f.level !== 'note');
  const byRule = {};
  for (const f of findings) byRule[`${f.level} ${f.rule}`] = (byRule[`${f.level} ${f.rule}`] ?? 0) + 1;
  const sample = spread(loud, sampleSize, corpus.name).map((f) => {
    const key = `${corpus.name}:${f.file}:${f.start.line}:${f.rule}`;
    return { ...f, key, judgement: judgements[key] };
  });
  results.push({ corpus, files: report.files, documents: documents.length, bytes, seconds, peakKb, findings: findings.length, loud: loud.length, byRule, sample });
  if (args.show) for (const f of sample) show(corpus, f);
}

for (const r of results) {
  const judged = r.sample.filter((f) => f.judgement);
  const right = judged.filter((f) => f.judgement.verdict === true).length;
  console.log(
    `${r.corpus.name}: ${r.files} files (${(r.bytes / 1024).toFixed(0)} KB) in ${r.seconds.toFixed(2)} s, peak ${(r.peakKb / 1024).toFixed(0)} MB; ` +
      `${r.loud} warnings and errors (${per100Kb(r.loud, r.bytes)} per 100 KB), ${r.findings - r.loud} notes; ` +
      `sample ${r.sample.length}, judged ${judged.length}, true ${right}; ${JSON.stringify(r.byRule)}`,
  );
}
if (args['write-doc']) writeDoc(results, args['write-doc'] === true ? 'now' : args['write-doc']);
if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 1)}\n`);

function show(corpus, f) {
  const lines = readFileSync(path.join(root, corpus.name, f.file), 'utf8').split('\n');
  const verdict = f.judgement ? ` [judged ${f.judgement.verdict ? 'TRUE' : 'FALSE'}: ${f.judgement.why}]` : ' [not judged]';
  console.log(`\n## ${f.key} (${f.level}) ${f.message}${verdict}`);
  for (let l = Math.max(1, f.start.line - context); l <= Math.min(lines.length, f.start.line + context); l++) {
    console.log(`${l === f.start.line ? '>' : ' '}${String(l).padStart(6)}| ${lines[l - 1]}`);
  }
}

/** At most `count` findings, spread over the list by a seeded shuffle (the same every run). */
function spread(list, count, seed) {
  if (list.length <= count) return list;
  let state = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const indices = list.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices.slice(0, count).sort((a, b) => a - b).map((i) => list[i]);
}

function per100Kb(count, bytes) {
  return ((count * 100 * 1024) / Math.max(bytes, 1)).toFixed(2);
}

function walk(folder) {
  const files = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

function writeDoc(results, label) {
  const doc = path.join(repo, 'docs', 'precision.md');
  const text = readFileSync(doc, 'utf8');
  const begin = `<!-- harness:${label}:begin -->`;
  const end = `<!-- harness:${label}:end -->`;
  let sampled = 0;
  let judgedTrue = 0;
  const rows = results.map((r) => {
    const judged = r.sample.filter((f) => f.judgement);
    const right = judged.filter((f) => f.judgement.verdict === true).length;
    sampled += r.sample.length;
    judgedTrue += right;
    const falseLoud = r.loud === 0 ? 0 : (r.loud * (judged.length - right)) / Math.max(judged.length, 1);
    return `| ${r.corpus.name} | [${r.corpus.repository}](https://github.com/${r.corpus.repository}) \`${r.corpus.commit.slice(0, 10)}\` | ${r.files} | ${(r.bytes / 1024).toFixed(0)} KB | ${r.seconds.toFixed(2)} s | ${(r.peakKb / 1024).toFixed(0)} MB | ${r.loud} | ${per100Kb(r.loud, r.bytes)} | ${r.findings - r.loud} | ${right} / ${r.sample.length} | ${per100Kb(falseLoud, r.bytes)} |`;
  });
  const findings = results.flatMap((r) =>
    r.sample.map((f) => `| ${r.corpus.name} | \`${f.file}:${f.start.line}\` | ${f.rule} (${f.level}) | ${f.judgement ? (f.judgement.verdict ? 'true' : '**false**') : 'not judged'} | ${(f.judgement?.why ?? '').replaceAll('|', '\\|')} |`),
  );
  const table = [
    begin,
    `${results.reduce((n, r) => n + r.loud, 0)} warnings and errors in all; ${sampled} sampled, ${judgedTrue} of them judged true.`,
    '',
    '| corpus | repository, commit | files | size | check time | peak memory | warnings + errors | per 100 KB | notes | sample judged true | false per 100 KB (est.) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '<details><summary>The sample, judged</summary>',
    '',
    '| corpus | file:line | rule | verdict | why |',
    '| --- | --- | --- | --- | --- |',
    ...findings,
    '',
    '</details>',
    end,
  ].join('\n');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`docs/precision.md has no ${begin} ... ${end}`);
  writeFileSync(doc, text.slice(0, from) + table + text.slice(to + end.length));
  console.log(`docs/precision.md: the ${label} tables written`);
}

/** Recall on the hand-counted files (corpora.json `recall`), through the analysis itself. */
async function recall() {
  const { analyzeDocument } = await import('../server/src/documents/analyzer.ts');
  const { files } = JSON.parse(readFileSync(path.join(repo, 'test', 'corpus', 'corpora.json'), 'utf8')).recall;
  const rows = [];
  for (const entry of files) {
    const corpus = corpora.find((c) => c.name === entry.corpus);
    const file = path.join(root, entry.corpus, entry.file);
    if (!existsSync(file)) {
      console.error(`skipped ${entry.corpus}/${entry.file}: clone ${corpus.repository} at ${corpus.commit} under ${root}`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    const marker = new RegExp(entry.marker);
    const problemLines = text.split('\n').flatMap((line, i) => (marker.test(line) ? [i] : []));
    if (problemLines.length !== entry.problems) throw new Error(`${entry.file}: the marker finds ${problemLines.length} problems, the count says ${entry.problems}`);
    const unsolved = new Set(entry.unsolved === 'all' ? problemLines.map((l) => l + 1) : entry.unsolved);
    const analysis = analyzeDocument(file.endsWith('.md') ? 'markdown' : 'latex', text, { maxDocumentSize: 50_000_000, guesses: false });
    const byLine = new Map(analysis.statements.map((s) => [s.headerRange.start.line, s]));
    const found = problemLines.filter((line) => byLine.has(line));
    const solvable = problemLines.filter((line) => !unsolved.has(line + 1));
    const attached = solvable.filter((line) => byLine.get(line)?.proof !== undefined);
    const loud = analysis.diagnostics.filter((d) => d.severity !== 'information').length;
    const missed = problemLines.filter((line) => !byLine.has(line)).map((l) => l + 1);
    const detached = solvable.filter((line) => byLine.get(line)?.proof === undefined).map((l) => l + 1);
    rows.push({ entry, corpus, problems: problemLines.length, found: found.length, solutions: solvable.length, attached: attached.length, loud, missed, detached });
    console.log(`${entry.corpus}/${entry.file}: problems ${found.length}/${problemLines.length}, solutions ${attached.length}/${solvable.length}, warnings+errors ${loud}${missed.length ? `; not found at lines ${missed.join(', ')}` : ''}${detached.length ? `; no solution attached at lines ${detached.join(', ')}` : ''}`);
  }
  const sum = (key) => rows.reduce((n, r) => n + r[key], 0);
  const percent = (a, b) => `${((100 * a) / Math.max(b, 1)).toFixed(1)}%`;
  console.log(`all: problems ${sum('found')}/${sum('problems')} (${percent(sum('found'), sum('problems'))}), solutions ${sum('attached')}/${sum('solutions')} (${percent(sum('attached'), sum('solutions'))}), warnings+errors ${sum('loud')}`);
  if (!args['write-doc']) return;
  const table = [
    '<!-- harness:recall:begin -->',
    '| Shape | Corpus (repository @ commit) | File | Problems (by hand) | Found | Solutions (by hand) | Attached | Warnings + errors | Missed (lines) |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.entry.shape} | ${r.corpus.repository} @ ${r.corpus.commit.slice(0, 8)} | ${r.entry.file} | ${r.problems} | ${r.found} | ${r.solutions} | ${r.attached} | ${r.loud} | ${[...r.missed.map((l) => `${l} (problem)`), ...r.detached.map((l) => `${l} (solution)`)].join(', ') || '-'} |`),
    `| **All** | | ${rows.length} files | **${sum('problems')}** | **${sum('found')} (${percent(sum('found'), sum('problems'))})** | **${sum('solutions')}** | **${sum('attached')} (${percent(sum('attached'), sum('solutions'))})** | **${sum('loud')}** | |`,
    '<!-- harness:recall:end -->',
  ].join('\n');
  const doc = path.join(repo, 'docs', 'recognition.md');
  const current = readFileSync(doc, 'utf8');
  const from = current.indexOf('<!-- harness:recall:begin -->');
  const to = current.indexOf('<!-- harness:recall:end -->');
  if (from < 0 || to < 0) throw new Error('docs/recognition.md has no <!-- harness:recall:begin --> ... <!-- harness:recall:end -->');
  writeFileSync(doc, current.slice(0, from) + table + current.slice(to + '<!-- harness:recall:end -->'.length));
  console.log('docs/recognition.md: the recall table written');
}

function parseArgs(list) {
  const parsed = {};
  for (let i = 0; i < list.length; i++) {
    const name = list[i].replace(/^--/, '');
    if (list[i + 1] === undefined || list[i + 1].startsWith('--')) parsed[name] = true;
    else parsed[name] = list[++i];
  }
  return parsed;
}
