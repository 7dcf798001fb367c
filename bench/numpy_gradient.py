"""The book's numerical_gradient on its TwoLayerNet in numpy, timed, beside the check through Python.

Usage: numpy_gradient.py X T SEED. X holds 3 rows of 784 float64 pixels (raw, little-endian), T their
labels as bytes. The net is examples/python/two_layer_net.py (the book's ch. 5 class), built after
np.random.seed(SEED) as the spec's check builds it, and TwoLayerNet.numerical_gradient(x, t) runs
once: central differences, h = 1e-4, on every element of W1, b1, W2, b2. Prints one JSON line.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'examples', 'python'))
from two_layer_net import TwoLayerNet  # noqa: E402

x = np.fromfile(sys.argv[1], dtype='<f8').reshape(3, 784)
t = np.fromfile(sys.argv[2], dtype=np.uint8).astype(np.int64)
np.random.seed(int(sys.argv[3]))
net = TwoLayerNet(784, 50, 10)
start = time.perf_counter()
net.numerical_gradient(x, t)
print(json.dumps({'ms': 1000 * (time.perf_counter() - start), 'numpy': np.__version__}))
