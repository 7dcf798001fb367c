// A layer's type as the run panel, the side view, hovers and the CLI show it. The engine runs a
// Python layer as a custom layer and checks a Python loss as softmax-with-loss, but the user wrote
// a Python class, so it is shown as one: `python Relu`.
import type { LayerSpec, NetworkSpec } from './model';

/** How a Python class is shown as a type. */
export const pythonTypeName = (className: string): string => `python ${className}`;

/** A layer's type as shown: its Python class, or its type as spelled in specs. */
export function layerTypeName(layer: Pick<LayerSpec, 'type' | 'python'>): string {
  return layer.python ? pythonTypeName(layer.python.className) : layer.type;
}

/** The loss's type as shown: the Python class `className` (a Python loss or a network's lastLayer), or the loss type. */
export function lossTypeName(spec: Pick<NetworkSpec, 'loss' | 'pythonLoss' | 'pythonNetwork'>, className: string): string | null {
  return spec.pythonLoss || spec.pythonNetwork ? pythonTypeName(className) : spec.loss;
}
