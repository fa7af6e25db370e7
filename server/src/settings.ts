/**
 * The `qedNano` settings, typed: defaults, plus whatever the client sent, validated. The server reads all of
 * them; the VS Code client reads the few that are its own (`completion.debounceMs`) through the same
 * `resolveSettings`, so every setting has one definition and one default.
 * A wrong value (a string where a number belongs, a negative size) falls back to the default rather than
 * breaking anything; numbers are clamped to what can work. What the machine cannot hold (threads beyond its
 * cores, a context beyond its memory) is lowered where the model loads, with a message.
 */
import { DEFAULT_MAX_DOCUMENT_SIZE, DEFAULT_MAX_PROJECT_FILES, MAX_PROJECT_FILES } from './documents/limits';
import { DEFAULT_MODEL } from './modelSource';
import type { DeepPartial, QedNanoSettings } from './protocol';

/** The largest document size a setting can ask to analyse (10x the default): analysis is linear, but a
 * workspace must not make the server hold and re-analyse hundreds of MB on every keystroke. */
export const MAX_ANALYSED_DOCUMENT_SIZE = 20_000_000;

export const DEFAULT_SETTINGS: QedNanoSettings = {
  engine: 'local',
  // The model card's name, as `vllm serve lm-provers/QED-Nano` serves it.
  remote: { endpoints: [], model: 'lm-provers/QED-Nano', maxConcurrency: 8, timeoutSeconds: 120 },
  model: DEFAULT_MODEL,
  loadModelOnOpen: true,
  gpu: 'auto',
  threads: 0,
  // 16k tokens of KV cache at f16 is about 2.3 GB for QED-Nano; never the 262k it was trained for.
  contextSize: 16384,
  batchSize: 512,
  parallelSequences: 1,
  prediction: true,
  draftModel: '',
  generation: { maxTokens: 15000, thinkingBudget: 12000, temperature: 0.6, topP: 0.95 },
  // The model card's agent: 4 candidates, 4 verifications each, up to 2 refinement rounds.
  deep: { poolSize: 4, verifications: 4, rounds: 2, tokenBudget: 400_000 },
  // QED-Nano's reasoning-cache evaluation runs 3 attempts (eval/configs/agents/reasoning_cache.yaml).
  rc: { iterations: 3 },
  critique: { trigger: 'onSave', depth: 'full', thinkingBudget: 4000 },
  completion: { mode: 'automatic', debounceMs: 400 },
  latex: { labels: 'auto' },
  analysis: { maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE, maxProjectFiles: DEFAULT_MAX_PROJECT_FILES, guesses: false },
  structure: { problemPatterns: [], solutionPatterns: [] },
  outline: { latex: true, markdown: true },
};

/** Merges a partial settings object from the wire onto the defaults. */
export function resolveSettings(raw: unknown): QedNanoSettings {
  const given = (isObject(raw) ? raw : {}) as DeepPartial<QedNanoSettings>;
  const generation = isObject(given.generation) ? given.generation : {};
  const analysis = isObject(given.analysis) ? given.analysis : {};
  const deep = isObject(given.deep) ? given.deep : {};
  const rc = isObject(given.rc) ? given.rc : {};
  const critique = isObject(given.critique) ? given.critique : {};
  const completion = isObject(given.completion) ? given.completion : {};
  const remote = isObject(given.remote) ? given.remote : {};
  const structure = isObject(given.structure) ? given.structure : {};
  const outline = isObject(given.outline) ? given.outline : {};
  const latex = isObject(given.latex) ? given.latex : {};
  const defaults = DEFAULT_SETTINGS;
  const contextSize = integer(given.contextSize, defaults.contextSize, 512, 262_144);
  return {
    engine: given.engine === 'remote' ? 'remote' : 'local',
    remote: {
      endpoints: endpointUrls(remote.endpoints),
      model: typeof remote.model === 'string' && remote.model.trim() !== '' ? remote.model.trim() : defaults.remote.model,
      maxConcurrency: integer(remote.maxConcurrency, defaults.remote.maxConcurrency, 1, 256),
      timeoutSeconds: integer(remote.timeoutSeconds, defaults.remote.timeoutSeconds, 1, 3600),
    },
    model: typeof given.model === 'string' && given.model.trim() !== '' ? given.model.trim() : defaults.model,
    loadModelOnOpen: typeof given.loadModelOnOpen === 'boolean' ? given.loadModelOnOpen : defaults.loadModelOnOpen,
    gpu: given.gpu === 'off' ? 'off' : 'auto',
    threads: integer(given.threads, defaults.threads, 0, 256),
    contextSize,
    batchSize: integer(given.batchSize, defaults.batchSize, 32, 8192),
    parallelSequences: integer(given.parallelSequences, defaults.parallelSequences, 1, 16),
    prediction: typeof given.prediction === 'boolean' ? given.prediction : defaults.prediction,
    draftModel: typeof given.draftModel === 'string' ? given.draftModel.trim() : defaults.draftModel,
    generation: {
      maxTokens: integer(generation.maxTokens, defaults.generation.maxTokens, 16, contextSize),
      thinkingBudget: integer(generation.thinkingBudget, defaults.generation.thinkingBudget, 16, contextSize),
      temperature: number(generation.temperature, defaults.generation.temperature, 0, 2),
      topP: number(generation.topP, defaults.generation.topP, 0, 1),
    },
    deep: {
      poolSize: integer(deep.poolSize, defaults.deep.poolSize, 1, 16),
      verifications: integer(deep.verifications, defaults.deep.verifications, 1, 16),
      rounds: integer(deep.rounds, defaults.deep.rounds, 0, 8),
      tokenBudget: integer(deep.tokenBudget, defaults.deep.tokenBudget, 1, Number.MAX_SAFE_INTEGER),
    },
    rc: {
      iterations: integer(rc.iterations, defaults.rc.iterations, 1, 16),
    },
    critique: {
      trigger: critique.trigger === 'onIdle' || critique.trigger === 'manual' ? critique.trigger : defaults.critique.trigger,
      depth: critique.depth === 'quick' ? 'quick' : defaults.critique.depth,
      thinkingBudget: integer(critique.thinkingBudget, defaults.critique.thinkingBudget, 16, contextSize),
    },
    completion: {
      mode: completion.mode === 'manual' || completion.mode === 'off' ? completion.mode : defaults.completion.mode,
      debounceMs: integer(completion.debounceMs, defaults.completion.debounceMs, 0, 5000),
    },
    latex: { labels: latex.labels === 'on' || latex.labels === 'off' ? latex.labels : defaults.latex.labels },
    analysis: {
      maxDocumentSize: integer(analysis.maxDocumentSize, defaults.analysis.maxDocumentSize, 0, MAX_ANALYSED_DOCUMENT_SIZE),
      maxProjectFiles: integer(analysis.maxProjectFiles, defaults.analysis.maxProjectFiles, 0, MAX_PROJECT_FILES),
      guesses: typeof analysis.guesses === 'boolean' ? analysis.guesses : defaults.analysis.guesses,
    },
    // Kept as written: which patterns are accepted, and why not, is documents/userPatterns.ts's to say.
    structure: { problemPatterns: strings(structure.problemPatterns), solutionPatterns: strings(structure.solutionPatterns) },
    outline: {
      latex: typeof outline.latex === 'boolean' ? outline.latex : defaults.outline.latex,
      markdown: typeof outline.markdown === 'boolean' ? outline.markdown : defaults.outline.markdown,
    },
  };
}

/** The strings of a list (anything else in it, or a value that is no list, is left out). */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').slice(0, 100) : [];
}

/**
 * The endpoints that are http(s) URLs, normalised to an OpenAI base URL: no trailing slash, `/v1` added to a
 * bare host (`http://gpu-box:8000` -> `http://gpu-box:8000/v1`); duplicates and anything else dropped.
 */
export function endpointUrls(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const urls: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') continue;
    let url: URL;
    try {
      url = new URL(item.trim());
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    const path = url.pathname.replace(/\/+$/, '');
    const base = `${url.origin}${path === '' ? '/v1' : path}`;
    if (!urls.includes(base)) urls.push(base);
  }
  return urls;
}

/**
 * The settings a client gave at `initialize` (`initializationOptions.qedNano`) with what its configuration
 * holds now laid over them: a value the configuration names replaces the initial one (objects merged key by
 * key, arrays and plain values replaced), and where it names none, or the client answers with null (eglot
 * without `eglot-workspace-configuration` answers `workspace/configuration` with `[null]` and sends
 * `didChangeConfiguration` with empty settings), what the client gave at `initialize` stays. VS Code
 * answers with every key of the section, so there the configuration alone decides.
 */
export function overInitialSettings(initial: unknown, configured: unknown): unknown {
  if (!isObject(configured)) return isObject(initial) ? initial : configured;
  if (!isObject(initial)) return configured;
  const merged: Record<string, unknown> = { ...initial };
  for (const [key, value] of Object.entries(configured)) {
    if (value === null || value === undefined) continue;
    merged[key] = isObject(value) && isObject(initial[key]) ? overInitialSettings(initial[key], value) : value;
  }
  return merged;
}

function number(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

function integer(value: unknown, fallback: number, min: number, max: number): number {
  return Math.round(number(value, fallback, min, max));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
