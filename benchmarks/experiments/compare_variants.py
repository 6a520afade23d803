"""Side by side of prefill_wgmma/bench.py runs of kernel variants (variants.sh).

    python3 benchmarks/experiments/compare_variants.py --plan 128x1 base.json other.json ...
    python3 benchmarks/experiments/compare_variants.py --field dense_us base.json other.json

Per cell: the forced grid PLAN's time (µs) in each run (or a row field such as dense_us, the
dequantize + cuBLAS path) and each run's ratio to the first (> 1: faster than the first); then
per scheme the geometric mean, min and max of those ratios. A run's name is its JSON's folder
name.
"""

from __future__ import annotations

import argparse
import json
import math
import os


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", default="128x1", help="forced grid to compare (TOKENSxSPLIT[xBLOCKS_PER_SM])")
    ap.add_argument("--field", help="compare this row field (e.g. dense_us) instead of a plan")
    ap.add_argument("runs", nargs="+", help="prefill_wgmma.json files; the first is the baseline")
    args = ap.parse_args()
    names = [os.path.basename(os.path.dirname(os.path.abspath(p))) for p in args.runs]
    key = lambda r: (r["K"], r["N"], r["M"], r["scheme"], r["bits"])  # noqa: E731
    runs = []
    for p in args.runs:
        with open(p) as f:
            runs.append({key(r): r for r in json.load(f)})
    what = args.field or f"plan {args.plan}"
    get = (lambda r: r[args.field]) if args.field else (lambda r: r["plans"][args.plan])  # noqa: E731
    print(f"{what}; ratio = {names[0]} time / run time")
    print(f"{'K':>6} {'N':>6} {'M':>5} {'sch':>7} {'b':>2} {'fp16':>7}"
          + "".join(f" {n[:9]:>9}" for n in names) + "".join(f" {n[:7]:>7}" for n in names[1:]))
    ratios: dict[tuple[str, str], list[float]] = {}
    for k, r0 in runs[0].items():
        if not all(k in r for r in runs[1:]):
            continue
        ts = [get(r[k]) for r in runs]
        if any(t is None for t in ts):  # a grid that does not exist for this cell
            continue
        for n, t in zip(names[1:], ts[1:]):
            ratios.setdefault((n, r0["scheme"]), []).append(ts[0] / t)
        print(f"{k[0]:>6} {k[1]:>6} {k[2]:>5} {k[3]:>7} {k[4]:>2} {r0['fp16_us']:>7.1f}"
              + "".join(f" {t:>9.1f}" for t in ts) + "".join(f" {ts[0] / t:>7.2f}" for t in ts[1:]))
    for (n, scheme), v in ratios.items():
        gm = math.exp(sum(map(math.log, v)) / len(v))
        print(f"{n} {scheme}: geomean {gm:.3f} (min {min(v):.2f}, max {max(v):.2f}, {len(v)} cells)")


if __name__ == "__main__":
    main()
