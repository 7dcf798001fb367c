// Test-only extension for code-server: once the workbench has started, runs the suite whose
// index.js TEST_RUNNER_SUITE names and writes its report (JSON) to TEST_RUNNER_RESULTS. The
// extension host inherits both variables from the code-server process.
import { renameSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { SuiteReport } from '../report';

/** The slice of test/vscode/index.ts that the runner calls. */
interface SuiteModule {
  /** Runs the suite; never rejects. */
  runSuite(): Promise<SuiteReport>;
}

/** Starts the suite when the environment names one; a normal code-server session is untouched. */
export function activate(): void {
  const suite = process.env.TEST_RUNNER_SUITE;
  const results = process.env.TEST_RUNNER_RESULTS;
  if (!suite || !results) return;
  void runAndWrite(suite, results);
}

async function runAndWrite(suite: string, results: string): Promise<void> {
  let report: SuiteReport;
  try {
    // A runtime path: the suite is a separate bundle, loaded with the host's own require.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    const module = require(suite) as SuiteModule;
    report = await module.runSuite();
  } catch (error) {
    report = { vscodeVersion: vscode.version, tests: [], error: (error as Error).stack ?? String(error) };
  }
  // Written whole, then renamed, so the reader never sees half a file.
  writeFileSync(`${results}.partial`, JSON.stringify(report, null, 2));
  renameSync(`${results}.partial`, results);
}
