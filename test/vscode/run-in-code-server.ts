// Runs the VS Code API suite (test/vscode) inside code-server's real extension host:
// installs the extension under test and the runner extension, opens the workbench in headless
// Chromium (the extension host starts only when a client connects), waits for the runner's report,
// prints it and exits non-zero unless every test passed.
//   node out/test/vscode/run-in-code-server.js [--vsix FILE]... [--folder DIR] [--suite index.js] [--timeout SECONDS]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startVSCode, type VSCodeSession } from '../e2e/harness';
import { formatReport, tally, type SuiteReport } from './report';

const { values } = parseArgs({
  options: {
    vsix: { type: 'string', multiple: true, default: [join(repoRoot, 'out/backprop-lens.vsix')] },
    folder: { type: 'string', default: join(repoRoot, 'examples') },
    suite: { type: 'string', default: join(__dirname, 'index.js') },
    timeout: { type: 'string', default: '360' },
  },
});

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function main(): Promise<number> {
  const suite = resolve(values.suite);
  const runnerDir = join(__dirname, 'runner');
  for (const path of [suite, join(runnerDir, 'extension.js')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing; build it with: node esbuild.mjs --vscode-tests`);
  }
  const timeoutMs = Number(values.timeout) * 1000;
  const resultsDir = mkdtempSync(join(tmpdir(), 'vscode-suite-'));
  const results = join(resultsDir, 'report.json');
  const started = Date.now();
  let session: VSCodeSession | undefined;
  try {
    session = await startVSCode({
      folder: values.folder,
      vsix: values.vsix,
      extensionFolders: [runnerDir],
      env: { TEST_RUNNER_SUITE: suite, TEST_RUNNER_RESULTS: results },
    });
    console.log(`workbench up in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the suite`);
    while (!existsSync(results)) {
      if (Date.now() - started > timeoutMs) {
        const shot = await session.workbench.screenshot('vscode-suite-timeout');
        console.error(`no report within ${values.timeout} s (screenshot: ${shot})\n--- code-server log ---\n${session.server.logTail()}`);
        return 1;
      }
      await sleep(250);
    }
    const report = JSON.parse(readFileSync(results, 'utf8')) as SuiteReport;
    console.log(formatReport(report));
    console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { passed, failed } = tally(report);
    return report.error === undefined && failed === 0 && passed > 0 ? 0 : 1;
  } finally {
    await session?.close();
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
