#!/usr/bin/env python3
"""Dev-only: the rows nnsim's sampleRows must choose, from the Python port of its generator
(scripts/nnsim_random.py), so that a test pins the subsets on every platform.
Writes test/fixtures/sampling-reference.json; test/45.memory-sampling.test.ts reads it.
Run: python3 scripts/sampling_reference.py"""
import json
from pathlib import Path

from nnsim_random import Random, sample_rows

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "sampling-reference.json"


def main():
    labels = [(7 * i * i + 3) % 5 for i in range(97)]  # three classes of unequal sizes
    cases = [
        {"n": 20, "rows": 5, "seed": 0},
        {"n": 1000, "rows": 17, "seed": 42},
        {"n": 97, "rows": 30, "seed": 2**53 - 1},
        {"n": 97, "rows": 30, "seed": 7, "labels": labels},
        {"n": 97, "rows": 11, "seed": 0, "labels": labels},
        {"n": 10, "rows": 25, "seed": 3},
    ]
    for case in cases:
        case["indices"] = sample_rows(case["n"], case["rows"], case["seed"], case.get("labels"))
    assert Random(1).sample(5, 5) == [0, 1, 2, 3, 4]
    OUT.write_text(json.dumps({"cases": cases}) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
