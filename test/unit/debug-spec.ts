// The debugger tests' network: x [2, 3], Affine 3→2 with explicit weights, ReLU, Affine 2→2, and a
// softmax loss on labels [1, 0]. Lines (1-based): 5 Affine1, 6 Relu1, 7 Affine2, 8 the loss.
export const TINY_SPEC = `name: tiny
input: { data: [[1, -2, 0.5], [0, 3, 1]] }
target: { labels: [1, 0] }
layers:
  - { type: affine, units: 2, weights: { W: [[1, -1], [0.5, 2], [-1, 0]], b: [0.1, -0.2] } }
  - relu
  - { type: affine, units: 2, weights: { W: [[1, 2], [-1, 0.5]], b: [0, 0] } }
loss: softmax-with-loss
`;
