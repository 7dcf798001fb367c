// Messages between the extension host, the engine worker and the webviews. Unions are split by
// direction. Tensors travel as Float64 ArrayBuffers that the sender transfers, never as JSON numbers.
import type { CheckFigures, WorstElement } from './engine/gradcheck';
import type { Finding } from './engine/health';
import type { HealthThresholds } from './engine/health-thresholds';
import type { Histogram } from './engine/stats';
import type { VariantDistribution } from './engine/distributions';
import type { MaskWords } from './heatmaps';
import type { Sentence } from './message';
import type { CompareKey, Problem } from './spec/model';

export type { Finding, HealthThresholds, Histogram, VariantDistribution, WorstElement };

/** Summary statistics of one tensor (NaN-free fields are finite-only; see engine/stats). */
export interface WireStats {
  /** Axis sizes. */
  shape: number[];
  /** Element count. */
  count: number;
  /** Mean of finite elements (null when there are none). */
  mean: number | null;
  /** Mean of |x| over finite elements. */
  meanAbs: number | null;
  /** Population standard deviation of finite elements. */
  std: number | null;
  /** Smallest finite element. */
  min: number | null;
  /** Largest finite element. */
  max: number | null;
  /** L2 norm of finite elements. */
  l2: number | null;
  /** Exact zeros. */
  zeros: number;
  /** NaN elements. */
  nan: number;
  /** +Infinity elements. */
  posInf: number;
  /** -Infinity elements. */
  negInf: number;
}

/** A tensor on the wire: row-major float64 values in a transferable buffer, with its stats. */
export interface WireTensor {
  /** Axis sizes. */
  shape: number[];
  /** Float64 elements, row-major; wrap with `new Float64Array(buffer)`. Empty when `preview` stands in, or for a view that does not draw it (`eventForView`). */
  buffer: ArrayBuffer;
  /** Statistics computed where the tensor was made (over every element, also when previewed). */
  stats: WireStats;
  /** For a big batch-sized tensor: its 2-D view pooled where it was made, sent instead of the values. */
  preview?: WirePreview;
  /** For a big batch of images [N, C, H, W]: only the first `samples` of the N are in `buffer`, each whole. */
  samples?: number;
  /** An activation's or a dx's distribution over every element (also when previewed). */
  histogram?: Histogram;
}

/** Which batch tensor of a layer a big batch of images is: its output, mask, dout or dx, as run-record names them. */
export type HeldRecord = 'out' | 'mask' | 'dout' | 'dx';
export const HELD_RECORDS: readonly HeldRecord[] = ['out', 'mask', 'dout', 'dx'];

/**
 * A big batch of images whole, which the worker hands the host beside the event that carries its first
 * `samples` (the worker-to-host hop transfers the buffer, no copy); the host keeps it to answer a
 * view's request for a sample that was not sent, and never forwards it.
 */
export interface HeldBatch {
  /** Layer index. */
  index: number;
  record: HeldRecord;
  /** [N, C, H, W]. */
  shape: number[];
  /** Float64 elements, row-major. */
  buffer: ArrayBuffer;
}

/** A view's name for a batch tensor the host may hold whole: layer, record and, for a training snapshot, its step. */
export interface SampleRef {
  index: number;
  record: HeldRecord;
  /** The snapshot's step (Train panel); absent for a run. */
  step?: number;
}

/** The host's answer to a request for a sample: its C·H·W values, or why it cannot send them. */
export type SampleAnswer = { values: ArrayBuffer } | { error: string };

/** A big tensor's stand-in: its 2-D view (see src/downsample) max-|·| pooled into blocks. */
export interface WirePreview {
  /** Source rows per preview row. */
  rowFactor: number;
  /** Source columns per preview column. */
  colFactor: number;
  /** Float64, row-major: each block's NaN if it has one, else its element of largest |v|. */
  values: ArrayBuffer;
  /** Int32: the row-major index in the 2-D view of each value's element. */
  sourceIndex: ArrayBuffer;
}

/** Mask summary: masked fraction of elements and units masked for the whole batch. */
export interface WireMaskStats {
  /** Fraction of elements masked (0..1). */
  maskedFraction: number;
  /** Units masked in every row of the batch: columns, or filters (whole channels) of a mask [N, C, H, W]. */
  deadUnits: number;
  /** deadUnits over the unit count. */
  deadFraction: number;
  /** What deadUnits counts. */
  unit: 'unit' | 'filter';
}

/** Static facts about one layer, known before it runs. */
export interface LayerInfo {
  /** Layer name (Affine1 or the spec's own). */
  name: string;
  /** Layer type as spelled in specs, or the loss type. */
  type: string;
  /** Input shape. */
  inShape: number[];
  /** Output shape. */
  outShape: number[];
  /** Number of trainable scalars. */
  paramCount: number;
  /** Zero-based line of the layer in the spec. */
  line: number;
}

/**
 * One gradient check (of a parameter or of a layer's dx) on the wire: the engine's figures, with its
 * error tensors as wire tensors. Its analytic and numerical tensors stay in the worker; `worst`
 * carries both values of the elements that matter.
 */
export type WireCheck = CheckFigures & {
  /** ParamCheck.error on the wire. */
  error: WireTensor;
  /** ParamCheck.relError on the wire. */
  relError: WireTensor;
  /** ParamCheck.failed on the wire: one byte per element of `error`, 1 where it fails. */
  failed: ArrayBuffer;
};

/** One event of a run, in the order the engine produced it. */
export type RunEvent =
  /** A network run began; every layer's static shape is known. */
  | { kind: 'start'; form: 'network'; name: string; layers: LayerInfo[]; loss: LayerInfo | null }
  /** Layer `index` finished forward. */
  | {
      kind: 'forward';
      index: number;
      activation: WireTensor;
      mask: WireTensor | null;
      maskStats: WireMaskStats | null;
      params: { name: string; value: WireTensor }[];
    }
  /** The loss layer finished forward: its prediction y, the targets t (labels as one-hot rows) and dx = (y − t)/N. */
  | { kind: 'loss'; value: number; prediction: WireTensor; target: WireTensor; dx: WireTensor }
  /** Layer `index` finished backward. */
  | { kind: 'backward'; index: number; dout: WireTensor; dx: WireTensor; grads: { name: string; grad: WireTensor }[] }
  /** Gradient check of one parameter (W, b, gamma, beta) of layer `index`, or of its input gradient (`dx`). */
  | { kind: 'check'; index: number; param: string; result: WireCheck }
  /** A scalar graph was evaluated: every node's value and gradient. */
  | { kind: 'graph'; name: string; output: string; nodes: GraphNodeInfo[] }
  /** Gradient-health findings of the whole run (NaN/Inf, exploding, vanishing, dead, saturated, check failures). */
  | { kind: 'findings'; findings: Finding[] }
  /** A comparison of the single run (`compare: { init: [...] }`): each variant's distributions, after the run's own events. */
  | { kind: 'variants'; key: CompareKey; variants: VariantDistribution[] }
  /** The run finished. */
  | { kind: 'done'; loss: number | null; ok: boolean; elapsedMs: number };

/** One node of a scalar graph, with its forward value and backward gradient. */
export interface GraphNodeInfo {
  /** Node name. */
  name: string;
  /** Operation, or 'input'. */
  op: string;
  /** Operand names. */
  in: string[];
  /** Forward value. */
  value: number;
  /** d output / d node. */
  grad: number;
  /** Zero-based line in the spec. */
  line: number;
}

/** What every job of the engine worker is given: the spec, where it lives, and what the host allows. */
export interface JobSource {
  text: string;
  fileName: string;
  /** The spec's folder, against which data files and custom modules resolve. */
  folder: string;
  /** The shipped digits file (dist/mnist-digits.bin). */
  mnistPath: string;
  /** False in an untrusted (Restricted Mode) workspace: custom layers are refused, none of their code is loaded. */
  allowCustom: boolean;
  /** The folders data files must resolve inside, symlinks followed (the workspace's, in Restricted Mode); null: anywhere. */
  confineTo: string[] | null;
  /** The interpreter for Python layers (backprop.python.path); absent: python3 (python on Windows). */
  python?: string;
}

/**
 * One event of a debug job, as the debugger steps through it: the event's tensors in the order a
 * step reveals them. `stage` 0 holds what is known before the work (x and the params before a
 * forward; dout, the kept mask and the params before a backward); each Step Into reveals the next
 * stage (a forward's out; Affine's dW, then db, then dx). Tensors go whole: expressions read them.
 */
export interface DebugStep {
  kind: 'forward' | 'loss' | 'backward' | 'check';
  /** Layer index (the layer count for the loss); a graph's node index, in the order written. */
  index: number;
  /** Layer, loss or node name. */
  name: string;
  /** For a check: the parameter checked, or 'dx'. */
  param?: string;
  tensors: { name: string; stage: number; tensor: WireTensor }[];
  /** The loss, from the loss event on. */
  loss: number | null;
  /** In a debugged training run: the step (from 1) this event belongs to. */
  iteration?: number;
  /** The health findings of this event alone (exploding, dead-relu, check-failed, ...), shown at its last stage. */
  findings: Finding[];
}

/** Messages from the extension host to the engine worker: one job each, answered under its runId. */
export type HostToWorker =
  /** Run a spec forward and backward, with or without a gradient check; `save`: also post its tensors as an .npz ('saved'). */
  | (JobSource & { type: 'run'; runId: number; check: boolean; thresholds: HealthThresholds; save?: boolean })
  /** Train a spec by its `train:` section, streaming coalesced progress and snapshots. */
  | (JobSource & {
      type: 'train';
      runId: number;
      /** Take a snapshot every this many steps (a step that would exceed ~30 snapshots/s is skipped). */
      snapshotEvery: number;
      /** Least time between two progress messages (coalescing), in ms. */
      updateMs: number;
    })
  /** Debug a spec: load it, post its start event, then run one engine event per `debugStep`. */
  | (JobSource & {
      type: 'debug';
      runId: number;
      check: boolean;
      thresholds: HealthThresholds;
      /**
       * Debug a training run of the spec's train: section: only the steps the host seeks send their
       * events. The run also posts 'train' messages, as a train job does, at most every `updateMs`.
       */
      train?: { updateMs: number };
    })
  /** Read the saved run `npz` (an .npz of run-record tensors) as the baseline `label`: posts 'baseline'. */
  | (JobSource & { type: 'baseline'; runId: number; npz: Uint8Array; label: string });

/** Messages to a job that is running (not queued behind it). */
export type HostToJob =
  /**
   * Run the debug job's next engine event and post it; after the last, the job ends. In training,
   * at the end of a step, `seek` says which step next sends its events: the ones between run on the
   * fast path, unseen; null: none, train to the end (a step whose gradients turn NaN or ±Infinity
   * sends its events anyway, and ends the run).
   */
  | { type: 'debugStep'; runId: number; seek?: number | null }
  /** The session stopped at the event last posted: a debugged training posts that step as a train snapshot (once a step), for the Train panel. */
  | { type: 'debugStopped'; runId: number };

/** Messages from the engine worker to the extension host. */
export type WorkerToHost =
  /** An engine event of run `runId`. */
  | { type: 'event'; runId: number; event: RunEvent; held?: HeldBatch[] }
  /** What loading the spec found (with its data files); when any is an error, nothing runs. */
  | { type: 'problems'; runId: number; problems: Problem[] }
  /** The run failed with a sentence meant for the user; `layer` is the custom layer at fault, if any. */
  | ({ type: 'failed'; runId: number; layer?: number } & Sentence)
  /** An event of training run `runId`. */
  | { type: 'train'; runId: number; event: TrainEvent; held?: HeldBatch[] }
  /** Debug job `runId` loaded its spec: the layers (a graph's nodes) its steps' indices refer to; in training, its step count. */
  | { type: 'debugStart'; runId: number; name: string; layers: LayerInfo[]; loss: LayerInfo | null; iterations?: number }
  /** The next event of debug job `runId`, answering a debugStep. */
  | { type: 'debug'; runId: number; step: DebugStep }
  /** The baseline a 'baseline' job read, its buffers transferred. */
  | { type: 'baseline'; runId: number; baseline: WireBaseline }
  /** Every tensor of run `runId` as an .npz file (src/spec/npz), when the job asked to save it; before its 'done' event. */
  | { type: 'saved'; runId: number; npz: ArrayBuffer }
  /** The job is over (after its last event, or its problems) and the worker is free for the next. */
  | { type: 'end'; runId: number };

/** Messages from the extension host to a webview. */
export type HostToWebview =
  /**
   * A new run of the spec `title` (at `uri`, which the page saves for restore) starts; clear the old
   * one. `replay`: the run has ended, and its messages follow again for a page that was reloaded.
   */
  | { type: 'reset'; title: string; runId: number; uri: string; replay?: boolean }
  /** An event of the current run. */
  | { type: 'event'; runId: number; event: RunEvent }
  /** The run failed or the spec has errors; show `message`. */
  | { type: 'error'; runId: number; message: string }
  /** The cursor moved onto layer `index` in the spec: select its row (without posting selectLayer back). */
  | { type: 'select'; index: number }
  /** The spec was edited since the run shown began: its figures are the old spec's. */
  | { type: 'stale' }
  /** The user (or a newer run of the same spec) cancelled the run. */
  | { type: 'cancelled'; runId: number }
  /** A debug session of the run stopped at `at` (`backward Relu1`); its next event means it goes on. */
  | { type: 'paused'; runId: number; at: string }
  /**
   * What the findings' fixes would change in the spec as it is now: `fixes[i]` is the title of the
   * fix of the run's finding i (null without one, or once it would change nothing); `all` lists what
   * Fix all changes (null when nothing).
   */
  | { type: 'fixes'; runId: number; fixes: (string | null)[]; all: string[] | null }
  /** The spec's baseline, which every run shown is compared with; null: none (cleared). */
  | { type: 'baseline'; baseline: WireBaseline | null }
  /** The answer to the page's request for sample `sample` of `ref` in run `runId`. */
  | { type: 'sample'; runId: number; ref: SampleRef; sample: number; answer: SampleAnswer }
  /** A debugger variable to draw (Show as Heatmap): `name` at the stop `where` (`backward Relu1`); a mask on its two colours. */
  | { type: 'inspect'; name: string; where: string; tensor: WireTensor; mask: boolean };

/**
 * A pinned or saved run as the panel gets it: its tensors by name (`Affine1/dW`, as run-record names
 * them), each with its stats and, when it would go whole in a run's events (src/wire-tensor), its values.
 */
export interface WireBaseline {
  /** What the user knows it as: "run of 12:03:41", or the saved file's name. */
  label: string;
  tensors: { name: string; tensor: WireTensor }[];
}

/** Messages from a webview to the extension host. All are validated by the host before use. */
export type WebviewToHost =
  /** The webview is listening; the host may now send state. */
  | { type: 'ready' }
  /** The user selected layer `index` in the panel. */
  | { type: 'selectLayer'; index: number }
  /** The user asked to run the spec again. */
  | { type: 'rerun' }
  /** The user clicked cell [row, col] of parameter `param` (W, b, ...) of layer `index`, or of its gradient. */
  | { type: 'selectCell'; index: number; param: string; row: number; col: number }
  /** The user asked for the fix of the run's finding `index` (its quick fix's edit). */
  | { type: 'applyFix'; index: number }
  /** The user asked for Fix all. */
  | { type: 'fixAll' }
  /** Keep the spec's run as its baseline. */
  | { type: 'pinBaseline' }
  /** Stop comparing the spec's runs with a baseline. */
  | { type: 'clearBaseline' }
  /** Send sample `sample` of `ref`, which the run's event carried only the first samples of. */
  | { type: 'sample'; ref: SampleRef; sample: number };

/** One heatmap the side view shows. */
export interface SideHeatmap {
  /** Caption, such as dW, activation, mask (relu) or dx. */
  title: string;
  /** Colour scale: diverging around 0, sequential, two-colour mask, or error. */
  kind: 'diverging' | 'sequential' | 'mask' | 'error';
  tensor: WireTensor;
  /** A parameter's gradient: a 4-D one is a bank of filters, drawn one filter to a group. */
  filters?: boolean;
  /** A mask's meaning, when its 1s are not the masked elements. */
  maskWords?: MaskWords;
}

/** One bar pair of the gradient-flow chart. */
export interface FlowBar {
  /** Layer name. */
  name: string;
  /** Mean |grad| of the layer's weights (dW), or of dx for layers without weights. */
  meanAbs: number;
  /** Max |grad| of the same tensor. */
  maxAbs: number;
}

/** Messages from the extension host to the side view. */
export type HostToSideView =
  /** Nothing to show yet; `message` says why (no spec, no run, cursor not on a layer). */
  | { type: 'empty'; message: string }
  /** The layer under the cursor: its heatmaps, the spec's gradient flow, and whether the spec changed since the run. */
  | {
      type: 'layer';
      spec: string;
      index: number;
      info: LayerInfo;
      heatmaps: SideHeatmap[];
      /** In a comparison of inits, the layer's distributions in each variant. */
      variants?: { label: string; activation: Histogram; dx: Histogram }[];
      flow: FlowBar[];
      stale: boolean;
    }
  /** The cursor is on no layer (on `input:` or `loss:`, say): the spec's gradient flow alone. */
  | { type: 'flow'; spec: string; flow: FlowBar[]; stale: boolean }
  /** A graph spec's run: each node's value and gradient. */
  | { type: 'graph'; spec: string; output: string; nodes: GraphNodeInfo[]; stale: boolean }
  /** Training of the spec on show: a training-view message for the side view's training section. */
  | { type: 'train'; message: HostToTrainView }
  /** The spec on show has no training run: hide the training section. */
  | { type: 'trainNone' };

/** Messages from the side view to the extension host. */
export type SideViewToHost =
  /** The view is listening; the host may now send state. */
  | { type: 'ready' }
  /** The user clicked a bar of the gradient-flow chart: reveal layer `index` in the spec. */
  | { type: 'revealLayer'; index: number };

/** Percentile levels of the gradient-flow bands, as TensorBoard's distributions: min, the normal's ±1.5σ, ±1σ, ±0.5σ, median, max. */
export const FLOW_PERCENTILES = [0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100] as const;

/** Static facts of a training run. */
export interface TrainInfo {
  /** Network name. */
  name: string;
  /** Every layer, as in a run's start event. */
  layers: LayerInfo[];
  /** The loss layer. */
  loss: LayerInfo | null;
  /** Updates the run will do. */
  iterations: number;
  /** Minibatch size. */
  batch: number;
  /** The update rule in words, such as "sgd, lr 0.1". */
  optimizer: string;
  /** Training-set rows. */
  trainRows: number;
  /** Test-set rows; 0 when there is no test set apart from the training rows. */
  testRows: number;
  /** True when evaluations measure accuracy: the targets are classes, not a regression's values. */
  measuresAccuracy: boolean;
  /** Steps between snapshots. */
  snapshotEvery: number;
  /** Layers whose weight gradients (dW, or dgamma) the flow bands follow, in layer order. */
  flowLayers: { index: number; name: string }[];
  /** True when steps between snapshots take the preallocated fast path. */
  fast: boolean;
  /**
   * A comparison (the spec's `compare:`): its key and variant labels. The variants train one after
   * another, `iterations` each, without snapshots; progress and evaluations name their variant.
   */
  compare?: { key: string; variants: string[] };
}

/** One evaluation, as the book's train_neuralnet.py prints it. */
export interface TrainEval {
  /** Updates done. */
  step: number;
  /** Epochs done (fractional). */
  epoch: number;
  /** Loss of the last minibatch. */
  loss: number;
  /** Accuracy on the whole training set; null when not measured (a regression). */
  trainAcc: number | null;
  /** Accuracy on the whole test set; null when not measured or there is no test set. */
  testAcc: number | null;
  /** The variant evaluated, in a comparison. */
  variant?: number;
}

/** What happened since the last progress message. */
export interface TrainProgress {
  /** Updates done. */
  step: number;
  /** Time since training began, in ms. */
  elapsedMs: number;
  /** Float64 step numbers of `losses`. */
  lossSteps: ArrayBuffer;
  /** Float64 minibatch losses of the steps since the last message. */
  losses: ArrayBuffer;
  /** Step of the flow sample (the latest step). */
  flowStep: number;
  /** Float64 percentiles of |grad|: one row of FLOW_PERCENTILES.length per flow layer. */
  flow: ArrayBuffer;
  /** The variant training, in a comparison (its steps count from 1 again). */
  variant?: number;
}

/** Where a NaN or ±Infinity first appeared. */
export interface NonFiniteAt {
  /** The step whose forward or backward produced it (before its update). */
  step: number;
  /** Index of the layer (layers.length for the loss layer). */
  index: number;
  /** Its name. */
  layer: string;
  /** The first tensor that holds it, such as 'activation', 'loss', 'dx', 'dW'. */
  tensor: string;
  /** Which non-finite value: NaN, Infinity or -Infinity. */
  value: 'NaN' | 'Infinity' | '-Infinity';
}

/** A recorded step: the run events (forward, loss, backward) of its minibatch, before its update. */
export interface TrainSnapshot {
  step: number;
  /** Forward, loss and backward events, with their tensors. */
  events: RunEvent[];
}

/** One event of a training run. */
export type TrainEvent =
  /** Training began. */
  | { kind: 'start'; info: TrainInfo }
  /** Coalesced progress: at most one per updateMs. */
  | { kind: 'progress'; progress: TrainProgress }
  /** An evaluation. */
  | { kind: 'eval'; eval: TrainEval }
  /** A snapshot for the ring buffer (the host keeps it; webviews ask for it by step). */
  | { kind: 'snapshot'; snapshot: TrainSnapshot }
  /** The first NaN/Inf; training stops after it (its snapshot comes just before). */
  | { kind: 'nonFinite'; at: NonFiniteAt }
  /** Training ended by itself: all steps done (in a comparison, of every variant), or stopped at a NaN/Inf. */
  | { kind: 'done'; step: number; elapsedMs: number; reason: 'finished' | 'nonFinite' };

/** A training run's bounded history, as a new page needs it (all Float64 buffers). */
export interface TrainHistoryWire {
  /** Steps of the loss curve points. */
  lossSteps: ArrayBuffer;
  /** Loss curve values (means over merged steps once the curve was thinned). */
  losses: ArrayBuffer;
  /** Steps of the flow samples. */
  flowSteps: ArrayBuffer;
  /** Flow percentiles: FLOW_PERCENTILES.length values per flow layer per sample, sample-major. */
  flow: ArrayBuffer;
  /** Every evaluation. */
  evals: TrainEval[];
  /** How the loss curve fills (absent: one step per point). */
  lossFill?: CurveFill;
  /** How the flow samples fill (absent: one sample per point). */
  flowFill?: CurveFill;
}

/** How a thinned curve goes on: each point holds `stride` samples, the last one `last` so far (it fills before a new point starts). */
export interface CurveFill {
  /** Samples per point: 1, doubled by each thinning. */
  stride: number;
  /** Samples in the last point (1..stride). */
  last: number;
}

/** How a training run stands. */
export type TrainStatus =
  | { state: 'running' }
  | { state: 'finished' | 'nonFinite' | 'cancelled'; step: number; elapsedMs: number }
  /** `message`: why, in the display language. */
  | { state: 'failed'; message: string };

/** Messages from the extension host to a training view (the Train panel, or the side view's training section). */
export type HostToTrainView =
  /** A new training run of `title` (at `uri`) begins; clear the old one. Run 0: the host has none of this spec in this window. */
  | { type: 'trainReset'; runId: number; title: string; uri: string }
  /** Static facts of the run. */
  | { type: 'trainStart'; runId: number; info: TrainInfo }
  /** The run's history so far, for a page that joins late (in a comparison, one per variant). */
  | { type: 'trainHistory'; runId: number; history: TrainHistoryWire; variant?: number }
  /** New progress (append to the curves). */
  | { type: 'trainProgress'; runId: number; progress: TrainProgress }
  /** A new evaluation. */
  | { type: 'trainEval'; runId: number; eval: TrainEval }
  /** The steps the ring buffer holds now, oldest first. */
  | { type: 'trainSnapshots'; runId: number; steps: number[] }
  /** The snapshot the view asked for. */
  | { type: 'trainSnapshot'; runId: number; snapshot: TrainSnapshot }
  /** The first NaN/Inf. */
  | { type: 'trainNonFinite'; runId: number; at: NonFiniteAt }
  /** The run's status changed. */
  | { type: 'trainStatus'; runId: number; status: TrainStatus }
  /**
   * Where the run is, as every view and the notification show it: the host paces this one source
   * (curves follow trainProgress), so the step counts shown at one moment agree.
   */
  | {
      type: 'trainPosition';
      runId: number;
      step: number;
      elapsedMs: number;
      /** A debugged training stopped in `step`: where (`forward Affine1`), until the run goes on. */
      paused?: string;
    }
  /** The answer to the view's request for sample `sample` of `ref` (a snapshot's batch tensor). */
  | { type: 'sample'; runId: number; ref: SampleRef; sample: number; answer: SampleAnswer };

/** Messages from a training view to the extension host. All are validated by the host before use. */
export type TrainViewToHost =
  /** The view is listening; the host may now send state. */
  | { type: 'ready' }
  /** Show the snapshot of `step` (the scrubber moved). */
  | { type: 'snapshot'; step: number }
  /** Send sample `sample` of `ref` (with the snapshot's step), which the snapshot carried only the first samples of. */
  | { type: 'sample'; ref: SampleRef; sample: number }
  /** Stop the run. */
  | { type: 'cancel' }
  /** Train the spec again. */
  | { type: 'retrain' }
  /** Reveal layer `index` in the spec. */
  | { type: 'revealLayer'; index: number };
