// The extension host's strings: every one it shows goes through vscode.l10n.t, l10n/bundle.l10n.json
// is what @vscode/l10n-dev exports from src/extension as it is now, and l10n/bundle.l10n.ko.json
// translates each of its keys, keeping the placeholders, `code` spans and Markdown. TypeScript and
// l10n-dev are loaded from node_modules as they are, not bundled (l10n-dev reads its tree-sitter
// grammars from beside its own files).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as TS from 'typescript';

const fromRoot = createRequire(join(process.cwd(), 'package.json'));
const ts = fromRoot('typescript') as typeof TS;
const l10nDev = fromRoot('@vscode/l10n-dev') as {
  getL10nJson(files: { contents: string; extension: string }[]): Promise<Record<string, string | { message: string; comment: string[] }>>;
};

const HOST = 'src/extension';
type Bundle = Record<string, string | { message: string; comment: string[] }>;
const en = JSON.parse(readFileSync('l10n/bundle.l10n.json', 'utf8')) as Bundle;
const ko = JSON.parse(readFileSync('l10n/bundle.l10n.ko.json', 'utf8')) as Record<string, string>;
const hostFiles = () => readdirSync(HOST).filter((f) => f.endsWith('.ts')).sort().map((f) => join(HOST, f));

/** The English text of a bundle entry (a key with a comment has it as `message`). */
const english = (value: Bundle[string]) => (typeof value === 'string' ? value : value.message);

/** What a translation keeps as it is: `{0}` placeholders and `code` spans (identifiers, spec keys, commands). */
function kept(text: string): string[] {
  return [...text.matchAll(/\{\d+\}|`[^`]+`/g)].map((m) => m[0]).sort();
}

/** The Markdown a translation keeps: bold markers, a link's target, and italics around the whole message. */
function markdown(text: string): string[] {
  const out = [...text.matchAll(/\*\*|\]\([^)]*\)/g)].map((m) => m[0]);
  if (/^_.*_$/s.test(text)) out.push('_…_');
  return out.sort();
}

test('package.json points VS Code at the l10n folder', () => {
  assert.equal(JSON.parse(readFileSync('package.json', 'utf8')).l10n, './l10n');
});

test('the Korean bundle translates exactly the keys of the English one', () => {
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
  assert.ok(Object.keys(en).length > 50, `only ${Object.keys(en).length} keys`);
});

test('each Korean string keeps its key\'s placeholders, `code` spans and Markdown, and is in Korean', () => {
  // Names the same in every language: a panel's tab is the product's name and the spec's.
  const same = new Set(['Backprop: {0}']);
  for (const [key, value] of Object.entries(en)) {
    const text = english(value);
    const translated = ko[key];
    assert.equal(typeof translated, 'string', key);
    assert.deepEqual(kept(translated), kept(text), `placeholders or code spans of ${JSON.stringify(key)}: ${translated}`);
    assert.deepEqual(markdown(translated), markdown(text), `Markdown of ${JSON.stringify(key)}: ${translated}`);
    if (same.has(text)) assert.equal(translated, text, key);
    else assert.ok(/[\uac00-\ud7a3]/.test(translated), `not in Korean: ${key} → ${translated}`);
  }
});

test('l10n/bundle.l10n.json is what `@vscode/l10n-dev export` makes of src/extension now (run `npx @vscode/l10n-dev export --outDir ./l10n ./src/extension`)', async () => {
  const exported = await l10nDev.getL10nJson(hostFiles().map((f) => ({ contents: readFileSync(f, 'utf8'), extension: '.ts' })));
  const missing = Object.keys(exported).filter((k) => !(k in en));
  const stale = Object.keys(en).filter((k) => !(k in exported));
  assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 're-export the bundle and translate the new keys in bundle.l10n.ko.json');
  assert.deepEqual(exported, en);
});

// What the user sees, and must come from vscode.l10n.t rather than a literal:
/** Every argument of these calls. */
const SHOWN_ARGS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage', 'appendMarkdown', 'appendText', 'showQuickPick', 'withProgress', 'createOutputChannel', 'appendLine']);
/** These arguments of these constructors and calls. */
const SHOWN_ARG: Record<string, number> = { Diagnostic: 1, MarkdownString: 0, CodeAction: 0, Hover: 0, Error: 0, TreeItem: 0, createWebviewPanel: 1 };
/** Properties of object literals (CodeLens commands, quick picks, progress, dialogs, launch configurations, messages to a webview). */
const SHOWN_PROPERTIES = new Set(['title', 'tooltip', 'name', 'label', 'detail', 'description', 'message', 'placeHolder', 'placeholder', 'prompt', 'saveLabel', 'openLabel', 'validationMessage']);
/** Properties set by assignment: those, and a status bar item's text. (A template's `text:` is the spec it writes, not a message.) */
const SHOWN_ASSIGNED = new Set([...SHOWN_PROPERTIES, 'text']);

/** Text with a word in it; punctuation and Markdown (`**`, `\n\n`, `| |`) need no translation. */
const wording = (text: string) => /[A-Za-z]{2,}/.test(text);

/** `vscode.l10n.t(…)` or `l10n.t(…)`. */
function isL10nCall(node: TS.Node): boolean {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== 't') return false;
  const target = node.expression.expression;
  return (ts.isIdentifier(target) && target.text === 'l10n') || (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n');
}

/** The name a call or `new` is by: `showErrorMessage` of `vscode.window.showErrorMessage(…)`, `Diagnostic` of `new vscode.Diagnostic(…)`. */
function calleeName(expression: TS.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  return undefined;
}

/** The property a node names, if it is an identifier or a string. */
function propertyName(name: TS.Node): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/**
 * Places in `source` where a literal with words in it reaches the user without vscode.l10n.t: a
 * string or template literal passed to showInformationMessage and the like, set as a title, tooltip,
 * status bar text, label, placeholder, prompt or message, a Diagnostic's or CodeAction's text, or
 * a dialog's filter name. `file:line: text` each.
 */
function unlocalized(source: string, file: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: TS.Node, text: string) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${text}`);

  /** Reports the literals of a shown expression, except inside l10n.t and nested object literals (their shown properties are checked on their own). */
  const shown = (node: TS.Node): void => {
    if (isL10nCall(node) || ts.isObjectLiteralExpression(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (wording(node.text)) report(node, node.text);
      return;
    }
    if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      if (parts.some(wording)) report(node, node.getText(sf));
      node.templateSpans.forEach((s) => shown(s.expression));
      return;
    }
    // A comparison or a call's own arguments inside a shown expression are not shown (`pick === 'x' ? … : …`); what it yields is.
    if (ts.isBinaryExpression(node) && node.operatorToken.kind !== ts.SyntaxKind.PlusToken && node.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionToken && node.operatorToken.kind !== ts.SyntaxKind.BarBarToken) return;
    if (ts.isConditionalExpression(node)) {
      shown(node.whenTrue);
      shown(node.whenFalse);
      return;
    }
    ts.forEachChild(node, shown);
  };

  const visit = (node: TS.Node): void => {
    if (isL10nCall(node)) return;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node.expression);
      const args = node.arguments ?? [];
      if (name && SHOWN_ARGS.has(name)) args.forEach(shown);
      if (name && name in SHOWN_ARG && args[SHOWN_ARG[name]]) shown(args[SHOWN_ARG[name]]);
    }
    if (ts.isPropertyAssignment(node)) {
      const name = propertyName(node.name);
      if (name && SHOWN_PROPERTIES.has(name)) shown(node.initializer);
      // A dialog's filters are shown by their names: { 'NumPy .npz': ['npz'] }.
      if (name === 'filters' && ts.isObjectLiteralExpression(node.initializer)) {
        for (const p of node.initializer.properties) if (p.name && ts.isStringLiteral(p.name) && wording(p.name.text)) report(p.name, p.name.text);
      }
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && SHOWN_ASSIGNED.has(node.left.name.text)) {
      shown(node.right);
    }
    // The message a validateInput (or any function set as a shown property) returns.
    if (ts.isReturnStatement(node) && node.expression) {
      const fn = ts.findAncestor(node, (a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a) || ts.isFunctionDeclaration(a) || ts.isMethodDeclaration(a));
      const owner = fn?.parent;
      if (owner && ts.isPropertyAssignment(owner) && propertyName(owner.name) === 'validateInput') shown(node.expression);
    }
    if (ts.isArrowFunction(node) && !ts.isBlock(node.body) && ts.isPropertyAssignment(node.parent) && propertyName(node.parent.name) === 'validateInput') shown(node.body);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

test('the scanner finds literals shown without vscode.l10n.t, naming file:line', () => {
  const planted = [
    "import * as vscode from 'vscode';",
    "void vscode.window.showErrorMessage('Backprop: it broke.');",
    'void vscode.window.showWarningMessage(`Backprop: ${name} has no train: section.`, vscode.l10n.t("Show Layer"));',
    "void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}.', name), 'Open');",
    "status.text = `$(pulse) Training ${title}`;",
    "status.tooltip = ok ? vscode.l10n.t('Fine') : 'Not fine';",
    "const d = new vscode.Diagnostic(range, `${message} (stale)`, vscode.DiagnosticSeverity.Warning);",
    "const md = new vscode.MarkdownString('_Run Backprop first._');",
    "md.appendMarkdown(`[Show in side panel](${link})`);",
    "void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Backprop: running' }, task);",
    "void vscode.window.showQuickPick(items, { title: vscode.l10n.t('New spec'), placeHolder: 'Start from…' });",
    "new vscode.CodeLens(range, { title: '▶ Run Backprop', command: 'backprop.run' });",
    "const action = new vscode.CodeAction(`Change '${a}' to '${b}'`, vscode.CodeActionKind.QuickFix);",
    "void vscode.window.showSaveDialog({ filters: { 'NumPy .npz': ['npz'] }, saveLabel: vscode.l10n.t('Save Run') });",
    "void vscode.window.showInputBox({ prompt: vscode.l10n.t('File name'), validateInput: (v) => (v ? null : 'Use a name') });",
    "progress.report({ message: `step ${n}` });",
  ].join('\n');
  assert.deepEqual(unlocalized(planted, 'planted.ts'), [
    'planted.ts:2: Backprop: it broke.',
    'planted.ts:3: `Backprop: ${name} has no train: section.`',
    'planted.ts:4: Open',
    'planted.ts:5: `$(pulse) Training ${title}`',
    'planted.ts:6: Not fine',
    'planted.ts:7: `${message} (stale)`',
    'planted.ts:8: _Run Backprop first._',
    'planted.ts:9: `[Show in side panel](${link})`',
    'planted.ts:10: Backprop: running',
    'planted.ts:11: Start from…',
    'planted.ts:12: ▶ Run Backprop',
    "planted.ts:13: `Change '${a}' to '${b}'`",
    'planted.ts:14: NumPy .npz',
    'planted.ts:15: Use a name',
    'planted.ts:16: `step ${n}`',
  ]);
});

test('the scanner passes localized text, identifiers, Markdown punctuation and comparisons with labels', () => {
  const clean = [
    "import * as vscode from 'vscode';",
    "const showLayer = vscode.l10n.t('Show Layer');",
    "const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Backprop: {0} stopped.', name), showLayer);",
    "if (pick === showLayer) reveal();",
    "md.appendMarkdown('**');",
    "md.appendMarkdown(`| ${label} | ${num(s.mean)} |\\n`);",
    "md.appendMarkdown(`${vscode.l10n.t('_Figures from the last run._')}\\n\\n`);",
    "new vscode.CodeLens(range, { title: vscode.l10n.t({ message: 'loss {0}', args: [v], comment: ['The loss.'] }), command: 'backprop.showLayer' });",
    "const diagnostic = new vscode.Diagnostic(range, p.message, severity);",
    "status.text = label;",
    "void vscode.window.showSaveDialog({ filters: { [vscode.l10n.t('NumPy .npz')]: ['npz'] } });",
  ].join('\n');
  assert.deepEqual(unlocalized(clean, 'clean.ts'), []);
});

/** A file that imports vscode (not only its types), so it can call vscode.l10n.t; the others are pure, and tested without VS Code. */
const importsVscode = (source: string) => /^import (?!type\b)[^;]*from 'vscode';/m.test(source);

test('src/extension shows no literal text without vscode.l10n.t', () => {
  const sources = hostFiles().map((f) => [f, readFileSync(f, 'utf8')] as const);
  const host = sources.filter(([, s]) => importsVscode(s));
  assert.ok(host.some(([f]) => f.endsWith('/extension.ts')) && host.some(([f]) => f.endsWith('/commands.ts')), `the files that import vscode: ${host.map(([f]) => f).join(', ')}`);
  const found = host.flatMap(([f, s]) => unlocalized(s, f));
  assert.deepEqual(found, [], 'wrap these in vscode.l10n.t(…) and re-export l10n/bundle.l10n.json');
});
