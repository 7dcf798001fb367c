// The spec's file readers say what is wrong as a phrase; tests read its English text.
import type { Phrase } from '../../src/spec/model';
import { englishOf } from '../../src/spec/problem';

/** `result` with its error phrase (if any) as English text. */
export function inEnglish<T extends object>(result: T | { error: Phrase }): T | { error: string } {
  return 'error' in result && typeof result.error === 'object' ? { error: englishOf(result.error as Phrase) } : (result as T);
}
