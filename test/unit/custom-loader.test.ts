// Loading custom layers' modules from real files: CommonJS and ES modules, edits picked up, and each
// way a module can fail to load, in one line.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCustomModules, loadSpecModules } from '../../src/worker/custom-loader';

const dir = mkdtempSync(join(tmpdir(), 'backprop-loader-'));
const write = (name: string, text: string, secondsAgo = 0): void => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, text);
  // Edits within one test are milliseconds apart; distinct times make the ES module's URL change as it would.
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(file, t, t);
};
const keys = (v: unknown): string[] => Object.keys(v as object).sort();

test('CommonJS (.js, .cjs) and ES modules (.mjs, and .js under "type": "module") load', async () => {
  write('cjs/obj.js', 'module.exports = { forward(x) { return x; }, backward(d) { return d; } };\n');
  write('cjs/cls.cjs', 'class Layer { forward(x) { return x; } backward(d) { return d; } }\nmodule.exports = Layer;\n');
  write('esm/named.mjs', 'export function forward(x) { return x; }\nexport function backward(d) { return d; }\n');
  write('typed/package.json', '{ "type": "module" }\n');
  write('typed/layers/def.js', 'export default class Layer { forward(x) { return x; } backward(d) { return d; } }\n');
  const paths = ['./cjs/obj.js', 'cjs/cls.cjs', './esm/named.mjs', './typed/layers/def.js'];
  const modules = await loadCustomModules(dir, paths);
  assert.deepEqual(keys(modules('./cjs/obj.js')), ['backward', 'forward']);
  assert.equal(typeof modules('cjs/cls.cjs'), 'function');
  assert.deepEqual(keys(modules('./esm/named.mjs')), ['backward', 'forward']);
  const def = modules('./typed/layers/def.js') as { default: unknown };
  assert.equal(typeof def.default, 'function');
  assert.throws(() => modules('./other.js'), /\.\/other\.js was not loaded/);
});

test('edits are picked up: a CommonJS module and what it requires load afresh, an ES module when its file changed', async () => {
  write('edit/helper.js', 'module.exports = 1;\n');
  write('edit/layer.js', "module.exports = { version: require('./helper'), forward() {}, backward() {} };\n");
  write('edit/layer.mjs', 'export const version = 1;\nexport function forward() {}\nexport function backward() {}\n', 10);
  const load = async () => {
    const m = await loadCustomModules(dir, ['./edit/layer.js', './edit/layer.mjs']);
    return [(m('./edit/layer.js') as { version: number }).version, (m('./edit/layer.mjs') as { version: number }).version];
  };
  assert.deepEqual(await load(), [1, 1]);
  write('edit/helper.js', 'module.exports = 2;\n');
  write('edit/layer.mjs', 'export const version = 2;\nexport function forward() {}\nexport function backward() {}\n');
  assert.deepEqual(await load(), [2, 2]);
  // An unchanged ES module is the same module, not a new copy per run.
  const a = await loadCustomModules(dir, ['./edit/layer.mjs']);
  const b = await loadCustomModules(dir, ['./edit/layer.mjs']);
  assert.strictEqual(a('./edit/layer.mjs'), b('./edit/layer.mjs'));
});

test('a module that cannot load says why in one line: no file, a syntax error and where, a throw, ES syntax in CommonJS', async () => {
  write('bad/syntax.js', 'module.exports = {\n  forward(x) { return x ) },\n};\n');
  write('bad/syntax.mjs', 'export function forward(x) {\n  return x );\n}\n');
  write('bad/throws.js', "throw new Error('set LAYER_SIZE first');\n");
  write('bad/requires.js', "module.exports = require('./missing-helper');\n");
  const modules = await loadCustomModules(dir, ['./bad/none.js', './bad/syntax.js', './bad/syntax.mjs', './bad/throws.js', './bad/requires.js']);
  const why = (path: string): string => {
    try {
      modules(path);
    } catch (e) {
      return (e as Error).message;
    }
    return 'loaded';
  };
  assert.equal(why('./bad/none.js'), `there is no file ${join(dir, 'bad/none.js')}`);
  assert.equal(why('./bad/syntax.js'), "Unexpected token ')' (line 2)");
  assert.equal(why('./bad/syntax.mjs'), "Unexpected token ')'");
  assert.equal(why('./bad/throws.js'), 'set LAYER_SIZE first');
  assert.equal(why('./bad/requires.js'), "Cannot find module './missing-helper'");
});

test('loadSpecModules loads each module of a spec once, announcing the first layer using it', async () => {
  write('spec/a.js', 'module.exports = { forward() {}, backward() {} };\n');
  write('spec/b.mjs', 'export function forward() {}\nexport function backward() {}\n');
  const text = `input: { data: [[1]] }
layers:
  - relu
  - { type: custom, module: ./spec/a.js }
  - { type: custom, module: ./spec/b.mjs }
  - { type: custom, module: ./spec/a.js }
`;
  const announced: number[] = [];
  const modules = await loadSpecModules(text, 'net.yaml', dir, (layer) => announced.push(layer));
  assert.deepEqual(announced, [1, 2]);
  assert.ok(modules && keys(modules('./spec/a.js')).includes('forward'));
  assert.equal(await loadSpecModules('input: { data: [[1]] }\nlayers: [relu]\n', 'net.yaml', dir), undefined);
  // A spec that does not parse loads nothing (its problems come from loadSpec).
  assert.equal(await loadSpecModules('layers: [\n  - { type: custom, module: ./spec/a.js }', 'net.yaml', dir, () => announced.push(-1)), undefined);
  assert.deepEqual(announced, [1, 2]);
});
