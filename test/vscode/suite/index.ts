/**
 * The extension-test entry that VS Code loads (extensionTestsPath): runs the Mocha suites bundled next to
 * it and writes the counts, and each failed test's title and first error line, to
 * QED_TEST_OUTPUT/vscode-results-<QED_TEST_MODE>.json for the test script (which repeats the failures at the
 * end of its output, where a CI log's tail shows them).
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // QED_VSCODE_GREP runs only the tests whose titles match (for a quick look while developing; the scripted
  // replies are taken in order, so a model-backed test may then get another test's reply).
  const grep = process.env.QED_VSCODE_GREP;
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    const failedTests: { title: string; error: string }[] = [];
    const runner = mocha.run((failures) => {
      const output = process.env.QED_TEST_OUTPUT;
      if (output) {
        mkdirSync(output, { recursive: true });
        const stats = runner.stats ?? { passes: 0, failures };
        writeFileSync(
          path.join(output, `vscode-results-${process.env.QED_TEST_MODE ?? 'development'}.json`),
          JSON.stringify({ passed: stats.passes, failed: stats.failures, failures: failedTests }),
        );
      }
      if (failures > 0) reject(new Error(`${failures} VS Code test(s) failed.`));
      else resolve();
    });
    runner.on('fail', (test, error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      failedTests.push({ title: test.fullTitle(), error: message.split('\n', 1)[0]!.slice(0, 300) });
    });
  });
}
