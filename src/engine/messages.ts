// English templates of what the engine tells people (findings, gradient-check summaries, custom and
// Python layer errors), by message id. The Korean is in l10n/engine.ko.json, with the same ids and
// placeholders (test/unit/messages.test.ts).
import type { Catalogue } from '../message';

export const ENGINE_MESSAGES = {} satisfies Catalogue;
