// The seed's softmax, hand-written as in the book's SoftmaxWithLoss, and with the seed's typo: the
// method is spelled `foward`. Backprop Lens reports the missing forward(x) and the near miss.
// (Spelled right, it works: y = softmax(x) row by row, dx = y·(dout − Σ_j dout·y).)
class Softmax {
  foward(x) {
    const [n, c] = x.shape;
    const y = new Float64Array(n * c);
    for (let r = 0; r < n; r++) {
      const row = x.data.subarray(r * c, (r + 1) * c);
      const max = Math.max(...row);
      let sum = 0;
      for (let j = 0; j < c; j++) sum += y[r * c + j] = Math.exp(row[j] - max);
      for (let j = 0; j < c; j++) y[r * c + j] /= sum;
    }
    this.y = y;
    return { shape: x.shape, data: y.slice() };
  }

  backward(dout) {
    const [n, c] = dout.shape;
    const y = this.y;
    const dx = new Float64Array(n * c);
    for (let r = 0; r < n; r++) {
      let dot = 0;
      for (let j = 0; j < c; j++) dot += dout.data[r * c + j] * y[r * c + j];
      for (let j = 0; j < c; j++) dx[r * c + j] = y[r * c + j] * (dout.data[r * c + j] - dot);
    }
    return { shape: dout.shape, data: dx };
  }
}

module.exports = Softmax;
