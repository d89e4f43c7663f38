#!/usr/bin/env python3
"""Dev-only: writes the tiny ONNX model `nnsim extract` is tested on (test/fixtures/onnx/) and the
activations PyTorch computes for it.

The model is a small CNN (1 × 8 × 8 input: conv, ReLU, max-pool, conv, ReLU, global average pool,
flatten, two linear layers), exported twice with torch.onnx.export (which needs no `onnx` package):
  tiny-cnn.onnx        batch dimension dynamic
  tiny-cnn-fixed.onnx  batch fixed to 4 (extract must pad the last batch)
inputs.npy holds 10 inputs (ids.npy: their ids 100 … 109); expected.json lists every node of the exported graph (name, op type, output
name) and expected.npz holds the output PyTorch's forward hooks saw for the module the node came from
(one module per node in this model), so the test compares onnxruntime's intermediate outputs with
PyTorch's.

The node names are read back from the exported file with a few lines of protobuf decoding (field
numbers from onnx.proto: ModelProto.graph = 7, GraphProto.node = 1, NodeProto.output = 2, name = 3,
op_type = 4), independent of nnsim's own reader.

Usage: /usr/bin/python3 scripts/onnx_fixture.py   (needs numpy and torch; the tests never run Python)
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onnx')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(20261206)

model = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 6, 3),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(6, 5),
    nn.ReLU(),
    nn.Linear(5, 3),
).eval()
inputs = torch.randn(10, 1, 8, 8)
np.save(os.path.join(OUT, 'inputs.npy'), inputs.numpy())
np.save(os.path.join(OUT, 'ids.npy'), np.arange(100, 110, dtype=np.int64))  # sample ids for --ids

outputs = []
hooks = [module.register_forward_hook(lambda m, i, o: outputs.append(o.detach().numpy().copy())) for module in model]
with torch.no_grad():
    model(inputs)
for hook in hooks:
    hook.remove()

example = inputs[:4]
torch.onnx.export(model, example, os.path.join(OUT, 'tiny-cnn.onnx'), input_names=['image'], output_names=['logits'],
                  dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
torch.onnx.export(model, example, os.path.join(OUT, 'tiny-cnn-fixed.onnx'), input_names=['image'], output_names=['logits'],
                  opset_version=13)


def varint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def fields(buf):
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            length, pos = varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f'wire type {wire}')
        yield number, value


def nodes(path):
    data = open(path, 'rb').read()
    graph = next(v for f, v in fields(data) if f == 7)
    for f, v in fields(graph):
        if f != 1:
            continue
        node = {'outputs': []}
        for g, w in fields(v):
            if g == 2:
                node['outputs'].append(w.decode())
            elif g == 3:
                node['name'] = w.decode()
            elif g == 4:
                node['op'] = w.decode()
        yield node


graph_nodes = list(nodes(os.path.join(OUT, 'tiny-cnn.onnx')))
assert len(graph_nodes) == len(outputs), [n['op'] for n in graph_nodes]
expected = {
    'input': 'inputs.npy',
    'nodes': [
        {'name': n['name'], 'op': n['op'], 'output': n['outputs'][0], 'shape': list(o.shape), 'array': f'node{k}'}
        for k, (n, o) in enumerate(zip(graph_nodes, outputs))
    ],
}
with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
np.savez(os.path.join(OUT, 'expected.npz'), **{f'node{k}': o for k, o in enumerate(outputs)})
print('nodes:', [(n['name'], n['op'], n['outputs']) for n in graph_nodes])
print('sizes:', {p: os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT)})
