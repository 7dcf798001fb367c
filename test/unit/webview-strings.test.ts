// The webviews' strings: every t('…') key of webview/ is in l10n/webview.ko.json and the other way
// round, each translation keeps its placeholders and `code` spans, no text shown to users bypasses
// t(), and the host's data block cannot be broken out of.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as TS from 'typescript';
import { stringsBlock, WEBVIEW_STRINGS_ID, webviewStrings } from '../../src/webview-strings';
import { fill, STRINGS_ID } from '../../webview/shared/strings';

// The compiler is loaded from node_modules when the test runs, not bundled into it.
const ts = createRequire(join(process.cwd(), 'package.json'))('typescript') as typeof TS;

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Attributes whose value people read (hover, screen reader, placeholder). */
const TEXT_ATTRIBUTES = new Set(['title', 'aria-label', 'aria-valuetext', 'aria-description', 'aria-roledescription', 'placeholder', 'alt']);
/** Element properties whose value is shown. */
const TEXT_PROPERTIES = new Set(['textContent', 'innerText', 'innerHTML', 'title', 'placeholder', 'ariaLabel', 'alt']);
/** DOM methods that put their arguments in the page as text. */
const TEXT_METHODS = new Set(['replaceChildren', 'append', 'prepend', 'before', 'after', 'replaceWith', 'createTextNode']);
/** The DOM helpers of webview/shared/dom.ts: h(tag, attrs, ...children), s(tag, attrs, ...children). */
const ELEMENT_HELPERS = new Set(['h', 's']);
/** Words that are not English to translate: identifiers, symbols' names, the product's name. */
const ALLOWED_WORDS = new Set(['dx', 'dW', 'db', 'dout', 'NaN', 'Inf', 'ReLU', 'Backprop', 'Lens']);

/** True when `text` has a word of two letters or more that is not an identifier kept as it is. */
function hasWords(text: string): boolean {
  return [...text.matchAll(/[A-Za-z]{2,}/g)].some((m) => !ALLOWED_WORDS.has(m[0]));
}

interface Analysis {
  /** Each t() key with where it is. */
  keys: Map<string, string>;
  /** t() calls whose first argument is not a string literal. */
  nonLiteral: string[];
  /** Literals shown to users without t(). */
  bypasses: string[];
}

/** The t() keys of a webview source, and what it shows without t(). */
function analyze(file: string, text: string): Analysis {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const where = (node: TS.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  // The translators: t and tParts of webview/shared/strings.ts, under whatever names a file imports them.
  const translators = new Set<string>(file.replace(/\\/g, '/').endsWith('shared/strings.ts') ? ['t', 'tParts'] : []);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !/(^|\/)strings$/.test(statement.moduleSpecifier.text)) continue;
    const named = statement.importClause?.namedBindings;
    if (named && ts.isNamedImports(named)) {
      for (const e of named.elements) if (['t', 'tParts'].includes((e.propertyName ?? e.name).text)) translators.add(e.name.text);
    }
  }
  const isTranslation = (node: TS.Node): node is TS.CallExpression => ts.isCallExpression(node) && ts.isIdentifier(node.expression) && translators.has(node.expression.text);
  const result: Analysis = { keys: new Map(), nonLiteral: [], bypasses: [] };

  /** Flags the English in `expr`, an expression whose value is shown; a translation or any other call is not looked into. */
  const shown = (expr: TS.Node | undefined): void => {
    if (!expr) return;
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) {
      if (hasWords(expr.text)) result.bypasses.push(`${where(expr)}: ${JSON.stringify(expr.text)}`);
    } else if (ts.isTemplateExpression(expr)) {
      const parts = [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)];
      if (parts.some(hasWords)) result.bypasses.push(`${where(expr)}: ${expr.getText()}`);
      for (const span of expr.templateSpans) shown(span.expression);
    } else if (ts.isConditionalExpression(expr)) {
      shown(expr.whenTrue);
      shown(expr.whenFalse);
    } else if (ts.isBinaryExpression(expr)) {
      shown(expr.left);
      shown(expr.right);
    } else if (ts.isParenthesizedExpression(expr) || ts.isSpreadElement(expr) || ts.isAsExpression(expr)) {
      shown(expr.expression);
    } else if (ts.isArrayLiteralExpression(expr)) {
      for (const e of expr.elements) shown(e);
    }
  };
  const attributes = (expr: TS.Node | undefined): void => {
    if (!expr || !ts.isObjectLiteralExpression(expr)) return;
    for (const p of expr.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const name = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : '';
      if (TEXT_ATTRIBUTES.has(name)) shown(p.initializer);
    }
  };

  const visit = (node: TS.Node): void => {
    if (isTranslation(node)) {
      const [first] = node.arguments;
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) result.keys.set(first.text, where(node));
      else result.nonLiteral.push(`${where(node)}: ${node.getText()}`);
      // The key is translated; the arguments may be more text to check.
      for (const arg of node.arguments.slice(1)) shown(arg);
    } else if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)) {
      if (ts.isPropertyAccessExpression(node.left) && TEXT_PROPERTIES.has(node.left.name.text)) shown(node.right);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const args = node.arguments;
      if (ts.isIdentifier(callee) && ELEMENT_HELPERS.has(callee.text)) {
        attributes(args[1]);
        for (const child of args.slice(2)) shown(child);
      } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'setAttribute') {
        if (args[0] && ts.isStringLiteral(args[0]) && TEXT_ATTRIBUTES.has(args[0].text)) shown(args[1]);
      } else if (ts.isPropertyAccessExpression(callee) && TEXT_METHODS.has(callee.name.text)) {
        for (const arg of args) shown(arg);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return result;
}

const files = sources('webview');
const analyses = files.map((file) => analyze(file, readFileSync(file, 'utf8')));
const keys = new Map(analyses.flatMap((a) => [...a.keys]));
const korean = JSON.parse(readFileSync('l10n/webview.ko.json', 'utf8')) as Record<string, string>;

const placeholdersOf = (text: string) => [...text.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();
const codeSpans = (text: string) => [...text.matchAll(/`[^`]+`/g)].map((m) => m[0]).sort();

test('every t() call in webview/ has a string literal as its key', () => {
  assert.ok(files.length > 20, `only ${files.length} webview sources found: is the test running from the repo root?`);
  assert.ok(keys.size > 100, `only ${keys.size} keys found`);
  assert.deepEqual(analyses.flatMap((a) => a.nonLiteral), []);
});

test('l10n/webview.ko.json translates exactly the keys webview/ uses', () => {
  const missing = [...keys.keys()].filter((k) => !Object.hasOwn(korean, k)).map((k) => `${keys.get(k)}: ${k}`);
  const unused = Object.keys(korean).filter((k) => !keys.has(k));
  assert.deepEqual(missing, [], 'keys without a translation');
  assert.deepEqual(unused, [], 'translations no t() call uses');
});

test('each Korean string keeps its placeholders and code spans, and is Korean', () => {
  for (const [english, ko] of Object.entries(korean)) {
    assert.equal(typeof ko, 'string', english);
    assert.deepEqual(placeholdersOf(ko), placeholdersOf(english), `placeholders of ${english}: ${ko}`);
    assert.deepEqual(codeSpans(ko), codeSpans(english), `code spans of ${english}: ${ko}`);
    assert.match(ko, /[\uac00-\ud7a3]/, `not Korean: ${english} → ${ko}`);
  }
});

test('no text in webview/ is shown to users without t()', () => {
  assert.deepEqual(analyses.flatMap((a) => a.bypasses), []);
});

test('the scanner finds English that bypasses t(), and lets translations and identifiers through', () => {
  const planted = `
    import { h } from './dom';
    import { t as tr } from './strings';
    el.textContent = 'Waiting for a run';
    el.title = \`\${n} layers\`;
    status.textContent += ' · stale';
    h('p', { class: 'empty two words', title: ok ? 'Select a layer' : tr('fine') }, 'No tensors yet', tr('Heatmaps'));
    cell.setAttribute('aria-label', \`Heatmaps of layer \${name}\`);
    row.replaceChildren('Debugger: ', span);
    tr(key);
  `;
  const a = analyze('planted.ts', planted);
  assert.equal(a.bypasses.length, 7, a.bypasses.join('\n'));
  assert.deepEqual([...a.keys.keys()].sort(), ['Heatmaps', 'fine']);
  assert.equal(a.nonLiteral.length, 1);
  const clean = `
    import { h } from './dom';
    import { t } from './strings';
    el.textContent = t('Waiting for a run');
    el.title = n === 1 ? t('{0} layer', n) : t('{0} layers', n);
    h('td', { class: 'num wide', title: fmtFull(v), 'aria-pressed': 'true' }, fmt(v), '×', 'dW', \`‖d\${name}‖\`, 'NaN/Inf');
    el.setAttribute('aria-pressed', 'false');
    el.addEventListener('click', () => undefined);
  `;
  assert.deepEqual(analyze('clean.ts', clean).bypasses, []);
});

test("t()'s substitution fills numbered placeholders and leaves one without an argument", () => {
  assert.equal(fill('{0} of {1} fail', ['2', 10]), '2 of 10 fail');
  assert.equal(fill('{1} {0} {1}', ['a', 'b']), 'b a b');
  assert.equal(fill('{0} and {1}', ['x']), 'x and {1}');
  assert.equal(fill('{0}', ['$&']), '$&', 'an argument is text, not a replacement pattern');
});

test('the host embeds the Korean table for ko, nothing for English, and its block cannot be broken out of', () => {
  assert.equal(WEBVIEW_STRINGS_ID, STRINGS_ID);
  assert.deepEqual(webviewStrings('en'), { lang: 'en', block: '' });
  assert.deepEqual(webviewStrings(undefined), { lang: 'en', block: '' });
  const ko = webviewStrings('ko', { Heatmaps: '히트맵' });
  assert.equal(ko.lang, 'ko');
  assert.equal(ko.block, `<script type="application/json" id="${STRINGS_ID}">{"Heatmaps":"히트맵"}</script>`);
  assert.equal(webviewStrings('ko-KR').lang, 'ko');

  const hostile = { '</script><script>alert(1)</script>': '<!-- </SCRIPT> <b>', 'a<b': 'c' };
  const block = stringsBlock(hostile);
  const inner = block.slice(block.indexOf('>') + 1, block.lastIndexOf('</script>'));
  assert.ok(!/</.test(inner), `a < inside the data block: ${inner}`);
  assert.equal(block.match(/<\/script/gi)?.length, 1, 'one end tag, the block’s own');
  assert.deepEqual(JSON.parse(inner), hostile, 'the page reads back the same table');
  // The real table is embedded whole.
  assert.deepEqual(JSON.parse(webviewStrings('ko').block.replace(/^<script[^>]*>/, '').replace(/<\/script>$/, '')), korean);
});
