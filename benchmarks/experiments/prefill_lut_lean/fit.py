"""The prefill plan's cost of a lean LUT chunk (csrc/ops.cpp kLeanLutChunkUs), fitted to forced
grids.

    python3 benchmarks/experiments/prefill_lut_lean/fit.py RUN/prefill_wgmma.json [--sms 132]

RUN: call1.sh's output (prefill_wgmma/bench.py with the full and the lean 64-token grids, the
128- and 256-token ones forced, LUT b = 7, 8). The plan (../prefill_plan_model.py) is replayed
for each candidate chunk cost, with and without the lean kernels beyond a cluster of 2 (ops.cpp
offers them only without split K or with a cluster pair); for each it prints the geometric mean
over the cells of the picked grid's measured time over the best measured grid's ("regret";
cells whose pick was not forced are counted apart) and the worst cells.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import prefill_plan_model as plan_model

# ops.cpp's chunk costs of the full LUT kernels by tokens per block.
CHUNK_LUT = {64: 2.8, 128: 3.5, 256: 4.6}


def pick(k, n, m, bits, lean_us, sms, lean_any_split=False):
    """(tokens, splits, blocks per SM) as prefill_plan picks them for LUT (lean: b >= 7)."""
    return plan_model.pick(k, n, m, CHUNK_LUT, lean_us, lambda tok: tok == 64 and bits >= 7, sms,
                           lean_any_split=lean_any_split)


name = plan_model.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="prefill_wgmma.json of call1.sh")
    ap.add_argument("--sms", type=int, default=132, help="the GPU's SMs (H100 / H200: 132)")
    ap.add_argument("--costs", default="3.0,3.5,4.0,4.5,5.0,5.5,6.0,99",
                    help="candidate lean chunk costs, µs (99: never lean)")
    args = ap.parse_args()
    with open(args.run) as f:
        rows = [r for r in json.load(f) if r["scheme"] == "lut" and r["M"] >= 17]
    for any_split in (False, True):
        for cost in map(float, args.costs.split(",")):
            regrets, missing, worst = [], 0, []
            for r in rows:
                plans = {p: t for p, t in r["plans"].items() if t}
                p = name(pick(r["K"], r["N"], r["M"], r["bits"], cost, args.sms, any_split))
                if p not in plans:
                    missing += 1
                    continue
                best = min(plans.values())
                regrets.append(plans[p] / best)
                worst.append((plans[p] / best, r["K"], r["N"], r["M"], r["bits"], p,
                              min(plans, key=plans.get)))
            gm = math.exp(sum(map(math.log, regrets)) / len(regrets)) if regrets else float("nan")
            worst.sort(reverse=True)
            print(f"lean cost {cost:5.1f} µs, lean at any split {any_split!s:5}: regret "
                  f"{gm:.4f} over {len(regrets)} cells ({missing} picks not measured); worst: "
                  + "; ".join(f"{w[0]:.2f} ({w[1]}, {w[2]}) M={w[3]} b={w[4]} {w[5]} (best {w[6]})"
                              for w in worst[:3]))


if __name__ == "__main__":
    main()
