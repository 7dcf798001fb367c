// Numbers in the host's messages, formatted for VS Code's display language (1,234 in English and
// Korean, 1.234 in German). The messages themselves go through vscode.l10n.t.
import * as vscode from 'vscode';

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
