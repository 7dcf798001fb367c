// A python3 with numpy for the tests that check against it. In CI a missing numpy is a failure, not
// a skip (those tests must run there); locally they skip with the reason printed.
import { spawnSync } from 'node:child_process';

/** A python3 with numpy: its path, or why there is none. */
export function numpyPython(): { python: string } | { missing: string } {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
  }
  return { missing: 'python3 with numpy not found (apt-get install python3 python3-numpy)' };
}

/** The skip reason of a test of `what` against numpy (false: run it; in CI it then fails without numpy). */
export function numpySkip(found: ReturnType<typeof numpyPython>, what: string): string | false {
  const skip = 'missing' in found && !process.env.CI ? found.missing : false;
  if (skip) console.log(`# skipping ${what}: ${skip}`);
  return skip;
}
