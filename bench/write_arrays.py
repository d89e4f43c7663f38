"""Writes two related float32 .npy arrays of N × D for the streaming benchmark, block by block (memory
stays at one block): A ~ N(0.5, 1), B = tanh(A W / 3) + 0.3·noise. Dev-only.
Usage: python3 bench/write_arrays.py N D A.npy B.npy"""
import sys

import numpy as np


def write_header(f, n, d):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
    padding = (64 - (10 + len(header) + 1) % 64) % 64
    header = header + " " * padding + "\n"
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))


def main():
    n, d = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(1)
    w = rng.normal(size=(d, d)).astype(np.float32) / 3
    with open(sys.argv[3], "wb") as fa, open(sys.argv[4], "wb") as fb:
        write_header(fa, n, d)
        write_header(fb, n, d)
        for start in range(0, n, 65536):
            rows = min(65536, n - start)
            a = (rng.normal(size=(rows, d)) + 0.5).astype(np.float32)
            b = (np.tanh(a @ w) + 0.3 * rng.normal(size=(rows, d))).astype(np.float32)
            fa.write(a.tobytes())
            fb.write(b.tobytes())


if __name__ == "__main__":
    main()
