#!/usr/bin/env python3
"""Save the activations of a PyTorch model's layers for nnsim.

Forward hooks record the output of every module whose name matches --layers while the model runs on
the inputs in batches; each layer is stored as one array with one row per input (N × …), together with
an `ids` tensor (the inputs' ids) and, for every 3-D/4-D tensor, its memory layout, so that nnsim reads
conv outputs the right way round without flags:

    python save_activations.py --model torchvision:resnet18 --weights DEFAULT \\
        --inputs images.npy --layers 'layer[1-4]' --pool pool:4x4 --out resnet18.safetensors
    nnsim pairwise resnet18.safetensors other.safetensors --out report/

Models: `torchvision:NAME` (needs torchvision; --weights DEFAULT for its pretrained weights),
`small-cnn` (a 4-layer CNN defined below, for trying the pipeline; --seed sets its initialisation),
or any model of yours as `path/to/file.py:NAME` or `package.module:NAME`, where NAME is an nn.Module
instance or a function/class that returns one when called without arguments. --state-dict FILE loads
weights saved with torch.save(model.state_dict(), FILE).

Inputs: a .npy file (or file.npz#name) with one input per row in the shape the model takes
(N × C × H × W for images), float. --ids FILE gives their ids (default 0 … N−1).

--pool chooses what is stored for each layer:
    none       the output as it is: N × C × H × W for conv layers (layout 'nchw' in the metadata),
               N × T × C for token sequences (layout 'ntc'; --layout-3d nct for Conv1d outputs).
               nnsim then needs --reshape (flatten, positions, pool, pool:HxW).
    flatten    N × (H·W·C), ordered like nnsim's --reshape flatten (channels last).
    pool       N × C, the mean over positions (or tokens).
    pool:HxW   adaptive average pooling to H × W (torch's adaptive_avg_pool2d), then flattened
               channels last: N × (H·W·C). Conv layers of different resolutions become comparable.
2-D outputs (linear layers) are stored as they are whatever --pool says.

Output: .safetensors through the `safetensors` package when it is installed (pip install safetensors),
otherwise .npz (numpy) with the metadata as a `__metadata__` entry (UTF-8 JSON bytes) that nnsim
reads. Both hold the same tensors: one per layer, `ids`, and metadata `layout.<layer>` = nchw | ntc |
nct for 3-D/4-D tensors and `reshape.<layer>` saying how a stored layer was reduced.

Run `python save_activations.py --model … --list` to see the module names to match.
"""
import argparse
import importlib
import importlib.util
import json
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    """A small CNN for 1 × H × W images (e.g. 8 × 8 digits): two conv blocks and two linear layers."""

    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = torch.flatten(self.pool(x), 1)
        return self.fc2(F.relu(self.fc1(x)))


def load_model(spec, weights, seed):
    torch.manual_seed(seed)
    if spec == 'small-cnn':
        return SmallCNN()
    if spec.startswith('torchvision:'):
        try:
            import torchvision
        except ImportError:
            sys.exit('save_activations: --model torchvision:… needs torchvision (pip install torchvision)')
        name = spec.split(':', 1)[1]
        return torchvision.models.get_model(name, weights=weights)
    if ':' not in spec:
        sys.exit(f"save_activations: --model {spec!r}: use small-cnn, torchvision:NAME, path/to/file.py:NAME or module:NAME")
    where, name = spec.rsplit(':', 1)
    if where.endswith('.py'):
        loader = importlib.util.spec_from_file_location('user_model', where)
        if loader is None:
            sys.exit(f'save_activations: cannot load {where}')
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    thing = getattr(module, name)
    model = thing if isinstance(thing, nn.Module) else thing()
    if not isinstance(model, nn.Module):
        sys.exit(f'save_activations: {spec} is not an nn.Module and did not return one')
    return model


def load_array(spec):
    path, _, key = spec.partition('#')
    if path.endswith('.npz'):
        with np.load(path) as archive:
            return archive[key] if key else archive[archive.files[0]]
    return np.load(path)


def adaptive_pool_last(x, grid):
    """Adaptive average pooling of N × C × H × W (or N × C × T) to `grid`, flattened channels last."""
    pooled = F.adaptive_avg_pool2d(x, grid) if x.dim() == 4 else F.adaptive_avg_pool1d(x, grid[0])
    return torch.movedim(pooled, 1, -1).reshape(x.shape[0], -1)


def reduce(x, pool, layout):
    """One batch of a layer's output → what is stored, and how it was reduced (for the metadata)."""
    if x.dim() <= 2 or pool == 'none':
        return x, None
    channels_first = x.dim() == 4 or layout == 'nct'
    cf = x if channels_first else torch.movedim(x, -1, 1)  # N × C × … from here on
    described = f"{pool} of {layout} {'×'.join(str(d) for d in x.shape[1:])}"
    if pool == 'flatten':
        return torch.movedim(cf, 1, -1).reshape(x.shape[0], -1), described
    if pool == 'pool':
        return cf.mean(dim=tuple(range(2, cf.dim()))), described
    m = re.fullmatch(r'pool:(\d+)(?:x(\d+))?', pool)
    h = int(m.group(1))
    w = int(m.group(2)) if m.group(2) else h
    return adaptive_pool_last(cf, (h, w) if cf.dim() == 4 else (h,)), described


def first_tensor(output):
    """Modules may return tuples (attention blocks, RNNs): the first tensor is the activation."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    return None


def write(path, tensors, metadata):
    """.safetensors through the safetensors package when installed, else .npz; returns the path."""
    try:
        from safetensors.numpy import save_file
    except ImportError:
        save_file = None
    if path.endswith('.safetensors') and save_file is not None:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, path, metadata=metadata)
        return path
    if path.endswith('.safetensors'):
        path = path[: -len('.safetensors')] + '.npz'
        print(f'save_activations: the safetensors package is not installed (pip install safetensors); writing {path}', file=sys.stderr)
    meta = np.frombuffer(json.dumps(metadata).encode('utf-8'), dtype=np.uint8)
    np.savez(path, **tensors, __metadata__=meta)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', required=True, help='small-cnn, torchvision:NAME, path/to/file.py:NAME or module:NAME')
    parser.add_argument('--weights', default=None, help='torchvision weights (e.g. DEFAULT)')
    parser.add_argument('--state-dict', help='weights saved with torch.save(model.state_dict(), FILE)')
    parser.add_argument('--seed', type=int, default=0, help='initialisation seed (models built here)')
    parser.add_argument('--inputs', help='.npy (or file.npz#name): one input per row')
    parser.add_argument('--ids', help='.npy of the inputs\' ids (default 0 … N-1)')
    parser.add_argument('--layers', action='append', help='regex matched against whole module names (repeatable)')
    parser.add_argument('--pool', default='none', help='none | flatten | pool | pool:HxW (default none)')
    parser.add_argument('--layout-3d', choices=['ntc', 'nct'], default='ntc', help='layout of 3-D outputs (default ntc: tokens)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='output file (.safetensors, or .npz)')
    parser.add_argument('--list', action='store_true', help='print the module names and exit')
    args = parser.parse_args(argv)

    if not re.fullmatch(r'none|flatten|pool|pool:[1-9]\d*(x[1-9]\d*)?', args.pool):
        parser.error(f'--pool {args.pool!r}: use none, flatten, pool or pool:HxW')
    model = load_model(args.model, args.weights, args.seed)
    if args.state_dict:
        model.load_state_dict(torch.load(args.state_dict, map_location='cpu'))
    model.eval().to(args.device)
    names = [name for name, _ in model.named_modules() if name]
    if args.list:
        for name, module in model.named_modules():
            if name:
                print(f'{name}  ({type(module).__name__})')
        return 0
    if not (args.inputs and args.layers and args.out):
        parser.error('--inputs, --layers and --out are required (or --list)')
    patterns = [re.compile(p) for p in args.layers]
    selected = [name for name in names if any(p.fullmatch(name) for p in patterns)]
    if not selected:
        parser.error(f"--layers {args.layers} match no module; modules: {', '.join(names[:20])}{' …' if len(names) > 20 else ''}")

    inputs = load_array(args.inputs)
    n = inputs.shape[0]
    ids = np.load(args.ids).astype(np.int64) if args.ids else np.arange(n, dtype=np.int64)
    if ids.shape != (n,):
        sys.exit(f'save_activations: --ids holds {ids.shape} values for {n} inputs')

    modules = dict(model.named_modules())
    batches = {name: [] for name in selected}
    described = {}
    calls = {}

    def hook_for(name):
        def hook(module, inputs_, output):
            calls[name] = calls.get(name, 0) + 1
            if calls[name] > 1:
                return  # a module used twice in one forward pass: its first output is kept
            x = first_tensor(output)
            if x is None:
                return
            layout = 'nchw' if x.dim() == 4 else args.layout_3d if x.dim() == 3 else None
            stored, how = reduce(x.detach(), args.pool, layout)
            batches[name].append(stored.float().cpu().numpy())
            if how:
                described[name] = how
            if stored.dim() in (3, 4):
                described.setdefault(f'layout:{name}', layout)
        return hook

    handles = [modules[name].register_forward_hook(hook_for(name)) for name in selected]
    with torch.no_grad():
        for start in range(0, n, args.batch_size):
            calls.clear()
            batch = torch.as_tensor(inputs[start:start + args.batch_size], dtype=torch.float32, device=args.device)
            model(batch)
            if sys.stderr.isatty():
                print(f'\rsave_activations: {min(start + args.batch_size, n)}/{n} inputs', end='', file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for handle in handles:
        handle.remove()

    tensors = {}
    metadata = {'producer': 'nnsim save_activations.py', 'model': args.model, 'pool': args.pool}
    for name in selected:
        if not batches[name]:
            print(f'save_activations: {name} produced no tensor; skipped', file=sys.stderr)
            continue
        tensors[name] = np.concatenate(batches[name])
        if f'layout:{name}' in described:
            metadata[f'layout.{name}'] = described[f'layout:{name}']
        if name in described:
            metadata[f'reshape.{name}'] = described[name]
    if 'ids' in tensors:
        sys.exit("save_activations: a module is named 'ids', which the sample ids use")
    tensors['ids'] = ids
    path = write(args.out, tensors, metadata)
    shapes = ', '.join(f"{k} {'×'.join(str(d) for d in v.shape[1:]) or '1'}" for k, v in tensors.items() if k != 'ids')
    print(f'save_activations: wrote {path} ({n} inputs: {shapes})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
