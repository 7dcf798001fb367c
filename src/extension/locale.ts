// The host's messages in VS Code's display language: numbers formatted for it (1,234 in English
// and Korean, 1.234 in German), and the pure modules' messages (spec problems, findings) rendered
// from their catalogues. The host's own sentences go through vscode.l10n.t.
import * as vscode from 'vscode';
import { sentenceIn } from '../catalogues';
import { languageOf, type Sentence } from '../message';
import type { RunEvent } from '../protocol';
import type { AssistText } from '../spec/assist';
import { assistIn } from './assist-text';

let formatter: { language: string; format: Intl.NumberFormat } | undefined;

/** An integer count with the display language's digit grouping. */
export function count(n: number): string {
  const language = vscode.env.language;
  if (formatter?.language !== language) {
    let format: Intl.NumberFormat;
    try {
      format = new Intl.NumberFormat(language);
    } catch {
      format = new Intl.NumberFormat('en-US');
    }
    formatter = { language, format };
  }
  return formatter.format.format(n);
}

/**
 * A spec problem's, a finding's or a failure's text, or a completion's or key hover's (AssistText),
 * in the display language. English is the text the module wrote (`message`), so what the tests and
 * logs read is unchanged.
 */
export function said(m: Sentence | AssistText): string {
  const language = languageOf(vscode.env.language);
  return 'pieces' in m ? assistIn(m, language) : sentenceIn(m, language);
}

/** A run event as the panels show it: its findings' sentences in the display language. */
export function inDisplayLanguage(event: RunEvent): RunEvent {
  return event.kind === 'findings' ? { ...event, findings: event.findings.map((f) => ({ ...f, message: said(f) })) } : event;
}
