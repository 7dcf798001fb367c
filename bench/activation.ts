// One cold start of the extension in plain node, printed as JSON for bench.ts: the require of
// dist/extension.js, then activate(). `vscode` is a stub, so this times the extension's own work
// (module evaluation, wiring), not VS Code's registrations behind the calls.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { resolve } from 'node:path';

/**
 * The stub API: every member is a no-op function returning the stub again, so registrations,
 * events, constructors and disposables all go through, except the editor state activate() reads,
 * which is empty (no open documents, no active editor), and `then`, so an awaited stub is no promise.
 */
const empty: Record<PropertyKey, unknown> = { textDocuments: [], visibleTextEditors: [], activeTextEditor: undefined, then: undefined };
const stub: object = new Proxy(function () {}, {
  get: (_target, key) => (key in empty ? empty[key] : key === Symbol.toPrimitive ? () => '' : stub),
  set: () => true,
  apply: () => stub,
  construct: () => stub,
});

/** The module: the stub under each top-level name (namespace, class, enum) that the API's type declarations export. */
const declarations = readFileSync('node_modules/@types/vscode/index.d.ts', 'utf8');
const vscode = Object.fromEntries([...declarations.matchAll(/^\texport (?:namespace|class|enum) (\w+)/gm)].map(([, name]) => [name, stub]));

const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const load = loader._load;
loader._load = (request, ...rest) => (request === 'vscode' ? vscode : load.call(loader, request, ...rest));

const start = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is loaded at run time, after the stub is in place
const extension = require(resolve('dist/extension.js')) as { activate(context: unknown): unknown };
const loaded = performance.now();
const context = { subscriptions: [] as unknown[], extensionUri: stub };
extension.activate(context);
const activated = performance.now();
console.log(JSON.stringify({ loadMs: loaded - start, activateMs: activated - loaded, subscriptions: context.subscriptions.length }));
