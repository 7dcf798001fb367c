// How src/debug says its sentences: a message of DEBUG_MESSAGES, rendered in the session's
// language (English by default, byte for byte the template filled in).
import { render } from '../catalogues';
import type { Language, Message } from '../message';
import type { DebugMessageId } from './messages';

/** A debug message whose arguments may be phrases of their own (`a tensor [2, 3]`), said in the same language. */
export interface Phrase extends Message {
  parts?: Readonly<Record<string, Phrase>>;
}

/** Message `id` with `args`: text as it is, phrases as parts. */
export function phrase(id: DebugMessageId, args: Readonly<Record<string, string | Phrase>> = {}): Phrase {
  const text: Record<string, string> = {};
  const parts: Record<string, Phrase> = {};
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === 'string') text[name] = value;
    else parts[name] = value;
  }
  return { id, args: text, ...(Object.keys(parts).length > 0 && { parts }) };
}

/** Message `id` with `args` in `language`. */
export function say(language: Language, id: DebugMessageId, args: Readonly<Record<string, string | Phrase>> = {}): string {
  return render(phrase(id, args), language);
}

/** `p` in `language`. */
export const sayPhrase = (language: Language, p: Phrase): string => render(p, language);
