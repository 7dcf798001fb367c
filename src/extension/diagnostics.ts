// Spec problems as VS Code diagnostics, on the exact range the spec language found.
import * as vscode from 'vscode';
import type { Problem } from '../spec/model';

/** One problem as a diagnostic from source "backprop". */
export function toDiagnostic(p: Problem): vscode.Diagnostic {
  const { start, end } = p.range;
  const severity = p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const d = new vscode.Diagnostic(new vscode.Range(start.line, start.character, end.line, end.character), p.message, severity);
  d.source = 'backprop';
  return d;
}
