// Runs the VS Code API suite (test/vscode) in a downloaded VS Code (Electron) with
// @vscode/test-electron. Needs network access to download VS Code, and a display (on a headless
// Linux run it under `xvfb-run -a`). code-server runs the same suite offline: npm run test:vscode.
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { repoRoot } from '../e2e/harness';

const version = '1.100.3';

async function main(): Promise<number> {
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: join(repoRoot, '.vscode-test'), timeout: 60_000 });
  } catch (error) {
    console.error(`VS Code ${version} could not be downloaded: ${(error as Error).message}`);
    console.error('This path needs network access; `npm run test:vscode` runs the same suite in code-server offline.');
    return 1;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    console.warn('No DISPLAY: VS Code (Electron) needs one; run this under `xvfb-run -a`.');
  }
  return runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(__dirname, 'index.js'),
    launchArgs: [join(repoRoot, 'examples'), '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`VS Code tests failed to run: ${error.message}`);
    process.exit(1);
  },
);
