"""The prefill plan (csrc/ops.cpp prefill_plan) before and after session 30's chunk costs,
replayed on that session's forced grids (runs/s30_order: the tree's build as "base", the
ordered-load build as "order").

    python3 benchmarks/experiments/prefill_lean/order_fit.py

The kernels as landed are base's 64- / 128-token full grids and order's lean and 256-token ones.
For each cell (uniform, b = 3, 4, 8, M = 32..1024, the four Llama-3-8B weights) it prints the
grid each cost set picks and its time where that grid was measured, and per cost set the picked
time over the best measured grid's ("regret", geometric mean over the cells whose pick was
measured). Grids the plan may pick but the run did not force (splits of 3+, 256 x 2) count as
"not measured".
"""

from __future__ import annotations

import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import prefill_plan_model as plan_model

HERE = os.path.dirname(os.path.abspath(__file__))


def pick(k, n, m, bits, chunk, lean_us):
    """prefill_plan for the uniform scheme (lean kernels: 64 tokens, b <= 6) -> its grid's name."""
    return plan_model.name(plan_model.pick(k, n, m, chunk, lean_us,
                                           lambda tok: tok == 64 and bits <= 6))


def landed_grids():
    rows = {}
    for build in ("base", "order"):
        with open(os.path.join(HERE, "runs", "s30_order", build, "prefill_wgmma.json")) as f:
            rows[build] = {(r["K"], r["N"], r["M"], r["bits"]): r["plans"] for r in json.load(f)}
    cells = {}
    for key, base in rows["base"].items():
        order = rows["order"][key]
        t = {p: v for p, v in base.items() if v is not None and not p.startswith("256")
             and not p.endswith("x2")}
        t.update({p: v for p, v in order.items() if v is not None
                  and (p.startswith("256") or p.count("x") == 2)})
        cells[key] = t
    return cells


COSTS = {
    "session 29 (lean 3.0, 256-token 4.0 us)": ({64: 2.13, 128: 2.45, 256: 4.0}, 3.0),
    "session 30 (lean 2.7, 256-token 3.8 us)": ({64: 2.13, 128: 2.45, 256: 3.8}, 2.7),
}


def main() -> None:
    cells = landed_grids()
    for name, (chunk, lean) in COSTS.items():
        logs, unknown = [], []
        print(name)
        for (k, n, m, bits), t in sorted(cells.items()):
            p = pick(k, n, m, bits, chunk, lean)
            best = min(t, key=t.get)
            if p not in t:
                unknown.append((k, n, m, bits, p))
                print(f"  ({k}, {n}) M={m:<5} b={bits}: picks {p:<7} (not measured; best "
                      f"{best} {t[best]:.1f} us)")
                continue
            logs.append(math.log(t[p] / t[best]))
            print(f"  ({k}, {n}) M={m:<5} b={bits}: picks {p:<7} {t[p]:7.1f} us, best {best:<7}"
                  f" {t[best]:7.1f} us ({t[p] / t[best]:.2f}x)")
        print(f"  regret geomean {math.exp(sum(logs) / len(logs)):.3f} over {len(logs)} cells, "
              f"{len(unknown)} picks not measured\n")


if __name__ == "__main__":
    main()
