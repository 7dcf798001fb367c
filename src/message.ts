// A sentence that a pure module (spec, engine) shows to people, kept as an id and its arguments so
// the host and the CLI can render it in the user's language. Each module's English templates are
// the catalogue's source; a translation is a JSON file of the same ids under l10n/.

/** Values a template fills in. Numbers arrive formatted (fmt, fmtCount…), so every argument is text. */
export type MessageArgs = Readonly<Record<string, string>>;

/** A message of a catalogue: its id and what fills the template's `{name}` placeholders. */
export interface Message {
  id: string;
  args: MessageArgs;
}

/** Templates by message id, e.g. `{ 'spec.unknownKey': "unknown key '{key}'" }`. */
export type Catalogue = Readonly<Record<string, string>>;

/** The languages the product speaks; English is the default and the fallback. */
export type Language = 'en' | 'ko';

/**
 * `template` with each `{name}` replaced by `args[name]`. A placeholder with no argument stays as it
 * is, so a missing argument shows in the text rather than vanishing.
 */
export function fillTemplate(template: string, args: MessageArgs): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(args, name) ? args[name] : whole));
}

/** `message` in `translation` when it has the id, else in `english`. */
export function renderMessage(message: Message, english: Catalogue, translation: Catalogue = {}): string {
  const template = translation[message.id] ?? english[message.id];
  return template === undefined ? message.id : fillTemplate(template, message.args);
}

/** The placeholders a template uses, sorted: a translation must use the same ones. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/**
 * The language of a locale tag (VS Code's `env.language`, or POSIX `ko_KR.UTF-8`): Korean for any
 * tag starting with `ko`, else English.
 */
export function languageOf(locale: string | undefined): Language {
  return locale !== undefined && /^ko(?:[-_.]|$)/i.test(locale) ? 'ko' : 'en';
}
