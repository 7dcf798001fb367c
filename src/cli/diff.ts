// `backprop diff A.npz B.npz [--rtol R] [--atol A]`: two saved runs (or any .npz files) compared
// tensor by tensor, B against A. Exit 0 when every tensor is in both with one shape and within
// |B − A| ≤ atol + rtol·|A| everywhere, 1 otherwise, 2 for bad usage or a file that cannot be read.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { diffRuns, type Tolerance } from '../engine/run-diff';
import type { Tensor } from '../engine/tensor';
import { escapeControls, fmt, fmtCount, fmtFull } from '../format';
import { readNpz } from '../spec/npz';
import { render } from '../catalogues';
import type { Language } from '../message';
import type { CLI_MESSAGES } from './messages';
import { table } from './table';

/** A sentence of the CLI's catalogue (src/cli/messages.ts) in `language`. */
const say = (language: Language, id: keyof typeof CLI_MESSAGES, args: Record<string, string> = {}): string => render({ id, args }, language);

/** The help of `backprop diff`, in `language`. */
export const diffUsage = (language: Language): string => render({ id: 'cli.diffUsage', args: {} }, language);

/** numpy.allclose's defaults. */
const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-8 };

/** The two files and the tolerance, or what is wrong with the arguments. */
function parseDiffArgs(argv: readonly string[], language: Language): { files: string[]; tolerance: Tolerance } | string {
  const files: string[] = [];
  const tolerance = { ...DEFAULT_TOLERANCE };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const option = /^--(rtol|atol)(?:=(.*))?$/.exec(arg);
    if (option) {
      const text = option[2] ?? argv[++i];
      const value = text === undefined || text.trim() === '' ? NaN : Number(text);
      if (!(value >= 0 && Number.isFinite(value))) return say(language, 'cli.diffNeedsNumber', { option: option[1] });
      tolerance[option[1] as keyof Tolerance] = value;
    } else if (arg.startsWith('--')) return say(language, 'cli.unknownOption', { option: arg });
    else files.push(arg);
  }
  if (files.length !== 2) return say(language, 'cli.diffTwoFiles', { count: String(files.length) });
  return { files, tolerance };
}

/** The arrays of the .npz file at `path`, or a one-line reason it cannot be read. */
function load(path: string, language: Language): Map<string, Tensor> | string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return say(language, 'cli.cannotRead', { file: path, error: (e as NodeJS.ErrnoException).code ?? String(e) });
  }
  const read = readNpz(bytes, (compressed) => inflateRawSync(compressed));
  return 'error' in read ? `backprop: ${path}: ${render(read.error, language)}` : read.arrays;
}

/** Runs `backprop diff` with the arguments after `diff`; returns the exit status. */
export function diffCommand(argv: readonly string[], language: Language = 'en'): number {
  const args = parseDiffArgs(argv, language);
  if (typeof args === 'string') {
    console.error(escapeControls(`backprop: ${args}`));
    console.error(diffUsage(language));
    return 2;
  }
  const [a, b] = args.files.map((file) => load(file, language));
  for (const run of [a, b]) {
    if (typeof run === 'string') {
      console.error(escapeControls(run));
      return 2;
    }
  }
  const { compared, incomparable } = diffRuns(a as Map<string, Tensor>, b as Map<string, Tensor>, args.tolerance);
  // Where the largest difference is, and the values there; nothing to show where there is none.
  const rows = compared.map((d) => [
    escapeControls(d.name),
    `[${d.shape.join(', ')}]`,
    fmt(d.maxAbs),
    ...(d.at && d.maxAbs > 0 ? [`[${d.at.join(', ')}]`, fmtFull(d.baseline), fmtFull(d.current)] : ['–', '–', '–']),
    d.over === 0 ? say(language, 'cli.ok') : say(language, 'cli.diffOver', { count: fmtCount(d.over) }),
  ]);
  const header = [say(language, 'cli.colTensor'), say(language, 'cli.colShape'), say(language, 'cli.colMaxAbs'), say(language, 'cli.colAt'), 'A', 'B', say(language, 'cli.colResult')];
  const lines = [table(header, rows)];
  const where = { added: 'cli.diffOnlyInB', removed: 'cli.diffOnlyInA', reshaped: 'cli.diffReshaped' } as const;
  for (const c of incomparable) {
    const name = c.name ?? say(language, 'cli.diffLayer', { layer: String(c.layer) });
    const detail = c.tensors === undefined ? c.detail : say(language, 'cli.diffTensorCount', { count: fmtCount(c.tensors) });
    lines.push(escapeControls(say(language, where[c.reason], { name, detail })));
  }
  const over = compared.filter((d) => d.over > 0).length;
  const { rtol, atol } = args.tolerance;
  const counts = { count: fmtCount(compared.length), rtol: String(rtol), atol: String(atol), over: fmtCount(over), incomparable: fmtCount(incomparable.length) };
  const summary = over > 0 ? (incomparable.length > 0 ? 'cli.diffSummaryBoth' : 'cli.diffSummaryOver') : incomparable.length > 0 ? 'cli.diffSummaryIncomparable' : 'cli.diffSummaryOk';
  lines.push('', say(language, summary, counts));
  console.log(lines.join('\n'));
  return over > 0 || incomparable.length > 0 ? 1 : 0;
}
