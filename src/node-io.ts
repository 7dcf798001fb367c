// The Node side of a spec's IO, for the CLI and the worker. Data files: only regular files are read
// (a device such as /dev/zero never ends, a FIFO blocks until someone writes), and when confined,
// only files whose real path (symlinks resolved) lies inside one of the allowed folders.
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { totalmem } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import type { MemoryCapacity } from './spec/memory';
import type { DataFile } from './spec/resolve';

/** What this process can allocate: V8's longest typed array (its elements), and the machine's memory. */
export function engineMemory(): MemoryCapacity {
  return { maxTensorElements: bufferConstants.MAX_LENGTH, totalBytes: totalmem() };
}

/** What a path is, when it is not a regular file. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Whether `path` is `folder` or lies below it. */
function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Opens `path` (relative to `folder`) for reading. `confineTo`: the folders its real path must lie in,
 * or null for anywhere. Throws an Error whose message says why it cannot be read.
 */
export function openDataFile(folder: string, path: string, confineTo: readonly string[] | null): DataFile {
  let full = resolve(folder, path);
  if (confineTo) {
    full = realpathSync(full);
    const roots = confineTo.map((root) => {
      try {
        return realpathSync(root);
      } catch {
        return resolve(root);
      }
    });
    if (!roots.some((root) => inside(root, full))) {
      throw new Error(`it resolves to ${full}, outside ${roots.length === 1 ? `the folder ${roots[0]}` : `the folders ${roots.join(', ')}`}; only files inside may be read here`);
    }
  }
  // Stat before opening: opening a FIFO waits for a writer.
  const before = statSync(full);
  if (!before.isFile()) throw new Error(`it is ${kindOf(before)}; data files must be regular files`);
  // Non-blocking, in case it became a FIFO since; fstat says what was opened.
  const fd = openSync(full, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new Error(`it is ${kindOf(stats)}; data files must be regular files`);
  }
  return {
    size: stats.size,
    read(position, length) {
      const bytes = new Uint8Array(Math.max(0, Math.min(length, stats.size - position)));
      let filled = 0;
      while (filled < bytes.length) {
        const n = readSync(fd, bytes, filled, bytes.length - filled, position + filled);
        if (n === 0) break;
        filled += n;
      }
      return filled === bytes.length ? bytes : bytes.subarray(0, filled);
    },
    close: () => closeSync(fd),
  };
}
