// `backprop diff A.npz B.npz [--rtol R] [--atol A]`: two saved runs (or any .npz files) compared
// tensor by tensor, B against A. Exit 0 when every tensor is in both with one shape and within
// |B − A| ≤ atol + rtol·|A| everywhere, 1 otherwise, 2 for bad usage or a file that cannot be read.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { diffRuns, type Tolerance } from '../engine/run-diff';
import type { Tensor } from '../engine/tensor';
import { escapeControls, fmt, fmtCount, fmtFull } from '../format';
import { readNpz } from '../spec/npz';
import { table } from './table';

export const DIFF_USAGE = `usage: backprop diff A.npz B.npz [--rtol R] [--atol A]

  diff    compare two saved runs (backprop run SPEC --save FILE) tensor by tensor: the largest |B − A| of each,
          with its element; a tensor fails when |B − A| > atol + rtol·|A| at any element (NaN against NaN is equal)
  --rtol  relative tolerance (default 1e-5, as numpy.allclose)
  --atol  absolute tolerance (default 1e-8)

exit status: 0 all tensors within tolerance, 1 any over it or in only one file or reshaped, 2 bad usage or unreadable files`;

/** numpy.allclose's defaults. */
const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-8 };

/** The two files and the tolerance, or what is wrong with the arguments. */
function parseDiffArgs(argv: readonly string[]): { files: string[]; tolerance: Tolerance } | string {
  const files: string[] = [];
  const tolerance = { ...DEFAULT_TOLERANCE };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const option = /^--(rtol|atol)(?:=(.*))?$/.exec(arg);
    if (option) {
      const text = option[2] ?? argv[++i];
      const value = text === undefined || text.trim() === '' ? NaN : Number(text);
      if (!(value >= 0 && Number.isFinite(value))) return `--${option[1]} needs a number of 0 or more, as in --${option[1]} 1e-6`;
      tolerance[option[1] as keyof Tolerance] = value;
    } else if (arg.startsWith('--')) return `unknown option '${arg}'`;
    else files.push(arg);
  }
  if (files.length !== 2) return `expected two .npz files, got ${files.length}`;
  return { files, tolerance };
}

/** The arrays of the .npz file at `path`, or a one-line reason it cannot be read. */
function load(path: string): Map<string, Tensor> | string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  const read = readNpz(bytes, (compressed) => inflateRawSync(compressed));
  return 'error' in read ? `${path}: ${read.error}` : read.arrays;
}

/** Runs `backprop diff` with the arguments after `diff`; returns the exit status. */
export function diffCommand(argv: readonly string[]): number {
  const args = parseDiffArgs(argv);
  if (typeof args === 'string') {
    console.error(escapeControls(`backprop: ${args}`));
    console.error(DIFF_USAGE);
    return 2;
  }
  const [a, b] = args.files.map(load);
  for (const run of [a, b]) {
    if (typeof run === 'string') {
      console.error(escapeControls(`backprop: ${run}`));
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
    d.over === 0 ? 'ok' : `OVER (${fmtCount(d.over)})`,
  ]);
  const lines = [table(['tensor', 'shape', 'max |B−A|', 'at', 'A', 'B', 'result'], rows)];
  const where = { added: 'only in B', removed: 'only in A', reshaped: 'reshaped' };
  for (const c of incomparable) lines.push(escapeControls(`${c.name ?? `layer ${c.layer}`}: ${where[c.reason]} (${c.detail})`));
  const over = compared.filter((d) => d.over > 0).length;
  const { rtol, atol } = args.tolerance;
  const problems = [over > 0 ? `${fmtCount(over)} over tolerance` : '', incomparable.length > 0 ? `${fmtCount(incomparable.length)} not comparable` : ''].filter(Boolean);
  lines.push('', `${fmtCount(compared.length)} tensors compared (rtol ${rtol}, atol ${atol}): ${problems.length > 0 ? problems.join(', ') : 'all within tolerance'}`);
  console.log(lines.join('\n'));
  return problems.length > 0 ? 1 : 0;
}
