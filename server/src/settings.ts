/**
 * The server's view of the `qedNano` settings: defaults, plus whatever the client sent, validated.
 * A wrong value (a string where a number belongs, a negative size) falls back to the default rather than
 * breaking analysis.
 */
import { DEFAULT_MAX_DOCUMENT_SIZE } from './documents/analyzer';
import type { DeepPartial, QedNanoSettings } from './protocol';

export const DEFAULT_SETTINGS: QedNanoSettings = {
  analysis: { maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE },
};

/** Merges a partial settings object from the wire onto the defaults. */
export function resolveSettings(raw: unknown): QedNanoSettings {
  const given = (isObject(raw) ? raw : {}) as DeepPartial<QedNanoSettings>;
  const analysis = isObject(given.analysis) ? given.analysis : {};
  return {
    analysis: {
      maxDocumentSize: nonNegativeNumber(analysis.maxDocumentSize, DEFAULT_SETTINGS.analysis.maxDocumentSize),
    },
  };
}

function nonNegativeNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
