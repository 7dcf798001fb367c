// Every pure module's catalogue, in each language: what the host and the CLI render messages with.
import engineKo from '../l10n/engine.ko.json';
import specKo from '../l10n/spec.ko.json';
import { ENGINE_MESSAGES } from './engine/messages';
import { renderMessage, type Catalogue, type Language, type Message } from './message';
import { SPEC_MESSAGES } from './spec/messages';

export const ENGLISH: Catalogue = { ...SPEC_MESSAGES, ...ENGINE_MESSAGES };

export const TRANSLATIONS: Readonly<Record<Exclude<Language, 'en'>, Catalogue>> = {
  ko: { ...specKo, ...engineKo },
};

/** `message` in `language`, falling back to English for an id the translation lacks. */
export function render(message: Message, language: Language): string {
  return renderMessage(message, ENGLISH, language === 'en' ? {} : TRANSLATIONS[language]);
}
