// Saved runs: .npy writing, the zip container, and numpy.load reading a run as it is (and our reader
// reading what numpy's savez and savez_compressed write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32, inflateRawSync } from 'node:zlib';
import { recordMap, recordName, runTensors } from '../../src/engine/run-record';
import { runNetwork } from '../../src/engine/run';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';
import { loadSpec } from '../../src/spec';
import { npyBytes, parseNpy } from '../../src/spec/npy';
import { crc32, readNpz, readZip, RUN_INFO, runNpz, zipBytes } from '../../src/spec/npz';
import { numpyPython, numpySkip } from './numpy';
import { inEnglish } from './english-error';
import { render } from '../../src/catalogues';

const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');

test('npyBytes: a version 1.0 <f8 file, header padded to 64 bytes, that parseNpy reads back bit for bit', () => {
  const cases = [tensor([], Float64Array.of(-0)), fromNested([1.5, NaN, -Infinity]), fromNested([[1, 2, 3], [4, 5, 6e-300]]), tensor([0, 4]), tensor([2, 1, 3], Float64Array.of(1, 2, 3, 4, 5, 6))];
  for (const t of cases) {
    const bytes = npyBytes(t);
    const headerLength = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLength) % 64, 0);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
    assert.match(header, /^\{'descr': '<f8', 'fortran_order': False, 'shape': \((\d+(, \d+)*|\d+,)?\), \} *\n$/);
    const read = parseNpy(bytes);
    assert.ok('tensor' in read, JSON.stringify(read));
    assert.deepEqual(read.tensor.shape, t.shape);
    assert.equal(bits(read.tensor), bits(t));
  }
  assert.match(Buffer.from(npyBytes(fromNested([7]))).toString('latin1'), /'shape': \(1,\)/);
});

test("crc32 (eight bytes at a time) equals zlib's at every length and offset", () => {
  const random = Uint8Array.from({ length: 1 << 20 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 13) & 0xff);
  for (let length = 0; length <= 40; length++) {
    for (const offset of [0, 1, 3, 5]) {
      const bytes = random.subarray(offset, offset + length);
      assert.equal(crc32(bytes), zlibCrc32(bytes), `length ${length} at ${offset}`);
    }
  }
  assert.equal(crc32(random), zlibCrc32(random));
  assert.equal(crc32(new Uint8Array(1000).fill(0xff)), zlibCrc32(new Uint8Array(1000).fill(0xff)));
});

test('zip: CRC-32 check value, stored members round-trip, and damage is reported', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const members = [
    { name: 'a/b.npy', bytes: Uint8Array.of(1, 2, 3) },
    { name: 'ünï.txt', bytes: new Uint8Array(0) },
  ];
  const zip = zipBytes(members);
  const read = readZip(zip);
  assert.ok('members' in read);
  assert.deepEqual(
    read.members.map((m) => [m.name, [...m.bytes]]),
    members.map((m) => [m.name, [...m.bytes]]),
  );
  assert.deepEqual(zipBytes(members), zip, 'the same members give the same bytes');
  const damaged = zip.slice();
  damaged[30 + 'a/b.npy'.length] ^= 0xff;
  assert.deepEqual(inEnglish(readZip(damaged)), { error: 'a/b.npy: a damaged .npz file (size or CRC-32 does not match)' });
  assert.deepEqual(inEnglish(readZip(Uint8Array.of(1, 2, 3))), { error: 'not an .npz file (no zip directory found)' });
  assert.deepEqual(inEnglish(readZip(zip.subarray(0, 20))), { error: 'not an .npz file (no zip directory found)' });
});

/** The two-layer net example's run, as the CLI saves it. */
function exampleRun() {
  const text = readFileSync('examples/two-layer-net.backprop.yaml', 'utf8');
  const io = { openFile: () => assert.fail('no files'), mnist: () => readFileSync('dist/mnist-digits.bin') };
  const loaded = loadSpec(text, 'examples/two-layer-net.backprop.yaml', io);
  assert.deepEqual(loaded.problems, []);
  const events = [...runNetwork(loaded.network!, loaded.x!, loaded.t ?? null, { train: true })];
  const done = events.at(-1);
  return { tensors: runTensors(events), loss: done?.kind === 'done' ? done.loss : null };
}

test('runNpz: every tensor of a run by name, and run.json; readNpz reads it back exactly', () => {
  const { tensors, loss } = exampleRun();
  assert.deepEqual(
    tensors.filter((t) => t.layer === 'Affine1').map((t) => t.tensor),
    ['out', 'x', 'W', 'b', 'dout', 'dx', 'dW', 'db'],
  );
  assert.deepEqual(
    tensors.filter((t) => t.layer === 'Relu1').map((t) => t.tensor),
    ['out', 'mask', 'dout', 'dx'],
  );
  const bytes = runNpz(tensors, { spec: 'examples/two-layer-net.backprop.yaml', name: 'two-layer-net', seed: 42, loss });
  const read = readNpz(bytes);
  assert.ok('arrays' in read);
  assert.deepEqual([...read.arrays.keys()], tensors.map(recordName));
  for (const [name, t] of recordMap(tensors)) assert.equal(bits(read.arrays.get(name)!), bits(t), name);
  const zip = readZip(bytes);
  assert.ok('members' in zip);
  const info = JSON.parse(new TextDecoder().decode(zip.members.find((m) => m.name === RUN_INFO)!.bytes));
  assert.deepEqual(info.shapes['Affine1/W'], [784, 50]);
  assert.deepEqual([info.spec, info.seed, info.loss], ['examples/two-layer-net.backprop.yaml', 42, loss]);
});

const found = numpyPython();
const skip = numpySkip(found, 'the numpy round-trip');

test('numpy.load reads a saved run as it is, and readNpz reads what np.savez and np.savez_compressed write', { skip }, () => {
  if ('missing' in found) assert.fail(`CI is set but ${found.missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'backprop-npz-'));
  const { tensors, loss } = exampleRun();
  const saved = join(dir, 'run.npz');
  writeFileSync(saved, runNpz(tensors, { spec: 'two-layer-net.backprop.yaml', name: 'two-layer-net', seed: 42, loss }));
  const script = `
import json, sys, numpy as np
z = np.load(sys.argv[1])
out = {k: [list(z[k].shape), z[k].dtype.str, z[k].tobytes().hex()] for k in z.files if k != 'run.json'}
out['run.json'] = json.loads(z['run.json'])
print(json.dumps(out))
np.savez(sys.argv[2], W=np.arange(6.0).reshape(2, 3), **{'Affine1/dW': np.array([[0.5, -1e-300]])}, n=np.array([1, 2], dtype=np.int32))
np.savez_compressed(sys.argv[3], W=np.arange(6.0).reshape(2, 3), e=np.zeros((0, 2)))
`;
  const r = spawnSync(found.python, ['-c', script, saved, join(dir, 'plain.npz'), join(dir, 'packed.npz')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(seen), [...tensors.map(recordName), 'run.json']);
  for (const t of tensors) assert.deepEqual(seen[recordName(t)], [t.value.shape, '<f8', bits(t.value)], recordName(t));
  assert.deepEqual(seen['run.json'].shapes['SoftmaxWithLoss/loss'], []);
  assert.equal(seen['run.json'].loss, loss);

  const plain = readNpz(readFileSync(join(dir, 'plain.npz')));
  assert.ok('arrays' in plain, JSON.stringify(plain));
  assert.deepEqual([...plain.arrays].map(([k, t]) => [k, t.shape, [...t.data]]), [
    ['W', [2, 3], [0, 1, 2, 3, 4, 5]],
    ['Affine1/dW', [1, 2], [0.5, -1e-300]],
    ['n', [2], [1, 2]],
  ]);
  const packedBytes = readFileSync(join(dir, 'packed.npz'));
  assert.match(String((inEnglish(readNpz(packedBytes)) as { error: string }).error), /compression method 8 is not supported/);
  const packed = readNpz(packedBytes, (b) => inflateRawSync(b));
  assert.ok('arrays' in packed, JSON.stringify(packed));
  assert.deepEqual([...packed.arrays].map(([k, t]) => [k, t.shape, [...t.data]]), [
    ['W', [2, 3], [0, 1, 2, 3, 4, 5]],
    ['e', [0, 2], []],
  ]);
});

test('a damaged .npz says so in Korean, naming the member', () => {
  const zip = zipBytes([{ name: 'a/b.npy', bytes: npyBytes(tensor([1], Float64Array.of(1))) }]);
  const damaged = zip.slice();
  damaged[30 + 'a/b.npy'.length] ^= 0xff;
  const read = readZip(damaged);
  assert.ok('error' in read);
  assert.equal(render(read.error, 'ko'), 'a/b.npy: .npz 파일이 손상되었습니다(크기나 CRC-32가 맞지 않습니다)');
  const none = readNpz(Uint8Array.of(1, 2, 3));
  assert.ok('error' in none);
  assert.equal(render(none.error, 'ko'), '.npz 파일이 아닙니다(zip 디렉터리가 없습니다)');
});
