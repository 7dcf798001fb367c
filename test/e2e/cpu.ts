// CPU time of this test's processes (code-server and everything it started, and Chromium), read
// from /proc by thread, so a measurement can say where the time went. Linux only; figures, never
// assertions.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** One thread's line of /proc/PID/task/TID/stat. */
interface ThreadStat {
  ppid: number;
  cpuSeconds: number;
  nice: number;
}

function stat(path: string): ThreadStat | null {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS, nice: Number(fields[16]) };
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** What a process of this test is, by its command line. */
function role(cmd: string): string {
  if (/chrom/i.test(cmd)) {
    if (cmd.includes('--type=renderer')) return 'Chromium renderers';
    if (cmd.includes('--type=gpu-process')) return 'Chromium GPU process';
    return 'Chromium (browser, utility)';
  }
  if (cmd.includes('--type=extensionHost')) return 'extension host';
  return 'code-server (server, watcher, pty)';
}

/** The CPU seconds so far of every thread of this process's descendants, by "pid/tid", with its role. */
function threads(): Map<string, { who: string; seconds: number }> {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const parent = new Map<number, number>();
  for (const pid of pids) {
    const s = stat(`/proc/${pid}/stat`);
    if (s) parent.set(pid, s.ppid);
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  const out = new Map<string, { who: string; seconds: number }>();
  for (const pid of pids) {
    if (!ours(pid)) continue;
    const who = role(cmdline(pid));
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const s = stat(`/proc/${pid}/task/${tid}/stat`);
      // The training worker lowers its own thread's priority (src/worker/train.ts); nothing else here does.
      if (s) out.set(`${pid}/${tid}`, { who: who === 'extension host' && s.nice > 0 ? 'training thread (in the extension host)' : who, seconds: s.cpuSeconds });
    }
  }
  return out;
}

/**
 * Reads every thread's CPU time four times a second until stopped, so a thread that ends (the
 * training worker does when its run ends) still counts with its last reading.
 */
export class CpuSampler {
  private readonly first = threads();
  private readonly last = new Map(this.first);
  private readonly timer = setInterval(() => {
    for (const [id, t] of threads()) this.last.set(id, t);
  }, 250);

  /** Stops, and returns the CPU seconds each role used since the start, largest first. */
  stop(): [string, number][] {
    clearInterval(this.timer);
    for (const [id, t] of threads()) this.last.set(id, t);
    const out = new Map<string, number>();
    for (const [id, t] of this.last) out.set(t.who, (out.get(t.who) ?? 0) + t.seconds - (this.first.get(id)?.seconds ?? 0));
    return [...out].sort((a, b) => b[1] - a[1]);
  }
}
