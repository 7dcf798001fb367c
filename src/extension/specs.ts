// Parsed specs by document version: hovers, CodeLens, completion and cursor tracking all ask for the
// same document many times between edits, and parse it once.
import * as vscode from 'vscode';
import { analyseSpec, type AnalysedSpec, type Range as SpecRange } from '../spec/analyse';
import type { SpecText } from './engine-client';

/** The spec file suffixes: .backprop.yaml, .backprop.yml, .backprop.json. */
export const SPEC_FILE = /\.backprop\.(ya?ml|json)$/i;

/** True for *.backprop.yaml, *.backprop.yml and *.backprop.json. */
export function isSpec(uri: vscode.Uri): boolean {
  return SPEC_FILE.test(uri.path);
}

/** The file name of a URI. */
export function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? '';
}

/** A spec range as a VS Code range. */
export function toRange(r: SpecRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Parses spec documents, caching one parse per document version. */
export class SpecIndex {
  private readonly cache = new Map<string, { version: number; parsed: AnalysedSpec }>();

  /** The parse of `doc` at its current version. Pure and quick; never throws. */
  get(doc: vscode.TextDocument): AnalysedSpec {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.parsed;
    const parsed = analyseSpec(doc.getText(), fileName(doc.uri));
    this.cache.set(key, { version: doc.version, parsed });
    return parsed;
  }

  /** Index of the network layer on the line of `pos` (its item's lines, indentation included), or -1. */
  layerAt(doc: vscode.TextDocument, pos: vscode.Position): number {
    const { spec } = this.get(doc);
    if (spec?.form !== 'network') return -1;
    // A block item's range may end at column 0 of the next line, which belongs to the next item.
    const lastLine = (r: SpecRange) => (r.end.character === 0 && r.end.line > r.start.line ? r.end.line - 1 : r.end.line);
    return spec.layers.findIndex((l) => l.range.start.line <= pos.line && pos.line <= lastLine(l.range));
  }

  /** Forgets a closed document. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }
}

/** What the engine needs of a spec document: its text, file name and folder. */
export function specText(doc: vscode.TextDocument): SpecText {
  return { text: doc.getText(), fileName: fileName(doc.uri), folder: vscode.Uri.joinPath(doc.uri, '..').fsPath };
}
