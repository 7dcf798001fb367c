// Entry of the VS Code API suite inside an extension host: runs every *.test.js beside this
// bundle with mocha. `run` is @vscode/test-electron's contract; `runSuite` feeds the code-server
// runner (test/vscode/runner), which writes the report to a file.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { NotedTest, SuiteReport, TestRecord } from './report';

/** The recording reporter's reporterOptions. */
interface RecordingOptions {
  /** Where finished tests are appended. */
  records: TestRecord[];
}

/** Mocha's spec output plus a structured record of every finished test. */
class RecordingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    const { records } = options.reporterOptions as RecordingOptions;
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
    const notes = (test: Mocha.Test) => ((test as NotedTest).notes ? { notes: (test as NotedTest).notes } : {});
    runner.on(EVENT_TEST_PASS, (test) => records.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0, ...notes(test) }));
    runner.on(EVENT_TEST_PENDING, (test) => records.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 }));
    runner.on(EVENT_TEST_FAIL, (test, error: Error) =>
      records.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: error.stack ?? String(error), ...notes(test) }),
    );
  }
}

/** Runs the suite and reports every test; never rejects. */
export async function runSuite(timeoutMs = 20_000): Promise<SuiteReport> {
  const records: TestRecord[] = [];
  const report: SuiteReport = { vscodeVersion: vscode.version, tests: records };
  try {
    const mocha = new Mocha({ ui: 'bdd', timeout: timeoutMs, color: false });
    mocha.reporter(RecordingReporter, { records } satisfies RecordingOptions);
    const files = readdirSync(__dirname).filter((file) => file.endsWith('.test.js')).sort();
    if (files.length === 0) throw new Error(`no *.test.js in ${__dirname}`);
    for (const file of files) mocha.addFile(join(__dirname, file));
    await new Promise<void>((done) => mocha.run(() => done()));
  } catch (error) {
    report.error = (error as Error).stack ?? String(error);
  }
  return report;
}

/** @vscode/test-electron's entry: rejects unless every test passed. */
export async function run(): Promise<void> {
  const report = await runSuite();
  const failed = report.tests.filter((test) => test.state === 'failed').length;
  if (report.error) throw new Error(report.error);
  if (failed > 0) throw new Error(`${failed} test(s) failed`);
  if (report.tests.length === 0) throw new Error('the suite ran no test');
}
