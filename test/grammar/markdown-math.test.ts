/**
 * The math-in-Markdown injection grammar, tokenised with VS Code's own TextMate engine (vscode-textmate +
 * vscode-oniguruma) together with the Markdown and TeX grammars that ship inside VS Code (from the
 * code-server install the VS Code tests use: QED_CODE_SERVER_DIR, set by test/vscode/run.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from 'vscode-textmate';
import { REPO_ROOT } from '../support/fixtures';

const codeServer = process.env.QED_CODE_SERVER_DIR;
const extensions = codeServer && path.join(codeServer, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');

async function markdownGrammar(): Promise<IGrammar> {
  assert.ok(extensions, 'QED_CODE_SERVER_DIR must name the code-server install (npm run test:vscode sets it)');
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files: Record<string, string> = {
    'text.html.markdown': path.join(extensions, 'markdown-basics', 'syntaxes', 'markdown.tmLanguage.json'),
    'text.tex': path.join(extensions, 'latex', 'syntaxes', 'TeX.tmLanguage.json'),
    'text.tex.latex': path.join(extensions, 'latex', 'syntaxes', 'LaTeX.tmLanguage.json'),
    'markdown.math.injection': path.join(REPO_ROOT, 'syntaxes', 'markdown-math.tmLanguage.json'),
  };
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      const file = files[scopeName];
      return file ? parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
    },
    getInjections: (scopeName) => (scopeName === 'text.html.markdown' ? ['markdown.math.injection'] : undefined),
  });
  const grammar = await registry.loadGrammar('text.html.markdown');
  assert.ok(grammar);
  return grammar;
}

/** Tokenises `lines` and returns, for each `needle`, the scopes at its last character (first occurrence). */
async function scopesOf(lines: string[], needles: string[]): Promise<Map<string, string[]>> {
  const grammar = await markdownGrammar();
  const found = new Map<string, string[]>();
  let state = INITIAL;
  for (const line of lines) {
    const result = grammar.tokenizeLine(line, state);
    for (const needle of needles) {
      const at = line.indexOf(needle);
      if (found.has(needle) || at < 0) continue;
      const probe = at + needle.length - 1;
      const token = result.tokens.find((t) => t.startIndex <= probe && probe < t.endIndex);
      if (token) found.set(needle, token.scopes);
    }
    state = result.ruleStack;
  }
  return found;
}

const isMath = (scopes: string[] | undefined): boolean => scopes?.includes('meta.embedded.math.markdown') ?? false;

test('inline and display math in all four delimiters are LaTeX; code, prices and escaped dollars are not', async () => {
  const scopes = await scopesOf(
    [
      'Inline $\\alpha+1$ and \\(\\beta\\) here.',
      '',
      '$$',
      '\\gamma = 2',
      '$$',
      '',
      '\\[',
      '\\delta^2',
      '\\]',
      '',
      'Code `$\\zeta$` is code, costs $5 and $6 are money, \\$\\eta\\$ is escaped.',
      '',
      '```latex',
      '$\\theta$',
      '```',
    ],
    ['\\alpha', '\\beta', '\\gamma', '\\delta', '\\zeta', '5 and', '\\eta', '\\theta'],
  );
  for (const math of ['\\alpha', '\\beta', '\\gamma', '\\delta']) {
    assert.ok(isMath(scopes.get(math)), `${math} is math: ${scopes.get(math)?.join(' ')}`);
  }
  for (const text of ['\\zeta', '5 and', '\\eta', '\\theta']) {
    assert.ok(!isMath(scopes.get(text)), `${text} is not math: ${scopes.get(text)?.join(' ')}`);
  }
  assert.ok(scopes.get('\\alpha')!.some((s) => s.includes('tex')), 'the math body is tokenised by the TeX grammar');
});
