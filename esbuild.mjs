// One build for every bundle. No flag: the shipped bundles (CLI, extension, worker: node; webview:
// browser). `--tests`: the unit-test bundles. `--bench`: the benchmark. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const browser = { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning' };
const testsIn = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)) : []);

/** @type {esbuild.BuildOptions[]} */
const builds = [];
if (args.has('--tests')) {
  builds.push({ ...node, entryPoints: testsIn('test/unit'), outdir: 'out/test/unit' });
} else if (args.has('--bench')) {
  builds.push({ ...node, entryPoints: { bench: 'bench/bench.ts' }, outdir: 'out/bench' });
} else {
  builds.push({ ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } });
}

if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
