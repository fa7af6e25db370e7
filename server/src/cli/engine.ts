/**
 * The model for the command line, with the same settings as the extension: defaults, then a JSON config
 * file (`--config`, the `qedNano` settings object as in VS Code's settings.json, with or without the
 * `qedNano` key), then the environment (QED_NANO_ENGINE, QED_NANO_MODEL, QED_NANO_ENDPOINTS, comma-separated),
 * then the flags. The API key only ever comes from QED_NANO_API_KEY. The same ModelManager as the language
 * server loads it (downloads, GGUF checks, crash guard) or connects to the remote endpoints; the command
 * line was given the endpoint by its user, so it asks no consent but says where text goes.
 */
import { compileUserPatterns, type UserPatterns } from '../documents/userPatterns';
import { readFileSync } from 'node:fs';
import { ScriptSequence, parseScripts } from '../engine/scriptedOutput';
import { liveGenerate } from '../model/liveGenerate';
import { ModelManager } from '../model/modelManager';
import type { ProgressReporter } from '../model/progress';
import { defaultStoragePath } from '../model/storagePath';
import type { QedNanoSettings } from '../protocol';
import { resolveSettings } from '../settings';
import type { Generate } from '../tasks/generate';
import { CliError, EXIT } from './exitCodes';
import { dim, ProgressLine, yellow } from './terminal';

export interface EngineFlags {
  model?: string;
  threads?: string;
  gpu?: string;
  engine?: string;
  endpoint?: string[];
  config?: string;
}

export interface OpenModel {
  settings: QedNanoSettings;
  generate: Generate;
  close(): Promise<void>;
}

/** The settings from defaults, config file, environment and flags, in that order. */
export function cliSettings(flags: EngineFlags, overrides: Record<string, unknown> = {}): QedNanoSettings {
  const fromFile = flags.config ? readConfig(flags.config) : {};
  const env = process.env;
  const merged: Record<string, unknown> = { ...fromFile };
  const remote: Record<string, unknown> = { ...(isObject(fromFile.remote) ? fromFile.remote : {}) };
  if (env.QED_NANO_ENGINE) merged.engine = env.QED_NANO_ENGINE;
  if (env.QED_NANO_MODEL) merged.model = env.QED_NANO_MODEL;
  if (env.QED_NANO_ENDPOINTS) remote.endpoints = env.QED_NANO_ENDPOINTS.split(',').map((e) => e.trim()).filter(Boolean);
  if (flags.engine) merged.engine = oneOf(flags.engine, ['local', 'remote'], '--engine');
  if (flags.model) merged.model = flags.model;
  if (flags.threads) merged.threads = positiveInteger(flags.threads, '--threads');
  if (flags.gpu) merged.gpu = oneOf(flags.gpu, ['auto', 'off'], '--gpu');
  if (flags.endpoint && flags.endpoint.length > 0) {
    remote.endpoints = flags.endpoint;
    if (!flags.engine) merged.engine = 'remote'; // naming an endpoint means using it
  }
  merged.remote = remote;
  return resolveSettings({ ...merged, ...overrides });
}

/** The problem and solution formats the config file teaches (qedNano.structure.*Patterns), compiled; each
 * pattern refused is said on stderr, with why. */
export function cliPatterns(config: string | undefined): UserPatterns {
  const settings = resolveSettings(config ? readConfig(config) : {});
  const { patterns, rejected } = compileUserPatterns(settings.structure.problemPatterns, settings.structure.solutionPatterns);
  for (const message of rejected) process.stderr.write(`qed-nano: ${message}\n`);
  return patterns;
}

/** Loads (or connects to) the model; fails with exit code 3 and the reason in one line. */
export async function openModel(settings: QedNanoSettings): Promise<OpenModel> {
  const progress = new ProgressLine();
  let lastState = '';
  const models = new ModelManager({
    storagePath: process.env.QED_NANO_STORAGE ?? defaultStoragePath(),
    sendStatus: (status) => {
      if (status.state === lastState || status.state === 'busy') return;
      lastState = status.state;
      if (status.state === 'loading' || status.state === 'ready') {
        progress.clear();
        process.stderr.write(dim(`qed-nano: model ${status.state}${status.modelName ? `: ${status.modelName}` : ''}${status.remote ? ` on ${status.remote}` : status.device ? ` (${status.device})` : ''}\n`));
      }
    },
    startProgress: (title) => Promise.resolve(downloadProgress(title, progress)),
    log: (message) => {
      if (/^Warning/.test(message)) process.stderr.write(`${yellow(message)}\n`);
    },
    ...(process.env.QED_NANO_API_KEY ? { apiKey: process.env.QED_NANO_API_KEY } : {}),
    ...(process.env.QED_NANO_TEST_SCRIPT ? { scripts: new ScriptSequence(parseScripts(process.env.QED_NANO_TEST_SCRIPT)) } : {}),
    allowEndpoint: (endpoint) => {
      process.stderr.write(dim(`qed-nano: document text is sent to ${endpoint.host}\n`));
      return Promise.resolve(true);
    },
  });
  await models.configure(settings);
  try {
    await models.ensureLoaded(true);
  } catch (error) {
    await models.dispose();
    throw new CliError(`qed-nano: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
  }
  return { settings, generate: liveGenerate(models, () => settings), close: () => models.dispose() };
}

function downloadProgress(title: string, line: ProgressLine): ProgressReporter {
  const started = Date.now();
  return {
    report: (fraction) => line.update(title, Math.round(fraction * 100), 100, ((fraction * 100) / Math.max(1, Date.now() - started)) * 1000, '%'),
    cancelled: new AbortController().signal,
    done: () => line.clear(),
  };
}

function readConfig(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`qed-nano: cannot read the config file ${file}: ${error instanceof Error ? error.message : String(error)}.`, EXIT.usage);
  }
  if (!isObject(value)) throw new CliError(`qed-nano: the config file ${file} must hold a JSON object of qedNano settings.`, EXIT.usage);
  return isObject(value.qedNano) ? value.qedNano : value;
}

function oneOf(value: string, allowed: string[], flag: string): string {
  if (!allowed.includes(value)) throw new CliError(`qed-nano: ${flag} must be one of ${allowed.join(', ')} (got ${value}).`, EXIT.usage);
  return value;
}

export function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CliError(`qed-nano: ${flag} must be a positive whole number (got ${value}).`, EXIT.usage);
  return number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
