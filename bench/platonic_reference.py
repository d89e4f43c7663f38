"""Times the authors' mutual_knn and cknna (platonic-rep metrics.AlignmentMetrics, Huh et al. 2024) on CPU,
as their pipeline runs them: float32 features, rows L2-normalised with F.normalize, topk = k.
Dev-only: bench/alignment-knn.mjs calls it with a JSON job on stdin and reads JSON from stdout.

Job: { "repo": <platonic-rep checkout>, "a": <.npy, N × D float32>, "b": <.npy>, "k": 10,
       "measures": ["mutual_knn", "cknna"], "repetitions": 3 }
Output: { "torch", "numpy", "commit", "threads", "results": [{ "measure", "seconds", "value" }] }
The normalisation is timed with each measure (nnsim's time includes it too).
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def main():
    job = json.load(sys.stdin)
    # Debian's torch starts with one OpenMP thread here; give it every core, as nnsim's BLAS has.
    torch.set_num_threads(os.cpu_count() or 1)
    sys.path.insert(0, job["repo"])
    with contextlib.redirect_stdout(io.StringIO()):  # metrics.py prints a note when pymp is absent
        import metrics  # the authors' module
    commit = subprocess.run(["git", "-C", job["repo"], "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    a = torch.from_numpy(np.load(job["a"]).astype(np.float32))
    b = torch.from_numpy(np.load(job["b"]).astype(np.float32))
    out = []
    for name in job["measures"]:
        fn = getattr(metrics.AlignmentMetrics, name)
        times, value = [], None
        for _ in range(job["repetitions"]):
            t = time.perf_counter()
            with torch.no_grad():
                value = fn(F.normalize(a, p=2, dim=-1), F.normalize(b, p=2, dim=-1), topk=job["k"])
            times.append(time.perf_counter() - t)
        out.append({"measure": name, "seconds": float(np.median(times)), "value": float(value)})
    json.dump({"torch": torch.__version__, "numpy": np.__version__, "commit": commit, "threads": torch.get_num_threads(), "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
