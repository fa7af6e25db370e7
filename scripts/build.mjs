// Builds the extension with esbuild: dist/client.js (the VS Code extension), dist/server.js (the
// language server, also usable alone with --stdio), dist/probe.js (its crash guard's model probe),
// dist/cli.js (the qed-nano command line),
// plus the VS Code integration-test bundle in out/.
// `--production` minifies and drops source maps (what `npm run package` ships).
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const { version, dependencies } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  // vscode is provided by the extension host; node-llama-cpp (ESM-only, native) is loaded at run time
  // with a real dynamic import(), which esbuild must not turn into require() in CommonJS output.
  external: ['vscode', 'node-llama-cpp'],
  supported: { 'dynamic-import': true },
};

// The proof panel's assets: its script (markdown-it and KaTeX bundled for the browser), its styles, and
// KaTeX's stylesheet with its fonts (woff2 only: every engine VS Code runs in reads them).
mkdirSync('dist/media/fonts', { recursive: true });
copyFileSync('media/panel.css', 'dist/media/panel.css');
copyFileSync('node_modules/katex/dist/katex.min.css', 'dist/media/katex.min.css');
cpSync('node_modules/katex/dist/fonts', 'dist/media/fonts', { recursive: true, filter: (file) => !/\.(ttf|woff)$/.test(file) });

await Promise.all([
  build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning',
    entryPoints: ['media/src/panel.ts', 'media/src/chat.ts'],
    outdir: 'dist/media',
  }),
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' }),
  build({
    ...common,
    entryPoints: ['server/src/server.ts'],
    outfile: 'dist/server.js',
    define: { SERVER_VERSION: JSON.stringify(version), NODE_LLAMA_CPP_VERSION: JSON.stringify(dependencies['node-llama-cpp']) },
  }),
  build({ ...common, entryPoints: ['server/src/model/probeMain.ts'], outfile: 'dist/probe.js' }),
  // The command line (package.json "bin"): the same tasks and engines, no language server.
  build({
    ...common,
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { SERVER_VERSION: JSON.stringify(version), NODE_LLAMA_CPP_VERSION: JSON.stringify(dependencies['node-llama-cpp']) },
  }),
  build({
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: ['test/vscode/suite/index.ts', 'test/vscode/suite/extension.test.ts'],
    outdir: 'out/test/vscode/suite',
    external: ['vscode', 'mocha'],
  }),
  // The coexistence suite, run beside LaTeX Workshop by test/vscode/run.mjs (the same Mocha entry).
  build({
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: { index: 'test/vscode/suite/index.ts', 'coexistence.test': 'test/vscode/coexistence/coexistence.test.ts' },
    outdir: 'out/test/vscode/coexistence',
    external: ['vscode', 'mocha'],
  }),
  // The first-run suite, started in several fresh profiles by test/vscode/run.mjs (the same Mocha entry).
  build({
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: { index: 'test/vscode/suite/index.ts', 'firstRun.test': 'test/vscode/firstRun/firstRun.test.ts' },
    outdir: 'out/test/vscode/firstRun',
    external: ['vscode', 'mocha'],
  }),
]);
