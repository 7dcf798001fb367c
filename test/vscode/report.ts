// The results file that the in-host runner writes and run-in-code-server reads and prints.

/** One test (or failed hook) as mocha reported it. */
export interface TestRecord {
  /** Full title: enclosing suite titles and the test's own, space separated. */
  title: string;
  /** Outcome; `pending` is a skipped test. */
  state: 'passed' | 'failed' | 'pending';
  /** Milliseconds the test took (0 when pending). */
  durationMs: number;
  /** Error message and stack of a failed test. */
  error?: string;
  /** Lines the test noted, such as a measured figure (printed under it, as node:test prints a diagnostic). */
  notes?: string[];
}

/** A mocha test that carries notes to its record. */
export interface NotedTest {
  notes?: string[];
}

/** Notes `line` on `test` (a test's `this.test`), for the report to print under it. */
export function note(test: object | undefined, line: string): void {
  if (!test) return;
  ((test as NotedTest).notes ??= []).push(line);
}

/** What one run of the suite produced. */
export interface SuiteReport {
  /** `vscode.version` of the host the suite ran in. */
  vscodeVersion: string;
  /** Every test in the order it finished. */
  tests: TestRecord[];
  /** Set when the suite could not run at all (e.g. a test file threw while loading). */
  error?: string;
}

/** Counts of a report's outcomes. */
export interface Tally {
  /** Tests that passed. */
  passed: number;
  /** Tests (and hooks) that failed. */
  failed: number;
  /** Tests that were skipped. */
  pending: number;
}

/** Counts passed, failed and pending tests. */
export function tally(report: SuiteReport): Tally {
  const count = (state: TestRecord['state']) => report.tests.filter((test) => test.state === state).length;
  return { passed: count('passed'), failed: count('failed'), pending: count('pending') };
}

/** Mocha-style text for a report, ending with the line `vscode: N passed, N failed[, N skipped]`. */
export function formatReport(report: SuiteReport): string {
  const lines = [`VS Code ${report.vscodeVersion}`];
  for (const test of report.tests) {
    const mark = test.state === 'passed' ? '✔' : test.state === 'failed' ? '✖' : '-';
    lines.push(`  ${mark} ${test.title}${test.state === 'pending' ? '' : ` (${test.durationMs} ms)`}`);
    for (const line of test.notes ?? []) lines.push(`      # ${line}`);
    if (test.error) lines.push(...test.error.split('\n').map((line) => `      ${line}`));
  }
  if (report.error) lines.push(`suite error: ${report.error}`);
  const { passed, failed, pending } = tally(report);
  lines.push(`vscode: ${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
  return lines.join('\n');
}
