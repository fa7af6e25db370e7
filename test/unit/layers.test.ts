/**
 * The dependency rule, checked: every import in server/src, client/src and media/src (read with the
 * TypeScript compiler's own import scanner, type-only imports included) goes from a layer to one that
 * docs/architecture.md's table "The dependency rule" lets it import; only the layers the table marks may
 * import the LSP library; and no file reaches itself through its imports (no circle, however long). The
 * table is read from the page, so the page and the check cannot drift apart.
 * Run alone: node --import tsx --test test/unit/layers.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../support/fixtures';

interface Layer {
  name: string;
  /** Files and folders (ending in /), relative to the repository. */
  paths: string[];
  mayImport: Set<string>;
  lspLibrary: boolean;
}

/** The table under "### The dependency rule" in docs/architecture.md. */
function layersFromDoc(): Layer[] {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split('\n### The dependency rule\n')[1]?.split('\n#')[0];
  assert.ok(section, 'docs/architecture.md has a section "### The dependency rule"');
  const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const layers: Layer[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || !cells[0]!.startsWith('`')) continue;
    layers.push({ name: names(cells[0]!)[0]!, paths: names(cells[1]!), mayImport: new Set(names(cells[2]!)), lspLibrary: cells[3] === 'yes' });
  }
  return layers;
}

const ROOTS = ['server/src', 'client/src', 'media/src'];

/** Circles still to break, each named here so that none is added unseen (none now: the commands' circle
 * went when CommandContext got a file of its own, client/src/commandContext.ts). */
const KNOWN_CIRCLES: string[][] = [];

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const root of ROOTS) walk(root);
  return files;
}

/** Each file's imports: the repository files it names (resolved) and the packages. */
function importsOf(file: string): { files: string[]; packages: string[] } {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(REPO_ROOT, file), 'utf8'), true, true);
  const files: string[] = [];
  const packages: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) {
      packages.push(fileName);
      continue;
    }
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    const resolved = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base].find((candidate) => existsSync(path.join(REPO_ROOT, candidate)) && statSync(path.join(REPO_ROOT, candidate)).isFile());
    assert.ok(resolved, `${file} imports ${fileName}, which is no file`);
    if (/\.tsx?$/.test(resolved)) files.push(resolved);
  }
  return { files, packages };
}

/** The LSP library: what only the layers marked "yes" import (vscode-languageserver-textdocument is a text type, not LSP). */
function isLspLibrary(name: string): boolean {
  return (name.startsWith('vscode-languageserver') && name !== 'vscode-languageserver-textdocument') || name.startsWith('vscode-jsonrpc') || name.startsWith('vscode-languageclient') || name === 'vscode';
}

const layers = layersFromDoc();
const files = sourceFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

function layerOf(file: string): Layer | undefined {
  // The longest path that contains the file names its layer (a file named on its own beats its folder).
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers) {
    for (const p of layer.paths) {
      if ((p.endsWith('/') ? file.startsWith(p) : file === p) && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  }
  return best?.layer;
}

test('the table names layers that import only layers it names, and has no circle itself', () => {
  assert.ok(layers.length >= 10, `read ${layers.length} layers`);
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const layer of layers) for (const other of layer.mayImport) assert.ok(byName.has(other), `${layer.name} may import ${other}, which is no layer`);
  // Depth-first: a layer reached again while it is on the path is a circle.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    assert.notEqual(state.get(name), 'open', `the table's layers import each other in a circle: ${[...trail, name].join(' -> ')}`);
    state.set(name, 'open');
    for (const next of byName.get(name)!.mayImport) visit(next, [...trail, name]);
    state.set(name, 'done');
  };
  for (const layer of layers) visit(layer.name, []);
});

test('every source file belongs to a layer of the table', () => {
  assert.ok(files.length > 100, `found ${files.length} files`);
  assert.deepEqual(files.filter((file) => !layerOf(file)), []);
});

test('every import goes down: from a layer to one it may import (or within itself)', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const [file, { files: targets }] of graph) {
    const from = layerOf(file)!;
    for (const target of targets) {
      const to = layerOf(target);
      checked++;
      if (to && to !== from && !from.mayImport.has(to.name)) wrong.push(`${file} (${from.name}) imports ${target} (${to.name})`);
    }
  }
  assert.ok(checked > 500, `checked ${checked} imports`);
  assert.deepEqual(wrong, []);
});

test('only the layers the table marks import the LSP library', () => {
  const wrong: string[] = [];
  for (const [file, { packages }] of graph) {
    const layer = layerOf(file)!;
    for (const name of packages) if (!layer.lspLibrary && isLspLibrary(name)) wrong.push(`${file} (${layer.name}) imports ${name}`);
  }
  assert.deepEqual(wrong, []);
});

test('no file reaches itself through its imports', () => {
  // Tarjan's strongly connected components: any component of more than one file is a circle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file)?.files ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) connect(file);
  assert.deepEqual(circles, KNOWN_CIRCLES, 'a circle went: remove it from KNOWN_CIRCLES; a new one: break it');
});
