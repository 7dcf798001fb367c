"""The book's SimpleConvNet training step in numpy float64 (im2col), timed, for `npm run bench`.

Usage: numpy_conv_step.py X T N STEPS, with X and T as bench/numpy_step.py takes them. Each step is
the book's ch07/train_convnet.py step: draw 100 rows with np.random.choice, gather them as
[100, 1, 28, 28], forward through Convolution (30 filters 5×5), Relu, Pooling 2×2 stride 2,
Affine 100, Relu, Affine 10 and SoftmaxWithLoss, backward through every layer (the first dx too,
as the book does), then the book's Adam (lr 0.001) update. The layers are the book's, from
test/unit/conv_oracle.py. Prints one JSON line as numpy_step.py does; exits 2 without numpy.
"""
import json
import os
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.exit(2)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'unit'))
from conv_oracle import Affine, Convolution, Pooling, Relu  # noqa: E402
from numpy_step import blas  # noqa: E402


class Adam:
    """The book's common/optimizer.py Adam."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2, self.iter, self.m, self.v = lr, beta1, beta2, 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g ** 2 - v)
            p -= lr_t * m / (np.sqrt(v) + 1e-7)


def main():
    x_path, t_path, n, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x_train = np.fromfile(x_path, dtype="<f8").reshape(n, 1, 28, 28)
    t_train = np.fromfile(t_path, dtype=np.uint8).astype(np.int64)
    np.random.seed(0)
    conv = Convolution(0.01 * np.random.randn(30, 1, 5, 5), np.zeros(30), 1, 0)
    affine1 = Affine(0.01 * np.random.randn(30 * 12 * 12, 100), np.zeros(100))
    affine2 = Affine(0.01 * np.random.randn(100, 10), np.zeros(10))
    layers = [conv, Relu(), Pooling(2, 2, 2, 0), affine1, Relu(), affine2]
    weighted = [conv, affine1, affine2]
    adam = Adam()
    times = []
    for i in range(steps + steps // 10):
        start = time.perf_counter()
        batch_mask = np.random.choice(n, 100)
        x, t = x_train[batch_mask], t_train[batch_mask]
        for layer in layers:
            x = layer.forward(x)
        z = x - np.max(x, axis=1, keepdims=True)
        y = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
        -np.sum(np.log(y[np.arange(100), t] + 1e-7)) / 100  # the loss, which the book's gradient drops
        dout = y.copy()
        dout[np.arange(100), t] -= 1
        dout = dout / 100
        for layer in reversed(layers):
            dout = layer.backward(dout)
        adam.update([p for l in weighted for p in (l.W, l.b)], [l.grads[k] for l in weighted for k in ('W', 'b')])
        if i >= steps // 10:
            times.append(time.perf_counter() - start)
    library, threads = blas()
    print(json.dumps({"ms": 1000 * sorted(times)[len(times) // 2], "blas": library, "threads": threads, "numpy": np.__version__}))


main()
