"""Which grid each cost model of the prefill plan picks, and its forced time (plans.sh's run).

    python3 benchmarks/experiments/prefill_lut_lanes/plans_picks.py prefill_wgmma.json

Replays ops.cpp prefill_plan with session 24's LUT chunk costs (3.5 / 4.6 µs for 128- / 256-
token blocks, every b) and with session 25's per-b costs, on 132 SMs, and prints per cell the
two picks, their forced times and the best forced grid; then the geometric mean of old / new.
"""

from __future__ import annotations

import json
import math
import sys

OLD = {128: [3.5] * 7, 256: [4.6] * 7}
NEW = {128: [2.4, 2.8, 2.8, 2.9, 3.0, 3.2, 3.55], 256: [3.8, 4.0, 4.15, 4.25, 4.3, 4.7, 5.1]}


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def pick(m: int, n: int, k: int, bits: int, cost: dict, sms: int = 132) -> str:
    best = None
    c = cdiv(k, 256)
    for tok in (128, 256):
        tiles = cdiv(cdiv(n, 16), 8) * cdiv(m, tok)
        for s in range(1, min(16, c) + 1):
            cps = cdiv(c, s)
            splits = cdiv(c, cps)
            us = cdiv(tiles * splits, sms) * cps * cost[tok][bits - 2]
            if splits > 1:
                us += 3.0 + splits * m * n * 8 / 3.0e6
            if best is None or us < best[0]:
                best = (us, f"{tok}x{splits}")
    return best[1]


def main() -> None:
    rows = json.load(open(sys.argv[1]))
    ratios = []
    print(f"{'K':>6} {'N':>6} {'M':>5} {'b':>2} {'old':>6} {'us':>7} {'new':>6} {'us':>7} "
          f"{'auto':>7} {'best':>6} {'us':>7}")
    for r in rows:
        if r["scheme"] != "lut":
            continue
        plans = r["plans"]
        o = pick(r["M"], r["N"], r["K"], r["bits"], OLD)
        w = pick(r["M"], r["N"], r["K"], r["bits"], NEW)
        if o not in plans or w not in plans:
            print(f"(cell {r['K']}x{r['N']} M={r['M']} b={r['bits']}: {o} or {w} not timed)")
            continue
        b = min(plans, key=plans.get)
        ratios.append(plans[o] / plans[w])
        print(f"{r['K']:>6} {r['N']:>6} {r['M']:>5} {r['bits']:>2} {o:>6} {plans[o]:>7.1f} "
              f"{w:>6} {plans[w]:>7.1f} {r['prefill_us']:>7.1f} {b:>6} {plans[b]:>7.1f}")
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"old pick / new pick time: geomean {gm:.3f} (min {min(ratios):.2f}, "
          f"max {max(ratios):.2f}, {len(ratios)} cells)")


if __name__ == "__main__":
    main()
