#!/usr/bin/env python3
"""What a NumPy/PyTorch user runs for nnsim's tensor reshapes (bench/tensor.mjs): the same float32 conv
output, each reshape to a float64 matrix, median of 5 runs; prints {"layout reshape": seconds} as JSON."""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

path, n, c, h, w = sys.argv[1], *map(int, sys.argv[2:])
nchw = np.fromfile(path, dtype=np.float32).reshape(n, c, h, w)
nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
torch.set_num_threads(2)

ops = {
    'nchw flatten': lambda: np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)).reshape(n, -1).astype(np.float64),
    'nhwc flatten': lambda: nhwc.reshape(n, -1).astype(np.float64),
    'nchw positions': lambda: np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)).reshape(-1, c).astype(np.float64),
    'nhwc positions': lambda: nhwc.reshape(-1, c).astype(np.float64),
    'nchw pool': lambda: nchw.mean(axis=(2, 3), dtype=np.float64),
    'nhwc pool': lambda: nhwc.mean(axis=(1, 2), dtype=np.float64),
    'nchw pool:4x4': lambda: F.adaptive_avg_pool2d(torch.from_numpy(nchw).double(), 4).permute(0, 2, 3, 1).reshape(n, -1).numpy(),
    'nhwc pool:4x4': lambda: F.adaptive_avg_pool2d(torch.from_numpy(nhwc).permute(0, 3, 1, 2).double(), 4).permute(0, 2, 3, 1).reshape(n, -1).numpy(),
}
out = {}
for name, op in ops.items():
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        op()
        runs.append(time.perf_counter() - t)
    out[name] = sorted(runs)[2]
print(json.dumps(out))
