// A whole training step (gather, forward, loss, backward) of networks of built-in layers, without
// allocating: every buffer is made once, in a WebAssembly memory. The matrix products, and the
// listing of nonzeros they use, and ReLU, run in the SIMD kernels of wasm/kernels.ts; the other
// elementwise layers and the losses run in JavaScript, with the functions their layers use (the same bits).
//
// Products skip zero inputs: x·W sums x[i,p]·W[p,:] only over the nonzeros of row i (MNIST pixels
// are ~80% zeros, ReLU outputs ~50%), and dW = xᵀ·dout sums over the nonzeros of column p. Each sum
// still adds its terms one at a time in index order, like the plain loops in ops.ts, and a skipped
// term 0·w is ±0, which leaves a sum unchanged: so the results are the plain path's bits, as long as
// the other factor is finite (0·Inf is NaN). When a weight or gradient is not finite, that product
// takes every term. The nonzeros of the training inputs are listed once, not per minibatch. The
// first weighted layer's dx is never computed: training does not need it. Evaluation runs the same
// forward over the rows in minibatch-sized chunks, so its scores are the plain predict's bits too,
// and keeps the nonzeros of the inputs it evaluates (the test set) listed as well.
//
// A convolution (only as the first weighted layer, so that no dx is needed) runs as its layer does,
// one sample at a time: im2col into a buffer that keeps every sample's columns, then out = col·Wᵀ
// over each column row's nonzeros, and dWₙ = doutₙ·col over the nonzeros of each row of doutₙ (the
// zeros after pooling and ReLU), summed over the samples in order as the layer sums them. im2col and
// pooling run in kernels that read each window's elements through a table of offsets that im2col
// itself makes; pooling by maxPool's rule of the first maximum, and overlapping windows' backward
// in the layer's unpool.
import type { Layer } from './layer';
import { Affine } from './layers/affine';
import { Convolution } from './layers/convolution';
import { im2col } from './layers/im2col';
import { Pooling, unpool } from './layers/pooling';
import { LeakyRelu, leakyRelu, leakyReluDx } from './layers/leaky-relu';
import { MSELoss, mse } from './layers/mse';
import { Relu, reluMasks } from './layers/relu';
import { Sigmoid, sigmoid, sigmoidDx } from './layers/sigmoid';
import { SoftmaxWithLoss, crossEntropy, softmax } from './layers/softmax-with-loss';
import { Tanh, tanh, tanhDx } from './layers/tanh';
import { denseTargets, lossGradient } from './layers/targets';
import { addWeightDecay, type Sequential } from './network';
import { sizeOf, tensor, type Tensor } from './tensor';
import { gridOf, type Grid, type Window } from './window';
import { correctRows } from './accuracy';
import { instantiate, kernelModule, type Kernels } from './wasm/kernels';

/** Bytes of a product's operand that stay in the cache (L2 is 512 KB or more on today's CPUs). */
const TILE_BYTES = 256 * 1024;

/** An elementwise layer the fast step runs. */
type Activation = Relu | LeakyRelu | Sigmoid | Tanh;

/** Byte offsets of a matrix's nonzeros listed by row, as spmm reads them. */
interface Rows {
  /** Values (f64). */
  val: number;
  /** Column of each value (i32). */
  idx: number;
  /** Start of each row in val and idx (i32). */
  begin: number;
  /** End of each row (i32). */
  end: number;
}

/** An affine layer's part of the step: byte offsets of its buffers in the memory, and views of some. */
interface AffineStage {
  layer: Affine;
  /** Input width D. */
  d: number;
  /** Output width M. */
  m: number;
  /** The copy of W [D, M] that the kernels read. */
  w: number;
  /** The input's [batch, D] nonzeros as scan lists them (row starts at begin, batch + 1 of them). */
  scanned: Rows;
  /** The input's nonzeros by column (see the columns kernel): values. */
  cval: number;
  /** Their rows. */
  cidx: number;
  /** Where each column starts. */
  cbegin: number;
  /** Where each column ends. */
  cend: number;
  /** Whether the last forward listed every input element (W was not finite). */
  everyX: boolean;
  /** dW [D, M]. */
  dW: number;
  /** Buffers of dx = dout·Wᵀ, or null for the first affine layer (no dx): Wᵀ [M, D] and dout's nonzeros. */
  dx: { wt: number; dout: Rows } | null;
  /** W's gradient, handed out as the param's grad and rewritten every step. */
  gradW: Tensor;
  /** b's gradient, likewise. */
  gradB: Tensor;
  /** Views of w and dW in the current memory. */
  views: { w: Float64Array; dW: Float64Array };
}

/** A convolution's part of the step: byte offsets of its buffers in the memory, and views of some. */
interface ConvStage {
  layer: Convolution;
  grid: Grid;
  /** Filters FN. */
  fn: number;
  /** Window positions OH·OW. */
  positions: number;
  /** C·FH·FW. */
  k: number;
  /** The filters transposed, Wᵀ [K, FN], as the kernels read them. */
  wt: number;
  /** The biases [FN]. */
  b: number;
  /** Where im2col reads each column element in a sample (see windowTable), [positions, K] i32. */
  table: number;
  /** Every sample's columns [batch, positions, K], kept for dW. */
  col: number;
  /** One sample's column nonzeros by row. */
  cols: Rows;
  /** One sample's output by position, [positions, FN]. */
  outT: number;
  /** Whether the last forward listed every column element (W was not finite). */
  everyX: boolean;
  /** One sample's dW [FN, K]. */
  dWn: number;
  /** One sample's dout [FN, positions] nonzeros by row. */
  dout: Rows;
  /** W's gradient, handed out as the param's grad and rewritten every step. */
  gradW: Tensor;
  /** b's gradient, likewise. */
  gradB: Tensor;
  /** Views of wt, b, dWn, and of dout's listed values and row starts, in the current memory. */
  views: { wt: Float64Array; b: Float64Array; dWn: Float64Array; doutVal: Float64Array; doutStart: Int32Array };
}

/** A max pooling layer's part of the step: byte offsets of its buffers in the memory. */
interface PoolStage {
  layer: Pooling;
  grid: Grid;
  /** Byte offsets in a plane of each window's elements (see windowTable), [OH·OW, FH·FW] i32. */
  table: number;
  /** Where each output's maximum is in its window, [batch, C, OH, OW] i32. */
  argmax: number;
  /** View of argmax in the current memory, for the layer's unpool when windows overlap. */
  argmaxView: Int32Array;
}

/** One layer of the step. */
type Stage =
  | { kind: 'affine'; affine: AffineStage }
  | { kind: 'conv'; conv: ConvStage }
  | { kind: 'pool'; pool: PoolStage }
  | { kind: 'activation'; layer: Activation };

/** One inputs tensor's nonzeros, listed row by row after the step's buffers. */
interface Listed {
  /** The inputs' data. */
  data: Float64Array;
  /** How many nonzeros there are. */
  nonzeros: number;
  /** Where each input row's nonzeros start in the lists (N + 1 of them). */
  starts: Int32Array;
  /** The lists; begin and end, shared by all lists, are set per run to the rows it runs. */
  rows: Rows;
}

/** Bump allocation of 16-byte aligned regions. */
class Arena {
  /** Bytes allocated so far. */
  size = 0;
  /** A region of `bytes`; its byte offset. */
  alloc(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }
  /** Room for the row lists of a [rows, width] matrix. */
  rows(rows: number, width: number): Rows {
    const begin = this.alloc(4 * (rows + 1));
    return { val: this.alloc(8 * rows * width), idx: this.alloc(4 * rows * width), begin, end: begin + 4 };
  }
}

/**
 * Preallocated forward+backward of a whole minibatch step for networks of built-in layers. Its
 * results are the plain path's bits (objective, then backward). The grads it sets are the same
 * tensors every step, rewritten in place: callers that keep one across steps must copy it. It reads
 * the params' current values each step and changes no layer state but the params' grads. It lists
 * the nonzeros of every row of the training inputs once per inputs tensor (when at most half are
 * nonzero), and likewise of the last inputs it evaluated, assuming, as everywhere in the engine,
 * that a tensor's data is never written.
 */
export class FastStep {
  /** The kernels, bound to `buffer`. */
  private k: Kernels;
  /** The memory: the step's buffers, then the listed nonzeros of the inputs. */
  private buffer: ArrayBuffer;
  /** Bytes of the step's buffers. */
  private readonly size: number;
  /** One stage per layer. */
  private readonly stages: Stage[];
  /** Index of the first weighted layer (affine or convolution): backward stops there. */
  private readonly firstWeighted: number;
  /** Shape of one row of each activation: the input, then each layer's output. */
  private readonly shapes: readonly (readonly number[])[];
  /** Width of each activation. */
  private readonly widths: number[];
  /** Whether the inputs are images that must have exactly the input shape (a convolution or pooling reads them). */
  private readonly images: boolean;
  /** Each activation [batch, width]; activation 0 is the gathered input. */
  private readonly acts: number[];
  /** The gradient of each activation after the first weighted layer (the others are unused). */
  private readonly grads: number[];
  /** Views of the activations in the current memory. */
  private actViews: Float64Array[] = [];
  /** Views of the gradients in the current memory. */
  private gradViews: Float64Array[] = [];
  /** Dense targets of the minibatch [batch, classes] (labels become one-hot rows). */
  private readonly targets: Float64Array;
  /** Softmax of the scores [batch, classes] (unused for mse). */
  private readonly probs: Float64Array;
  /** Whether this step's input rows have been copied to activation 0. */
  private gathered = false;
  /**
   * The inputs' lists (made only when layer 0 is affine), most recently used first: at most
   * two, so that the training inputs' and the test inputs' both stay, and memory stays bounded.
   */
  private listed: Listed[] = [];
  /** Inputs never to list: too dense, or too large for any memory. Weak: it keeps none alive. */
  private readonly unlisted = new WeakSet<Float64Array>();
  /** The last step's inputs: the next step lists them when it is given the same. */
  private seen: Float64Array | null = null;
  /** The lists of the inputs being run, or null when their rows are copied and scanned. */
  private current: Listed | null = null;
  /** Byte offsets of the run's row starts and ends in the lists, [batch] i32 each. */
  private readonly runRows: { begin: number; end: number };
  /** View of runRows.begin in the current memory. */
  private begin = new Int32Array(0);
  /** View of runRows.end in the current memory. */
  private end = new Int32Array(0);
  /** The rows of one chunk of an evaluation. */
  private readonly chunk: Int32Array;
  /** Byte offsets of the row ranges [batch] i32 of one tile of a product (see product). */
  private readonly tile: { begin: number; end: number };
  /** The memory as i32, for the product's tiles. */
  private i32 = new Int32Array(0);
  /** Byte offset of 16 zero bytes, which the pool kernel reads for the padding. */
  private readonly zero: number;
  /** Byte offset of a row of −0 as wide as the widest activation: adding it copies any double exactly, as transpose's bias. */
  private readonly minusZero: number;
  /** Regions written into each new memory, and where they go: the window tables and the row of −0. */
  private readonly constants: [number, Uint8Array][];

  /** Made by fastStep(), which checks the network first; `shapes` are those of one row of each activation. */
  constructor(
    readonly net: Sequential,
    /** Minibatch size. */
    readonly batch: number,
    /** The compiled kernels, instantiated once per memory. */
    private readonly module: object,
    shapes: readonly (readonly number[])[],
  ) {
    this.shapes = shapes;
    const widths = shapes.map(sizeOf);
    this.widths = widths;
    this.images = net.layers.some((l) => l instanceof Convolution || l instanceof Pooling);
    const arena = new Arena();
    this.acts = widths.map((w) => arena.alloc(8 * batch * w));
    this.grads = widths.map((w) => arena.alloc(8 * batch * w));
    this.firstWeighted = net.layers.findIndex((l) => l.params.length > 0);
    this.zero = arena.alloc(16);
    const none = new Float64Array(0);
    this.minusZero = arena.alloc(8 * Math.max(...widths));
    const constants: [number, Uint8Array][] = [[this.minusZero, new Uint8Array(new Float64Array(Math.max(...widths)).fill(-0).buffer)]];
    const constant = (table: Int32Array): number => {
      const at = arena.alloc(4 * table.length);
      constants.push([at, new Uint8Array(table.buffer)]);
      return at;
    };
    this.stages = net.layers.map((layer, l): Stage => {
      if (layer instanceof Pooling || layer instanceof Convolution) {
        const grid = gridOf(layer.name, [1, ...shapes[l]], layer.window);
        if (layer instanceof Pooling) {
          const table = constant(windowTable({ ...grid, c: 1 }, layer.window));
          return { kind: 'pool', pool: { layer, grid, table, argmax: arena.alloc(4 * batch * widths[l + 1]), argmaxView: new Int32Array(0) } };
        }
        const W = layer.params[0].value;
        const [fn, positions, k] = [W.shape[0], grid.oh * grid.ow, W.shape[1] * W.shape[2] * W.shape[3]];
        const conv: ConvStage = {
          layer,
          grid,
          fn,
          positions,
          k,
          wt: arena.alloc(8 * k * fn),
          b: arena.alloc(8 * fn),
          table: constant(windowTable(grid, layer.window)),
          col: arena.alloc(8 * batch * positions * k),
          cols: arena.rows(positions, k),
          outT: arena.alloc(8 * positions * fn),
          everyX: false,
          dWn: arena.alloc(8 * fn * k),
          dout: arena.rows(fn, positions),
          gradW: tensor(W.shape),
          gradB: tensor([fn]),
          views: { wt: none, b: none, dWn: none, doutVal: none, doutStart: new Int32Array(0) },
        };
        return { kind: 'conv', conv };
      }
      if (!(layer instanceof Affine)) return { kind: 'activation', layer: layer as Activation };
      const [d, m] = [widths[l], widths[l + 1]];
      const affine: AffineStage = {
        layer,
        d,
        m,
        w: arena.alloc(8 * d * m),
        scanned: arena.rows(batch, d),
        cval: arena.alloc(8 * batch * d),
        cidx: arena.alloc(4 * batch * d),
        cbegin: arena.alloc(4 * d),
        cend: arena.alloc(4 * d),
        everyX: false,
        dW: arena.alloc(8 * d * m),
        dx: l === this.firstWeighted ? null : { wt: arena.alloc(8 * m * d), dout: arena.rows(batch, m) },
        gradW: tensor([d, m]),
        gradB: tensor([m]),
        views: { w: none, dW: none },
      };
      return { kind: 'affine', affine };
    });
    this.runRows = { begin: arena.alloc(4 * batch), end: arena.alloc(4 * batch) };
    this.tile = { begin: arena.alloc(4 * batch), end: arena.alloc(4 * batch) };
    this.size = arena.size;
    this.constants = constants;
    [this.k, this.buffer] = this.bind(this.size);
    this.chunk = new Int32Array(batch);
    const classes = widths[widths.length - 1];
    this.targets = new Float64Array(batch * classes);
    this.probs = new Float64Array(batch * classes);
  }

  /**
   * Trains on rows `rows` of xTrain [N, ...] and tTrain (labels [N] or rows [N, C]): forward in
   * training mode, loss, backward. Returns the loss, and sets every param's grad; the same as
   * net.objective(gatherRows(x, rows), gatherRows(t, rows), true) then net.backward().
   */
  step(xTrain: Tensor, tTrain: Tensor, rows: Int32Array): number {
    const n = xTrain.shape[0];
    if (rows.length !== this.batch) throw new RangeError(`this fast step takes minibatches of ${this.batch} rows, got ${rows.length}`);
    this.checkInputs(xTrain);
    if (tTrain.shape[0] !== n) throw new RangeError(`${n} inputs but ${tTrain.shape[0]} targets`);
    for (let k = 0; k < rows.length; k++) if (!(rows[k] >= 0 && rows[k] < n)) throw new RangeError(`row ${rows[k]} is outside 0..${n - 1}`);
    this.current = this.stages[0].kind === 'affine' ? this.listsOf(xTrain, false) : null;
    this.loadWeights();
    this.forward(xTrain, rows, true);
    const loss = this.net.withPenalty(this.loss(tTrain, rows));
    for (let l = this.stages.length - 1; l >= this.firstWeighted; l--) {
      const stage = this.stages[l];
      if (stage.kind === 'affine') this.affineBackward(stage.affine, l, xTrain, rows);
      else if (stage.kind === 'conv') this.convBackward(stage.conv, l);
      else if (stage.kind === 'pool') this.poolBackward(stage.pool, l);
      else if (stage.layer instanceof Relu) this.k.masked(this.acts[l], this.grads[l + 1], this.grads[l], this.batch * this.widths[l]);
      else deactivate(stage.layer, this.actViews[l], this.actViews[l + 1], this.gradViews[l + 1], this.gradViews[l]);
    }
    return loss;
  }

  /**
   * accuracy(net.predict(x, false), t) for inputs x [N, ...] and targets t (labels [N] or one-hot
   * rows [N, C]), the same bits, without the [N, C] scores: the forward runs `batch` rows at a time.
   * The first call on x lists its nonzeros (the work of scanning its rows) and keeps them for the next.
   */
  accuracyOn(x: Tensor, t: Tensor): number {
    this.checkInputs(x);
    const n = x.shape[0];
    this.current = this.stages[0].kind === 'affine' ? this.listsOf(x, true) : null;
    this.loadWeights();
    const last = this.stages.length;
    let correct = 0;
    for (let from = 0; from < n; from += this.batch) {
      const rows = this.chunk.subarray(0, Math.min(this.batch, n - from));
      for (let k = 0; k < rows.length; k++) rows[k] = from + k;
      this.forward(x, rows, false);
      correct += correctRows(this.actViews[last], rows.length, this.widths[last], t, from);
    }
    return correct / n;
  }

  /** Throws unless x is [N, ...] of the input shape: exactly for images, else of D per row for the first affine layer's width D. */
  private checkInputs(x: Tensor): void {
    const d0 = this.widths[0];
    const shape = this.shapes[0];
    if (this.images) {
      if (x.shape.length !== shape.length + 1 || shape.some((d, i) => x.shape[i + 1] !== d)) {
        const reader = this.net.layers.find((l) => l instanceof Convolution || l instanceof Pooling);
        throw new RangeError(`${reader?.name} expects inputs [N, ${shape.join(', ')}], got [${x.shape.join(', ')}]`);
      }
    } else if (x.shape.length < 2 || x.data.length !== x.shape[0] * d0) {
      throw new RangeError(`${this.net.layers[this.firstWeighted].name} expects inputs [N, ${d0}] (or [N, ...] of ${d0} per row), got [${x.shape.join(', ')}]`);
    }
  }

  /** A new memory of `bytes`, the kernels bound to it, and the views of the step's buffers in it. */
  private bind(bytes: number): [Kernels, ArrayBuffer] {
    const { kernels, buffer } = instantiate(this.module, bytes);
    const f64 = (at: number, n: number) => new Float64Array(buffer, at, n);
    this.actViews = this.acts.map((at, l) => f64(at, this.batch * this.widths[l]));
    this.gradViews = this.grads.map((at, l) => f64(at, this.batch * this.widths[l]));
    for (const [at, bytes] of this.constants) new Uint8Array(buffer, at, bytes.length).set(bytes);
    this.stages.forEach((stage, l) => {
      if (stage.kind === 'conv') {
        const c = stage.conv;
        c.views = {
          wt: f64(c.wt, c.k * c.fn),
          b: f64(c.b, c.fn),
          dWn: f64(c.dWn, c.fn * c.k),
          doutVal: f64(c.dout.val, c.fn * c.positions),
          doutStart: new Int32Array(buffer, c.dout.begin, c.fn + 1),
        };
      }
      if (stage.kind === 'pool') stage.pool.argmaxView = new Int32Array(buffer, stage.pool.argmax, this.batch * this.widths[l + 1]);
      if (stage.kind !== 'affine') return;
      const a = stage.affine;
      a.views = { w: f64(a.w, a.d * a.m), dW: f64(a.dW, a.d * a.m) };
    });
    this.i32 = new Int32Array(buffer);
    this.begin = new Int32Array(buffer, this.runRows.begin, this.batch);
    this.end = new Int32Array(buffer, this.runRows.end, this.batch);
    return [kernels, buffer];
  }

  /** Copies rows `rows` of the inputs to activation 0. */
  private gather(x: Tensor, rows: Int32Array): void {
    const d0 = this.widths[0];
    const act = this.actViews[0];
    for (let k = 0; k < rows.length; k++) act.set(x.data.subarray(rows[k] * d0, (rows[k] + 1) * d0), k * d0);
    this.gathered = true;
  }

  /**
   * The lists of x's rows: those already made, or made now when `now` or when x is also the last
   * step's inputs (so that inputs new every step are only scanned); null for inputs never listed.
   */
  private listsOf(x: Tensor, now: boolean): Listed | null {
    const data = x.data;
    const [first, second] = this.listed;
    if (first?.data === data) return first;
    if (second?.data === data) {
      this.listed = [second, first];
      return second;
    }
    if (this.unlisted.has(data)) return null;
    if (!now) {
      const again = data === this.seen;
      this.seen = data;
      if (!again) return null;
    }
    return this.list(x);
  }

  /**
   * Lists the nonzeros of every row of x after the step's buffers, in a new and larger memory that
   * keeps the most recently used lists and drops any other. Null, and x is never listed, when more
   * than half are nonzero (the lists take 12 bytes per nonzero against the inputs' 8 per element)
   * or there is no memory that large.
   */
  private list(x: Tensor): Listed | null {
    const data = x.data;
    let nonzeros = 0;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) nonzeros++;
    if (2 * nonzeros > data.length) {
      this.unlisted.add(data);
      return null;
    }
    const [kept] = this.listed;
    const old = this.buffer;
    // Values then columns, 12 bytes per nonzero; rounded up so that each list starts 16-byte aligned.
    const room = (count: number) => Math.ceil((12 * count) / 16) * 16;
    const keptRoom = kept ? room(kept.nonzeros) : 0;
    try {
      [this.k, this.buffer] = this.bind(this.size + keptRoom + room(nonzeros));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.unlisted.add(data); // no memory that large: its rows are scanned each run instead
      return null;
    }
    const { begin, end } = this.runRows;
    const at = (offset: number, count: number): Rows => ({ val: offset, idx: offset + 8 * count, begin, end });
    if (kept) {
      new Uint8Array(this.buffer, this.size, 12 * kept.nonzeros).set(new Uint8Array(old, kept.rows.val, 12 * kept.nonzeros));
      kept.rows = at(this.size, kept.nonzeros);
    }
    const a = (this.stages[0] as { affine: AffineStage }).affine;
    const [n, d, B] = [x.shape[0], a.d, this.batch];
    const lists: Listed = { data, nonzeros, starts: new Int32Array(n + 1), rows: at(this.size + keptRoom, nonzeros) };
    this.listed = kept ? [lists, kept] : [lists];
    // Scans B rows at a time, in activation 0, straight into the lists.
    const ptr = new Int32Array(this.buffer, a.scanned.begin, B + 1);
    for (let from = 0; from < n; from += B) {
      const count = Math.min(B, n - from);
      this.actViews[0].set(data.subarray(from * d, (from + count) * d));
      const base = lists.starts[from];
      this.k.scan(this.acts[0], count, d, 0, lists.rows.val + 8 * base, lists.rows.idx + 4 * base, a.scanned.begin);
      for (let k = 1; k <= count; k++) lists.starts[from + k] = base + ptr[k];
    }
    return lists;
  }

  /** Copies each weighted layer's W to the memory (a convolution's transposed), and notes whether it is finite: only then may its product skip zero inputs. */
  private loadWeights(): void {
    for (const stage of this.stages) {
      if (stage.kind === 'conv') {
        const c = stage.conv;
        const [W, b] = [c.layer.params[0].value, c.layer.params[1].value];
        if (W.data.length !== c.fn * c.k || W.shape[0] !== c.fn || b.data.length !== c.fn) throw new RangeError(`${c.layer.name}: W or b changed shape since the fast step was made`);
        const wt = c.views.wt;
        for (let f = 0; f < c.fn; f++) for (let e = 0; e < c.k; e++) wt[e * c.fn + f] = W.data[f * c.k + e];
        c.views.b.set(b.data);
        c.everyX = this.k.finite(c.wt, c.k * c.fn) === 0;
      }
      if (stage.kind !== 'affine') continue;
      const a = stage.affine;
      const [W, b] = [a.layer.params[0].value, a.layer.params[1].value];
      if (W.shape[0] !== a.d || W.shape[1] !== a.m || b.data.length !== a.m) throw new RangeError(`${a.layer.name}: W or b changed shape since the fast step was made`);
      a.views.w.set(W.data);
      a.everyX = this.k.finite(a.w, a.d * a.m) === 0;
    }
  }

  /**
   * Runs every layer on rows `rows` of x: activation l + 1 of row k is layer l's output for input
   * row rows[k]. With `training`, each affine layer also lists its input by column, for dW.
   */
  private forward(x: Tensor, rows: Int32Array, training: boolean): void {
    this.gathered = false;
    if (!this.current) this.gather(x, rows);
    for (let l = 0; l < this.stages.length; l++) {
      const stage = this.stages[l];
      if (stage.kind === 'affine') this.affineForward(stage.affine, l, x, rows, training);
      else if (stage.kind === 'conv') this.convForward(stage.conv, l, rows.length);
      else if (stage.kind === 'pool') {
        const { grid, layer, table, argmax } = stage.pool;
        const { fh, fw } = layer.window;
        this.k.pool(this.acts[l], rows.length * grid.c, 8 * grid.h * grid.w, table, fh * fw, grid.oh * grid.ow, this.acts[l + 1], argmax, this.zero);
      }
      else if (stage.layer instanceof Relu) this.k.masked(this.acts[l], this.acts[l], this.acts[l + 1], rows.length * this.widths[l]);
      else activate(stage.layer, this.actViews[l], this.actViews[l + 1], rows.length * this.widths[l]);
    }
  }

  /** Layer l's input listed by row: its nonzeros, or every element when `all`; from x's lists when it can. */
  private listInput(a: AffineStage, l: number, all: boolean, x: Tensor, rows: Int32Array): Rows {
    const current = this.current;
    if (l === 0 && current && !all) {
      for (let k = 0; k < rows.length; k++) {
        this.begin[k] = current.starts[rows[k]];
        this.end[k] = current.starts[rows[k] + 1];
      }
      return current.rows;
    }
    if (l === 0 && !this.gathered) this.gather(x, rows);
    const s = a.scanned;
    this.k.scan(this.acts[l], rows.length, a.d, all ? 1 : 0, s.val, s.idx, s.begin);
    return s;
  }

  /** out = x·W + b for layer l, x's zeros skipped unless W is not finite; `columns` also lists x by column. */
  private affineForward(a: AffineStage, l: number, x: Tensor, rows: Int32Array, columns: boolean): void {
    const input = this.listInput(a, l, a.everyX, x, rows);
    this.product(this.acts[l + 1], a.w, 8 * a.m, a.d, input, rows.length);
    if (columns) this.k.columns(input.val, input.idx, input.begin, input.end, rows.length, a.d, a.cval, a.cidx, a.cbegin, a.cend);
    const out = this.actViews[l + 1];
    const bias = a.layer.params[1].value.data;
    for (let r = 0; r < rows.length * a.m; r += a.m) for (let j = 0; j < a.m; j++) out[r + j] += bias[j];
  }

  /**
   * C [rows, bytes/8] = A·B for A's rows listed in `a` and B [height, bytes/8] at b. A large B goes in
   * tiles of its rows that stay in the cache while every row of A runs over them: each tile adds
   * its terms onto C's sums, which so still take their terms in index order.
   */
  private product(c: number, b: number, bytes: number, height: number, a: Rows, rows: number): void {
    const tile = Math.max(1, Math.floor(TILE_BYTES / bytes));
    if (height <= tile) return this.k.spmm(c, b, bytes, a.val, a.idx, a.begin, a.end, rows, 0);
    const [m, idx, begin, end, from, to] = [this.i32, a.idx >> 2, a.begin >> 2, a.end >> 2, this.tile.begin >> 2, this.tile.end >> 2];
    for (let r = 0; r < rows; r++) m[to + r] = m[begin + r];
    for (let low = 0; low < height; low += tile) {
      for (let r = 0; r < rows; r++) {
        let e = (m[from + r] = m[to + r]);
        const stop = m[end + r];
        while (e < stop && m[idx + e] < low + tile) e++;
        m[to + r] = e;
      }
      this.k.spmm(c, b, bytes, a.val, a.idx, this.tile.begin, this.tile.end, rows, low > 0 ? 1 : 0);
    }
  }

  /** dW = xᵀ·dout, db = Σ over the batch of dout, and dx = dout·Wᵀ unless l is the first affine layer. */
  private affineBackward(a: AffineStage, l: number, xTrain: Tensor, rows: Int32Array): void {
    const B = this.batch;
    const dout = this.grads[l + 1];
    // 0·Inf is NaN: with a non-finite dout, dW needs every term, so the skipped ones are listed too.
    if (!a.everyX && this.k.finite(dout, B * a.m) === 0) {
      const x = this.listInput(a, l, true, xTrain, rows);
      this.k.columns(x.val, x.idx, x.begin, x.end, B, a.d, a.cval, a.cidx, a.cbegin, a.cend);
    }
    this.k.spmm(a.dW, dout, 8 * a.m, a.cval, a.cidx, a.cbegin, a.cend, a.d, 0);
    a.gradW.data.set(a.views.dW);
    if (this.net.weightDecay !== 0) addWeightDecay(a.gradW.data, a.layer.params[0].value.data, this.net.weightDecay, a.gradW.data);
    const db = a.gradB.data.fill(0);
    const g = this.gradViews[l + 1];
    for (let r = 0; r < g.length; r += a.m) for (let j = 0; j < a.m; j++) db[j] += g[r + j];
    a.layer.params[0].grad = a.gradW;
    a.layer.params[1].grad = a.gradB;
    if (!a.dx) return;
    this.k.transpose(a.w, a.d, a.m, this.minusZero, a.dx.wt);
    const nz = a.dx.dout;
    this.k.scan(dout, B, a.m, a.everyX ? 1 : 0, nz.val, nz.idx, nz.begin);
    this.k.spmm(this.grads[l], a.dx.wt, 8 * a.d, nz.val, nz.idx, nz.begin, nz.end, B, 0);
  }

  /** Layer l's output for the first `count` rows: per sample, im2col (kept), then col·Wᵀ over each column row's nonzeros (all of them when W is not finite), transposed, + b. */
  private convForward(c: ConvStage, l: number, count: number): void {
    const { fn, positions: P, k } = c;
    const sampleBytes = 8 * c.grid.c * c.grid.h * c.grid.w;
    for (let n = 0; n < count; n++) {
      this.k.gather(this.acts[l] + n * sampleBytes, c.table, P * k, c.col + 8 * n * P * k, this.zero);
      this.k.scan(c.col + 8 * n * P * k, P, k, c.everyX ? 1 : 0, c.cols.val, c.cols.idx, c.cols.begin);
      this.k.spmm(c.outT, c.wt, 8 * fn, c.cols.val, c.cols.idx, c.cols.begin, c.cols.end, P, 0);
      this.k.transpose(c.outT, P, fn, c.b, this.acts[l + 1] + 8 * n * fn * P);
    }
  }

  /**
   * db = Σ over samples and positions of dout, and dW = Σₙ doutₙ·colₙ over each row of doutₙ's
   * nonzeros (all of them when an input is not finite: 0·Inf is NaN), as the layer sums them. db
   * skips the zeros too: a sum from +0 is never −0, so adding ±0 leaves it unchanged.
   */
  private convBackward(c: ConvStage, l: number): void {
    const { fn, positions: P, k } = c;
    const every = this.k.finite(this.acts[l], this.batch * this.widths[l]) === 0 ? 1 : 0;
    const dW = c.gradW.data.fill(0);
    const db = c.gradB.data.fill(0);
    const { dWn, doutVal, doutStart } = c.views;
    for (let n = 0; n < this.batch; n++) {
      this.k.scan(this.grads[l + 1] + 8 * n * fn * P, fn, P, every, c.dout.val, c.dout.idx, c.dout.begin);
      for (let f = 0; f < fn; f++) for (let e = doutStart[f]; e < doutStart[f + 1]; e++) db[f] += doutVal[e];
      this.k.spmm(c.dWn, c.col + 8 * n * P * k, 8 * k, c.dout.val, c.dout.idx, c.dout.begin, c.dout.end, fn, 0);
      for (let e = 0; e < dW.length; e++) dW[e] += dWn[e];
    }
    c.layer.params[0].grad = c.gradW;
    c.layer.params[1].grad = c.gradB;
  }

  /** Pooling layer l's dx: the unpool kernel when windows do not overlap, else the layer's unpool (whose sums at a pixel keep its order). */
  private poolBackward(p: PoolStage, l: number): void {
    const { grid, layer } = p;
    const { fh, fw, stride } = layer.window;
    if (stride >= fh && stride >= fw) this.k.unpool(this.grads[l + 1], this.batch * grid.c, 8 * grid.h * grid.w, p.table, fh * fw, grid.oh * grid.ow, p.argmax, this.grads[l]);
    else unpool(p.argmaxView, this.gradViews[l + 1], grid, layer.window, this.gradViews[l].fill(0));
  }

  /** The loss of the last activation against rows `rows` of tTrain; writes its gradient. */
  private loss(tTrain: Tensor, rows: Int32Array): number {
    const B = this.batch;
    const L = this.stages.length;
    const scores = this.actViews[L];
    const dy = this.gradViews[L];
    const t = this.targets;
    const c = this.widths[L];
    const lossLayer = this.net.loss as SoftmaxWithLoss | MSELoss;
    if (tTrain.shape.length === 1) {
      t.fill(0);
      for (let k = 0; k < B; k++) {
        const label = tTrain.data[rows[k]];
        if (!(Number.isInteger(label) && label >= 0 && label < c)) targetError(lossLayer.name, [B, c], tensor([B], Float64Array.from(rows, (r) => tTrain.data[r])));
        t[k * c + label] = 1;
      }
    } else if (tTrain.shape.length === 2 && tTrain.shape[1] === c) {
      for (let k = 0; k < B; k++) t.set(tTrain.data.subarray(rows[k] * c, (rows[k] + 1) * c), k * c);
    } else targetError(lossLayer.name, [B, c], tensor([B, ...tTrain.shape.slice(1)]));

    // The loss layer's forward, then its backward(1).
    let y = scores;
    let loss: number;
    if (lossLayer instanceof MSELoss) loss = mse(scores, t, B);
    else {
      y = this.probs;
      softmax(scores, y, c);
      loss = crossEntropy(y, t, B);
    }
    lossGradient(y, t, 1, B, dy);
    return loss;
  }
}

/**
 * Byte offsets in an image of `grid` of each window's elements, [OH·OW, C·FH·FW] in im2col's order
 * (and so, for one plane, in maxPool's), −1 in the padding: im2col of the pixel numbers 1, 2, … (0 is the padding).
 */
export function windowTable(grid: Grid, win: Window): Int32Array {
  const pixels = Float64Array.from({ length: grid.c * grid.h * grid.w }, (_, q) => q + 1);
  const col = new Float64Array(grid.oh * grid.ow * grid.c * win.fh * win.fw);
  im2col(pixels, 0, grid, win, col);
  return Int32Array.from(col, (q) => (q === 0 ? -1 : 8 * (q - 1)));
}

/** Throws the plain path's error for targets it rejects: denseTargets makes it. */
function targetError(name: string, scores: number[], gathered: Tensor): never {
  denseTargets(name, tensor(scores), gathered);
  throw new Error(`${name}: denseTargets accepted targets of shape [${gathered.shape.join(', ')}] that the fast step rejects`);
}

/** out = f(x) for the first n elements, with the elementwise layer's own functions (ReLU's runs in the masked kernel). */
function activate(layer: Exclude<Activation, Relu>, x: Float64Array, out: Float64Array, n: number): void {
  if (layer instanceof LeakyRelu) for (let i = 0; i < n; i++) out[i] = leakyRelu(x[i], layer.alpha);
  else if (layer instanceof Sigmoid) for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
  else for (let i = 0; i < n; i++) out[i] = tanh(x[i]);
}

/** dx of an elementwise layer of input x and output out, as its backward; LeakyReLU's mask is read off x. */
function deactivate(layer: Exclude<Activation, Relu>, x: Float64Array, out: Float64Array, dout: Float64Array, dx: Float64Array): void {
  if (layer instanceof LeakyRelu) for (let i = 0; i < x.length; i++) dx[i] = leakyReluDx(reluMasks(x[i]), dout[i], layer.alpha);
  else if (layer instanceof Sigmoid) for (let i = 0; i < x.length; i++) dx[i] = sigmoidDx(out[i], dout[i]);
  else for (let i = 0; i < x.length; i++) dx[i] = tanhDx(out[i], dout[i]);
}

/** Whether the fast step runs `layer`. */
function supported(layer: Layer): boolean {
  return (
    layer instanceof Affine ||
    layer instanceof Convolution ||
    layer instanceof Pooling ||
    layer instanceof Relu ||
    layer instanceof LeakyRelu ||
    layer instanceof Sigmoid ||
    layer instanceof Tanh
  );
}

/**
 * The shape of one row of each activation (the input's, then each layer's output), for inputs whose
 * rows have shape `sample` (absent: the first affine layer's width); null when the layers do not chain.
 */
function rowShapes(net: Sequential, sample: readonly number[] | undefined): number[][] | null {
  const first = net.layers.find((l): l is Affine => l instanceof Affine);
  const input = sample ? [...sample] : first && [first.params[0].value.shape[0]];
  if (!input) return null;
  const shapes = [input];
  for (const layer of net.layers) {
    const shape = shapes[shapes.length - 1];
    if (layer instanceof Affine) {
      const [d, m] = layer.params[0].value.shape;
      if (sizeOf(shape) !== d) return null;
      shapes.push([m]);
    } else if (layer instanceof Convolution || layer instanceof Pooling) {
      if (shape.length !== 3) return null;
      const W = layer instanceof Convolution ? layer.params[0].value : null;
      if (W && W.shape[1] !== shape[0]) return null;
      let grid: Grid;
      try {
        grid = gridOf(layer.name, [1, ...shape], layer.window);
      } catch {
        return null;
      }
      shapes.push([W ? W.shape[0] : shape[0], grid.oh, grid.ow]);
    } else shapes.push(shape);
  }
  return shapes[shapes.length - 1].length === 1 ? shapes : null;
}

/**
 * A fast step for `net` at minibatch size `batch`, for inputs whose rows have shape `sample` (needed
 * with a convolution or pooling; else the first affine layer's width is taken). Null when a layer or
 * the loss is not supported (only affine, convolution, pooling, relu, leaky-relu, sigmoid and tanh
 * layers with softmax-with-loss or mse are), when the first weighted layer is not affine or
 * convolution or a later one is a convolution (the fast step computes no convolution's dx), when the
 * shapes do not chain to scores [N, C], or when WebAssembly SIMD is missing. The caller then uses
 * the plain path.
 */
export function fastStep(net: Sequential, batch: number, sample?: readonly number[]): FastStep | null {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  if (!(net.loss instanceof SoftmaxWithLoss || net.loss instanceof MSELoss) || !net.layers.every(supported)) return null;
  const first = net.layers.find((l) => l.params.length > 0);
  if (!first || net.layers.some((l) => l instanceof Convolution && l !== first)) return null;
  const shapes = rowShapes(net, sample);
  if (!shapes) return null;
  const module = kernelModule();
  if (!module) return null;
  try {
    return new FastStep(net, batch, module, shapes);
  } catch (e) {
    if (e instanceof RangeError) return null; // a memory too large to allocate
    throw e;
  }
}
