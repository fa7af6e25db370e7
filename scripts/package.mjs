// Builds the production bundles and packages a platform-specific .vsix with @vscode/vsce.
// Usage: npm run package [-- --target linux-x64]   (default: this machine's platform and architecture)
// Prints the path of the .vsix on its last line.
//
// The package carries node-llama-cpp with the prebuilt llama.cpp binaries of its target only: the CPU
// build, plus Vulkan where node-llama-cpp ships one (NVIDIA, AMD and Intel GPUs on Linux and Windows) and
// Metal on Apple silicon. The CUDA builds (hundreds of MB) are left out; see the README.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const targetFlag = process.argv.indexOf('--target');
const target = targetFlag >= 0 ? process.argv[targetFlag + 1] : `${process.platform}-${process.arch}`;
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${name}-${version}-${target}.vsix`);

/** node-llama-cpp's prebuilt binary packages for each VS Code target. */
const BINARIES = {
  'linux-x64': ['linux-x64', 'linux-x64-vulkan'],
  'linux-arm64': ['linux-arm64'],
  'linux-armhf': ['linux-armv7l'],
  'darwin-arm64': ['mac-arm64-metal'],
  'darwin-x64': ['mac-x64'],
  'win32-x64': ['win-x64', 'win-x64-vulkan'],
  'win32-arm64': ['win-arm64'],
};
const keep = BINARIES[target];
if (!keep) throw new Error(`no node-llama-cpp binaries are known for the target ${target}`);
const scratch = mkdtempSync(path.join(tmpdir(), 'qed-package-'));
const ignoreFile = path.join(scratch, '.vscodeignore');
const otherBinaries = readdirSync(path.join(root, 'node_modules', '@node-llama-cpp')).filter((p) => !keep.includes(p));
writeFileSync(
  ignoreFile,
  `${readFileSync(path.join(root, '.vscodeignore'), 'utf8')}\n# binaries of other targets\n${otherBinaries.map((p) => `node_modules/@node-llama-cpp/${p}/**`).join('\n')}\n`,
);

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--ignoreFile', ignoreFile,
    '--allow-missing-repository',
    '--target', target,
    '--out', out,
  ],
  { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] },
);
rmSync(scratch, { recursive: true, force: true });
console.log(out);
