// Swish, out = x·σ(beta·x), with a subtly wrong backward: the second term of
//   dx = dout·(s + beta·x·s·(1 − s))      (s = σ(beta·x))
// lost its factor x, as when sigmoid's backward, out·(1 − out), is pasted in and half adapted:
//   dx = dout·(s + beta·s·(1 − s))        ← wrong by dout·beta·(x − 1)·s·(1 − s)
// The error vanishes where x = 1 and grows with |x − 1|, so the check fails this layer's dx (and the
// Affine before it, which receives the wrong dx) at most elements, but not all. dbeta is right.
// A plain object works as well as a class: each layer gets its own object inheriting from it.
module.exports = {
  forward(x) {
    const beta = this.params.beta.data[0];
    this.x = x.data.slice();
    this.s = x.data.map((v) => 1 / (1 + Math.exp(-beta * v)));
    return { shape: x.shape, data: x.data.map((v, i) => v * this.s[i]) };
  },

  backward(dout) {
    const beta = this.params.beta.data[0];
    const { x, s } = this;
    const dx = dout.data.map((g, i) => g * (s[i] + beta * s[i] * (1 - s[i])));
    let dbeta = 0;
    dout.data.forEach((g, i) => (dbeta += g * x[i] * x[i] * s[i] * (1 - s[i])));
    this.grads.beta = { shape: [1], data: Float64Array.of(dbeta) };
    return { shape: dout.shape, data: dx };
  },
};
