/**
 * What the server takes as its settings when the client's configuration and its initializationOptions
 * disagree (settings.ts `overInitialSettings`): eglot without `eglot-workspace-configuration` answers
 * `workspace/configuration` with null; VS Code answers with every key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overInitialSettings, resolveSettings } from '../../server/src/settings';

const initial = { model: '/models/qed.gguf', threads: 2, completion: { mode: 'manual' }, structure: { problemPatterns: ['Aufgabe \\d+'] } };

test('a configuration that names nothing (null, undefined, not an object) keeps the initial settings', () => {
  for (const configured of [null, undefined, 'x', 3, []]) assert.deepEqual(overInitialSettings(initial, configured), initial, JSON.stringify(configured));
  assert.equal(resolveSettings(overInitialSettings(initial, null)).model, '/models/qed.gguf');
});

test('what the configuration names replaces the initial value, objects merged key by key, arrays and nulls as said', () => {
  const merged = overInitialSettings(initial, { threads: 4, completion: { debounceMs: 100 }, structure: { problemPatterns: [] }, model: null });
  assert.deepEqual(merged, { model: '/models/qed.gguf', threads: 4, completion: { mode: 'manual', debounceMs: 100 }, structure: { problemPatterns: [] } });
});

test('without initial settings the configuration alone decides (VS Code sends both, the same)', () => {
  assert.deepEqual(overInitialSettings(undefined, { threads: 4 }), { threads: 4 });
  assert.equal(overInitialSettings(undefined, null), null);
});
