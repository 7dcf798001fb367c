// Every pure module's catalogue, in each language: what the host and the CLI render messages with.
import cliKo from '../l10n/cli.ko.json';
import debugKo from '../l10n/debug.ko.json';
import engineKo from '../l10n/engine.ko.json';
import hostKo from '../l10n/host.ko.json';
import specKo from '../l10n/spec.ko.json';
import { CLI_MESSAGES } from './cli/messages';
import { DEBUG_MESSAGES } from './debug/messages';
import { ENGINE_MESSAGES } from './engine/messages';
import { HOST_MESSAGES } from './extension/host-messages';
import { renderMessage, type Catalogue, type Language, type Message, type Sentence } from './message';
import { SPEC_MESSAGES } from './spec/messages';

export const ENGLISH: Catalogue = { ...SPEC_MESSAGES, ...ENGINE_MESSAGES, ...CLI_MESSAGES, ...HOST_MESSAGES, ...DEBUG_MESSAGES };

export const TRANSLATIONS: Readonly<Record<Exclude<Language, 'en'>, Catalogue>> = {
  ko: { ...specKo, ...engineKo, ...cliKo, ...hostKo, ...debugKo },
};

/**
 * `message` in `language`, falling back to English for an id the translation lacks. Arguments that
 * are phrases of their own (`parts`, as a spec problem's "got a list") are rendered in `language` first.
 */
export function render(message: Message & { parts?: Readonly<Record<string, Message>> }, language: Language): string {
  const parts = Object.entries(message.parts ?? {}).map(([name, part]) => [name, render(part, language)]);
  const args = parts.length > 0 ? { ...message.args, ...Object.fromEntries(parts) } : message.args;
  return renderMessage({ id: message.id, args }, ENGLISH, language === 'en' ? {} : TRANSLATIONS[language]);
}

/** `s` in `language`: its English `message` unless it carries a message of a catalogue (anything may arrive from a worker). */
export function sentenceIn(s: Sentence, language: Language): string {
  return language === 'en' || s.id === undefined || !Object.hasOwn(ENGLISH, s.id) ? s.message : render({ id: s.id, args: s.args ?? {}, ...(s.parts && { parts: s.parts }) }, language);
}
