// English templates of every problem the spec reader reports, by message id. The Korean is in
// l10n/spec.ko.json, with the same ids and placeholders (test/unit/messages.test.ts).
import type { Catalogue } from '../message';

export const SPEC_MESSAGES = {} satisfies Catalogue;
