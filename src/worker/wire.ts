// Engine events → protocol events. Every tensor is copied into its own buffer, which the worker then
// transfers: the engine still holds its tensors (a layer's output is the next layer's kept input).
// A big batch-sized tensor goes as a pooled preview instead: Affine1's dx on 8,000 digits is 50 MB,
// which took seconds to reach the panel through code-server, to be pooled there to 400 rows anyway.
// A big batch of images [N, C, H, W] goes as its first samples, since each image is drawn whole, and
// whole beside the event for the host to keep (src/extension/held-batches), which answers a view's
// request for another sample.
import type { RunEvent as EngineEvent } from '../engine/run';
import { HISTOGRAM_BINS, OUTPUT_RANGE } from '../engine/distributions';
import { histogram, maskStats } from '../engine/stats';
import type { Tensor } from '../engine/tensor';
import type { HeldBatch, HeldRecord, RunEvent, WireTensor } from '../protocol';
import { batchTensor, wholeTensor } from '../wire-tensor';

/** A protocol event and the buffers to transfer with it. */
export interface Wired {
  event: RunEvent;
  /** Its tensors' buffers, and the held batches'. */
  transfer: ArrayBuffer[];
  /** Big batches of images whole, of which the event carries the first samples. */
  held: HeldBatch[];
}

/** Converts one engine event; the engine's `done` is left to the worker, which adds timing. */
export function toWire(e: Exclude<EngineEvent, { kind: 'done' }>): Wired {
  const transfer: ArrayBuffer[] = [];
  const held: HeldBatch[] = [];
  const wire = (t: Tensor): WireTensor => wholeTensor(t, transfer);
  // Parameters and check errors always go whole: the host reads their elements (selectCell).
  // `at`: the layer and record a batch of images is held under (the loss's tensors are never images).
  const batch = (t: Tensor, at?: { index: number; record: HeldRecord }): WireTensor => {
    const sent = batchTensor(t, transfer);
    if (at && sent.samples !== undefined) {
      const whole = t.data.slice().buffer as ArrayBuffer;
      transfer.push(whole);
      held.push({ ...at, shape: [...t.shape], buffer: whole });
    }
    return sent;
  };
  const distributed = (t: Tensor, at: { index: number; record: HeldRecord }, range?: readonly [number, number]): WireTensor => ({ ...batch(t, at), histogram: histogram(t, HISTOGRAM_BINS, range) });
  switch (e.kind) {
    case 'forward': {
      const mask = e.kept.mask ?? null;
      return {
        event: {
          kind: 'forward',
          index: e.index,
          activation: distributed(e.output, { index: e.index, record: 'out' }, OUTPUT_RANGE[e.type]),
          mask: mask && batch(mask, { index: e.index, record: 'mask' }),
          // A pooling layer's mask marks its windows' maxima: nothing in it is masked, or dead.
          maskStats: mask && e.type !== 'pooling' ? maskStats(mask) : null,
          params: e.params.map((p) => ({ name: p.name, value: wire(p.value) })),
        },
        transfer,
        held,
      };
    }
    case 'loss':
      return { event: { kind: 'loss', value: e.value, prediction: batch(e.y), target: batch(e.t), dx: batch(e.dx) }, transfer, held };
    case 'backward':
      return {
        event: { kind: 'backward', index: e.index, dout: batch(e.dout, { index: e.index, record: 'dout' }), dx: distributed(e.dx, { index: e.index, record: 'dx' }), grads: e.grads.map((g) => ({ name: g.name, grad: wire(g.grad) })) },
        transfer,
        held,
      };
    case 'check': {
      const r = e.result;
      const failed = r.failed.slice().buffer as ArrayBuffer;
      transfer.push(failed);
      const result = {
        meanAbsDiff: r.meanAbsDiff,
        maxAbsDiff: r.maxAbsDiff,
        maxRelError: r.maxRelError,
        failures: r.failures,
        nonDifferentiable: r.nonDifferentiable,
        ok: r.ok,
        error: wire(r.error),
        relError: wire(r.relError),
        failed,
        worst: r.worst.map((w) => ({ ...w, index: [...w.index] })),
      };
      return { event: { kind: 'check', index: e.index, param: e.param, result }, transfer, held };
    }
  }
}
