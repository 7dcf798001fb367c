// The worker's end of the Python bridge: one Python process running dist/bridge.py, spoken to
// synchronously, since the engine's layer calls are synchronous. The channel is two FIFOs, read and
// written with blocking fs calls on the engine's thread. A Python process that dies closes its end,
// so a read returns end-of-file; one that hangs is killed by the host, which reads its pid from the
// CallClock (the thread cannot be terminated while it waits in a read). POSIX only: Windows has no FIFOs.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, engineMessage } from '../engine/messages';
import type { Tensor } from '../engine/tensor';
import { decodeBody, encodeFrame, frameLength, type PyMessage } from './python-wire';

/** Python could not be started, or has no numpy: the message names the interpreter tried. */
export class PythonUnavailable extends EngineError {}

/** The Python process ended (sys.exit, a crash) or broke the channel. */
export class PythonDied extends EngineError {}

/** The Python interpreter to try when the user chose none. */
export function defaultPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** How long Python may take to start and import numpy. */
const START_MS = 20_000;

export class PythonBridge {
  private readonly readFd: number;
  private readonly writeFd: number;
  /** Python's stderr (the user's prints too), open for reading; its file is already gone. */
  private readonly logFd: number;
  private head = new Uint8Array(4);
  /** True once the process is gone or closed. */
  closed = false;

  private constructor(
    readonly python: string,
    readonly pid: number,
    fds: { read: number; write: number; log: number },
    /** The versions the bridge reported. */
    readonly versions: { python: string; numpy: string },
  ) {
    this.readFd = fds.read;
    this.writeFd = fds.write;
    this.logFd = fds.log;
  }

  /** Starts `python` on the bridge `script`; throws PythonUnavailable saying why it cannot be used. */
  static start(python: string, script: string, onPid: (pid: number) => void = () => {}): PythonBridge {
    if (process.platform === 'win32') throw new PythonUnavailable(engineMessage('engine.python.needsPosix', {}));
    const dir = mkdtempSync(join(tmpdir(), 'backprop-python-'));
    const requests = join(dir, 'requests');
    const replies = join(dir, 'replies');
    execFileSync('mkfifo', [requests, replies]);
    // Held open for reading and writing, so no open below blocks before Python has opened its ends.
    const holdRequests = openSync(requests, constants.O_RDWR);
    const holdReplies = openSync(replies, constants.O_RDWR);
    const log = openSync(join(dir, 'log'), 'w');
    const child = spawn(python, ['-u', script, requests, replies], { stdio: ['ignore', log, log] });
    child.on('error', () => {}); // a missing interpreter is told by the pid it never got
    closeSync(log);
    child.unref();
    const release = () => {
      for (const fd of [holdRequests, holdReplies]) closeSync(fd);
    };
    if (child.pid === undefined) {
      release();
      rmSync(dir, { recursive: true, force: true });
      throw new PythonUnavailable(engineMessage('engine.python.notFound', { python }));
    }
    onPid(child.pid);
    const write = openSync(requests, 'w');
    const poll = openSync(replies, constants.O_RDONLY | constants.O_NONBLOCK);
    const hello = encodeFrame({ header: { op: 'hello' }, arrays: [] });
    writeSync(write, hello);
    // Until Python answers, a read may find nothing: poll, watching the process and the clock.
    const first = new Uint8Array(1);
    const deadline = Date.now() + START_MS;
    const tick = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      try {
        if (readSync(poll, first, 0, 1, null) === 1) break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      const ended = exited(child.pid);
      if (ended || Date.now() > deadline) {
        closeSync(write);
        closeSync(poll);
        release();
        const said = logTail(readFileSync(join(dir, 'log'), 'utf8'));
        rmSync(dir, { recursive: true, force: true });
        const seconds = String(START_MS / 1000);
        if (ended) throw new PythonUnavailable(said ? engineMessage('engine.python.exitedAtStart.said', { python, said }) : engineMessage('engine.python.exitedAtStart', { python }));
        throw new PythonUnavailable(said ? engineMessage('engine.python.startTimeout.said', { python, seconds, said }) : engineMessage('engine.python.startTimeout', { python, seconds }));
      }
      Atomics.wait(tick, 0, 0, 2);
    }
    // Python holds both ends now: from here a blocking read, which sees end-of-file once Python is gone.
    const read = openSync(replies, 'r');
    closeSync(poll);
    release();
    // Both ends are open on both sides, and the log is open: the folder can go, so nothing is left behind.
    const logFd = openSync(join(dir, 'log'), 'r');
    rmSync(dir, { recursive: true, force: true });
    const bridge = new PythonBridge(python, child.pid, { read, write, log: logFd }, { python: '', numpy: '' });
    const reply = bridge.receive(first[0]);
    const numpy = reply.header.numpy;
    const version = String(reply.header.python);
    if (typeof numpy !== 'string') {
      bridge.close();
      throw new PythonUnavailable(engineMessage('engine.python.noNumpy', { python, version, executable: String(reply.header.executable) }));
    }
    Object.assign(bridge.versions, { python: version, numpy });
    return bridge;
  }

  /** Sends one request and waits for its reply. Throws PythonDied when the process is gone. */
  request(header: Record<string, unknown>, arrays: readonly Tensor[] = []): PyMessage {
    if (this.closed) throw new PythonDied(engineMessage('engine.python.closed', {}));
    const frame = encodeFrame({ header, arrays: [...arrays] });
    try {
      for (let sent = 0; sent < frame.length; ) sent += writeSync(this.writeFd, frame, sent);
    } catch (e) {
      throw this.died({ code: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
    return this.receive();
  }

  /** Ends the process and frees the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    for (const fd of [this.readFd, this.writeFd, this.logFd]) closeSync(fd);
  }

  /** What the process last wrote to its stderr (the user's prints go there too). */
  log(): string {
    const size = fstatSync(this.logFd).size;
    const length = Math.min(size, 4096);
    const tail = Buffer.alloc(length);
    readSync(this.logFd, tail, 0, length, size - length);
    return logTail(tail.toString('utf8'));
  }

  /** Reads one reply; `firstByte` is a byte of it already read. */
  private receive(firstByte?: number): PyMessage {
    if (firstByte !== undefined) this.head[0] = firstByte;
    this.readExact(this.head, firstByte === undefined ? 0 : 1);
    const body = new Uint8Array(frameLength(this.head));
    this.readExact(body, 0);
    return decodeBody(body);
  }

  private readExact(into: Uint8Array, from: number): void {
    for (let got = from; got < into.length; ) {
      const n = readSync(this.readFd, into, got, into.length - got, null);
      if (n === 0) throw this.died(null);
      got += n;
    }
  }

  /** The process is gone: it ended (`failure` null), or writing to it failed with `failure.code`. */
  private died(failure: { code: string } | null): PythonDied {
    const said = this.log();
    this.close();
    if (failure) return new PythonDied(said ? engineMessage('engine.python.writeFailed.said', { ...failure, said }) : engineMessage('engine.python.writeFailed', failure));
    return new PythonDied(said ? engineMessage('engine.python.ended.said', { said }) : engineMessage('engine.python.ended', {}));
  }
}

/** Whether process `pid` (our child, unreaped while this thread blocks) has exited: a zombie on Linux. */
function exited(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
  try {
    return / Z /.test(readFileSync(stat, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}

/** The last line of `text` that says anything, shortened. */
function logTail(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}
