// One build for every bundle. No flag: the shipped bundles (CLI, extension and worker for node; the
// panel, the side view and the Train panel for the browser, with the CSS they import) and the MNIST
// file, and the Python bridge (dist/bridge.py). Flags add test bundles, and may be combined:
//   --tests          unit tests (test/unit → out/test/unit)
//   --webview-tests  the panel's, side view's and Train panel's browser preview and their Chromium tests (→ out/test/webview)
//   --vscode-tests   the VS Code API suite, its runner extension and the code-server / electron launchers
//   --e2e-tests      the e2e tests in code-server (→ out/test/e2e)
//   --bench          the benchmark (→ out/bench)
//   --watch          rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMnist } from './scripts/build-mnist.mjs';

const args = new Set(process.argv.slice(2));
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const browser = { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning' };
const testsIn = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)) : []);
/** What the .vsix ships is minified; the source maps are still written to dist/ for debugging, but not packaged. */
const shipped = { minify: true };
/** Named entries keep bundles flat in their out dir. */
const named = (files) => Object.fromEntries(files.map((f) => [f.split('/').pop().replace(/\.ts$/, ''), f]));
/** Writes each build's metafile to `file` (also on a watch rebuild), for tests of what a bundle holds. */
const writeMetafile = (file) => ({
  name: 'write-metafile',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => result.metafile && writeFileSync(file, JSON.stringify(result.metafile)));
  },
});

/** @type {esbuild.BuildOptions[]} */
const builds = [];
const flagged = ['--tests', '--webview-tests', '--vscode-tests', '--e2e-tests', '--bench'].some((f) => args.has(f));
if (!flagged) {
  buildMnist('dist/mnist-digits.bin'); // skipped when up to date
  mkdirSync('dist', { recursive: true });
  copyFileSync('src/python/bridge.py', 'dist/bridge.py'); // the Python bridge the worker starts
  builds.push({ ...node, ...shipped, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } });
  // The extension on its own, so its metafile lists only what the extension host loads (test/unit/extension-bundle.test.ts).
  builds.push({ ...node, ...shipped, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'], plugins: [writeMetafile('dist/extension.meta.json')] });
  builds.push({ ...node, ...shipped, entryPoints: { worker: 'src/worker/main.ts' }, outdir: 'dist' });
  builds.push({ ...browser, ...shipped, entryPoints: { panel: 'webview/panel/panel.ts', side: 'webview/side/side.ts', train: 'webview/train/train.ts' }, outdir: 'dist/webview' });
}
if (args.has('--tests')) {
  builds.push({ ...node, entryPoints: testsIn('test/unit'), outdir: 'out/test/unit' });
  mkdirSync('out/test/unit', { recursive: true });
  copyFileSync('src/python/bridge.py', 'out/test/unit/bridge.py'); // beside the bundles, as in dist/
}
if (args.has('--webview-tests')) {
  // The preview harness that drives dist/webview/panel.js, side.js and train.js, and the node tests that load it in Chromium.
  builds.push({ ...browser, entryPoints: { preview: 'test/webview/preview.ts' }, outdir: 'out/webview-preview' });
  builds.push({ ...node, entryPoints: testsIn('test/webview'), outdir: 'out/test/webview', packages: 'external' });
}
if (args.has('--vscode-tests')) {
  // index.js and *.test.js run inside an extension host: `vscode` comes from the host, and mocha stays
  // external so the tests and index.js share one mocha instance. runner/ is an unpacked test-runner
  // extension for code-server.
  const out = 'out/test/vscode';
  mkdirSync(join(out, 'runner'), { recursive: true });
  copyFileSync('test/vscode/runner/package.json', join(out, 'runner/package.json'));
  builds.push({ ...node, entryPoints: { index: 'test/vscode/index.ts', ...named(testsIn('test/vscode')) }, outdir: out, external: ['vscode', 'mocha'] });
  builds.push({ ...node, entryPoints: { extension: 'test/vscode/runner/extension.ts' }, outdir: join(out, 'runner'), external: ['vscode'] });
  builds.push({ ...node, entryPoints: ['test/vscode/run-in-code-server.ts', 'test/vscode/run-in-electron.ts'], outdir: out, packages: 'external' });
}
if (args.has('--e2e-tests') || args.has('--bench')) {
  // The latency floor's extension (a minimal webview), copied unpacked into code-server by test/e2e/latency.ts.
  mkdirSync('out/test/e2e/floor', { recursive: true });
  copyFileSync('test/e2e/floor/package.json', 'out/test/e2e/floor/package.json');
  builds.push({ ...node, entryPoints: { extension: 'test/e2e/floor/extension.ts' }, outdir: 'out/test/e2e/floor', external: ['vscode'] });
}
if (args.has('--e2e-tests')) {
  builds.push({ ...node, entryPoints: testsIn('test/e2e'), outdir: 'out/test/e2e', packages: 'external' });
}
if (args.has('--bench')) {
  builds.push({ ...node, entryPoints: { bench: 'bench/bench.ts', 'train-memory': 'bench/train-memory.ts', activation: 'bench/activation.ts', python: 'bench/python.ts' }, outdir: 'out/bench' });
  mkdirSync('out/bench', { recursive: true });
  copyFileSync('src/python/bridge.py', 'out/bench/bridge.py');
  builds.push({ ...node, entryPoints: { latency: 'bench/latency.ts' }, outdir: 'out/bench', packages: 'external' });
}

if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
