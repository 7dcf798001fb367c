// The `backprop` debug adapter: the Debug Adapter Protocol over a Stepper. It runs inline in the
// extension host (DebugAdapterInlineImplementation); the engine runs in the worker, behind the
// DebugRun its host opens. No vscode import, so tests drive it message by message.
import { DebugSession, Handles, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { sentenceIn } from '../catalogues';
import { tensorStats } from '../engine/stats';
import { fmt, fmtFull } from '../format';
import type { Language, Sentence } from '../message';
import type { DebugStep } from '../protocol';
import { evaluateExpression, type Value } from './expression';
import type { DebugMessageId } from './messages';
import { say } from './say';
import { EXCEPTION_FILTERS, parseHitCondition, Stepper, type DebugRun, type ExceptionFilter, type Moved, type StepMode } from './stepper';

/** What a `backprop` launch configuration says. */
export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** Path of the spec file. */
  spec: string;
  /** Also run the gradient check after backward. */
  check?: boolean;
  /** Stop before the first layer's forward. */
  stopOnEntry?: boolean;
  /** Debug a training run of the spec's train: section: breakpoints choose the step by a hit count or a condition on `iteration`. */
  train?: boolean;
}

/** What the adapter needs of the extension: a debug job of a spec, in the worker. */
export interface DebugHost {
  /** Opens a run of the spec the arguments name; rejects with a message for the user. Its end() ends the worker too. */
  open(args: LaunchArguments): Promise<DebugRun>;
}

const THREAD = 1;
/** Frame ids: the layer's event, its pass, the spec. */
const FRAMES = { event: 1, pass: 2, spec: 3 } as const;
/** Children listed at once when the client asks for all of them; more page through indexedVariables. */
const MAX_CHILDREN = 1000;

/** A tensor, or a block of one, as the Variables view expands it. */
interface TensorRef {
  shape: readonly number[];
  data: Float64Array;
}

/** `float64[3, 50]  mean 0.0362  std 0.051  min 0  max 0.232`, with non-finite counts when there are any; its words in `language`. */
export function tensorSummary(t: TensorRef, language: Language = 'en'): string {
  const s = tensorStats({ shape: t.shape, data: t.data });
  const bad = [s.nan > 0 && `NaN ${s.nan}`, s.posInf > 0 && `+Inf ${s.posInf}`, s.negInf > 0 && `−Inf ${s.negInf}`].filter(Boolean);
  const figures = say(language, 'debug.summary', { type: `float64[${t.shape.join(', ')}]`, mean: fmt(s.mean), std: fmt(s.std), min: fmt(s.min), max: fmt(s.max) });
  return [figures, ...bad].join('  ');
}

const EVENT_TITLE: Record<Exclude<DebugStep['kind'], 'check'>, DebugMessageId> = { forward: 'debug.event.forward', loss: 'debug.event.loss', backward: 'debug.event.backward' };

/** A name for where the session is, in `language`: `backward Relu1`, `backward Affine1 · dW`, `check Affine1.W`. */
function eventTitle(step: DebugStep, stage: number, language: Language): string {
  const name = step.kind === 'check' ? say(language, 'debug.event.check', { layer: step.name, param: String(step.param) }) : say(language, EVENT_TITLE[step.kind], { layer: step.name });
  const part = stage === 0 ? [] : step.tensors.filter((t) => t.stage === stage).map((t) => t.name);
  return part.length > 0 ? `${name} · ${part.join(', ')}` : name;
}

const PASS_TITLE: Record<DebugStep['kind'], DebugMessageId> = { forward: 'debug.frame.forward', loss: 'debug.frame.forward', backward: 'debug.frame.backward', check: 'debug.frame.check' };

export class BackpropDebugSession extends DebugSession {
  private args: LaunchArguments | null = null;
  private run: DebugRun | null = null;
  private stepper: Stepper | null = null;
  /** Lines (0-based) and conditions of the spec's breakpoints, as the client last set them. */
  private breakpointLines: DebugProtocol.SourceBreakpoint[] = [];
  private filters = new Set<ExceptionFilter>();
  private markConfigured!: () => void;
  /** Settles at configurationDone: the client has set its breakpoints. */
  private readonly configured = new Promise<void>((resolve) => (this.markConfigured = resolve));
  private lastStop: string | undefined;
  private refs = new Handles<'scope' | TensorRef>();
  /** The stepper of the move under way, if any. */
  private moving: Stepper | null = null;

  constructor(
    private readonly host: DebugHost,
    /** The language the user reads: the run's failures, which carry their message, are said in it. */
    private readonly language: Language = 'en',
  ) {
    super();
  }

  /** What went wrong, in the user's language when the error carries its message. */
  private said(e: unknown): string {
    return e instanceof Error ? sentenceIn(e as Error & Sentence, this.language) : String(e);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsRestartRequest: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.filter, label: say(this.language, f.label), description: say(this.language, f.description), default: f.filter === 'nonFinite' })),
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    this.args = args;
    try {
      await this.open();
    } catch (e) {
      return this.fail(response, e);
    }
    const training = this.run!.training;
    if (training) {
      const said = say(this.language, 'debug.training', { name: this.run!.name, iterations: String(training.iterations) });
      this.sendEvent(new OutputEvent(`${said}\n`, 'console'));
    }
    // Breakpoints map to layers once the run has said where its layers are.
    this.sendEvent(new InitializedEvent());
    await this.configured;
    this.sendResponse(response);
    await this.report(() => this.stepper!.start(args.stopOnEntry === true));
  }

  private async open(): Promise<void> {
    const run = await this.host.open(this.args!);
    this.run = run;
    this.stepper = new Stepper(run, this.language);
    // A move under way learns of the end itself; a stopped session hears it here.
    void run.ended.then(() => {
      if (this.run !== run || this.moving) return;
      this.end();
      this.sendEvent(new TerminatedEvent());
    });
    this.applyBreakpoints();
    this.stepper.filters = this.filters;
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const requested = args.breakpoints ?? [];
    // Only the launched spec honours breakpoints.
    const ours = !this.args || args.source.path === this.args.spec;
    if (ours) this.breakpointLines = requested.map((b) => ({ ...b, line: this.convertClientLineToDebugger(b.line) }));
    const lines = this.layerLines();
    response.body = {
      breakpoints: requested.map((b) => {
        const line = this.convertClientLineToDebugger(b.line);
        const hitTest = b.hitCondition ? parseHitCondition(b.hitCondition, this.language) : null;
        const message = !ours
          ? say(this.language, 'debug.breakpoint.otherSpec')
          : !lines.has(line)
            ? say(this.language, 'debug.breakpoint.notLayer')
            : hitTest && typeof hitTest !== 'function'
              ? hitTest.message
              : undefined;
        return { verified: message === undefined, line: b.line, ...(message && { message }) };
      }),
    };
    this.applyBreakpoints();
    this.sendResponse(response);
  }

  /** The run's layer lines and loss line (0-based), each with its index (the layer count for the loss). */
  private layerLines(): Map<number, number> {
    const lines = new Map<number, number>();
    if (!this.run) return lines;
    this.run.layers.forEach((l, i) => lines.set(l.line, i));
    if (this.run.loss) lines.set(this.run.loss.line, this.run.layers.length);
    return lines;
  }

  private applyBreakpoints(): void {
    if (!this.stepper) return;
    const lines = this.layerLines();
    this.stepper.breakpoints = this.breakpointLines.flatMap((b) => {
      const index = lines.get(b.line);
      return index === undefined ? [] : [{ index, ...(b.condition && { condition: b.condition }), ...(b.hitCondition && { hitCondition: b.hitCondition }) }];
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const known = new Set<string>(EXCEPTION_FILTERS.map((f) => f.filter));
    this.filters.clear();
    for (const f of args.filters) if (known.has(f)) this.filters.add(f as ExceptionFilter);
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, this.run?.name ?? 'backprop')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const at = this.stepper?.position();
    const run = this.run;
    if (!at || !run || !this.args) {
      response.body = { stackFrames: [], totalFrames: 0 };
      return this.sendResponse(response);
    }
    const { step, stage } = at;
    const source = { name: this.args.spec.split(/[\\/]/).pop(), path: this.args.spec };
    const lineOf = (index: number) => (index < run.layers.length ? run.layers[index].line : (run.loss?.line ?? 0));
    const passLine = step.kind === 'backward' ? lineOf(run.layers.length - 1) : lineOf(0);
    const frame = (id: number, name: string, line: number): DebugProtocol.StackFrame => ({ id, name, source, line: this.convertDebuggerLineToClient(line), column: 1 });
    const specFrame = step.iteration === undefined ? run.name : say(this.language, 'debug.frame.iteration', { spec: run.name, iteration: String(step.iteration) });
    const stackFrames = [frame(FRAMES.event, eventTitle(step, stage, this.language), lineOf(step.index)), frame(FRAMES.pass, say(this.language, PASS_TITLE[step.kind]), passLine), frame(FRAMES.spec, specFrame, 0)];
    response.body = { stackFrames, totalFrames: stackFrames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const at = this.stepper?.position();
    const scopes: DebugProtocol.Scope[] = [];
    if (at && args.frameId === FRAMES.event) {
      scopes.push({ name: at.step.name, variablesReference: this.refs.create('scope'), namedVariables: this.stepper!.visible().length, expensive: false });
    }
    response.body = { scopes };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = this.refs.get(args.variablesReference);
    let variables: DebugProtocol.Variable[] = [];
    if (ref === 'scope') {
      variables = [...this.stepper!.scope()].map(([name, value]) => ({ name, ...this.present(value) }));
    } else if (ref) {
      const rows = ref.shape[0] ?? 0;
      const start = args.start ?? 0;
      const end = Math.min(rows, args.count ? start + args.count : start + MAX_CHILDREN);
      const block = rows === 0 ? 0 : ref.data.length / rows;
      for (let i = start; i < end; i++) {
        const data = ref.data.subarray(i * block, (i + 1) * block);
        const child: Value = ref.shape.length === 1 ? { kind: 'number', value: data[0] } : { kind: 'tensor', tensor: { shape: ref.shape.slice(1), data } };
        variables.push({ name: `[${i}]`, ...this.present(child) });
      }
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  /** How the Variables view shows a value: a tensor as its summary, expanding to its rows, paged. */
  private present(value: Value): { value: string; variablesReference: number; indexedVariables?: number; type?: string } {
    switch (value.kind) {
      case 'number':
        return { value: fmtFull(value.value), variablesReference: 0, type: 'float64' };
      case 'boolean':
        return { value: String(value.value), variablesReference: 0, type: 'boolean' };
      case 'shape':
        return { value: `[${value.dims.join(', ')}]`, variablesReference: 0, type: 'shape' };
      case 'tensor': {
        const t = value.tensor;
        const expandable = t.shape.length > 0 && t.data.length > 0;
        return {
          value: tensorSummary(t, this.language),
          type: `float64[${t.shape.join(', ')}]`,
          variablesReference: expandable ? this.refs.create({ shape: t.shape, data: t.data }) : 0,
          ...(expandable && { indexedVariables: t.shape[0] }),
        };
      }
    }
  }

  /**
   * The tensor behind variable reference `ref` of the current stop (a variable, a row of one, an
   * expression's result) and where the session stands, for Show as Heatmap; undefined once the
   * session has moved on, or for a reference that is not a tensor.
   */
  tensorAt(ref: number): { tensor: TensorRef; where: string } | undefined {
    const at = this.stepper?.position();
    const tensor = ref > 0 ? this.refs.get(ref) : undefined;
    if (!at || !tensor || tensor === 'scope') return undefined;
    return { tensor, where: eventTitle(at.step, at.stage, this.language) };
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    if (!this.stepper?.position()) {
      response.success = false;
      response.message = say(this.language, 'debug.notStopped');
      return this.sendResponse(response);
    }
    const r = evaluateExpression(args.expression, this.stepper.scope(), this.language);
    if (!r.ok) {
      response.success = false;
      response.message = say(this.language, 'debug.expressionError', { message: r.message, column: String(r.column) });
      return this.sendResponse(response);
    }
    const shown = this.present(r.value);
    response.body = { result: shown.value, variablesReference: shown.variablesReference, ...(shown.indexedVariables && { indexedVariables: shown.indexedVariables }) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    response.body = { exceptionId: 'backprop', description: this.lastStop ?? '', breakMode: 'always' };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.move(response, 'continue');
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.move(response, 'next');
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.move(response, 'stepIn');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, 'stepOut');
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.stepper?.pause();
    this.sendResponse(response);
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    this.run?.end();
    try {
      await this.open();
    } catch (e) {
      return this.fail(response, e);
    }
    this.sendResponse(response);
    await this.report(() => this.stepper!.start(this.args?.stopOnEntry === true));
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.end();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.end();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** VS Code disposes an inline adapter whose session it dropped: the worker job goes with it. */
  override dispose(): void {
    this.end();
    super.dispose();
  }

  private end(): void {
    this.run?.end();
    this.run = null;
    this.stepper = null;
  }

  private move(response: DebugProtocol.Response, mode: StepMode): void {
    const stepper = this.stepper;
    this.sendResponse(response);
    // A step asked for while one is under way (a key held down) is dropped: the run is not stopped.
    if (stepper && this.moving !== stepper) void this.report(() => stepper.resume(mode));
  }

  /** Runs a move and tells the client where it ended: a stop, the end, or the engine's failure. */
  private async report(move: () => Promise<Moved>): Promise<void> {
    const stepper = this.stepper;
    let moved: Moved;
    this.moving = stepper;
    try {
      moved = await move();
    } catch (e) {
      if (stepper !== this.stepper) return;
      this.moving = null;
      this.sendEvent(new OutputEvent(`Backprop: ${this.said(e)}\n`, 'stderr'));
      this.end();
      return this.sendEvent(new TerminatedEvent());
    }
    // A restart or a disconnect during the move: its outcome is nobody's now.
    if (stepper !== this.stepper) return;
    this.moving = null;
    this.refs.reset();
    if ('ended' in moved) {
      this.end();
      return this.sendEvent(new TerminatedEvent());
    }
    this.lastStop = moved.stopped.text;
    if (moved.stopped.text) this.sendEvent(new OutputEvent(`${moved.stopped.text}\n`, 'console'));
    const { step, stage } = this.stepper!.position()!;
    const event: DebugProtocol.StoppedEvent = new StoppedEvent(moved.stopped.reason, THREAD, moved.stopped.text);
    event.body.description = moved.stopped.text ?? say(this.language, 'debug.paused', { where: eventTitle(step, stage, this.language) });
    this.sendEvent(event);
    this.run!.stopped(step, eventTitle(step, stage, this.language));
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    response.success = false;
    response.message = this.said(e);
    this.sendResponse(response);
  }
}
