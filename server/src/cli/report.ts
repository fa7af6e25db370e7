/**
 * What check and critique found, written as a compiler writes it (`file:line:col: severity: message`), as
 * JSON, or as SARIF 2.1.0 (GitHub code scanning and other CI tools read it): one rule per kind of finding,
 * each result on the region of its step or construct. Positions are 1-based lines and columns counted in
 * UTF-16 code units, as editors count them (SARIF's `columnKind: utf16CodeUnits`).
 */
import * as path from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { loudest, RULES as STRUCTURAL_RULES } from '../documents/precision';
import type { DiagnosticCode, Range } from '../documents/proofDocument';
import { BUILD_INFO } from '../buildInfo';
import { bold, dim, red, yellow } from './terminal';

export type Level = 'error' | 'warning' | 'note';

export interface Finding {
  file: string;
  /** A structural diagnostic code, or `critique/error`, `critique/gap`, `critique/unclear`. */
  rule: string;
  level: Level;
  message: string;
  /** Zero-based, as the analysis gives it. */
  range: Range;
}

export type Format = 'text' | 'json' | 'sarif';

/** Every rule a finding can have, with what it means (SARIF's rule metadata): the structural ones as the
 * precision policy has them (their loudest level), and the critique's. */
export const RULES: Record<DiagnosticCode | `critique/${'error' | 'gap' | 'unclear' | 'score'}`, { level: Level; description: string }> = {
  ...(Object.fromEntries(
    (Object.keys(STRUCTURAL_RULES) as DiagnosticCode[]).map((code) => [code, { level: levelOf(loudest(code)), description: STRUCTURAL_RULES[code].summary }]),
  ) as Record<DiagnosticCode, { level: Level; description: string }>),
  'critique/error': { level: 'error', description: 'QED-Nano: the step is wrong.' },
  'critique/gap': { level: 'warning', description: 'QED-Nano: the step does not follow without more argument.' },
  'critique/unclear': { level: 'note', description: 'QED-Nano: the step is unclear.' },
  'critique/score': { level: 'warning', description: 'QED-Nano\'s score of a whole proof (0, 0.5 or 1; below 1 is a warning, 1 a note).' },
};

export function levelOf(severity: 'error' | 'warning' | 'information'): Level {
  return severity === 'information' ? 'note' : severity;
}

export function formatFindings(findings: readonly Finding[], format: Format, files: readonly string[]): string {
  if (format === 'json') return `${JSON.stringify({ files: files.length, findings: findings.map(jsonFinding) }, null, 2)}\n`;
  if (format === 'sarif') return `${JSON.stringify(sarif(findings, files), null, 2)}\n`;
  return `${findings.map(textFinding).join('')}${textSummary(findings, files.length)}\n`;
}

/** The text report's last line: what was read and what was found ("3 files, no findings"; "2 files: 1
 * error, 3 warnings"), so a clean run says so instead of printing nothing. */
export function textSummary(findings: readonly Finding[], files: number): string {
  const count = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
  const read = count(files, 'file');
  if (findings.length === 0) return `${read}, no findings`;
  const levels = (['error', 'warning', 'note'] as const).map((level) => [level, findings.filter((f) => f.level === level).length] as const);
  return `${read}: ${levels.filter(([, n]) => n > 0).map(([level, n]) => count(n, level)).join(', ')}`;
}

function textFinding(f: Finding): string {
  const level = f.level === 'error' ? red('error') : f.level === 'warning' ? yellow('warning') : dim('note');
  return `${bold(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}:`)} ${level}: ${f.message} ${dim(`[${f.rule}]`)}\n`;
}

function jsonFinding(f: Finding): object {
  return {
    file: f.file,
    rule: f.rule,
    level: f.level,
    message: f.message,
    start: { line: f.range.start.line + 1, column: f.range.start.character + 1 },
    end: { line: f.range.end.line + 1, column: f.range.end.character + 1 },
  };
}

function sarif(findings: readonly Finding[], files: readonly string[]): Log {
  const ids = Object.keys(RULES) as (keyof typeof RULES)[];
  const rules: ReportingDescriptor[] = ids.map((id) => ({
    id,
    shortDescription: { text: RULES[id].description },
    defaultConfiguration: { level: RULES[id].level },
  }));
  const results: Result[] = findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ids.indexOf(f.rule as keyof typeof RULES),
    level: f.level,
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(f.file) },
          region: {
            startLine: f.range.start.line + 1,
            startColumn: f.range.start.character + 1,
            endLine: f.range.end.line + 1,
            endColumn: Math.max(f.range.end.character + 1, f.range.end.line === f.range.start.line ? f.range.start.character + 2 : 1),
          },
        },
      },
    ],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'qed-nano', version: BUILD_INFO.serverVersion, informationUri: 'https://huggingface.co/lm-provers/QED-Nano', rules } },
        columnKind: 'utf16CodeUnits',
        artifacts: files.map((file) => ({ location: { uri: artifactUri(file) } })),
        results,
      },
    ],
  };
}

/** A file as a SARIF artifact URI: relative to the working folder (as code scanning expects), with `/`. */
function artifactUri(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return (relative.startsWith('..') ? path.resolve(file) : relative).split(path.sep).map(encodeURIComponent).join('/');
}
