#!/usr/bin/env python3
"""Dev-only: writes the small array files the CLI tests read (test/fixtures/io/).

Every .npy dtype / byte order / memory order / format version nnsim reads, .npz archives (stored and
deflated), a .safetensors file written by hand (8-byte little-endian header size, JSON header, raw
little-endian buffer), a pickled object array and a NaN array that must be refused, and two folders of
per-layer files for `nnsim pairwise`. manifest.json records, for each readable file, the shape and the
values numpy sees (float64, C order), so the tests compare the readers against numpy itself.

Usage: python3 scripts/cli_fixtures.py   (numpy only; the tests never run Python)
"""
import io
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'io')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261125)
manifest = {'npy': [], 'npz': [], 'safetensors': []}


def values(a):
    return np.ascontiguousarray(a, dtype=np.float64).ravel().tolist()


def save_npy(name, array, version=None):
    path = os.path.join(OUT, name)
    with open(path, 'wb') as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    manifest['npy'].append({'file': name, 'shape': list(array.shape), 'values': values(array)})


base = rng.normal(size=(6, 4))
ints = rng.integers(-100, 100, size=(6, 4))
for tag, dtype in [
    ('f2-le', '<f2'), ('f2-be', '>f2'), ('f4-le', '<f4'), ('f4-be', '>f4'), ('f8-le', '<f8'), ('f8-be', '>f8'),
]:
    save_npy(f'x-{tag}.npy', base.astype(dtype))
for tag, dtype in [
    ('i1', '|i1'), ('i2-le', '<i2'), ('i2-be', '>i2'), ('i4-le', '<i4'), ('i4-be', '>i4'), ('i8-le', '<i8'),
    ('i8-be', '>i8'), ('u1', '|u1'), ('u2-le', '<u2'), ('u4-be', '>u4'), ('u8-le', '<u8'),
]:
    source = np.abs(ints) if dtype[1] == 'u' else ints
    save_npy(f'x-{tag}.npy', source.astype(dtype))
save_npy('x-bool.npy', ints > 0)
save_npy('x-f8-fortran.npy', np.asfortranarray(base))
save_npy('x-f4-be-fortran.npy', np.asfortranarray(base.astype('>f4')))
save_npy('x-v2.npy', base, version=(2, 0))
save_npy('x-v3.npy', base, version=(3, 0))
save_npy('x-1d.npy', base[:, 0].copy())
cube = rng.normal(size=(4, 2, 3))
save_npy('cube.npy', cube)
save_npy('cube-fortran.npy', np.asfortranarray(cube))
save_npy('tensor4.npy', rng.normal(size=(3, 2, 2, 2)).astype('<f4'))

# For `nnsim compare`: N = 20 inputs, D = 5 and D' = 4, B related to A.
a = rng.normal(size=(20, 5))
b = a[:, :4] @ rng.normal(size=(4, 4)) + 0.3 * rng.normal(size=(20, 4))
save_npy('a.npy', a)
save_npy('b.npy', b.astype('<f4'))
save_npy('b-short.npy', b[:15])

# Refused: a pickled object array and NaN content.
with open(os.path.join(OUT, 'object.npy'), 'wb') as f:
    np.save(f, np.array([{'a': 1}, [2, 3]], dtype=object), allow_pickle=True)
nan = base.copy()
nan[2, 1] = np.nan
with open(os.path.join(OUT, 'nan.npy'), 'wb') as f:
    np.save(f, nan)
inf = np.asfortranarray(base.astype('>f4'))
inf[4, 2] = -np.inf
with open(os.path.join(OUT, 'inf-fortran.npy'), 'wb') as f:
    np.save(f, inf)

# .npz: three layers, natural order layer1 < layer2 < layer10; stored and deflated.
layers = {name: rng.normal(size=(12, d)).astype('<f4') for name, d in [('layer10', 3), ('layer1', 5), ('layer2', 4)]}
np.savez(os.path.join(OUT, 'layers-stored.npz'), **layers)
np.savez_compressed(os.path.join(OUT, 'layers-deflated.npz'), **layers)
for file in ['layers-stored.npz', 'layers-deflated.npz']:
    with np.load(os.path.join(OUT, file)) as z:
        manifest['npz'].append({'file': file, 'arrays': {k: {'shape': list(z[k].shape), 'values': values(z[k])} for k in z.files}})


def bf16_bytes(x):
    # bfloat16 = upper 16 bits of float32 (round toward zero is enough for a fixture: values are stored exactly)
    bits = np.asarray(x, dtype='<f4').view('<u4') >> 16
    return bits.astype('<u2').tobytes(), (bits.astype('<u4') << 16).view('<f4')


def write_safetensors(name, tensors):
    """tensors: list of (name, dtype tag, shape, raw bytes, float64 values)."""
    header, buffer, arrays = {}, b'', {}
    for tname, tag, shape, raw, vals in tensors:
        header[tname] = {'dtype': tag, 'shape': list(shape), 'data_offsets': [len(buffer), len(buffer) + len(raw)]}
        buffer += raw
        arrays[tname] = {'shape': list(shape), 'values': vals}
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + buffer)
    manifest['safetensors'].append({'file': name, 'arrays': arrays})


st = []
for tname, arr in layers.items():
    st.append((tname, 'F32', arr.shape, arr.tobytes(), values(arr)))
f64 = rng.normal(size=(12, 2))
st.append(('head.f64', 'F64', f64.shape, f64.astype('<f8').tobytes(), values(f64)))
f16 = rng.normal(size=(12, 2)).astype('<f2')
st.append(('head.f16', 'F16', f16.shape, f16.tobytes(), values(f16)))
raw, exact = bf16_bytes(rng.normal(size=(12, 2)))
st.append(('head.bf16', 'BF16', (12, 2), raw, values(exact)))
i32 = rng.integers(-5, 5, size=(12, 2)).astype('<i4')
st.append(('head.i32', 'I32', i32.shape, i32.tobytes(), values(i32)))
write_safetensors('model.safetensors', st)

# Folders of per-layer files for `nnsim pairwise`: 12 inputs, natural order layer1 < layer2 < layer10.
for model, seed in [('model-a', 1), ('model-b', 2)]:
    os.makedirs(os.path.join(OUT, model), exist_ok=True)
    r = np.random.default_rng(seed)
    x = r.normal(size=(12, 6))
    for name, d in [('layer1', 6), ('layer2', 5), ('layer10', 3)]:
        x = np.tanh(x @ r.normal(size=(x.shape[1], d)))
        with open(os.path.join(OUT, model, f'{name}.npy'), 'wb') as f:
            np.save(f, x.astype('<f4'))

with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
print('wrote', OUT)
