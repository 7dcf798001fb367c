// Swish, out = x·σ(beta·x) (Ramachandran et al., 2017), as a Backprop Lens custom layer: a class
// with forward(x) and backward(dout) over tensors { shape, data: Float64Array }. Its parameter beta
// comes from the spec in this.params; backward sets its gradient in this.grads.
//   With s = σ(beta·x):  dx = dout·(s + beta·x·s·(1 − s)),  dbeta = Σ dout·x²·s·(1 − s).
// (With beta = 1 this is dx = dout·(σ(x) + x·σ(x)·(1 − σ(x))).)
class Swish {
  forward(x) {
    const beta = this.params.beta.data[0];
    this.x = x.data.slice();
    this.s = x.data.map((v) => 1 / (1 + Math.exp(-beta * v)));
    // A new tensor: the engine's x must not be written into.
    return { shape: x.shape, data: x.data.map((v, i) => v * this.s[i]) };
  }

  backward(dout) {
    const beta = this.params.beta.data[0];
    const { x, s } = this;
    const dx = dout.data.map((g, i) => g * (s[i] + beta * x[i] * s[i] * (1 - s[i])));
    let dbeta = 0;
    dout.data.forEach((g, i) => (dbeta += g * x[i] * x[i] * s[i] * (1 - s[i])));
    this.grads.beta = { shape: [1], data: Float64Array.of(dbeta) };
    return { shape: dout.shape, data: dx };
  }
}

module.exports = Swish;
