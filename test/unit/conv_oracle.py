# The book's ch. 7 layers in numpy (common/util.py im2col/col2im, common/layers.py Convolution,
# Pooling, Relu, Affine, SoftmaxWithLoss), as a second oracle for the engine's convolution tests.
# Reads {"x", "t", "layers": [...]} as JSON on stdin; prints the loss, every layer's dx and its
# parameters' gradients as JSON. The book's Pooling and SoftmaxWithLoss are followed exactly;
# backward copies dout instead of writing into it. bench/numpy_conv_step.py imports these layers.
import json
import sys

import numpy as np


def im2col(x, fh, fw, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            col[:, :, y, xx, :, :] = img[:, :, y:y_max:stride, xx:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride, pad):
    n, c, h, w = shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            img[:, :, y:y_max:stride, xx:x_max:stride] += col[:, :, y, xx, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


class Convolution:
    def __init__(self, W, b, stride, pad):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        fn, c, fh, fw = self.W.shape
        n, c, h, w = x.shape
        oh = (h + 2 * self.pad - fh) // self.stride + 1
        ow = (w + 2 * self.pad - fw) // self.stride + 1
        self.x = x
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = np.dot(self.col, self.col_W) + self.b
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.grads = {'W': np.dot(self.col.T, dout).transpose(1, 0).reshape(fn, c, fh, fw), 'b': np.sum(dout, axis=0)}
        dcol = np.dot(dout, self.col_W.T)
        return col2im(dcol, self.x.shape, fh, fw, self.stride, self.pad)


class Pooling:
    def __init__(self, ph, pw, stride, pad):
        self.ph, self.pw, self.stride, self.pad = ph, pw, stride, pad
        self.grads = {}

    def forward(self, x):
        n, c, h, w = x.shape
        oh = (h + 2 * self.pad - self.ph) // self.stride + 1
        ow = (w + 2 * self.pad - self.pw) // self.stride + 1
        col = im2col(x, self.ph, self.pw, self.stride, self.pad).reshape(-1, self.ph * self.pw)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        size = self.ph * self.pw
        dmax = np.zeros((dout.size, size))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape + (size,)).reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.ph, self.pw, self.stride, self.pad)


class Relu:
    grads = {}

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        self.grads = {'W': np.dot(self.x.T, dout), 'b': np.sum(dout, axis=0)}
        return np.dot(dout, self.W.T).reshape(*self.original_x_shape)


def main():
    spec = json.load(sys.stdin)
    x = np.array(spec['x'], dtype=np.float64)
    t = np.array(spec['t'], dtype=np.int64)
    layers = []
    for l in spec['layers']:
        if l['type'] == 'convolution':
            layers.append(Convolution(np.array(l['W']), np.array(l['b']), l['stride'], l['pad']))
        elif l['type'] == 'pooling':
            layers.append(Pooling(l['size'][0], l['size'][1], l['stride'], l['pad']))
        elif l['type'] == 'relu':
            layers.append(Relu())
        else:
            layers.append(Affine(np.array(l['W']), np.array(l['b'])))
    for layer in layers:
        x = layer.forward(x)
    # SoftmaxWithLoss with integer labels, as the book's: loss −Σ log(y + 1e-7) / N, dx = (y − t) / N.
    z = x - np.max(x, axis=1, keepdims=True)
    y = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n
    dout = y.copy()
    dout[np.arange(n), t] -= 1
    dout = dout / n
    out = []
    for layer in reversed(layers):
        dout = layer.backward(dout)
        out.insert(0, {'dx': dout.flatten().tolist(), **{k: v.flatten().tolist() for k, v in layer.grads.items()}})
    json.dump({'loss': float(loss), 'layers': out}, sys.stdout)


if __name__ == '__main__':
    main()
