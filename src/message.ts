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

/**
 * A sentence for people: its English `message` and, when a catalogue has it, the message (`id`,
 * `args`, and `parts`: arguments that are messages of their own) that says it in other languages.
 */
export interface Sentence {
  message: string;
  id?: string;
  args?: MessageArgs;
  parts?: Readonly<Record<string, Message>>;
}

/** The sentence of `s` alone, without the fields of what carries it (a problem's range, an outcome's status). */
export function sentenceOf(s: Sentence): Sentence {
  return { message: s.message, ...(s.id !== undefined && { id: s.id, args: s.args ?? {} }), ...(s.parts !== undefined && { parts: s.parts }) };
}

/**
 * Message `id` of `template` filled with `args`, as a sentence with its English text. An argument
 * that is a sentence with a message of its own goes in `parts` too, so it is said in the user's language.
 */
export function sentence(id: string, template: string, args: Readonly<Record<string, string | Sentence>> = {}): Sentence {
  const text: Record<string, string> = {};
  const parts: Record<string, Message> = {};
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === 'string') {
      text[name] = value;
      continue;
    }
    text[name] = value.message;
    if (value.id !== undefined) parts[name] = { id: value.id, args: value.args ?? {}, ...(value.parts && { parts: value.parts }) };
  }
  return { message: fillTemplate(template, text), id, args: text, ...(Object.keys(parts).length > 0 && { parts }) };
}

/** A sentence's English text: how a pure module says it when its host gives no display language. */
export const inEnglish = (s: Sentence): string => s.message;

/** An error whose text is a sentence, so the edge can show it in the user's language. */
export class SentenceError extends Error implements Sentence {
  readonly id?: string;
  readonly args?: MessageArgs;
  readonly parts?: Readonly<Record<string, Message>>;

  constructor(s: Sentence) {
    super(s.message);
    if (s.id !== undefined) {
      this.id = s.id;
      this.args = s.args ?? {};
    }
    if (s.parts !== undefined) this.parts = s.parts;
  }
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
