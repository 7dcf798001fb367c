// The strings a webview page shows, as the host gives them: for a Korean VS Code, the catalogue
// l10n/webview.ko.json (English text → Korean, as webview/shared/strings.ts's t() reads it) in a
// JSON data block of the page, and the page's lang. English needs no table: t() falls back to the key.
// Pure (no vscode), so the escaping is tested without an editor.
import WEBVIEW_KO from '../l10n/webview.ko.json';
import { languageOf, type Language } from './message';

/** The id of the data block; webview/shared/strings.ts reads the block of this id. */
export const WEBVIEW_STRINGS_ID = 'backprop-strings';

/** What a page of language `lang` carries: its `<html lang>` and the data block to put in its head ('' for English). */
export interface WebviewStrings {
  lang: Language;
  block: string;
}

/**
 * `table` as a `<script type="application/json">` data block. A data block is not run (the page's
 * script-src does not apply), but the HTML parser still ends it at `</script` and treats `<!--` in it
 * specially: every `<` is written `\u003c`, which JSON.parse reads back as `<`.
 */
export function stringsBlock(table: Readonly<Record<string, string>>): string {
  const json = JSON.stringify(table).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${WEBVIEW_STRINGS_ID}">${json}</script>`;
}

/** The strings of a page for VS Code's display language `locale` (vscode.env.language). */
export function webviewStrings(locale: string | undefined, korean: Readonly<Record<string, string>> = WEBVIEW_KO): WebviewStrings {
  const lang = languageOf(locale);
  return { lang, block: lang === 'ko' ? stringsBlock(korean) : '' };
}
