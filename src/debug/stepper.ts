// Where a debug session stands and how it moves: over the engine's events, pulled one at a time,
// each split into the stages a Step Into reveals (see DebugStep in protocol.ts). Stage 0 of a layer's
// event is the point "before" its forward or backward; breakpoints stop there. Only the current
// event is held: the tensors of earlier steps are dropped as the session moves on.
import type { FindingKind } from '../engine/health';
import { unravel } from '../engine/tensor';
import { sentenceIn } from '../catalogues';
import { fmt } from '../format';
import type { Language } from '../message';
import type { DebugStep, LayerInfo, WireTensor } from '../protocol';
import { evaluateExpression, type Value } from './expression';
import type { DebugMessageId } from './messages';
import { phrase, say } from './say';

/** The events of one run, pulled one at a time; null once the run is done. Rejects when the engine fails. */
export interface StepSource {
  /** A debugged training run: its step count, and its layer count (a layer's line is hit twice a step, the loss line once). */
  readonly training?: { iterations: number; layerCount: number } | null;
  /** `seek`, in training, at the end of a step: the step whose events come next (null: none, to the end or a NaN). */
  next(seek?: number | null): Promise<DebugStep | null>;
}

/** A debug job in the engine: its spec's layers, its events, and a way to end it. */
export interface DebugRun extends StepSource {
  name: string;
  layers: LayerInfo[];
  loss: LayerInfo | null;
  /** The session stopped at `step`, named `where` (`backward Relu1 · dout`): the run panel selects its layer and says so. */
  stopped(step: DebugStep, where: string): void;
  /** Ends the job and its worker. */
  end(): void;
  /** Settles once the job is over, however it ended: cancelled while stopped (the Train panel's Cancel), the session ends too. */
  ended: Promise<void>;
}

/**
 * The exception breakpoints a session offers, with the finding each stands for (none: NaN or Inf,
 * found here); their label and description are messages of DEBUG_MESSAGES.
 */
export const EXCEPTION_FILTERS = [
  { filter: 'nonFinite', label: 'debug.filter.nonFinite', description: 'debug.filter.nonFinite.description' },
  { filter: 'exploding', label: 'debug.filter.exploding', description: 'debug.filter.exploding.description', finding: 'exploding' },
  { filter: 'deadRelu', label: 'debug.filter.deadRelu', description: 'debug.filter.deadRelu.description', finding: 'dead-relu' },
  { filter: 'checkFailed', label: 'debug.filter.checkFailed', description: 'debug.filter.checkFailed.description', finding: 'check-failed' },
] as const satisfies readonly { filter: string; label: DebugMessageId; description: DebugMessageId; finding?: FindingKind }[];

export type ExceptionFilter = (typeof EXCEPTION_FILTERS)[number]['filter'];

/** A breakpoint on a layer's line (index), or on the loss line (the layer count). */
export interface Breakpoint {
  index: number;
  /** An expression over the tensors in scope; the stop happens where it is true. */
  condition?: string;
  /** Which hits stop (a hit: the line reached with its condition true): `5`, `>= 3`, `% 10` (see parseHitCondition). */
  hitCondition?: string;
}

/** Whether the n-th hit (from 1) of a breakpoint stops. */
export type HitTest = (hits: number) => boolean;

const HIT_CONDITION = /^\s*(==?|>=?|<=?|%)?\s*(\d+)\s*$/;

/**
 * A hit count as VS Code's JavaScript debugger reads it: `5` or `== 5` stops at the fifth hit only,
 * `>= 3`, `> 3`, `< 3`, `<= 3` compare, `% 10` stops at every tenth. A message, in `language`, when
 * it is none of these.
 */
export function parseHitCondition(text: string, language: Language = 'en'): HitTest | { message: string } {
  const m = HIT_CONDITION.exec(text);
  if (!m) return { message: say(language, 'debug.hit.notCount', { text }) };
  const n = Number(m[2]);
  switch (m[1]) {
    case '>':
      return (hits) => hits > n;
    case '>=':
      return (hits) => hits >= n;
    case '<':
      return (hits) => hits < n;
    case '<=':
      return (hits) => hits <= n;
    case '%':
      if (n === 0) return { message: say(language, 'debug.hit.divideByZero', { text }) };
      return (hits) => hits % n === 0;
    default:
      return (hits) => hits === n;
  }
}

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'exception' | 'pause';

/** Why the session stopped: `text` says what was found (an exception's or a bad condition's message). */
export interface Stop {
  reason: StopReason;
  text?: string;
}

/** How a move ended: at a stop, or at the end of the run. */
export type Moved = { stopped: Stop } | { ended: true };

export type StepMode = 'continue' | 'next' | 'stepIn' | 'stepOut';

/** Which hits a breakpoint's count is kept under: its line, condition and hit count. */
const hitKey = (bp: Breakpoint): string => `${bp.index}\u0000${bp.condition ?? ''}\u0000${bp.hitCondition}`;

/** The row-major index of the first non-finite element of `data`, or -1. */
function firstNonFiniteIndex(data: Float64Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** The values of a wire tensor, without a copy. */
export const valuesOf = (t: WireTensor): Float64Array => new Float64Array(t.buffer);

/** A debug session's position and its moves; pure, so tests drive it with the engine in-process. */
export class Stepper {
  private step: DebugStep | null = null;
  private stage = 0;
  private pauseRequested = false;
  /** The NaN-or-Inf filter stops once, at the first: from there the values spread to every later tensor. */
  private nonFiniteFound = false;
  breakpoints: Breakpoint[] = [];
  /** Hits so far of each breakpoint, by line index, condition and hit count: setting the others again keeps them. */
  private readonly hits = new Map<string, number>();
  filters = new Set<ExceptionFilter>();

  constructor(
    private readonly source: StepSource,
    /** The language of the stops' texts. */
    private readonly language: Language = 'en',
  ) {}

  /** The event the session is at, and how many of its stages are revealed (null before start and after the end). */
  position(): { step: DebugStep; stage: number } | null {
    return this.step && { step: this.step, stage: this.stage };
  }

  /** The current event's tensors revealed so far, in order. */
  visible(): DebugStep['tensors'] {
    return this.step ? this.step.tensors.filter((t) => t.stage <= this.stage) : [];
  }

  /** The names an expression can read here: the revealed tensors (scalars as numbers), and the loss once known. */
  scope(): Map<string, Value> {
    const scope = new Map<string, Value>();
    for (const t of this.visible()) {
      const data = valuesOf(t.tensor);
      // A graph's scalars are 0-d tensors: numbers to the user.
      scope.set(t.name, t.tensor.shape.length === 0 ? { kind: 'number', value: data[0] } : { kind: 'tensor', tensor: { shape: t.tensor.shape, data } });
    }
    if (this.step?.loss !== null && this.step?.loss !== undefined) scope.set('loss', { kind: 'number', value: this.step.loss });
    if (this.step?.iteration !== undefined) scope.set('iteration', { kind: 'number', value: this.step.iteration });
    return scope;
  }

  /** Pulls the first event; stops there on entry, else runs on as Continue does. */
  async start(stopOnEntry: boolean): Promise<Moved> {
    const first = await this.pull(stopOnEntry ? 'stepIn' : 'continue');
    if (!first) return this.finish();
    this.step = first;
    this.stage = 0;
    if (stopOnEntry) return { stopped: { reason: 'entry' } };
    const stop = this.stopHere('continue', 'forward');
    return stop ? { stopped: stop } : this.resume('continue');
  }

  /** Asks a running move to stop at the next point. */
  pause(): void {
    this.pauseRequested = true;
  }

  /** Moves as `mode` says: to the next point that stops it, or to the end of the run. */
  async resume(mode: StepMode): Promise<Moved> {
    if (!this.step) return { ended: true };
    // Step Out runs to the first event of the next pass: forward, loss, backward, check.
    const fromPass = this.step.kind;
    this.pauseRequested = false;
    for (;;) {
      const lastStage = Math.max(...this.step.tensors.map((t) => t.stage), 0);
      if (this.stage < lastStage) this.stage++;
      else {
        const next = await this.pull(mode);
        if (!next) return this.finish();
        this.step = next;
        this.stage = 0;
      }
      const stop = this.stopHere(mode, fromPass);
      if (stop) return { stopped: stop };
    }
  }

  /**
   * The next event. In training, at the end of a step (or before the first), the engine is told the
   * next step a move of `mode` may stop in, and the breakpoints' hits in the steps it runs unseen
   * are counted as if they had been walked.
   */
  private async pull(mode: StepMode): Promise<DebugStep | null> {
    const training = this.source.training;
    const at = this.step;
    if (!training || (at && !(at.kind === 'backward' && at.index === 0))) return this.source.next();
    const first = (at?.iteration ?? 0) + 1;
    const next = await this.source.next(this.seek(first, mode, training));
    if (next?.iteration !== undefined) {
      for (let iteration = first; iteration < next.iteration; iteration++) {
        for (const bp of this.breakpoints) if (bp.hitCondition) this.hits.set(hitKey(bp), (this.hits.get(hitKey(bp)) ?? 0) + (this.hitsIn(bp, iteration, training) ?? 0));
      }
    }
    return next;
  }

  /** The first step from `first` where a move of `mode` may stop; null when none does. */
  private seek(first: number, mode: StepMode, training: NonNullable<StepSource['training']>): number | null {
    // A health filter reads each step's findings, which only its events carry.
    if (mode !== 'continue' || this.pauseRequested || this.filters.has('exploding') || this.filters.has('deadRelu')) return first;
    const hits = new Map(this.hits);
    for (let iteration = first; iteration <= training.iterations; iteration++) {
      for (const bp of this.breakpoints) {
        const n = this.hitsIn(bp, iteration, training);
        if (n === null || (n > 0 && !bp.hitCondition)) return iteration;
        if (!bp.hitCondition || n === 0) continue;
        const test = parseHitCondition(bp.hitCondition);
        if (typeof test !== 'function') continue;
        const before = hits.get(hitKey(bp)) ?? 0;
        for (let k = 1; k <= n; k++) if (test(before + k)) return iteration;
        hits.set(hitKey(bp), before + n);
      }
    }
    return null;
  }

  /**
   * How many hits `bp` has in step `iteration`, from its condition over `iteration` alone; null when
   * that cannot tell (it reads a tensor or the loss, or does not evaluate): the step's events must.
   */
  private hitsIn(bp: Breakpoint, iteration: number, training: NonNullable<StepSource['training']>): number | null {
    const perStep = bp.index < training.layerCount ? 2 : 1;
    if (!bp.condition) return perStep;
    const r = evaluateExpression(bp.condition, new Map([['iteration', { kind: 'number', value: iteration }]]));
    if (!r.ok || r.value.kind !== 'boolean') return null;
    return r.value.value ? perStep : 0;
  }

  private finish(): Moved {
    this.step = null;
    return { ended: true };
  }

  /** Whether the point just reached stops a move of `mode` that began in pass `fromPass`. */
  private stopHere(mode: StepMode, fromPass: DebugStep['kind']): Stop | null {
    const step = this.step!;
    const exception = this.exception(step);
    if (exception) return { reason: 'exception', text: exception };
    if (this.stage === 0) {
      const hit = this.breakpointHit(step);
      if (hit) return hit;
    }
    if (this.pauseRequested) return { reason: 'pause' };
    if (mode === 'stepIn') return { reason: 'step' };
    if (mode === 'next' && this.stage === 0) return { reason: 'step' };
    if (mode === 'stepOut' && this.stage === 0 && step.kind !== fromPass) return { reason: 'step' };
    return null;
  }

  private breakpointHit(step: DebugStep): Stop | null {
    if (step.kind === 'check') return null;
    for (const bp of this.breakpoints) {
      if (bp.index !== step.index) continue;
      const stop = this.conditionHolds(bp);
      if (stop === false) continue;
      if (stop !== true) return stop;
      if (this.hitStops(bp)) return { reason: 'breakpoint' };
    }
    return null;
  }

  /** Whether `bp`'s condition holds here (true without one), or the stop that says why it cannot be read. */
  private conditionHolds(bp: Breakpoint): boolean | Stop {
    if (!bp.condition) return true;
    const r = evaluateExpression(bp.condition, this.scope(), this.language);
    // A layer's line stops before its forward and its backward: a condition on dout holds only at the second.
    if (!r.ok && r.undefinedName) return false;
    if (!r.ok) return { reason: 'breakpoint', text: say(this.language, 'debug.condition.error', { condition: bp.condition, message: r.message, column: String(r.column) }) };
    if (r.value.kind !== 'boolean') return { reason: 'breakpoint', text: say(this.language, 'debug.condition.notBoolean', { condition: bp.condition }) };
    return r.value.value;
  }

  /** Counts a hit of `bp`; whether its hit count stops at this one. A hit count that does not parse never stops (setBreakpoints said why). */
  private hitStops(bp: Breakpoint): boolean {
    if (!bp.hitCondition) return true;
    const key = hitKey(bp);
    const hits = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, hits);
    const test = parseHitCondition(bp.hitCondition);
    return typeof test === 'function' && test(hits);
  }

  /** What an enabled exception filter finds among the tensors this point reveals, if anything. */
  private exception(step: DebugStep): string | null {
    if (this.filters.has('nonFinite') && !this.nonFiniteFound) {
      const found = this.firstNonFinite(step);
      this.nonFiniteFound = found !== null;
      if (found) return step.iteration === undefined ? found : say(this.language, 'debug.nonFinite.iteration', { found, iteration: String(step.iteration) });
    }
    const lastStage = Math.max(...step.tensors.map((t) => t.stage), 0);
    if (this.stage !== lastStage) return null;
    for (const f of EXCEPTION_FILTERS) {
      if (!('finding' in f) || !this.filters.has(f.filter)) continue;
      const found = step.findings.find((finding) => finding.kind === f.finding);
      if (found) return sentenceIn(found, this.language);
    }
    return null;
  }

  /** A loss that is not finite; when it overflowed from finite scores (MSE squares them), where its scores y are largest. */
  private lossNotFinite(step: DebugStep, loss: number): string {
    const y = step.tensors.find((t) => t.name === 'y');
    if (!y || y.tensor.shape.length === 0) return say(this.language, 'debug.nonFinite.loss', { loss: step.name, value: String(loss) });
    const values = valuesOf(y.tensor);
    let at = 0;
    for (let i = 1; i < values.length; i++) if (Math.abs(values[i]) > Math.abs(values[at])) at = i;
    const index = unravel(at, y.tensor.shape).join(', ');
    return say(this.language, 'debug.nonFinite.loss.overflow', { loss: step.name, value: String(loss), index, largest: fmt(values[at]) });
  }

  /** The first non-finite value among the tensors this point reveals (or the loss), named with its element. */
  private firstNonFinite(step: DebugStep): string | null {
    for (const t of step.tensors) {
      const s = t.tensor.stats;
      const bad = s.nan + s.posInf + s.negInf;
      if (t.stage !== this.stage || bad === 0) continue;
      const values = valuesOf(t.tensor);
      const flat = firstNonFiniteIndex(values);
      const at = t.tensor.shape.length === 0 ? '' : `[${unravel(flat, t.tensor.shape).join(', ')}]`;
      const owner = step.kind === 'check' ? phrase('debug.nonFinite.owner.check', { layer: step.name, param: String(step.param) }) : step.name;
      const value = values[flat];
      const args = { value: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity', owner, tensor: t.name, at, bad: String(bad), count: String(s.count) };
      return say(this.language, 'debug.nonFinite.tensor', args);
    }
    if (step.kind === 'loss' && this.stage === 0 && step.loss !== null && !Number.isFinite(step.loss)) return this.lossNotFinite(step, step.loss);
    return null;
  }

}
