// Loading custom layers' modules, for the worker and the CLI (Node only; the spec layer gets the
// result through SpecIO.customModule). A path is resolved against the spec's folder. CommonJS
// (.cjs, or .js without "type": "module") is loaded with require, after forgetting every cached
// module outside node_modules, so a module and the files it requires are read afresh on every run.
// An ES module (.mjs, or .js under "type": "module") is loaded with import(); its URL carries the
// file's modification time, so an edited module loads anew while an unchanged one is reused (ES
// modules cannot be unloaded, and a new URL per run would keep every copy). Files an ES module
// imports are not reloaded until the worker restarts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSpec } from '../spec';
import { EngineError, engineMessage } from '../engine/messages';

/** SpecIO.customModule: the export of a loaded module, or a throw saying why it did not load. */
export type CustomModules = (path: string) => unknown;

/**
 * Loads each module of `paths` (as a spec writes them, relative to `folder`) once, in order, calling
 * `beforeLoad(path)` first: a module's top-level code is user code too, and may never return.
 */
export async function loadCustomModules(folder: string, paths: readonly string[], beforeLoad: (path: string) => void = () => {}): Promise<CustomModules> {
  const loaded = new Map<string, { value: unknown } | { error: string }>();
  for (const path of paths) {
    if (loaded.has(path)) continue;
    beforeLoad(path);
    const file = resolve(folder, path);
    try {
      loaded.set(path, { value: await loadModule(file) });
    } catch (e) {
      loaded.set(path, { error: loadFailure(e, file) });
    }
  }
  return (path) => {
    const module = loaded.get(path);
    if (!module) throw new Error(`${path} was not loaded`);
    if ('error' in module) throw new Error(module.error);
    return module.value;
  };
}

/**
 * The modules of the custom layers of the spec `text` (in `folder`), loaded; undefined when it has
 * none, or does not parse. `beforeLoad(layer)` names the first layer using each module.
 */
export async function loadSpecModules(text: string, fileName: string, folder: string, beforeLoad: (layer: number) => void = () => {}): Promise<CustomModules | undefined> {
  const { spec } = parseSpec(text, fileName);
  if (spec?.form !== 'network') return undefined;
  const users = new Map<string, number>();
  spec.layers.forEach((layer, i) => {
    if (layer.type === 'custom' && layer.module && !users.has(layer.module)) users.set(layer.module, i);
  });
  if (users.size === 0) return undefined;
  return loadCustomModules(folder, [...users.keys()], (path) => beforeLoad(users.get(path)!));
}

/** The module's exports (CommonJS) or namespace (ES module). */
async function loadModule(file: string): Promise<unknown> {
  if (!existsSync(file)) throw new EngineError(engineMessage('engine.module.noFile', { file }));
  if (isEsModule(file)) {
    const { mtimeMs, size } = statSync(file);
    return import(`${pathToFileURL(file).href}?version=${mtimeMs}-${size}`);
  }
  const require = createRequire(file);
  for (const key of Object.keys(require.cache)) if (!key.includes(`${sep}node_modules${sep}`)) delete require.cache[key];
  return require(file) as unknown;
}

/** Node's rule: .mjs is an ES module, .cjs is not, and .js is one under a package.json with "type": "module". */
function isEsModule(file: string): boolean {
  if (/\.mjs$/i.test(file)) return true;
  if (/\.cjs$/i.test(file)) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Why loading `file` failed, in one line: the error's first line, where a syntax error is, and a hint
 * for ES syntax in CommonJS. Runs while the load is still timed: a thrown value's text is user code.
 */
function loadFailure(e: unknown, file: string): string {
  try {
    return errorLine(e, file);
  } catch {
    return engineMessage('engine.module.unprintable', {}).message;
  }
}

function errorLine(e: unknown, file: string): string {
  if (!(e instanceof Error)) return String(e);
  let message = String(e.message).split('\n')[0];
  if (e instanceof SyntaxError) {
    // require puts the place of a syntax error on the stack's first line, /path/file.js:12 (import() does not).
    const place = e.stack?.split('\n')[0].match(/^(.*):(\d+)$/);
    if (place) message += ` (${place[1] === file ? '' : `${place[1]}, `}line ${place[2]})`;
    if (/import statement outside a module|Unexpected token 'export'/.test(e.message)) {
      message += '; for an ES module, name the file .mjs or put "type": "module" in a package.json next to it';
    }
  }
  return message;
}
