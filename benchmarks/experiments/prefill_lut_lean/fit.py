"""The prefill plan's cost of a lean LUT chunk (csrc/ops.cpp kLeanLutChunkUs), fitted to forced
grids.

    python3 benchmarks/experiments/prefill_lut_lean/fit.py RUN/prefill_wgmma.json [--sms 132]

RUN: call1.sh's output (prefill_wgmma/bench.py with the full and the lean 64-token grids, the
128- and 256-token ones forced, LUT b = 7, 8). The plan (a replica of prefill_plan below) is
replayed for each candidate chunk cost, with and without the lean kernels beyond a cluster of
2 (ops.cpp offers them only without split K or with a cluster pair); for each it prints the
geometric mean over the cells of the picked grid's measured time over the best measured grid's
("regret"; cells whose pick was not forced are counted apart) and the worst cells.
"""

from __future__ import annotations

import argparse
import json
import math

# ops.cpp's constants (chunk costs by tokens per block: LUT; the lean uniform one).
CHUNK_LUT = {64: 2.8, 128: 3.5, 256: 4.6}
BLOCK_US, SHARE = 1.0, 0.45
# Clusters of 2 at once by blocks per SM (prefill_cluster_capacity's probe on an H100 / H200:
# 66 with one block per SM; two per SM assumed to double it).
CAP = {1: 66, 2: 132}


def split_cost(m, n, s):
    return 3.0 + s * m * n * 8 / 3.0e6


def pick(k, n, m, bits, lean_us, sms, lean_any_split=False):
    """(tokens, splits, blocks per SM) as prefill_plan picks them for LUT."""
    c = math.ceil(k / 256)
    n16 = math.ceil(n / 16)
    best, best_us = None, None
    for tok in (64, 128, 256):
        tiles = math.ceil(n16 / 8) * math.ceil(m / tok)
        for s in range(1, min(16, c) + 1):
            cps = math.ceil(c / s)
            sp = math.ceil(c / cps)
            for per_sm in (1, 2):
                if per_sm == 2 and not (tok == 64 and bits >= 7):
                    continue
                if per_sm == 2 and ((sp > 2 and not lean_any_split) or tiles * sp <= sms):
                    continue
                block = cps * (lean_us if per_sm == 2 else CHUNK_LUT[tok]) + BLOCK_US
                if sp == 2:
                    us = math.ceil(tiles / CAP[per_sm]) * block + SHARE * split_cost(m, n, sp)
                else:
                    us = math.ceil(tiles * sp / (per_sm * sms)) * block
                    if sp > 1:
                        us += split_cost(m, n, sp)
                if best_us is None or us < best_us:
                    best, best_us = (tok, sp, per_sm), us
    return best


def name(p):
    tok, sp, per_sm = p
    return f"{tok}x{sp}" + ("x2" if per_sm == 2 else "")


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
