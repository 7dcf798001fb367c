// Each layer's activation and dx as a histogram, as the book's weight-init figures draw them; and
// the same for the variants of a single run's comparison (`compare: { init: [...] }`), each layer
// binned on one range across the variants, so their columns compare bar for bar.
import type { LayerType } from './layer';
import type { Sequential } from './network';
import { runNetwork } from './run';
import { finiteRange, histogram, type Histogram } from './stats';
import type { Tensor } from './tensor';

/** Bins of an activation's or dx's histogram, as the book's weight-init figures have. */
export const HISTOGRAM_BINS = 30;

/** Outputs bounded by their layer's math are binned over the bound, so layers compare on one axis. */
export const OUTPUT_RANGE: Partial<Record<LayerType, readonly [number, number]>> = { sigmoid: [0, 1], tanh: [-1, 1] };

/** One variant's run: its loss, and each layer's activation and dx distributions. */
export interface VariantDistribution {
  /** As the comparison names it: "std 0.01", "xavier". */
  label: string;
  /** Null for a network without a loss. */
  loss: number | null;
  /** One per layer, in order; every variant's histograms of a layer share its range. */
  layers: { activation: Histogram; dx: Histogram }[];
}

/**
 * Runs the network of each variant (`network(i)`, built afresh, of the variant labelled `labels[i]`)
 * forward and backward once on `x` (and `t`), and bins each layer's activation and dx over the range
 * of all the variants' values (a bounded output over its bound). Only the activations and dx of the
 * variants are held meanwhile, not their networks.
 */
export function variantDistributions(labels: readonly string[], network: (i: number) => Sequential, x: Tensor, t: Tensor | null, train: boolean): VariantDistribution[] {
  const runs = labels.map((label, i) => {
    const net = network(i);
    const activations: Tensor[] = [];
    const dxs: Tensor[] = [];
    let loss: number | null = null;
    for (const e of runNetwork(net, x, t, { train, check: null })) {
      if (e.kind === 'forward') activations[e.index] = e.output;
      else if (e.kind === 'backward') dxs[e.index] = e.dx;
      else if (e.kind === 'done') loss = e.loss;
    }
    return { label, loss, activations, dxs, types: net.layers.map((l) => l.type) };
  });
  const shared = (tensors: readonly Tensor[]): [number, number] => {
    const ranges = tensors.map(finiteRange);
    return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
  };
  const layerCount = runs[0]?.activations.length ?? 0;
  const ranges = Array.from({ length: layerCount }, (_, i) => ({
    activation: OUTPUT_RANGE[runs[0].types[i]] ?? shared(runs.map((r) => r.activations[i])),
    dx: shared(runs.map((r) => r.dxs[i])),
  }));
  return runs.map((r) => ({
    label: r.label,
    loss: r.loss,
    layers: ranges.map((range, i) => ({ activation: histogram(r.activations[i], HISTOGRAM_BINS, range.activation), dx: histogram(r.dxs[i], HISTOGRAM_BINS, range.dx) })),
  }));
}
