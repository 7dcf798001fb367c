// Python layers in the editor's engine: the host's EngineClient with the real worker (dist/worker.js)
// and bridge (dist/bridge.py). The Python process stays warm across a spec's runs, a hang is stopped
// by the one user-code clock and its process ended, a process that dies is replaced on the next run,
// a write into dout comes back as a warning, and Restricted Mode starts no Python at all.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { EngineClient, type JobMessage } from '../../src/extension/engine-client';
import { PYTHON_REFUSED } from '../../src/spec/resolve';
import { PYTHON, needsPython } from './python-helpers';

const root = join(__dirname, '..', '..', '..');
const folder = mkdtempSync(join(tmpdir(), 'backprop-python-worker-'));
copyFileSync(join(root, 'examples', 'python', 'seed_layers.py'), join(folder, 'seed_layers.py'));
writeFileSync(
  join(folder, 'layers.py'),
  `import os, sys, time
class Pid:
    def forward(self, x):
        with open('pid.txt', 'w') as f:
            f.write(str(os.getpid()))
        if os.path.exists('exit.flag'):
            os.remove('exit.flag')
            sys.exit(9)
        return x.copy()
    def backward(self, dout):
        return dout.copy()
class Sleeps:
    def forward(self, x):
        return x.copy()
    def backward(self, dout):
        time.sleep(60)
`,
);
// An interpreter that only leaves a mark that it ran.
const fake = join(folder, 'fake-python');
writeFileSync(fake, `#!/bin/sh\ntouch '${join(folder, 'fake.marker')}'\nexit 0\n`);
chmodSync(fake, 0o755);

const spec = (cls: string) => `input: { data: [[1, -2, 0.5], [0, 3, 1]] }
target: { labels: [0, 1] }
layers:
  - { type: affine, units: 3 }
  - { type: python, module: ./layers.py, class: ${cls} }
loss: softmax-with-loss
`;

const LIMIT_MS = 1500;
const client = (trusted: boolean, python = PYTHON) =>
  new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => LIMIT_MS, trusted: () => trusted, pythonPath: () => python });

async function run(engine: EngineClient, text: string, check = false) {
  const messages: JobMessage[] = [];
  const layers = [{ name: 'Affine1' }, { name: 'Layer2', module: './layers.py' }];
  const end = await engine.start('spec', { text, fileName: 'spec.backprop.yaml', folder }, { type: 'run', check, thresholds: DEFAULT_THRESHOLDS }, layers, (m) => messages.push(m)).ended;
  return { end, messages };
}

/** Pids of the processes whose working folder is the test folder: the Python bridge's, after its reset. */
function pythonsHere(): number[] {
  return readdirSync('/proc').flatMap((pid) => {
    if (!/^\d+$/.test(pid)) return [];
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return readlinkSync(`/proc/${pid}/cwd`) === folder && !/\) Z /.test(stat) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

const pid = () => Number(readFileSync(join(folder, 'pid.txt'), 'utf8'));

test('one warm Python process serves a spec run after run; one that dies is replaced on the next run', async (t) => {
  if (!needsPython(t)) return;
  const engine = client(true);
  try {
    assert.deepEqual((await run(engine, spec('Pid'))).end, { status: 'finished' });
    const first = pid();
    assert.deepEqual((await run(engine, spec('Pid'), true)).end, { status: 'finished' });
    assert.equal(pid(), first, 'the same process');

    writeFileSync(join(folder, 'exit.flag'), '');
    const died = await run(engine, spec('Pid'));
    assert.equal(died.end.status, 'problems');
    const errors = died.end.status === 'problems' ? died.end.errors : [];
    assert.match(errors[0].message, /^Pid1\.forward threw: the Python process stopped: it ended/);
    assert.equal(errors[0].range.start.line, 4);

    assert.deepEqual((await run(engine, spec('Pid'))).end, { status: 'finished' });
    assert.notEqual(pid(), first, 'a fresh process');
  } finally {
    engine.dispose();
  }
});

test('a Python call that never returns is stopped by the user-code clock, and its process ended', async (t) => {
  if (!needsPython(t) || !existsSync('/proc')) return;
  const engine = client(true);
  try {
    const started = Date.now();
    const { end } = await run(engine, spec('Sleeps'));
    assert.deepEqual(end, {
      status: 'failed',
      layer: 1,
      message: `Layer2.backward did not return within ${LIMIT_MS / 1000} s, so the engine was stopped`,
      id: 'engine.call.overrun',
      args: { call: 'Layer2.backward', seconds: String(LIMIT_MS / 1000) },
    });
    assert.ok(Date.now() - started < 30_000);
    for (const deadline = Date.now() + 5000; pythonsHere().length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pythonsHere(), [], 'no Python process is left running');
  } finally {
    engine.dispose();
  }
});

test("the seed's Relu writing into dout: the run finishes, with a warning on its line posted after backward", async (t) => {
  if (!needsPython(t)) return;
  const engine = client(true);
  try {
    const text = readFileSync(join(root, 'examples', 'python', 'relu-sigmoid.backprop.yaml'), 'utf8');
    const { end, messages } = await run(engine, text, true);
    assert.deepEqual(end, { status: 'finished' });
    const problems = messages.flatMap((m) => (m.type === 'problems' ? [m.problems] : []));
    const start = messages.find((m) => m.type === 'event' && m.event.kind === 'start');
    assert.ok(start?.type === 'event' && start.event.kind === 'start' && start.event.form === 'network');
    assert.deepEqual(start.event.layers.map((l) => l.type), ['affine', 'python Relu', 'affine', 'python Sigmoid', 'affine'], 'Python layers shown as their classes');
    assert.equal(start.event.loss?.type, 'softmax-with-loss');
    assert.equal(problems.length, 2, 'once as the spec loads, again with what backward found');
    assert.deepEqual(problems[0], []);
    assert.deepEqual(
      problems[1].map((p) => [p.severity, p.range.start.line, p.message.replace(/\d+ elements/, 'N elements')]),
      [['warning', 11, 'Relu1.backward changed its input dout at N elements; return a new array']],
    );
    const done = messages.find((m) => m.type === 'event' && m.event.kind === 'done');
    assert.ok(done?.type === 'event' && done.event.kind === 'done' && done.event.ok, 'the check passes: the engine handed each call a copy');
  } finally {
    engine.dispose();
  }
});

test('Restricted Mode refuses python layers and starts no Python; trusted, the chosen interpreter is the one tried', async () => {
  const restricted = client(false, fake);
  try {
    const { end } = await run(restricted, spec('Pid'));
    assert.equal(end.status, 'problems');
    assert.deepEqual(end.status === 'problems' && end.errors.map((p) => [p.message, p.range.start.line]), [[PYTHON_REFUSED, 4]]);
    assert.equal(existsSync(join(folder, 'fake.marker')), false, 'no Python process was started');
  } finally {
    restricted.dispose();
  }
  const trusted = client(true, fake);
  try {
    const { end } = await run(trusted, spec('Pid'));
    assert.equal(end.status, 'problems');
    assert.match(end.status === 'problems' ? end.errors[0].message : '', new RegExp(`^'${fake}' exited as it started; set backprop\\.python\\.path`));
    assert.equal(existsSync(join(folder, 'fake.marker')), true);
  } finally {
    trusted.dispose();
  }
});

test("the shop graph in the editor's engine: the seed's MulLayer and AddLayer give the seed's figures", async (t) => {
  if (!needsPython(t)) return;
  const engine = client(true);
  try {
    const text = readFileSync(join(root, 'examples', 'python', 'shop.backprop.yaml'), 'utf8');
    const { end, messages } = await run(engine, text);
    assert.deepEqual(end, { status: 'finished' });
    const graph = messages.find((m) => m.type === 'event' && m.event.kind === 'graph');
    assert.ok(graph?.type === 'event' && graph.event.kind === 'graph');
    const nodes = graph.event.kind === 'graph' ? graph.event.nodes : [];
    const node = (name: string) => nodes.find((n) => n.name === name);
    assert.deepEqual([node('price')?.value, node('price')?.op], [715.0000000000001, 'python']);
    assert.deepEqual(['tax', 'apple', 'apple_num', 'orange', 'orange_num'].map((n) => node(n)?.grad), [650, 2.2, 110.00000000000001, 3.3000000000000003, 165]);
  } finally {
    engine.dispose();
  }
});
