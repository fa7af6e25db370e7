// Builds the production bundles and packages a platform-specific .vsix with @vscode/vsce.
// Usage: npm run package [-- --target linux-x64]   (default: this machine's platform and architecture)
// Prints the path of the .vsix on its last line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const targetFlag = process.argv.indexOf('--target');
const target = targetFlag >= 0 ? process.argv[targetFlag + 1] : `${process.platform}-${process.arch}`;
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${name}-${version}-${target}.vsix`);

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies', // everything the extension runs is bundled into dist/ by esbuild
    '--allow-missing-repository',
    '--target', target,
    '--out', out,
  ],
  { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] },
);
console.log(out);
