// Where users write specs: hovers, CodeLens, completion, live diagnostics with gradient-health
// findings, and their quick fixes. Every provider works on the cached parse (specs.ts) and the last
// run (store.ts); none runs the engine.
import * as vscode from 'vscode';
import { fmt, fmtFull, fmtPercent } from '../format';
import type { Finding } from '../protocol';
import { completionsAt, keyHoverAt } from '../spec/assist';
import { fixAll, specFix, type SpecFix, type TextEdit } from '../spec/fixes';
import type { Problem } from '../spec/model';
import { layerTypeName, lossTypeName } from '../spec/type-names';
import { count, said } from './locale';
import { fileName, isSpec, toRange, type SpecIndex } from './specs';
import type { LayerResult, RunStore, SpecRun } from './store';
import { gradToWeight, lensLine, mainGradient, staticLine, type LensWords } from './summary';

/** Document selector of spec files. */
export const SPEC_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.backprop.{yaml,yml,json}' }];

/** Arguments of `backprop.showLayer` in a command link. */
const showLayerLink = (uri: vscode.Uri, index: number) =>
  `command:backprop.showLayer?${encodeURIComponent(JSON.stringify([uri.toString(), index]))}`;

/** Findings about layer `index`. */
const findingsOf = (findings: readonly Finding[], index: number) => findings.filter((f) => f.index === index);

/** Hover text for a layer: static facts always, last-run figures after a run. */
/** A figure for a hover: its minus signs cannot break a line, as '4.45e-7' would in a narrow editor. */
const num = (v: number | null | undefined): string => fmt(v).replace(/-/g, '\u2011');

/** The header of a hover's table of statistics, `nonFinite` with a NaN/Inf column. */
function statsHeader(nonFinite: boolean): string {
  const names = [
    vscode.l10n.t({ message: 'mean', comment: ["A column of a hover's table of a tensor's statistics: the mean."] }),
    vscode.l10n.t({ message: 'std', comment: ["A column of a hover's table of a tensor's statistics: the standard deviation."] }),
    vscode.l10n.t({ message: 'min', comment: ["A column of a hover's table of a tensor's statistics: the minimum."] }),
    vscode.l10n.t({ message: 'max', comment: ["A column of a hover's table of a tensor's statistics: the maximum."] }),
    ...(nonFinite ? ['NaN/Inf'] : []),
  ];
  return `| | ${names.join(' | ')} |\n|---|${names.map(() => '--:').join('|')}|\n`;
}

/** A hover's parameter count, as `39,250 params`. */
const params = (n: string) => vscode.l10n.t({ message: '{0} params', args: [n], comment: ["A layer's hover: how many parameters (weights and biases) it has."] });

/** The CodeLens line's words in the display language. */
const LENS_WORDS: LensWords = {
  dead: (percent) => vscode.l10n.t({ message: 'dead {0}', args: [percent], comment: ["A ReLU layer's CodeLens: the share of its units dead (never firing) for the whole batch."] }),
  deadFilters: (percent) => vscode.l10n.t({ message: 'dead filters {0}', args: [percent], comment: ["A ReLU layer's CodeLens after a convolution: the share of its filters dead for the whole batch."] }),
  masked: (percent) => vscode.l10n.t({ message: 'masked {0}', args: [percent], comment: ["A Dropout or pooling layer's CodeLens: the share of its mask that blocks values."] }),
  checkOk: () => vscode.l10n.t({ message: 'check ok', comment: ["A layer's CodeLens: its gradient check passed."] }),
  checkFailed: (error) => vscode.l10n.t({ message: 'check FAIL (max rel {0})', args: [error], comment: ["A layer's CodeLens: its gradient check failed, with the largest relative error."] }),
};

/** A link that shows layer `index` of `uri` in the side view. */
const showInSidePanel = (uri: vscode.Uri, index: number) => vscode.l10n.t('[Show in side panel]({0})', showLayerLink(uri, index));

/** The hover's line saying its figures are from a run of the spec before its latest edits. */
const staleFigures = () => vscode.l10n.t('_Figures from the last run: the spec has changed since._');

function layerHover(uri: vscode.Uri, index: number, name: string, type: string, shape: { inShape: number[]; outShape: number[]; paramCount: number } | undefined, layer: LayerResult | undefined, findings: readonly Finding[], stale: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.isTrusted = { enabledCommands: ['backprop.showLayer'] };
  md.appendMarkdown('**');
  md.appendText(name);
  md.appendMarkdown('** · ');
  md.appendText(shape ? staticLine(type, shape.inShape, shape.outShape, shape.paramCount, params) : type);
  md.appendMarkdown('\n\n');
  if (!layer?.activation) {
    md.appendMarkdown(vscode.l10n.t('_Run Backprop to see its activations and gradients._'));
    return md;
  }
  if (stale) md.appendMarkdown(`${staleFigures()}\n\n`);
  const rows: [string, { mean: number | null; std: number | null; min: number | null; max: number | null; nan: number; posInf: number; negInf: number } | undefined][] = [
    [vscode.l10n.t({ message: 'activation', comment: ["A row of a layer's hover: its forward output."] }), layer.activation.stats],
    ['dx', layer.dx?.stats],
    ...Object.entries(layer.grads).map(([p, g]) => [`d${p}`, g.stats] as [string, typeof g.stats]),
  ];
  md.appendMarkdown(statsHeader(true));
  for (const [label, s] of rows) {
    if (s) md.appendMarkdown(`| ${label} | ${num(s.mean)} | ${num(s.std)} | ${num(s.min)} | ${num(s.max)} | ${count(s.nan)} / ${count(s.posInf + s.negInf)} |\n`);
  }
  const facts: string[] = [];
  if (layer.maskStats) {
    const { maskedFraction, deadFraction, deadUnits, unit } = layer.maskStats;
    const args = [fmtPercent(maskedFraction), fmtPercent(deadFraction), count(deadUnits)];
    facts.push(unit === 'filter' ? vscode.l10n.t('masked {0}, dead {1} ({2} filters for the whole batch)', ...args) : vscode.l10n.t('masked {0}, dead {1} ({2} units for the whole batch)', ...args));
  }
  const grad = mainGradient(layer);
  if (grad) facts.push(`‖${grad.name}‖ ${num(grad.stats.l2)}`);
  const ratio = gradToWeight(layer);
  if (ratio !== null) facts.push(`‖${grad?.name}‖/‖${grad?.name.slice(1)}‖ ${num(ratio)}`);
  if (facts.length) md.appendMarkdown(`\n${facts.join(' · ')}\n\n`);
  for (const [param, c] of Object.entries(layer.checks)) {
    const args = [param, num(c.meanAbsDiff), num(c.maxAbsDiff), num(c.maxRelError)];
    const line = c.ok
      ? vscode.l10n.t('Gradient check {0}: mean |a−n| {1}, max |a−n| {2}, max rel {3} — ok', ...args)
      : vscode.l10n.t('Gradient check {0}: mean |a−n| {1}, max |a−n| {2}, max rel {3} — **{4} failing**', ...args, count(c.failures));
    md.appendMarkdown(`${line}\n\n`);
  }
  for (const f of findings) {
    md.appendMarkdown('⚠ ');
    md.appendText(said(f));
    md.appendMarkdown('\n\n');
  }
  md.appendMarkdown(showInSidePanel(uri, index));
  return md;
}

/** The loss's gradient as the panel, the hover and the CodeLens name it: the same for both losses. */
const LOSS_DX = 'dx = (y − t)/N';

/** Hover text for the `loss:` line: the last run's loss, and its prediction, targets and dx. */
function lossHover(uri: vscode.Uri, index: number, type: string, run: SpecRun | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.isTrusted = { enabledCommands: ['backprop.showLayer'] };
  md.appendMarkdown('**');
  md.appendText(run?.lossLayer.info?.name ?? type);
  md.appendMarkdown('** · ');
  md.appendText(type);
  md.appendMarkdown('\n\n');
  const { prediction, target, dx } = run?.lossLayer ?? {};
  if (run?.loss === null || run?.loss === undefined || !prediction || !target || !dx) {
    md.appendMarkdown(vscode.l10n.t('_Run Backprop to see the loss value._'));
    return md;
  }
  if (run.stale) md.appendMarkdown(`${staleFigures()}\n\n`);
  md.appendMarkdown(`${vscode.l10n.t({ message: 'loss = {0}', args: [fmtFull(run.loss).replace(/-/g, '\u2011')], comment: ['The value of the loss function.'] })}\n\n`);
  md.appendMarkdown(statsHeader(false));
  const rows = [
    [vscode.l10n.t({ message: 'prediction y', comment: ["A row of the loss's hover: the network's output y."] }), prediction.stats],
    [vscode.l10n.t({ message: 'targets t', comment: ["A row of the loss's hover: the targets (labels) t."] }), target.stats],
    [LOSS_DX, dx.stats],
  ] as const;
  for (const [label, s] of rows) {
    md.appendMarkdown(`| ${label} | ${num(s.mean)} | ${num(s.std)} | ${num(s.min)} | ${num(s.max)} |\n`);
  }
  md.appendMarkdown(`\n${vscode.l10n.t('{0} is the gradient the last layer receives as its dout.', LOSS_DX)}\n\n`);
  md.appendMarkdown(showInSidePanel(uri, index));
  return md;
}

/** The `loss:` line of a spec, from its start to the loss value's end. */
const lossLine = (r: { start: { line: number }; end: { line: number; character: number } }) => new vscode.Range(r.start.line, 0, r.end.line, r.end.character);

/** Hovers: layers and graph nodes from the spec and its last run; keys from the schema. */
export class SpecHovers implements vscode.HoverProvider {
  constructor(
    private readonly specs: SpecIndex,
    private readonly store: RunStore,
  ) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const parts: vscode.MarkdownString[] = [];
    const key = keyHoverAt(doc.getText(), fileName(doc.uri), doc.offsetAt(pos));
    if (key) parts.push(new vscode.MarkdownString(said(key.contents)));
    const { spec, shapes } = this.specs.get(doc);
    const run = this.store.get(doc.uri);
    let range: vscode.Range | undefined = key ? toRange(key.range) : undefined;
    if (spec?.form === 'network') {
      const index = spec.layers.findIndex((l) => toRange(l.range).contains(pos));
      if (index >= 0) {
        const l = spec.layers[index];
        const layer = run?.layers[index];
        const sameLayer = layer && layer.info.name === l.name ? layer : undefined;
        parts.push(layerHover(doc.uri, index, l.name, layerTypeName(l), shapes?.[index] ?? sameLayer?.info, sameLayer, run ? findingsOf(run.findings, index) : [], run?.stale ?? false));
        range ??= toRange(l.typeRange);
      } else if (spec.loss && lossLine(spec.lossRange).contains(pos)) {
        parts.push(lossHover(doc.uri, spec.layers.length, run?.lossLayer.info?.type ?? lossTypeName(spec, spec.pythonLoss?.className ?? 'lastLayer') ?? spec.loss, run));
        range ??= toRange(spec.lossRange);
      }
    } else if (spec?.form === 'graph') {
      const node = [...spec.inputs, ...spec.nodes].find((n) => toRange(n.range).contains(pos));
      if (node) {
        const md = new vscode.MarkdownString();
        md.appendMarkdown('**');
        md.appendText(node.name);
        md.appendMarkdown('**');
        const result = run?.graph?.find((n) => n.name === node.name);
        if (result) {
          md.appendText(` = ${fmtFull(result.value)}, ∂${spec.output}/∂${node.name} = ${fmtFull(result.grad)}`);
          if (run?.stale) md.appendMarkdown(`\n\n${vscode.l10n.t('_From the last run: the spec has changed since._')}`);
        } else {
          md.appendMarkdown(`\n\n${vscode.l10n.t('_Run Backprop to see its value and gradient._')}`);
        }
        parts.push(md);
        range ??= toRange(node.range);
      }
    }
    return parts.length ? new vscode.Hover(parts, range) : undefined;
  }
}

/** A CodeLens line of a run the spec was edited after. */
const staleLens = (line: string) => vscode.l10n.t({ message: '{0} (stale)', args: [line], comment: ["A layer's CodeLens figures ({0}), from a run before the spec's latest edits."] });

/** CodeLens: run and check above the spec, train above its train: section, and a one-line summary above each layer after a run. */
export class SpecLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly specs: SpecIndex,
    private readonly store: RunStore,
  ) {
    store.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: vscode.l10n.t('▶ Run Backprop'), command: 'backprop.run', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: vscode.l10n.t('Gradient check'), command: 'backprop.check', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: vscode.l10n.t('Debug'), tooltip: vscode.l10n.t('Debug Backprop: step through forward and backward'), command: 'backprop.debug', arguments: [doc.uri] }),
    ];
    const { spec } = this.specs.get(doc);
    if (spec?.form === 'network' && spec.train) {
      const at = toRange(spec.train.keyRange).start;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(at, at), { title: vscode.l10n.t('▶ Train'), tooltip: vscode.l10n.t('Backprop: Train (the train: section below)'), command: 'backprop.train', arguments: [doc.uri] }),
        new vscode.CodeLens(new vscode.Range(at, at), {
          title: vscode.l10n.t('Debug training'),
          tooltip: vscode.l10n.t('Backprop: Debug Training: breakpoints choose the step ({0}, a hit count) or stop at the first NaN', 'iteration == 1208'),
          command: 'backprop.debugTraining',
          arguments: [doc.uri],
        }),
      );
    }
    const run = this.store.get(doc.uri);
    if (spec?.form !== 'network' || !run?.done) return lenses;
    spec.layers.forEach((l, index) => {
      const layer = run.layers[index];
      if (!layer || layer.info.name !== l.name) return;
      const line = lensLine(layer, findingsOf(run.findings, index), LENS_WORDS);
      if (!line) return;
      const title = run.stale ? staleLens(line) : line;
      lenses.push(new vscode.CodeLens(toRange(l.range).with({ end: toRange(l.range).start }), { title, command: 'backprop.showLayer', arguments: [doc.uri.toString(), index] }));
    });
    if (spec.loss && run.loss !== null) {
      const at = toRange(spec.lossRange).start.with({ character: 0 });
      const line = vscode.l10n.t({ message: 'loss {0} · {1}', args: [fmt(run.loss), LOSS_DX], comment: ["The loss's CodeLens: its value and its gradient's formula."] });
      const command = { title: run.stale ? staleLens(line) : line, command: 'backprop.showLayer', arguments: [doc.uri.toString(), spec.layers.length] };
      lenses.push(new vscode.CodeLens(new vscode.Range(at, at), command));
    }
    return lenses;
  }
}

/** Completion of keys and values from the spec schema, in YAML and JSON alike. */
export class SpecCompletions implements vscode.CompletionItemProvider {
  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    const { items, range } = completionsAt(doc.getText(), fileName(doc.uri), doc.offsetAt(pos));
    return items.map((i) => {
      const item = new vscode.CompletionItem(i.label, i.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember);
      if (i.detail) item.detail = said(i.detail);
      if (i.documentation) item.documentation = new vscode.MarkdownString(said(i.documentation));
      if (i.insertText) item.insertText = i.insertText;
      if (range) item.range = toRange(range);
      return item;
    });
  }
}

/** One problem as a diagnostic from source "backprop". */
export function toDiagnostic(p: Problem): vscode.Diagnostic {
  const { start, end } = p.range;
  const severity = p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const d = new vscode.Diagnostic(new vscode.Range(start.line, start.character, end.line, end.character), said(p), severity);
  d.source = 'backprop';
  return d;
}

/** A finding's diagnostic, remembered with the finding so its quick fix can be found again. */
interface FindingDiagnostic {
  /** Where the diagnostic is. */
  range: vscode.Range;
  finding: Finding;
}

/** A misspelling's diagnostic, remembered with the text that corrects it. */
interface ReplacementDiagnostic {
  range: vscode.Range;
  message: string;
  replacement: string;
}

/** Spec problems as the user types (debounced), plus the last run's findings on their layers. */
export class LiveDiagnostics implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Problems the worker found loading data (missing files, say), until the next run. */
  private readonly dataProblems = new Map<string, Problem[]>();
  private readonly findingDiagnostics = new Map<string, FindingDiagnostic[]>();
  private readonly replacements = new Map<string, ReplacementDiagnostic[]>();

  constructor(
    private readonly collection: vscode.DiagnosticCollection,
    private readonly specs: SpecIndex,
    private readonly store: RunStore,
    /** Hears that the diagnostics of a spec were recomputed (after a pause in typing, or a run). */
    private readonly onUpdate: (doc: vscode.TextDocument) => void = () => undefined,
    private readonly delayMs = 250,
  ) {}

  /** Recomputes the diagnostics of `doc` after a pause in typing. */
  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.update(doc);
      }, this.delayMs),
    );
  }

  /** Records what the worker found loading the spec's data. */
  setDataProblems(doc: vscode.TextDocument, problems: Problem[]): void {
    this.dataProblems.set(doc.uri.toString(), problems);
    this.update(doc);
  }

  /** Recomputes the diagnostics of `doc` now. */
  update(doc: vscode.TextDocument): void {
    if (!isSpec(doc.uri) || doc.isClosed) return;
    const key = doc.uri.toString();
    const { spec, problems } = this.specs.get(doc);
    const seen = new Set(problems.map((p) => `${p.message}@${p.range.start.line}:${p.range.start.character}`));
    const data = (this.dataProblems.get(key) ?? []).filter((p) => !seen.has(`${p.message}@${p.range.start.line}:${p.range.start.character}`));
    const diagnostics = [...problems, ...data].map(toDiagnostic);
    this.replacements.set(
      key,
      problems.flatMap((p, i) => (p.replacement === undefined ? [] : [{ range: diagnostics[i].range, message: diagnostics[i].message, replacement: p.replacement }])),
    );
    const run = this.store.get(doc.uri);
    const placed: FindingDiagnostic[] = [];
    if (spec?.form === 'network' && run) {
      for (const finding of run.findings) {
        const l = spec.layers[finding.index];
        if (!l || run.layers[finding.index]?.info.name !== l.name) continue;
        const range = toRange(l.typeRange);
        const d = new vscode.Diagnostic(range, run.stale ? vscode.l10n.t('{0} (last run, before your edits)', said(finding)) : said(finding), vscode.DiagnosticSeverity.Warning);
        d.source = 'backprop';
        d.code = finding.kind;
        diagnostics.push(d);
        placed.push({ range, finding });
      }
    }
    this.findingDiagnostics.set(key, placed);
    this.collection.set(doc.uri, diagnostics);
    this.onUpdate(doc);
  }

  /** The finding behind a diagnostic, if it is one of ours. */
  findingFor(uri: vscode.Uri, d: vscode.Diagnostic): Finding | undefined {
    return this.findingDiagnostics.get(uri.toString())?.find((f) => f.range.isEqual(d.range) && f.finding.kind === d.code)?.finding;
  }

  /** The text that corrects a misspelling's diagnostic, if it is one of ours. */
  replacementFor(uri: vscode.Uri, d: vscode.Diagnostic): string | undefined {
    return this.replacements.get(uri.toString())?.find((r) => r.range.isEqual(d.range) && r.message === d.message)?.replacement;
  }

  /** Forgets a closed document, and takes its diagnostics (a last run's findings among them) off the Problems view. */
  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.dataProblems.delete(key);
    this.findingDiagnostics.delete(key);
    this.replacements.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}

/** The fixes the last run's findings propose, as edits of `doc` as it is now. */
export interface RunFixes {
  /** The fix of each of the run's findings, by its index; null without one, when it would change nothing, or when its layers changed since the run. */
  fixes: (SpecFix | null)[];
  /** Fix all: what it changes, and its edits; null when nothing. */
  all: ReturnType<typeof fixAll>;
}

/** What the last run's findings of `doc` would fix now. A layer counts only while it has the name it had in the run. */
export function runFixes(doc: vscode.TextDocument, specs: SpecIndex, store: RunStore): RunFixes {
  const run = store.get(doc.uri);
  const { spec } = specs.get(doc);
  if (!run || spec?.form !== 'network') return { fixes: [], all: null };
  const names = spec.layers.map((l) => l.name);
  const same = (i: number) => run.layers[i]?.info.name === names[i];
  const findings = run.findings.map((f) => {
    if (!same(f.index)) return {};
    const alsoFix = (f.alsoFix ?? []).filter((x) => same(x.layer));
    return { ...(f.fix && same(f.fix.layer) && { fix: f.fix }), ...(alsoFix.length > 0 && { alsoFix }) };
  });
  const text = doc.getText();
  const file = fileName(doc.uri);
  return { fixes: findings.map((f) => (f.fix ? specFix(text, file, names, f.fix) : null)), all: fixAll(text, file, names, findings) };
}

/** `edits` of the document at `uri` as a workspace edit. */
export function workspaceEdit(uri: vscode.Uri, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(uri, toRange(e.range), e.newText);
  return edit;
}

/** The title of Fix all, as a quick fix and as a source action, for its number of changes. */
function fixAllTitle(changes: number): string {
  return changes === 1 ? vscode.l10n.t('Fix all findings in this spec (1 change)') : vscode.l10n.t('Fix all findings in this spec ({0} changes)', count(changes));
}

/**
 * Quick fixes: a finding's known fix (an edit of the init of the layer at fault), a misspelt key or
 * name corrected, and Fix all (also as source.fixAll, for editor.codeActionsOnSave) when the findings
 * propose more than one change.
 */
export class FindingFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.SourceFixAll];

  constructor(
    private readonly diagnostics: LiveDiagnostics,
    private readonly specs: SpecIndex,
    private readonly store: RunStore,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const run = this.store.get(doc.uri);
    const planned = runFixes(doc, this.specs, this.store);
    const onFindings: vscode.Diagnostic[] = [];
    for (const d of context.diagnostics) {
      const replacement = this.diagnostics.replacementFor(doc.uri, d);
      if (replacement !== undefined) {
        const bare = (t: string) => t.replace(/^["']|["']$/g, '');
        const action = new vscode.CodeAction(vscode.l10n.t("Change '{0}' to '{1}'", bare(doc.getText(d.range)), bare(replacement)), vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        action.isPreferred = true;
        action.edit = workspaceEdit(doc.uri, [{ range: { start: d.range.start, end: d.range.end }, newText: replacement }]);
        actions.push(action);
      }
      const finding = this.diagnostics.findingFor(doc.uri, d);
      const fix = finding && run ? planned.fixes[run.findings.indexOf(finding)] : undefined;
      if (!fix) continue;
      onFindings.push(d);
      const action = new vscode.CodeAction(said({ ...fix.label, message: fix.title }), vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.edit = workspaceEdit(doc.uri, fix.edits);
      actions.push(action);
    }
    const all = planned.all;
    if (all && all.changes.length > 1 && onFindings.length > 0) actions.push(this.fixAll(doc, all, vscode.CodeActionKind.QuickFix, onFindings));
    const only = context.only;
    if (all && only && (only.contains(vscode.CodeActionKind.SourceFixAll) || vscode.CodeActionKind.SourceFixAll.contains(only))) {
      actions.push(this.fixAll(doc, all, vscode.CodeActionKind.SourceFixAll, []));
    }
    return actions;
  }

  private fixAll(doc: vscode.TextDocument, all: NonNullable<RunFixes['all']>, kind: vscode.CodeActionKind, diagnostics: vscode.Diagnostic[]): vscode.CodeAction {
    const action = new vscode.CodeAction(fixAllTitle(all.changes.length), kind);
    action.diagnostics = diagnostics;
    action.edit = workspaceEdit(doc.uri, all.edits);
    return action;
  }
}
