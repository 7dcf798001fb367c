"""The book's TwoLayerNet training step in numpy float64, timed, for `npm run bench` to compare with.

Usage: numpy_step.py X T N STEPS. X holds N rows of 784 float64 pixels (raw, little-endian), T their
N labels as bytes: bench.ts writes the same 8,000 training digits it trains on. Each step is the
book's (ch. 5 two_layer_net.py and train_neuralnet.py): draw 100 rows with np.random.choice, gather
them, forward through Affine, Relu, Affine and SoftmaxWithLoss with one-hot targets, backward
through every layer (the first Affine's dx too, as the book does), then W -= 0.1 * dW for each
param. Prints one JSON line: the median ms per step and which BLAS numpy uses with how many threads.
Exits with status 2 when numpy cannot be imported.
"""
import ctypes
import json
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.exit(2)


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def gradient(params, x, t):
    """The book's TwoLayerNet.gradient: forward with the loss, then backward through its layers; the grads."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a1 = np.dot(x, W1) + b1
    mask = a1 <= 0
    z1 = a1.copy()
    z1[mask] = 0
    a2 = np.dot(z1, W2) + b2
    y = softmax(a2)
    cross_entropy_error(y, t)  # the loss, which the book's gradient computes and drops
    dout = (y - t) / t.shape[0]
    grads = {"W2": np.dot(z1.T, dout), "b2": np.sum(dout, axis=0)}
    dout = np.dot(dout, W2.T)
    dout[mask] = 0
    np.dot(dout, W1.T)  # the first Affine's dx, which the book's backward computes and drops
    grads["W1"] = np.dot(x.T, dout)
    grads["b1"] = np.sum(dout, axis=0)
    return grads


def blas():
    """The BLAS library numpy loaded, its version string and thread count where it tells them."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    # OpenBLAS's own names, then those of the scipy-openblas build that numpy's wheels bundle.
    names = [("openblas_get_config", "openblas_get_num_threads"), ("scipy_openblas_get_config64_", "scipy_openblas_get_num_threads64_")]
    for path in paths:
        lib = ctypes.CDLL(path)
        for config, threads in names:
            if hasattr(lib, config) and hasattr(lib, threads):
                getattr(lib, config).restype = ctypes.c_char_p
                return getattr(lib, config)().decode(), getattr(lib, threads)()
    return (paths[0] if paths else "unknown BLAS"), None


def main():
    x_path, t_path, n, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x_train = np.fromfile(x_path, dtype="<f8").reshape(n, 784)
    t_train = np.eye(10)[np.fromfile(t_path, dtype=np.uint8)]
    np.random.seed(0)
    params = {
        "W1": 0.01 * np.random.randn(784, 50),
        "b1": np.zeros(50),
        "W2": 0.01 * np.random.randn(50, 10),
        "b2": np.zeros(10),
    }
    times = []
    for i in range(steps + steps // 10):
        start = time.perf_counter()
        batch_mask = np.random.choice(n, 100)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        grads = gradient(params, x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            params[key] -= 0.1 * grads[key]
        if i >= steps // 10:
            times.append(time.perf_counter() - start)
    library, threads = blas()
    print(json.dumps({"ms": 1000 * sorted(times)[len(times) // 2], "blas": library, "threads": threads, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
