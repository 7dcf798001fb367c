// The spec editor's completions and key hovers in a language: the schema's descriptions from
// l10n/schema.ko.json (by their English text, as VS Code's bundles are keyed), the fixed words from
// the spec catalogue, keys and values as they are. No vscode here, so the unit tests render it too.
import schemaKo from '../../l10n/schema.ko.json';
import { render } from '../catalogues';
import type { Catalogue, Language } from '../message';
import type { AssistPiece, AssistText } from '../spec/assist';

/** The schema's descriptions by their English text, in each language but English. */
export const SCHEMA_TRANSLATIONS: Readonly<Record<Exclude<Language, 'en'>, Catalogue>> = { ko: schemaKo };

/** A piece in `language` (not English): a description its translation lacks stays English. */
function pieceIn(piece: AssistPiece, language: Exclude<Language, 'en'>): string {
  if ('verbatim' in piece) return piece.verbatim;
  if ('description' in piece) {
    const translation = SCHEMA_TRANSLATIONS[language];
    return Object.hasOwn(translation, piece.description) ? translation[piece.description] : piece.description;
  }
  return render(piece, language);
}

/** `text` in `language`: its own English `message` in English. */
export function assistIn(text: AssistText, language: Language): string {
  return language === 'en' ? text.message : text.pieces.map((p) => pieceIn(p, language)).join(text.separator);
}
