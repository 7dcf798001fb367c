// Problems as messages of the spec catalogue: an id and its arguments, with the English sentence
// filled in for the tests, the logs and `--json`. The host and the CLI render them in the user's
// language (src/catalogues.ts).
import { ENGINE_MESSAGES } from '../engine/messages';
import { escapeControls } from '../format';
import { fillTemplate, type Catalogue, type Message } from '../message';
import { SPEC_MESSAGES } from './messages';
import type { Phrase, Problem, Range } from './model';

/** An id of the spec catalogue: a misspelt one does not compile. */
export type SpecMessageId = keyof typeof SPEC_MESSAGES;

/** What fills a template: text (numbers formatted already, values quoted from the spec), or a phrase of its own. */
export type PhraseArgs = Readonly<Record<string, string | Phrase>>;

const ENGLISH: Catalogue = { ...SPEC_MESSAGES, ...ENGINE_MESSAGES };

/** The English text of a message (of the spec's catalogue, or of the engine's that an error carried). */
export function englishOf(message: Message): string {
  const template = ENGLISH[message.id];
  return template === undefined ? message.id : fillTemplate(template, message.args);
}

/** Phrase `id` with `args`; an argument that is a phrase is kept in `parts` and given as English text in `args`. */
export function phrase(id: SpecMessageId, args: PhraseArgs = {}): Phrase {
  const text: Record<string, string> = {};
  const parts: Record<string, Phrase> = {};
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === 'string') {
      text[name] = value;
    } else {
      parts[name] = value;
      text[name] = englishOf(value);
    }
  }
  return Object.keys(parts).length > 0 ? { id, args: text, parts } : { id, args: text };
}

/** A problem saying `what` (a phrase, or an id and its arguments) at `range`. */
export function problemOf(what: Phrase, range: Range, severity: Problem['severity'], extra: Pick<Problem, 'replacement' | 'fromCode'> = {}): Problem {
  return { ...what, message: englishOf(what), range, severity, ...extra };
}

/** An error saying phrase `id` with `args` at `range`. */
export function specError(range: Range, id: SpecMessageId, args: PhraseArgs = {}, extra: Pick<Problem, 'replacement' | 'fromCode'> = {}): Problem {
  return problemOf(phrase(id, args), range, 'error', extra);
}

/** A warning saying phrase `id` with `args` at `range`. */
export function specWarning(range: Range, id: SpecMessageId, args: PhraseArgs = {}, extra: Pick<Problem, 'replacement' | 'fromCode'> = {}): Problem {
  return problemOf(phrase(id, args), range, 'warning', extra);
}

/** `p` with the control characters of its text escaped (see escapeControls): its message, arguments and parts. */
export function escapedPhrase<T extends Phrase>(p: T): T {
  const args = Object.fromEntries(Object.entries(p.args).map(([name, value]) => [name, escapeControls(value)]));
  const out: T = { ...p, args };
  if (p.parts) out.parts = Object.fromEntries(Object.entries(p.parts).map(([name, part]) => [name, escapedPhrase(part)]));
  if ('message' in p && typeof p.message === 'string') (out as T & { message: string }).message = escapeControls(p.message);
  return out;
}

/**
 * What an error thrown from outside the spec (the engine, the user's code, the OS, the Python
 * session) says: the engine's message when it carries one (`id` and `args`), else its text verbatim.
 */
export function thrown(e: unknown): string | Phrase {
  if (e instanceof Error) {
    const { id, args } = e as Error & Partial<Message>;
    if (typeof id === 'string' && Object.hasOwn(ENGINE_MESSAGES, id) && typeof args === 'object' && args !== null) return { id, args };
    return e.message;
  }
  return String(e);
}

/** What `e` says as a phrase: the engine's message when it carries one, else its text in `wrapper` (an error of the user's code by default). */
export function thrownPhrase(e: unknown, wrapper: SpecMessageId = 'spec.codeError'): Phrase {
  const said = thrown(e);
  return typeof said === 'string' ? phrase(wrapper, { error: said }) : said;
}
