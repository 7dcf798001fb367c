# Backprop Lens's Python bridge: runs the user's own classes (the book's MulLayer, Relu, Affine, ...)
# for the engine. One process per spec, kept warm; it reads requests from the FIFO named by argv[1]
# and answers on the FIFO named by argv[2]. A message is a frame: u32 body length, then the body:
# u32 header length, the header as UTF-8 JSON, zero padding to 8 bytes, then the raw float64 bytes of
# every array the header's "arrays" lists (their shapes), one after another. Numbers of tensors never
# go through JSON. See src/worker/python-wire.ts for the other end.
import json
import os
import struct
import sys
import traceback

# The user's print() must not reach the channel: stdout goes to stderr (a log file the worker reads).
sys.stdout = sys.stderr

try:
    import numpy as np
except ImportError:
    np = None

BRIDGE_FILE = os.path.realpath(__file__)
# Modules present before any user code ran; a reset drops every other module the user's files made.
BASE_MODULES = set(sys.modules)


def read_exact(f, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = f.readinto(view[got:])
        if not k:
            raise EOFError
        got += k
    return buf


def read_message(f):
    (length,) = struct.unpack('<I', read_exact(f, 4))
    body = read_exact(f, length)
    (hlen,) = struct.unpack_from('<I', body, 0)
    header = json.loads(body[4:4 + hlen].decode('utf-8'))
    offset = (4 + hlen + 7) & ~7
    arrays = []
    for shape in header.get('arrays', []):
        size = 1
        for d in shape:
            size *= d
        a = np.frombuffer(body, dtype='<f8', count=size, offset=offset).reshape(shape).copy()
        arrays.append(a)
        offset += 8 * size
    return header, arrays


def write_message(f, header, arrays=()):
    datas = [np.ascontiguousarray(a, dtype='<f8') for a in arrays]
    header['arrays'] = [list(a.shape) for a in datas]
    text = json.dumps(header).encode('utf-8')
    pad = (-(4 + len(text))) % 8
    length = 4 + len(text) + pad + sum(a.nbytes for a in datas)
    f.write(struct.pack('<II', length, len(text)) + text + b'\0' * pad + b''.join(a.tobytes() for a in datas))


def changed_elements(a, b):
    """How many elements of `a` differ, bit for bit, from its copy `b`: all when `a` is no longer such an array."""
    same = isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
    return int(np.count_nonzero(a.view(np.int64) != b.view(np.int64))) if same else b.size


class UserError(Exception):
    """A failure of the user's code or of its contract, already in words."""


def is_user_file(path):
    if not path or path.startswith('<'):
        return False
    path = os.path.realpath(path)
    if path == BRIDGE_FILE or 'site-packages' in path or 'dist-packages' in path:
        return False
    return not any(path.startswith(os.path.realpath(p) + os.sep) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})


class Bridge:
    def __init__(self):
        self.objects = {}
        # A loss's last forward inputs with copies of them, by id: its backward may write into them too.
        self.loss_inputs = {}
        self.next_id = 1
        self.folder = os.getcwd()

    def where(self, path, line):
        return f'{os.path.relpath(path, self.folder)}:{line}'

    def describe_exception(self, e):
        """The exception's type and text, with the last frame of the traceback that is in the user's files."""
        text = f'{type(e).__name__}: {e}'
        if isinstance(e, SyntaxError) and e.filename:
            return f'SyntaxError: {e.msg}, at {self.where(e.filename, e.lineno)}'
        frames = [f for f in traceback.extract_tb(e.__traceback__) if is_user_file(f.filename)]
        if frames:
            last = frames[-1]
            text += f', at {self.where(last.filename, last.lineno)}'
        return text

    def reset(self, header):
        self.objects.clear()
        self.loss_inputs.clear()
        self.folder = header['folder']
        os.chdir(self.folder)
        for name in list(sys.modules):
            module = sys.modules[name]
            if name not in BASE_MODULES and is_user_file(getattr(module, '__file__', None) or ''):
                del sys.modules[name]
        for path in (os.path.dirname(self.folder), self.folder):
            if path not in sys.path:
                sys.path.insert(0, path)
        return {}

    def module(self, path):
        import importlib.util
        path = os.path.realpath(os.path.join(self.folder, path))
        name = os.path.splitext(os.path.basename(path))[0]
        known = sys.modules.get(name)
        if known is not None and os.path.realpath(getattr(known, '__file__', '') or '') == path:
            return known
        if not os.path.isfile(path):
            raise UserError(f'there is no file {path}')
        folder = os.path.dirname(path)
        for p in (os.path.dirname(folder), folder):
            if p not in sys.path:
                sys.path.insert(0, p)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as e:
            del sys.modules[name]
            if isinstance(e, SystemExit):
                raise
            raise UserError(f'importing {os.path.basename(path)} failed: {self.describe_exception(e)}')
        return module

    def find_class(self, header):
        """The class the header names, or the reply saying it is missing, with the module's classes."""
        module = self.module(header['module'])
        cls = getattr(module, header['class'], None)
        if isinstance(cls, type):
            return cls, {}
        classes = [k for k, v in vars(module).items() if isinstance(v, type) and getattr(v, '__module__', None) == module.__name__]
        return None, {'missing': 'class', 'classes': classes}

    def new(self, header, arrays):
        cls, missing = self.find_class(header)
        if cls is None:
            return missing
        args = {k: (arrays[v['array']] if isinstance(v, dict) else v) for k, v in header.get('args', {}).items()}
        try:
            obj = cls(**args)
        except Exception as e:
            raise UserError(f'{header["class"]}(...) failed: {self.describe_exception(e)}')
        oid = self.register(obj)
        params = self.params(obj)
        return {'id': oid, 'params': params, 'methods': self.methods(obj)}, [getattr(obj, p) for p in params]

    def register(self, obj):
        oid = self.next_id
        self.next_id += 1
        self.objects[oid] = obj
        return oid

    @staticmethod
    def methods(obj):
        return [m for m in sorted(set(dir(obj)) - set(dir(object))) if callable(getattr(type(obj), m, None))]

    def net(self, header, arrays):
        """A whole network in the book's structure: its layers (an OrderedDict), lastLayer and params."""
        reply = self.new(header, arrays)
        if not isinstance(reply, tuple):
            return reply, []
        net = self.objects[reply[0]['id']]
        layers = getattr(net, 'layers', None)
        if not hasattr(layers, 'items'):
            raise UserError(f'{header["class"]} has no layers: build self.layers = OrderedDict() of its layers, as the book does')
        out, values = [], []
        for key, layer in layers.items():
            params = self.params(layer)
            out.append({'key': str(key), 'class': type(layer).__name__, 'id': self.register(layer), 'params': params, 'methods': self.methods(layer)})
            values += [getattr(layer, p) for p in params]
        last = getattr(net, 'lastLayer', None)
        loss = last and {'class': type(last).__name__, 'id': self.register(last), 'methods': self.methods(last)}
        # Which layer attribute each of net.params is (the book's Affine(self.params['W1'], ...) shares the array).
        owners = {}
        for name, value in (getattr(net, 'params', None) or {}).items():
            for entry in out:
                for p in entry['params']:
                    if getattr(layers[entry['key']], p) is value:
                        owners[name] = [entry['key'], p]
        return {'id': reply[0]['id'], 'layers': out, 'lastLayer': loss, 'owners': owners, 'gradient': callable(getattr(net, 'gradient', None))}, values

    def gradient(self, header, arrays):
        net = self.objects[header['id']]
        x, t = arrays
        if t.ndim == 1:
            t = t.astype(np.int64)
        try:
            grads = net.gradient(x, t)
        except Exception as e:
            raise UserError(f'{type(net).__name__}.gradient(x, t) threw: {self.describe_exception(e)}')
        if not hasattr(grads, 'items'):
            raise UserError(f'{type(net).__name__}.gradient(x, t) returned a {type(grads).__name__}, not a dict of arrays')
        names = [str(k) for k in grads]
        return {'names': names}, [self.as_array(grads[k], False, f'{type(net).__name__}.gradient(x, t) gave {k} as') for k in grads]

    def differences(self, header, arrays):
        """f(v + h) and f(v - h) for each element v of one parameter, f the loss through the chain of
        layers from the parameter's own: the book's numerical_gradient loop, run here in one request."""
        chain = [self.objects[i] for i in header['chain']]
        loss = self.objects[header['loss']] if header.get('loss') else None
        x = arrays[0]
        t = arrays[1] if len(arrays) > 1 else None
        W = getattr(chain[0], header['param'])
        h = header['h']
        plus = np.empty(W.size)
        minus = np.empty(W.size)

        def f():
            y = x
            for layer in chain:
                y = layer.forward(y)
            # t is copied, as each call's inputs are: a loss writing into it must not move the next call's.
            return float(loss.forward(y, t.copy())) if loss is not None else float(np.sum(y))

        flat = W.reshape(-1) if W.flags.c_contiguous else W.flat
        try:
            for i in range(W.size):
                v = flat[i]
                flat[i] = v + h
                plus[i] = f()
                flat[i] = v - h
                minus[i] = f()
                flat[i] = v
        except Exception as e:
            raise UserError(f'{self.describe_exception(e)}')
        return {}, [plus, minus]

    def input_differences(self, header, arrays):
        """f(x + h) and f(x - h) for each element of a layer's input x, f(x) = sum(forward(x) * R): the dx check."""
        layer = self.objects[header['id']]
        work, R = arrays[0].copy(), arrays[1].reshape(-1)
        h = header['h']
        plus = np.empty(work.size)
        minus = np.empty(work.size)
        flat = work.reshape(-1)
        try:
            for i in range(work.size):
                v = flat[i]
                flat[i] = v + h
                plus[i] = np.dot(np.asarray(layer.forward(work), dtype=float).reshape(-1), R)
                flat[i] = v - h
                minus[i] = np.dot(np.asarray(layer.forward(work), dtype=float).reshape(-1), R)
                flat[i] = v
        except Exception as e:
            raise UserError(f'{self.describe_exception(e)}')
        return {}, [plus, minus]

    @staticmethod
    def params(obj):
        """The book's convention: an attribute X holding a float array, with its gradient dX beside it."""
        names = vars(obj) if hasattr(obj, '__dict__') else {}
        return [k for k, v in names.items() if isinstance(v, np.ndarray) and v.dtype.kind == 'f' and 'd' + k in names]

    def call(self, header, arrays):
        obj = self.objects[header['id']]
        method = header['method']
        n_inputs = header['inputs']
        inputs = arrays[:n_inputs]
        for name, k in header.get('set', {}).items():
            self.set_param(obj, name, arrays[k])
        for name, (ki, kv) in header.get('patch', {}).items():
            flat = getattr(obj, name).reshape(-1)
            flat[arrays[ki].astype(np.int64)] = arrays[kv]
        if header.get('labels') and inputs[1].ndim == 1:
            inputs[1] = inputs[1].astype(np.int64)  # class labels index arrays, as the book's t does
        scalar_out = header.get('scalars') or header.get('number')
        if header.get('scalars') or header.get('scalar_in'):
            inputs = [float(a) for a in inputs]
            given = None
        else:
            given = [a.copy() for a in inputs]
        try:
            result = getattr(obj, method)(*inputs)
        except Exception as e:
            raise UserError(f'{self.describe_exception(e)}')
        if given is not None:
            watched = (inputs, given)
        else:  # a loss's backward(dout) may write into the x and t its forward was given
            watched = self.loss_inputs.get(header['id']) if header.get('loss_inputs') else None
        changed = [i for i, (a, b) in enumerate(zip(*watched)) if changed_elements(a, b)] if watched else []
        if header.get('loss_inputs') and given is not None:
            self.loss_inputs[header['id']] = (inputs, [a.copy() for a in inputs])
        outs = list(result) if header.get('tuple') and isinstance(result, (tuple, list)) else [result]
        out_arrays = []
        for k, out in enumerate(outs):
            out_arrays.append(self.as_array(out, scalar_out, f'{method} returned' if len(outs) == 1 else f'{method} returned, as its value {k + 1},'))
        grads = {}
        if method == 'backward':
            for p in header.get('params', []):
                g = getattr(obj, 'd' + p, None)
                grads[p] = len(out_arrays)
                out_arrays.append(self.as_array(g, False, f'backward set self.d{p} to'))
        extra = [watched[0][i] for i in changed]
        return {'outputs': len(outs), 'grads': grads, 'changed': changed}, out_arrays + extra

    def set_param(self, obj, name, value):
        current = getattr(obj, name, None)
        if isinstance(current, np.ndarray) and current.shape == value.shape and current.dtype == value.dtype:
            current[...] = value  # in place: the same array may also sit in net.params
        else:
            setattr(obj, name, value)

    @staticmethod
    def as_array(value, scalar, what):
        if scalar:
            try:
                return np.asarray(float(value))
            except (TypeError, ValueError):
                raise UserError(f'{what} {type(value).__name__}, not a number')
        if value is None:
            raise UserError(f'{what} None, not an array (did it forget to return?)')
        if not isinstance(value, np.ndarray):
            raise UserError(f'{what} a {type(value).__name__}, not a numpy array')
        if value.dtype.kind not in 'fiu':
            raise UserError(f'{what} an array of dtype {value.dtype}, not float64')
        return value

    def serve(self, fin, fout):
        while True:
            try:
                header, arrays = read_message(fin)
            except EOFError:
                return
            op = header['op']
            try:
                if op == 'hello':
                    reply = {'python': sys.version.split()[0], 'executable': sys.executable, 'numpy': np and np.__version__}, []
                elif op == 'reset':
                    reply = self.reset(header), []
                elif op == 'class':
                    reply = self.find_class(header)[1], []
                elif op == 'new':
                    reply = self.new(header, arrays)
                    if not isinstance(reply, tuple):
                        reply = reply, []
                elif op == 'seed':
                    np.random.seed(header['seed'])  # the book's np.random.randn, drawn the same on every run
                    reply = {}, []
                elif op == 'net':
                    reply = self.net(header, arrays)
                elif op == 'gradient':
                    reply = self.gradient(header, arrays)
                elif op == 'input_differences':
                    reply = self.input_differences(header, arrays)
                elif op == 'differences':
                    reply = self.differences(header, arrays)
                elif op == 'call':
                    reply = self.call(header, arrays)
                else:
                    raise UserError(f'unknown request {op}')
            except UserError as e:
                reply = {'error': str(e)}, []
            write_message(fout, *reply)


def main():
    fin = open(sys.argv[1], 'rb', buffering=0)
    fout = open(sys.argv[2], 'wb', buffering=0)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # input() in user code reads nothing, never the channel
    Bridge().serve(fin, fout)


if __name__ == '__main__':
    main()
