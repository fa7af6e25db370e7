// Builds the extension with esbuild: dist/client.js (the VS Code extension) and dist/server.js (the
// language server, also usable alone with --stdio), plus the VS Code integration-test bundle in out/.
// `--production` minifies and drops source maps (what `npm run package` ships).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

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

await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' }),
  build({
    ...common,
    entryPoints: ['server/src/server.ts'],
    outfile: 'dist/server.js',
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
]);
