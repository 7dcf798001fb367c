// `backprop run|check|train SPEC [--json] [--full]`: the engine in a terminal. Exit 0 when all is well,
// 1 when a gradient check failed or the loss is not finite, 2 on spec errors, 3 when the run failed
// (a custom layer's code, say). Never a stack trace. A spec with custom layers runs on a worker
// thread that the main thread ends when one call into their code outlasts --custom-timeout.
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { evaluateGraph, type GraphResult } from '../engine/graph';
import { gradientHealth, type Finding } from '../engine/health';
import { DEFAULT_THRESHOLDS } from '../engine/health-thresholds';
import { CustomLayerError } from '../engine/layers/custom';
import { createOptimizer } from '../engine/optimizers';
import { runNetwork } from '../engine/run';
import { graphTensors, runTensors, type RecordedTensor } from '../engine/run-record';
import { train } from '../engine/train';
import { initVariants, loadSpec, parseSpec, trainingSets, type GraphSpec, type LoadedSpec, type NetworkSpec, type Problem, type SpecIO } from '../spec';
import { loadSpecModules } from '../worker/custom-loader';
import { lazyPython, pythonNodes } from '../worker/python-io';
import { gradientProblems } from '../spec/python-network';
import { failOnUnhandledRejection } from '../worker/unhandled';
import { specFix } from '../spec/fixes';
import { Reader } from '../spec/reader';
import { graphReport, networkReport, reportJson, type CheckReport, type GraphReport, type NetworkReport } from './report';
import { escapeControls, fmt, fmtCount } from '../format';
import { version } from '../../package.json';
import { CallClock, DEFAULT_USER_CODE_SECONDS, overrunMessage, threadEndMessage, userCodeSeconds, watchUserCode, type ThreadEnd } from '../call-clock';
import { engineMemory, openDataFile } from '../node-io';
import { displayWidth, fmtAccuracy, padStartWidth, table } from './table';
import { runComparison, variantLines } from './compare';
import { diffCommand, diffUsage } from './diff';
import { runNpz } from '../spec/npz';
import { render, sentenceIn } from '../catalogues';
import { languageOf, type Language, type Message } from '../message';
import type { Phrase } from '../spec/model';
import type { CLI_MESSAGES } from './messages';

/** The language the CLI speaks (chosen in main: --lang, else LC_ALL, LC_MESSAGES, LANG); --json stays English. */
let language: Language = 'en';

/** A sentence of the CLI's own catalogue (src/cli/messages.ts) in the chosen language. */
function say(id: keyof typeof CLI_MESSAGES, args: Record<string, string> = {}): string {
  return render({ id, args }, language);
}

/**
 * The language of `--lang en|ko` (or `--lang=ko`), taken out of `argv`; else of the first of LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty, as POSIX orders them. A message for a bad value.
 */
export function chooseLanguage(argv: string[], env: NodeJS.ProcessEnv): Language | Message {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (at >= 0) {
    const value = argv[at] === '--lang' ? argv[at + 1] : argv[at].slice('--lang='.length);
    argv.splice(at, argv[at] === '--lang' && value !== undefined ? 2 : 1);
    if (value === undefined || value === '') return { id: 'cli.langNeedsValue', args: {} };
    if (value !== 'en' && value !== 'ko') return { id: 'cli.unknownLang', args: { lang: value } };
    return value;
  }
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return languageOf(locale);
}

/** The help text, in the chosen language. */
const usage = () => say('cli.usage', { seconds: String(DEFAULT_USER_CODE_SECONDS) });

/** What the command line asked for. */
interface Args {
  /** run, check or train. */
  command: 'run' | 'check' | 'train';
  /** Spec file path as given. */
  file: string;
  /** Print the JSON report. */
  json: boolean;
  /** Include full tensors in the JSON report. */
  full: boolean;
  /** Longest a call into custom code may run, in ms. */
  customTimeoutMs: number;
  /** Read only data files inside the spec's folder. */
  confine: boolean;
  /** The .npz file to save the run to (run and check), or null. */
  save: string | null;
}

function parseArgs(argv: string[]): Args | string {
  const [command, ...rest] = argv;
  if (command !== 'run' && command !== 'check' && command !== 'train') return command ? say('cli.unknownCommand', { command }) : say('cli.missingCommand');
  const saveAt = rest.findIndex((a) => a === '--save' || a.startsWith('--save='));
  const save = saveAt < 0 ? null : rest[saveAt] === '--save' ? (rest[saveAt + 1] ?? '') : rest[saveAt].slice('--save='.length);
  if (save === '' || (save !== null && command === 'train')) return save === '' ? say('cli.saveNeedsFile') : say('cli.saveRunCheck');
  if (saveAt >= 0) rest.splice(saveAt, rest[saveAt] === '--save' ? 2 : 1);
  const flags = rest.filter((a) => a.startsWith('--'));
  const files = rest.filter((a) => !a.startsWith('--'));
  const timeout = flags.find((f) => f.startsWith('--custom-timeout'));
  const unknown = flags.find((f) => f !== '--json' && f !== '--full' && f !== '--confine' && f !== timeout);
  if (unknown) return say('cli.unknownOption', { option: unknown });
  const seconds = timeout === undefined ? DEFAULT_USER_CODE_SECONDS : timeout.startsWith('--custom-timeout=') ? userCodeSeconds(timeout.slice('--custom-timeout='.length)) : null;
  if (seconds === null) return say('cli.customTimeout');
  if (files.length !== 1) return files.length === 0 ? say('cli.missingSpec') : say('cli.oneSpec', { count: String(files.length) });
  const has = (flag: string) => flags.includes(flag);
  return { command, file: files[0], json: has('--json'), full: has('--full'), customTimeoutMs: 1000 * seconds, confine: has('--confine'), save };
}

/** `file:line:col: severity: message`, one-based, as compilers print; control characters escaped, so a message is one line that drives no terminal. */
function formatProblem(file: string, p: Pick<Problem, 'message' | 'range' | 'severity'> & Partial<Phrase>): string {
  return escapeControls(`${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity}: ${sentenceIn(p, language)}`);
}

/**
 * The findings as compilers print warnings, each on its layer's line, then its fix as a note on the
 * line it edits: `file:10:5: note: fix: Use He init (suits ReLU stacks) in Affine1: '{ std: 3 }' → 'he'`.
 */
function formatFindings(file: string, text: string, spec: NetworkSpec, findings: readonly Finding[]): string[] {
  const names = spec.layers.map((l) => l.name);
  return findings.flatMap((f) => {
    const layer = spec.layers[f.index];
    if (!layer) return [];
    const lines = [formatProblem(file, { message: f.message, id: f.id, args: f.args, range: layer.typeRange, severity: 'warning' })];
    const fix = f.fix && specFix(text, file, names, f.fix);
    const edit = fix?.edits[0];
    if (fix && edit) {
      const r = new Reader(text);
      const old = text.slice(r.offset(edit.range.start), r.offset(edit.range.end)).trim();
      const now = edit.newText.trim().replace(/^,\s*/, '');
      const change = old ? `'${old}' → '${now}'` : say('cli.fixAdd', { text: now });
      const title = sentenceIn({ message: fix.title, ...fix.label }, language);
      lines.push(escapeControls(`${file}:${edit.range.start.line + 1}:${edit.range.start.character + 1}: note: ${say('cli.fixNote', { title, change })}`));
    }
    return lines;
  });
}

/** Why a spec file is not UTF-8 text: a UTF-16 or UTF-32 byte-order mark, or the NUL bytes UTF-16 puts beside ASCII; or null. */
function notUtf8(bytes: Uint8Array): Message | null {
  const startsWith = (...mark: number[]) => mark.every((b, i) => bytes[i] === b);
  const head = bytes.subarray(0, 256);
  const nuls = head.filter((b) => b === 0).length;
  if (!startsWith(0xff, 0xfe) && !startsWith(0xfe, 0xff) && !startsWith(0, 0, 0xfe, 0xff) && nuls * 4 < head.length) return null;
  return { id: 'cli.notUtf8', args: {} };
}

/**
 * Files relative to the spec's folder (only inside it when `confine`), the digits next to the CLI,
 * and the spec's custom layers' modules, each call into them on `clock`.
 */
async function specIO(specFile: string, text: string, clock: CallClock | null, confine: boolean): Promise<SpecIO> {
  const folder = dirname(resolve(specFile));
  const customModule = await loadSpecModules(text, specFile, folder, (layer) => clock?.enter(layer, 'load'));
  clock?.leave();
  // BACKPROP_PYTHON chooses the interpreter, as backprop.python.path does in the editor.
  const python = lazyPython(folder, process.env.BACKPROP_PYTHON || undefined, clock ?? new CallClock());
  return {
    openFile: (path) => openDataFile(folder, path, confine ? [folder] : null),
    mnist: () => readFileSync(join(__dirname, 'mnist-digits.bin')),
    customModule,
    python,
    onCustomWarning: (problem) => console.error(formatProblem(specFile, problem)),
    onCustomCall: (layer, call) => clock?.enter(layer, call),
    onCustomReturn: () => clock?.leave(),
    memory: engineMemory(),
  };
}

/** Bytes gathered before each write to stdout. */
const WRITE_CHUNK = 1 << 16;

/** Writes `pieces` and then `end` to stdout in chunks, waiting whenever stdout asks to: memory stays at one chunk. */
async function writeOut(pieces: Iterable<string>, end: string): Promise<void> {
  let chunk = '';
  const flush = async () => {
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    chunk = '';
  };
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= WRITE_CHUNK) await flush();
  }
  chunk += end;
  await flush();
}

function evaluateSpecGraph(spec: GraphSpec, io: SpecIO, clock: CallClock | null): GraphResult {
  const inputs = Object.fromEntries(spec.inputs.map((i) => [i.name, i.value]));
  const python = io.python as ReturnType<typeof lazyPython>;
  return evaluateGraph(inputs, pythonNodes(spec, python.session, clock ?? new CallClock()), spec.output);
}

/** The layer table, the findings (as `formatFindings` printed them) and the gradient check. */
function printNetwork(report: NetworkReport, findings: readonly string[]): void {
  const lines = [say('cli.networkLoss', { name: escapeControls(report.name), loss: fmt(report.loss) }), ''];
  const verdict = (ok: boolean) => (ok ? say('cli.ok') : say('cli.fail'));
  const rows = report.layers.map((l) => {
    const grad = l.params.W?.gradStats ?? l.params.gamma?.gradStats;
    const checks = [...Object.values(l.params).map((p) => p.check), l.dx?.check].flatMap((c) => (c ? [c.ok] : []));
    return [
      escapeControls(l.name),
      escapeControls(l.type),
      `[${l.outputShape.join(', ')}]`,
      fmt(l.activation.mean),
      fmt(l.activation.std),
      fmt(l.activation.min),
      fmt(l.activation.max),
      fmt(l.dx?.l2),
      fmt(grad?.l2),
      // A pooling mask marks the windows' winners, so no unit of it is dead.
      l.mask && l.type !== 'pooling' ? `${fmt(100 * l.mask.deadFraction)}%` : '–',
      checks.length === 0 ? '–' : verdict(checks.every(Boolean)),
    ];
  });
  const header = [say('cli.colLayer'), say('cli.colType'), say('cli.colOutput'), say('cli.colMean'), say('cli.colStd'), say('cli.colMin'), say('cli.colMax'), '‖dx‖', '‖dW‖', say('cli.colDead'), say('cli.colCheck')];
  lines.push(table(header, rows));
  const checks = report.layers.flatMap((l) =>
    [...Object.entries(l.params).map(([name, p]) => [name, p.check] as const), ['dx', l.dx?.check] as const].flatMap(([name, c]) =>
      c ? [{ layer: l.name, name, check: c }] : [],
    ),
  );
  const checked = checks.map(({ layer, name, check: c }) => [
    escapeControls(layer),
    name,
    fmt(c.meanAbsDiff),
    fmt(c.maxAbsDiff),
    fmt(c.maxRelError),
    String(c.failures),
    String(c.nonDifferentiable),
    verdict(c.ok),
  ]);
  // Unindented, so an editor's problem matcher (VS Code's $gcc) reads them as it reads a compiler's.
  if (findings.length > 0) lines.push('', say('cli.findings'), ...findings);
  if (checked.length > 0) {
    lines.push('', say('cli.gradientCheck'));
    const checkHeader = ['cli.colLayer', 'cli.colParam', 'cli.colMeanDiff', 'cli.colMaxDiff', 'cli.colMaxRel', 'cli.colFailures', 'cli.colNonDiff', 'cli.colResult'] as const;
    lines.push(table(checkHeader.map((id) => say(id)), checked));
    for (const { layer, name, check } of checks) if (!check.ok) lines.push(`  ${failingElements(`${escapeControls(layer)}.${name}`, check)}`);
  }
  if (report.variants) lines.push('', ...variantLines(report.layers.map((l) => l.name), report.variants.key, report.variants.variants, say));
  console.log(lines.join('\n'));
}

/** "Affine1.W fails at [0, 1] (backprop 0.5, numerical 0.25), [1, 1] (…)", the worst first, with a count of the rest. */
function failingElements(param: string, c: CheckReport): string {
  const failed = c.worst.filter((w) => w.failed).slice(0, 5);
  const listed = failed.map((w) => say('cli.failingElement', { index: w.index.join(', '), analytic: fmt(w.analytic), numerical: fmt(w.numerical) }));
  const more = c.failures - failed.length;
  const elements = listed.join(', ');
  return more > 0 ? say('cli.failsAtMore', { param, elements, count: fmtCount(more) }) : say('cli.failsAt', { param, elements });
}

function printGraph(report: GraphReport): void {
  const output = escapeControls(report.graph.output);
  const rows = Object.entries(report.graph.nodes).map(([name, n]) => [escapeControls(name), n.op, String(n.value), String(n.grad)]);
  console.log(`${escapeControls(report.name)}: ${output} = ${report.graph.nodes[report.graph.output].value}\n`);
  console.log(table([say('cli.colNode'), say('cli.colOp'), say('cli.colValue'), `d${output}/dnode`], rows));
}

/** `backprop train`: a row (or JSON line) per evaluation, then a summary with the wall time. */
function runTraining(args: Args, loaded: LoadedSpec, io: SpecIO): number {
  const spec = loaded.spec;
  const { network, x, t } = loaded;
  if (spec?.form !== 'network' || !spec.train) {
    const start = { line: 0, character: 0 };
    console.error(formatProblem(args.file, { message: render({ id: 'cli.noTrainSection', args: {} }, 'en'), id: 'cli.noTrainSection', args: {}, range: { start, end: start }, severity: 'error' }));
    return 2;
  }
  if (!network || !x || !t) return 2;
  const sets = trainingSets(spec, x, t, io);
  if ('problems' in sets) {
    for (const p of sets.problems) console.error(formatProblem(args.file, p));
    return 2;
  }
  if (spec.compare && loaded.variantNetwork) return runComparison({ ...spec, train: spec.train }, spec.compare, sets, loaded.variantNetwork, args.json, language);
  const { iterations, batch, seed, optimizer, weightDecay, evalEvery } = spec.train;
  // The settings the spec gives (the rest are the book's defaults), then the weight decay.
  const { type, ...settings } = optimizer;
  const given = Object.entries(settings).map(([key, value]) => `${key} ${fmt(value)}`);
  const settingsRule = `${type}${given.length > 0 ? ` (${given.join(', ')})` : ''}`;
  const rule = weightDecay !== 0 ? say('cli.weightDecay', { rule: settingsRule, value: fmt(weightDecay) }) : settingsRule;
  const header = [say('cli.colIteration'), say('cli.colEpoch'), say('cli.colLoss'), say('cli.colTrainAcc'), say('cli.colTestAcc')];
  // Columns as wide as their numbers need, or their header (Korean characters take two columns).
  const widths = [9, 7, 10, 9, 9].map((w, i) => Math.max(w, displayWidth(header[i])));
  const row = (cells: string[]) => console.log(cells.map((c, i) => padStartWidth(c, widths[i])).join('  '));
  if (!args.json) {
    const sizes = { name: escapeControls(spec.name), iterations: fmtCount(iterations), batch: fmtCount(batch), rule, train: fmtCount(sets.xTrain.shape[0]) };
    console.log(`${sets.xTest ? say('cli.trainHeader', { ...sizes, test: fmtCount(sets.xTest.shape[0]) }) : say('cli.trainHeaderNoTest', sizes)}\n`);
    row(header);
    row(widths.map((w) => '─'.repeat(w)));
  }
  const started = performance.now();
  let stopped = false;
  try {
    for (const e of train(network, sets, { iterations, batch, seed, optimizer: createOptimizer(optimizer), evalEvery })) {
      const seconds = (performance.now() - started) / 1000;
      if (e.kind === 'step') continue;
      if (e.kind === 'nonFinite') {
        stopped = true;
        const { layer, tensor, value } = e.at;
        if (args.json) console.log(JSON.stringify({ kind: 'nonFinite', iteration: e.iteration, at: e.at }));
        else console.log(`\n${say('cli.trainNonFinite', { iteration: fmtCount(e.iteration), value, layer: escapeControls(layer), tensor })}`);
        continue;
      }
      if (args.json) console.log(JSON.stringify(e.kind === 'done' ? { ...e, seconds } : e));
      else if (e.kind === 'eval') row([fmtCount(e.iteration), fmt(e.epoch), fmt(e.loss), fmtAccuracy(e.trainAcc), fmtAccuracy(e.testAcc)]);
      else if (e.reason === 'nonFinite') console.log(say('cli.trainStopped', { updates: fmtCount(e.iterations), seconds: seconds.toFixed(1) }));
      else {
        const done = { seconds: seconds.toFixed(1), loss: fmt(e.loss) };
        const trainAcc = fmtAccuracy(e.trainAcc);
        const summary =
          e.trainAcc === null ? say('cli.trainDone', done) : e.testAcc === null ? say('cli.trainDoneAccNoTest', { ...done, trainAcc }) : say('cli.trainDoneAcc', { ...done, trainAcc, testAcc: fmtAccuracy(e.testAcc) });
        console.log(`\n${summary}`);
      }
    }
  } catch (e) {
    if (!(e instanceof CustomLayerError)) throw e;
    console.error(formatProblem(args.file, { message: e.message, range: spec.layers[e.layer].typeRange, severity: 'error' }));
    return 3;
  }
  return stopped ? 1 : 0;
}

/** Runs the command of `argv`; `clock` times the calls into custom code when the main thread watches. */
async function main(given: string[], clock: CallClock | null): Promise<number> {
  const argv = [...given];
  const chosen = chooseLanguage(argv, process.env);
  if (typeof chosen !== 'string') {
    // A bad --lang is told in the locale's language.
    language = chooseLanguage([], process.env) as Language;
    console.error(`backprop: ${render(chosen, language)}\n${usage()}`);
    return 2;
  }
  language = chosen;
  if (argv[0] === 'diff') {
    if (argv[1] === '--help' || argv[1] === '-h') {
      console.log(diffUsage(language));
      return 0;
    }
    return diffCommand(argv.slice(1), language);
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      console.log(usage());
      return 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      console.log(`backprop ${version}`);
      return 0;
    }
    console.error(`backprop: ${args}\n${usage()}`);
    return 2;
  }
  let text: string;
  try {
    const bytes = readFileSync(args.file);
    const encoding = notUtf8(bytes);
    if (encoding) {
      const start = { line: 0, character: 0 };
      console.error(formatProblem(args.file, { message: render(encoding, 'en'), ...encoding, range: { start, end: start }, severity: 'error' }));
      return 2;
    }
    text = bytes.toString('utf8');
  } catch (e) {
    console.error(say('cli.cannotRead', { file: args.file, error: (e as NodeJS.ErrnoException).code ?? String(e) }));
    return 2;
  }
  const io = await specIO(args.file, text, clock, args.confine);
  const loaded = loadSpec(text, args.file, io, { job: args.command });
  for (const p of loaded.problems) console.error(formatProblem(args.file, p));
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  // Errors of the user's code (a layer's module failed as it loaded or first ran) are failures, not spec errors.
  if (errors.length > 0 && errors.every((p) => p.fromCode)) return 3;
  if (!loaded.spec || errors.length > 0) return 2;
  if (args.command === 'train') return runTraining(args, loaded, io);

  let report: NetworkReport | GraphReport;
  let tensors: RecordedTensor[];
  if (loaded.spec.form === 'graph') {
    const result = evaluateSpecGraph(loaded.spec, io, clock);
    report = graphReport(loaded.spec, result);
    tensors = graphTensors(result);
  } else {
    const spec: NetworkSpec = loaded.spec;
    const { network, x, t } = loaded;
    if (!network || !x) return 2;
    let events;
    try {
      events = [...runNetwork(network, x, t ?? null, { train: spec.mode === 'train', check: args.command === 'check' ? spec.check : null })];
    } catch (e) {
      if (!(e instanceof CustomLayerError)) throw e;
      // The user's code failed: point at its layer, as a spec error would.
      console.error(formatProblem(args.file, { message: e.message, range: spec.layers[e.layer]?.typeRange ?? spec.lossRange, severity: 'error' }));
      return 3;
    }
    if (loaded.net && t) {
      clock?.enter(spec.layers.length, 'check');
      for (const p of gradientProblems(spec, loaded.net, network, x, t)) console.error(formatProblem(args.file, p));
      clock?.leave();
    }
    const variants = initVariants({ ...loaded, spec, x });
    report = { ...networkReport(spec, events, gradientHealth(events, DEFAULT_THRESHOLDS), args.full), ...(variants && { variants }) };
    tensors = runTensors(events);
  }
  if (args.save) {
    const { name, form } = loaded.spec;
    const loss = report.form === 'network' ? report.loss : report.graph.nodes[report.graph.output].value;
    try {
      writeFileSync(args.save, runNpz(tensors, { spec: args.file, name, ...(form === 'network' ? { seed: loaded.spec.seed } : {}), loss }));
    } catch (e) {
      console.error(say('cli.cannotWrite', { file: args.save, error: (e as NodeJS.ErrnoException).code ?? String(e) }));
      return 2;
    }
  }
  if (args.json) await writeOut(reportJson(report), '\n');
  else if (report.form === 'graph') printGraph(report);
  else if (loaded.spec.form === 'network') printNetwork(report, formatFindings(args.file, text, loaded.spec, report.findings));
  if (args.save && !args.json) console.log(`\n${escapeControls(say('cli.saved', { count: fmtCount(tensors.length), file: args.save }))}`);
  return report.ok ? 0 : 1;
}

/** The exit status of `run`; a failure is one line, never a stack trace. */
function exitStatus(run: Promise<number>): Promise<number> {
  return run.catch((e: unknown) => {
    // The engine gave up (a tensor too large to allocate, say) or we have a bug: one line, no stack trace.
    console.error(escapeControls(say('cli.runFailed', { error: e instanceof Error ? e.message : String(e) })));
    return 3;
  });
}

/** What the watched thread tells the main thread: its exit status once its output is out, or that it stalled. */
type WorkerReport = { type: 'done'; code: number } | { type: 'stalled' };

/** The layers of the spec `args` names when any is a custom layer; null otherwise, or when it cannot be read. */
function withCustomLayers(args: Args): NetworkSpec['layers'] | null {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch {
    return null;
  }
  const { spec } = parseSpec(text, args.file);
  if (spec?.form === 'graph' && spec.nodes.some((n) => n.python)) {
    // A graph's python nodes, timed as layers are: messages name the node, on its line.
    return spec.nodes.map((n) => ({ type: 'custom', name: n.name, named: true, range: n.range, typeRange: n.range, ...(n.python && { module: n.python.module }) }));
  }
  if (spec?.form !== 'network' || !(spec.layers.some((l) => l.type === 'custom') || spec.pythonLoss || spec.pythonNetwork)) return null;
  // A python loss is timed after the layers, under its class name.
  const loss = spec.pythonLoss && { type: 'custom' as const, name: spec.pythonLoss.className, named: true, range: spec.lossRange, typeRange: spec.lossRange, module: spec.pythonLoss.module };
  return loss ? [...spec.layers, loss] : spec.layers;
}

/**
 * Runs `argv` on a worker thread, ending it when a call into the code of one of `layers` outlasts the
 * limit, and once it has reported (a timer of the user's may keep it alive). The thread's own exit
 * code is not the CLI's: code of the user's can end the thread (process.exit, running out of memory,
 * an error nothing caught) or leave it nothing to run; each is exit 3, on the layer whose code ran.
 */
function watched(argv: string[], args: Args, layers: NetworkSpec['layers']): void {
  const clock = new CallClock();
  const worker = new Worker(__filename, { workerData: { argv, shared: clock.shared } });
  let status: number | null = null;
  let end: ThreadEnd | null = null;
  const fail = (message: string, layer: NetworkSpec['layers'][number] | undefined) => {
    console.error(layer ? formatProblem(args.file, { message, range: layer.typeRange, severity: 'error' }) : escapeControls(say('cli.runFailed', { error: message })));
    process.exitCode = 3;
  };
  const stopWatch = watchUserCode(clock, args.customTimeoutMs, (call) => {
    status = 3;
    clock.endHelper();
    void worker.terminate();
    // The same sentence with the CLI's own ending: how to wait longer.
    const overrun = overrunMessage(layers[call.layer], call, args.customTimeoutMs);
    fail(render({ id: 'cli.overrun', args: overrun.args ?? {}, ...(overrun.parts && { parts: overrun.parts }) }, language), layers[call.layer]);
  });
  // Code of the user's can post on this port too: only a report's exact shape counts.
  worker.on('message', (report: Partial<WorkerReport> | null) => {
    if (report?.type === 'stalled') end ??= { cause: 'stalled' };
    else if (report?.type === 'done' && [0, 1, 2, 3].includes(report.code ?? -1) && status === null) {
      status = report.code!;
      void worker.terminate();
    }
  });
  worker.on('error', (e: Error & { code?: string }) => {
    end ??= e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { cause: 'memory' } : { cause: 'error', message: e.message.split('\n')[0] };
  });
  worker.on('exit', (code) => {
    stopWatch();
    if (end === null && status !== null) {
      process.exitCode = status;
      return;
    }
    const why = end ?? { cause: 'exit', code };
    const call = clock.latest();
    if (call) fail(sentenceIn(threadEndMessage(layers[call.layer], call, why), language), layers[call.layer]);
    else fail(why.cause === 'memory' ? say('cli.outOfMemory') : why.cause === 'error' ? why.message : say('cli.threadEnded', { code: String(code) }), undefined);
  });
}

if (isMainThread) {
  const argv = process.argv.slice(2);
  // The language, for what this thread prints of a watched run; main() chooses it again, and reports a bad --lang.
  const rest = [...argv];
  const chosen = chooseLanguage(rest, process.env);
  if (typeof chosen === 'string') language = chosen;
  const args = typeof chosen === 'string' ? parseArgs(rest) : 'bad --lang';
  const layers = typeof args === 'string' ? null : withCustomLayers(args);
  if (layers && typeof args !== 'string') watched(argv, args, layers);
  else void exitStatus(main(argv, null)).then((code) => (process.exitCode = code));
} else {
  const { argv, shared } = workerData as { argv: string[]; shared: SharedArrayBuffer };
  const port = parentPort!;
  let finished = false;
  // The event loop ran dry while main() still awaited (a module's top-level await that never settles).
  process.on('beforeExit', () => {
    if (!finished) port.postMessage({ type: 'stalled' } satisfies WorkerReport);
  });
  const clock = new CallClock(shared);
  failOnUnhandledRejection(clock);
  void exitStatus(main(argv, clock)).then((code) => {
    finished = true;
    // Once stdout and stderr have handed everything to the main thread, which then ends this one.
    process.stdout.write('', () => process.stderr.write('', () => port.postMessage({ type: 'done', code } satisfies WorkerReport)));
  });
}
