// "Backprop: Open Example", the walkthrough's buttons: opens one of the examples the extension ships.
// The workspace's own copy when it has one (this repository, an examples folder, or an earlier copy), else a copy the
// command makes in <first workspace folder>/backprop-examples/, so the user's edits (the quick fix of
// step 6) land in the workspace; with no folder open, the installed file.
import * as vscode from 'vscode';
import { SPEC_FILE } from './specs';

/** The folder of the shipped examples, in the extension and in its copy. */
const EXAMPLES = 'examples';
/** Where the examples are copied to, in the first workspace folder. */
export const COPY_FOLDER = 'backprop-examples';
/** What is copied: the examples, and the schema their `$schema: ../schemas/…` lines point to. */
const COPIED = [EXAMPLES, 'schemas'];
/** What a copy leaves out: Python's caches, should an installed copy have any. */
const SKIPPED = /^(__pycache__|.*\.pyc)$/;

export function registerOpenExample(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand('backprop.openExample', (path?: unknown) => openExample(extensionUri, path));
}

/**
 * Opens the example `path` (relative to the extension, such as "examples/relu.backprop.yaml"), or one
 * the user picks when there is none, beside the walkthrough when it is in front. The file opened, or
 * undefined (cancelled, or an error the user was shown).
 */
export async function openExample(extensionUri: vscode.Uri, path?: unknown): Promise<vscode.Uri | undefined> {
  const asked = typeof path === 'string' ? path : path === undefined || path === null ? undefined : JSON.stringify(path);
  try {
    const relative = asked === undefined ? await pickExample(extensionUri) : examplePath(asked);
    if (relative === undefined) return undefined;
    if (relative === null) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: {0} is not an example of Backprop Lens.', asked ?? ''));
      return undefined;
    }
    const installed = vscode.Uri.joinPath(extensionUri, ...relative.split('/'));
    if (!(await exists(installed))) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: Backprop Lens has no example {0}.', relative));
      return undefined;
    }
    const uri = (await inWorkspace(extensionUri, relative)) ?? installed;
    // The walkthrough is an editor, but not a text editor: beside it, so its steps stay in view.
    const viewColumn = vscode.window.activeTextEditor ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside;
    await vscode.window.showTextDocument(uri, { viewColumn, preview: false });
    return uri;
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: cannot open the example {0}: {1}', asked ?? '', message(e)));
    return undefined;
  }
}

/**
 * `path` as a path under the extension's examples folder, "examples/…" with forward slashes ("relu.backprop.yaml"
 * gets the prefix), or null when it leaves that folder or is not a plain relative path.
 */
export function examplePath(path: string): string | null {
  const parts = path.replace(/\\/g, '/').split('/').filter((p, i) => !(p === '.' && i === 0));
  if (parts[0] !== EXAMPLES) parts.unshift(EXAMPLES);
  if (parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes(':'))) return null;
  return parts.join('/');
}

/**
 * The workspace's file at `relative`: a workspace folder's own, else the copy in the first folder's
 * backprop-examples/, after copying what is missing there (nothing is overwritten). Undefined with no
 * workspace folder, or when the copy failed (the user is told; the installed file opens instead).
 */
async function inWorkspace(extensionUri: vscode.Uri, relative: string): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    for (const own of ownCopies(folder.uri, relative)) if (await exists(own)) return own;
  }
  const first = folders[0];
  if (!first) return undefined;
  const target = vscode.Uri.joinPath(first.uri, COPY_FOLDER);
  try {
    let copied = 0;
    for (const dir of COPIED) copied += await copyMissing(vscode.Uri.joinPath(extensionUri, dir), vscode.Uri.joinPath(target, dir));
    if (copied > 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: copied the examples to {0}/ in {1}; edit them there.', COPY_FOLDER, first.name));
    }
  } catch (e) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backprop: cannot copy the examples to {0}/ in {1} ({2}); opened the installed example instead.', COPY_FOLDER, first.name, message(e)));
    return undefined;
  }
  return vscode.Uri.joinPath(target, ...relative.split('/'));
}

/**
 * Where a workspace folder keeps example `relative` ("examples/…"): under its own examples/, or at its
 * root when the folder is itself an examples folder (what `npm start` and the tests open).
 */
function ownCopies(folder: vscode.Uri, relative: string): vscode.Uri[] {
  const parts = relative.split('/');
  const own = [vscode.Uri.joinPath(folder, ...parts)];
  if (folder.path.split('/').pop() === EXAMPLES) own.push(vscode.Uri.joinPath(folder, ...parts.slice(1)));
  return own;
}

/** Copies every file of `from` that `to` does not have yet, folders and all; how many it copied. */
async function copyMissing(from: vscode.Uri, to: vscode.Uri): Promise<number> {
  if (!(await exists(from))) return 0;
  await vscode.workspace.fs.createDirectory(to);
  let copied = 0;
  for (const [name, type] of await vscode.workspace.fs.readDirectory(from)) {
    if (SKIPPED.test(name)) continue;
    const source = vscode.Uri.joinPath(from, name);
    const destination = vscode.Uri.joinPath(to, name);
    if (type & vscode.FileType.Directory) copied += await copyMissing(source, destination);
    else if (!(await exists(destination))) {
      await vscode.workspace.fs.copy(source, destination, { overwrite: false });
      copied++;
    }
  }
  return copied;
}

/** Asks which shipped spec to open: "examples/…", or undefined when the user cancels. */
async function pickExample(extensionUri: vscode.Uri): Promise<string | undefined> {
  const specs = (await specsUnder(vscode.Uri.joinPath(extensionUri, EXAMPLES), EXAMPLES)).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const items = await Promise.all(
    specs.map(async (path): Promise<vscode.QuickPickItem & { path: string }> => {
      const summary = await firstComment(vscode.Uri.joinPath(extensionUri, ...path.split('/')));
      return { label: path.slice(EXAMPLES.length + 1), path, ...(summary && { detail: summary }) };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Open a Backprop Lens example'), placeHolder: vscode.l10n.t('Choose an example'), matchOnDetail: true });
  return picked?.path;
}

const depth = (path: string) => path.split('/').length;

/** Every spec file under `dir`, as paths that start with `prefix`. */
async function specsUnder(dir: vscode.Uri, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
    if (type & vscode.FileType.Directory) found.push(...(await specsUnder(vscode.Uri.joinPath(dir, name), `${prefix}/${name}`)));
    else if (SPEC_FILE.test(name)) found.push(`${prefix}/${name}`);
  }
  return found;
}

/** The text of a spec's first `#` comment line (what it shows), or undefined. */
async function firstComment(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return /^#\s*(.+)$/m.exec(text)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
