// `npm start`: it opens a scratch copy of the examples outside the repository, refreshed without
// losing edits, and leaves Workspace Trust alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

const COPY = 'scripts/scratch-examples.sh';

/** Every file under `dir`, as relative path → SHA-256 of its bytes. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function copy(repo: string, dest: string): string {
  return execFileSync('bash', [COPY, repo, dest], { encoding: 'utf8' });
}

test("the copy of the repository's examples is whole, outside any Git repository, and leaves the repository untouched", (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'backprop-scratch-'));
  t.after(() => rmSync(dest, { recursive: true, force: true }));
  const before = tree('examples');
  const status = execFileSync('git', ['status', '--porcelain', '--', 'examples', 'schemas'], { encoding: 'utf8' });
  copy('.', dest);
  assert.deepEqual(tree(join(dest, 'examples')), before);
  assert.deepEqual(tree(join(dest, 'schemas')), tree('schemas'));
  assert.deepEqual(tree('examples'), before);
  assert.equal(execFileSync('git', ['status', '--porcelain', '--', 'examples', 'schemas'], { encoding: 'utf8' }), status);
  assert.throws(() => execFileSync('git', ['-C', join(dest, 'examples'), 'rev-parse', '--show-toplevel'], { stdio: 'pipe' }), 'no Git repository encloses the copy');
});

test('a second start refreshes files left as copied, keeps edited and deleted ones, and names the versions it did not copy', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'backprop-scratch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, 'repo');
  const dest = join(root, 'scratch');
  write(join(repo, 'examples/a.backprop.yaml'), 'a1\n');
  write(join(repo, 'examples/broken/b.backprop.yaml'), 'b1\n');
  write(join(repo, 'examples/custom/layers/c.js'), 'c1\n');
  write(join(repo, 'schemas/s.json'), '{}\n');
  assert.equal(copy(repo, dest), '');
  const read = (rel: string) => readFileSync(join(dest, rel), 'utf8');
  assert.equal(read('examples/broken/b.backprop.yaml'), 'b1\n');

  write(join(dest, 'examples/a.backprop.yaml'), 'my edit\n');
  unlinkSync(join(dest, 'examples/custom/layers/c.js'));
  write(join(dest, 'examples/mine.backprop.yaml'), 'new spec\n');
  write(join(repo, 'examples/a.backprop.yaml'), 'a2\n');
  write(join(repo, 'examples/broken/b.backprop.yaml'), 'b2\n');
  write(join(repo, 'examples/custom/layers/c.js'), 'c2\n');
  write(join(repo, 'examples/d.backprop.yaml'), 'd1\n');
  const said = copy(repo, dest);

  assert.equal(read('examples/a.backprop.yaml'), 'my edit\n');
  assert.equal(read('examples/broken/b.backprop.yaml'), 'b2\n');
  assert.equal(read('examples/d.backprop.yaml'), 'd1\n');
  assert.equal(read('examples/mine.backprop.yaml'), 'new spec\n');
  assert.throws(() => read('examples/custom/layers/c.js'), 'a deleted file stays deleted');
  const real = (p: string) => execFileSync('realpath', [p], { encoding: 'utf8' }).trim();
  assert.deepEqual(said.split('\n').filter(Boolean).map((l) => l.trim()).sort(), [
    `kept ${real(dest)}/examples/a.backprop.yaml as you left it; the repository's new version is ${real(repo)}/examples/a.backprop.yaml`,
    `kept ${real(dest)}/examples/custom/layers/c.js as you left it; the repository's new version is ${real(repo)}/examples/custom/layers/c.js`,
  ]);
  // Still edited, so still kept, and named only while the repository's version is new to the copy.
  assert.equal(copy(repo, dest), '');
  assert.equal(read('examples/a.backprop.yaml'), 'my edit\n');
});

test('a scratch folder inside the repository is refused', () => {
  assert.throws(() => execFileSync('bash', [COPY, '.', 'out/scratch-inside'], { stdio: 'pipe' }), (e: { status: number }) => e.status === 2);
});

test('npm start opens the scratch copy with Workspace Trust as the user has it', () => {
  const script = readFileSync('scripts/start.sh', 'utf8');
  assert.doesNotMatch(script, /disable-workspace-trust|security\.workspace\.trust/);
  assert.match(script, /^bash scripts\/scratch-examples\.sh "\$ROOT" "\$SCRATCH"$/m);
  const launch = script.split('\n').filter((l) => l.startsWith('exec '));
  assert.equal(launch.length, 1);
  assert.match(launch[0], / "\$EXAMPLES"$/);
  assert.doesNotMatch(launch[0], /\$ROOT\/examples/);
});
