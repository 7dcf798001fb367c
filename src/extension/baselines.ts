// Each spec's baseline: a run kept to compare later runs of the spec with. It is kept as the .npz a
// saved run is (the worker's writer), in the extension's storage, so it survives a window reload; the
// index of which spec has which file lives in a memento.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { WireBaseline } from '../protocol';

const INDEX_KEY = 'backprop.baselines';

/** Where a spec's baseline is stored, and what it is called. */
interface Entry {
  file: string;
  label: string;
}

export class Baselines {
  /** Baselines read so far by spec URI; null: the spec has none. */
  private readonly loaded = new Map<string, WireBaseline | null>();

  constructor(
    /** A folder of the extension's own (context.storageUri, else globalStorageUri). */
    private readonly folder: vscode.Uri,
    private readonly index: vscode.Memento,
    /** The baseline an .npz file holds (read in the worker: readBaseline, in baseline-read.ts), or why it holds none. */
    private readonly parse: (npz: Uint8Array, label: string) => Promise<WireBaseline | string>,
  ) {}

  /** The baseline of `uri`, read from storage the first time; null when it has none (or its file is gone or unreadable). */
  async get(uri: vscode.Uri): Promise<WireBaseline | null> {
    const key = uri.toString();
    const known = this.loaded.get(key);
    if (known !== undefined) return known;
    const entry = this.entries()[key] as Entry | undefined;
    let baseline: WireBaseline | null = null;
    if (entry) {
      try {
        const read = await this.parse(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.folder, entry.file)), entry.label);
        baseline = typeof read === 'string' ? null : read;
      } catch {
        baseline = null;
      }
    }
    // A get that raced a set must not undo it.
    if (!this.loaded.has(key)) this.loaded.set(key, baseline);
    return this.loaded.get(key) ?? null;
  }

  /** Makes the .npz `npz` the baseline of `uri`, named `label`; the baseline, or why `npz` cannot be one. */
  async set(uri: vscode.Uri, npz: Uint8Array, label: string): Promise<WireBaseline | string> {
    const baseline = await this.parse(npz, label);
    if (typeof baseline === 'string') return baseline;
    const key = uri.toString();
    const file = `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.npz`;
    await vscode.workspace.fs.createDirectory(this.folder);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(this.folder, file), npz);
    this.loaded.set(key, baseline);
    await this.index.update(INDEX_KEY, { ...this.entries(), [key]: { file, label } });
    return baseline;
  }

  /** Forgets the baseline of `uri`, and its file. */
  async clear(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const { [key]: entry, ...rest } = this.entries();
    this.loaded.set(key, null);
    await this.index.update(INDEX_KEY, rest);
    if (entry) await Promise.resolve(vscode.workspace.fs.delete(vscode.Uri.joinPath(this.folder, entry.file))).catch(() => undefined);
  }

  private entries(): Record<string, Entry> {
    const saved = this.index.get<unknown>(INDEX_KEY);
    if (typeof saved !== 'object' || saved === null) return {};
    return Object.fromEntries(
      Object.entries(saved).filter((e): e is [string, Entry] => typeof e[1] === 'object' && e[1] !== null && typeof e[1].file === 'string' && typeof e[1].label === 'string'),
    );
  }
}
