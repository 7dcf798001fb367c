// Whether a catalogue's ids are written in the code that says them: a catalogue keeps no dead entries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The text of every .ts file under `paths` (files or folders, recursively), but the catalogues themselves. */
export function sourcesOf(paths: readonly string[]): string {
  const files = (path: string): string[] =>
    statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => files(join(path, name))) : path.endsWith('.ts') && !path.endsWith('messages.ts') ? [path] : [];
  return paths.flatMap(files).map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** The ids no source writes out as a quoted literal. */
export function unwritten(ids: readonly string[], sources: string): string[] {
  return ids.filter((id) => !sources.includes(`'${id}'`));
}
