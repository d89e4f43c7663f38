#!/usr/bin/env python3
"""Dev-only: writes the activation-tensor fixtures (test/fixtures/tensor/) and what NumPy and PyTorch
make of them.

The same random activations are saved in both memory orders, 4-D conv outputs as N × C × H × W
(PyTorch) and N × H × W × C (TensorFlow), 3-D ones as N × C × T (Conv1d) and N × T × C (transformer
tokens), and expected.json holds every reshape of each, computed independently of nnsim:
  flatten     NumPy: x.transpose(0, 2, 3, 1).reshape(N, -1) (channels last)
  positions   NumPy: x.transpose(0, 2, 3, 1).reshape(-1, C)
  pool        NumPy: x.mean(axis=(2, 3))
  pool:HxW    torch.nn.functional.adaptive_avg_pool2d (adaptive_avg_pool1d for 3-D) in float64, then
              flattened channels last
The sizes are odd on purpose (7 × 5 pooled to 3 × 2 and 4 × 4): adaptive bins then overlap.

For the command line: two conv layers of the same resolution (B is a 1 × 1 convolution of A plus noise,
through a ReLU) with NumPy's linear CKA of their positions and of their pooled activations, and two
multi-layer files of different ranks (.safetensors and .npz) with sample ids and declared layouts, with
NumPy's linear CKA of every layer pair after global average pooling.

Usage: /usr/bin/python3 scripts/tensor_fixtures.py   (needs numpy and torch; the tests never run Python)
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'tensor')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261206)


def save(name, array):
    np.save(os.path.join(OUT, name), array)


def channels_last(x):
    """N × C × H × W → N × H × W × C, N × C × T → N × T × C."""
    return np.ascontiguousarray(np.moveaxis(x, 1, -1))


def grid_pool(x, grid):
    """Adaptive average pooling of a channels-first tensor by PyTorch, flattened channels last."""
    t = torch.from_numpy(x.astype(np.float64))
    pooled = F.adaptive_avg_pool2d(t, grid) if x.ndim == 4 else F.adaptive_avg_pool1d(t, grid)
    return channels_last(pooled.numpy()).reshape(x.shape[0], -1)


def reshapes(x, grids):
    """Every reshape of a channels-first tensor x (float64), by NumPy and PyTorch."""
    n, c = x.shape[:2]
    last = channels_last(x.astype(np.float64))
    out = {
        'flatten': last.reshape(n, -1),
        'positions': last.reshape(-1, c),
        'pool': x.astype(np.float64).mean(axis=tuple(range(2, x.ndim))),
    }
    for name, grid in grids.items():
        out[name] = grid_pool(x, grid)
    return {k: {'shape': list(v.shape), 'values': v.ravel().tolist()} for k, v in out.items()}


def linear_cka(a, b):
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    return float(np.linalg.norm(b.T @ a) ** 2 / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)))


expected = {'tensors': {}, 'cka': {}, 'pairwise': {}}

# Reshapes of a 4-D and a 3-D tensor, in both layouts.
conv = rng.normal(size=(5, 3, 7, 5)).astype(np.float32)
save('conv-nchw.npy', conv)
save('conv-nhwc.npy', channels_last(conv))
expected['tensors']['conv'] = {
    'files': {'nchw': 'conv-nchw.npy', 'nhwc': 'conv-nhwc.npy'},
    'shape': list(conv.shape),
    'reshapes': reshapes(conv, {'pool:3x2': (3, 2), 'pool:2': (2, 2), 'pool:4x4': (4, 4), 'pool:7x5': (7, 5), 'pool:9x6': (9, 6)}),
}
tokens = rng.normal(size=(4, 3, 7)).astype(np.float32)  # N × C × T
save('tokens-nct.npy', tokens)
save('tokens-ntc.npy', channels_last(tokens))
expected['tensors']['tokens'] = {
    'files': {'nct': 'tokens-nct.npy', 'ntc': 'tokens-ntc.npy'},
    'shape': list(tokens.shape),
    'reshapes': reshapes(tokens, {'pool:3': 3, 'pool:5': 5}),
}

# Two conv layers of the same resolution: B = ReLU(1×1 conv of A) + noise.
a = rng.normal(size=(24, 6, 5, 4)).astype(np.float32)
mix = rng.normal(size=(6, 6))
b = np.maximum(np.einsum('dc,nchw->ndhw', mix, a), 0) + 0.5 * rng.normal(size=(24, 6, 5, 4))
b = b.astype(np.float32)
save('layer-a-nchw.npy', a)
save('layer-b-nchw.npy', b)
save('layer-b-nhwc.npy', channels_last(b))
a64, b64 = a.astype(np.float64), b.astype(np.float64)
expected['cka'] = {
    'positions': linear_cka(channels_last(a64).reshape(-1, 6), channels_last(b64).reshape(-1, 6)),
    'pool': linear_cka(a64.mean(axis=(2, 3)), b64.mean(axis=(2, 3))),
    # What reading N × C × H × W as channels last gives (rows = N·C·H, columns = W): a wrong number.
    'positions-misread': linear_cka(a64.reshape(-1, 4), b64.reshape(-1, 4)),
}


def write_safetensors(path, tensors, metadata):
    """The format by hand: u64 header size, JSON header, little-endian C-order data."""
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        dtype = {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64'}[array.dtype]
        blob = np.ascontiguousarray(array).astype(array.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


# Two "models" whose layers have different ranks: a conv layer (4-D), a token layer (3-D), a
# fully connected layer (2-D), with the sample ids. A in PyTorch's orders (.safetensors), B in
# TensorFlow's (.npz with its metadata as a uint8 JSON entry).
n = 16
ids = np.arange(100, 100 + n, dtype=np.int64)
model_a = {
    'conv': rng.normal(size=(n, 4, 3, 3)).astype(np.float32),
    'tokens': rng.normal(size=(n, 5, 6)).astype(np.float32),  # N × T × C
    'fc': rng.normal(size=(n, 7)).astype(np.float32),
}
model_b = {
    'conv': (model_a['conv'] + 0.3 * rng.normal(size=(n, 4, 3, 3))).astype(np.float32),
    'tokens': (model_a['tokens'] + 0.3 * rng.normal(size=(n, 5, 6))).astype(np.float32),
    'fc': rng.normal(size=(n, 3)).astype(np.float32),
}
write_safetensors(
    os.path.join(OUT, 'model-a.safetensors'),
    {**model_a, 'ids': ids},
    {'layout.conv': 'nchw', 'layout.tokens': 'ntc'},
)
meta_b = json.dumps({'layout.conv': 'nhwc', 'layout.tokens': 'ntc'}).encode()
np.savez(
    os.path.join(OUT, 'model-b.npz'),
    conv=channels_last(model_b['conv']),
    tokens=model_b['tokens'],
    fc=model_b['fc'],
    ids=ids,
    __metadata__=np.frombuffer(meta_b, dtype=np.uint8),
)
# The same activations of B under other sample ids (row 3 is another input): refused.
np.savez(
    os.path.join(OUT, 'model-b-other-ids.npz'),
    conv=channels_last(model_b['conv']),
    tokens=model_b['tokens'],
    fc=model_b['fc'],
    ids=np.where(np.arange(n) == 3, 999, ids),
    __metadata__=np.frombuffer(meta_b, dtype=np.uint8),
)


def pooled(x, tokens_last=False):
    x = x.astype(np.float64)
    if x.ndim == 2:
        return x
    if tokens_last:  # N × T × C
        return x.mean(axis=1)
    return x.mean(axis=(2, 3))


names = ['conv', 'fc', 'tokens']  # natural order, as nnsim sorts layers
pa = {k: pooled(v, k == 'tokens') for k, v in model_a.items()}
pb = {k: pooled(v, k == 'tokens') for k, v in model_b.items()}
expected['pairwise'] = {
    'layers': names,
    'cka': [[linear_cka(pa[i], pb[j]) for j in names] for i in names],
}

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f)
print('wrote', OUT)
