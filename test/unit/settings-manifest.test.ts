/**
 * The settings VS Code shows (package.json `contributes.configuration`) and the ones the server applies
 * (server/src/settings.ts) are one list with one set of defaults, as rust-analyzer checks its
 * package.json against config.rs: a setting added, renamed or re-defaulted on one side fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, resolveSettings } from '../../server/src/settings';
import { REPO_ROOT } from '../support/fixtures';

/** Settings of the client alone (the language client reads them; the server never sees them). */
const CLIENT_ONLY = new Set(['qedNano.trace.server']);

function flatten(value: object, prefix: string): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) for (const [k, v] of flatten(inner, `${prefix}.${key}`)) flat.set(k, v);
    else flat.set(`${prefix}.${key}`, inner);
  }
  return flat;
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; minimum?: number; maximum?: number; enum?: unknown[] }> } };
};
const contributed = manifest.contributes.configuration.properties;

test('every server setting is contributed in package.json with the same default, and nothing else is', () => {
  const server = flatten(DEFAULT_SETTINGS, 'qedNano');
  const shown = new Map(Object.entries(contributed).filter(([key]) => !CLIENT_ONLY.has(key)).map(([key, p]) => [key, p.default]));
  assert.deepEqual([...shown.keys()].sort(), [...server.keys()].sort());
  for (const [key, value] of server) assert.deepEqual(shown.get(key), value, key);
});

test('the bounds package.json offers are the ones the server clamps to', () => {
  for (const [key, property] of Object.entries(contributed)) {
    if (CLIENT_ONLY.has(key)) continue;
    const name = key.slice('qedNano.'.length).split('.');
    const at = (settings: object): unknown => name.reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], settings);
    const set = (value: unknown): object => name.reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as object;
    if (property.minimum !== undefined) assert.equal(at(resolveSettings(set(property.minimum - 1_000_000))), property.minimum, `${key} minimum`);
    if (property.maximum !== undefined) assert.equal(at(resolveSettings(set(property.maximum * 10 + 1))), property.maximum, `${key} maximum`);
    if (property.enum) for (const option of property.enum) assert.equal(at(resolveSettings(set(option))), option, `${key} = ${String(option)}`);
  }
});
