"""The prefill plan's cost model (csrc/ops.cpp prefill_plan) with 64-token blocks, against
measured grids.

    python3 benchmarks/experiments/prefill_tok64/plan_fit.py

Two runs of prefill_wgmma/bench.py with forced grids: this session's runs/prefill_wgmma.json
(64 / 128 tokens x 1 / 2 / 4 splits, M = 17..128, b = 3, 4, 8) and session 27's
../prefill_ws/runs (128 / 256 tokens x 1 / 2 / 4 / 8 splits, M = 256..1024, b = 4, 8). For each
cell: the grid a parameter set picks, its measured time against the best measured grid's
("regret"). Prints the geometric mean and the worst cells per parameter set: the plan before
this session's fit (64-token chunk costs guessed), the fitted one, and the fitted one with a
per-block LUT table fill cost (the fill grows as 2^b; LUT b = 8 at M = 17..24 picked 4 splits,
1.3x the best grid).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
# Session 27's stored grids and GPU constants (prefill_ws/plan_fit.py, loaded under its own name).
_spec = importlib.util.spec_from_file_location(
    "prefill_ws_plan_fit", os.path.join(HERE, "..", "prefill_ws", "plan_fit.py"))
_ws = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ws)
CAP2, SMS, measured = _ws.CAP2, _ws.SMS, _ws.measured


def cells():
    with open(os.path.join(HERE, "runs", "prefill_wgmma.json")) as f:
        rows = json.load(f)
    out = {(r["K"], r["N"], r["M"], r["scheme"], r["bits"]): dict(r["plans"]) for r in rows
           if r["M"] >= 17}
    out.update(measured())
    return out


def pick(K, N, M, lut, bits, prm):
    C = math.ceil(K / 256)
    best = None
    for tok in (64, 128, 256):
        tiles = math.ceil(N / 16 / 8) * math.ceil(M / tok)
        chunk = prm["chunk"][(lut, tok)]
        fill = prm["block"] + (prm["fill8"] * 2.0 ** (bits - 8) if lut and bits >= 4 else 0.0)
        for s in range(1, min(16, C) + 1):
            cps = math.ceil(C / s)
            sp = math.ceil(C / cps)
            ws = 3.0 + sp * M * N * 8 / 3e6
            per_block = cps * chunk + fill
            if sp == 2:
                us = math.ceil(tiles / CAP2) * per_block + 0.45 * ws
            else:
                us = math.ceil(tiles * sp / SMS) * per_block + (ws if sp > 1 else 0)
            if best is None or us < best[0]:
                best = (us, f"{tok}x{sp}")
    return best[1]


def evaluate(name, prm, data, show=6):
    g, unknown, worst = _ws.regret(data, lambda c: pick(c[0], c[1], c[2], c[3] == "lut", c[4],
                                                        prm))
    print(f"{name}: regret geomean {g:.3f} over {len(worst)} cells ({len(unknown)} picks not "
          "measured)")
    for r, k, p, bp in worst[:show]:
        print(f"   {k} picks {p} ({r:.2f}x the best, {bp})")
    return g


CHUNK = {(False, 128): 2.45, (False, 256): 4.0, (True, 128): 3.5, (True, 256): 4.6}
BEFORE = {"chunk": {**CHUNK, (False, 64): 1.75, (True, 64): 2.6}, "fill8": 0.0, "block": 0.0}
FITTED = {"chunk": {**CHUNK, (False, 64): 2.13, (True, 64): 2.8}, "fill8": 0.0, "block": 0.0}
ADOPTED = dict(FITTED, block=1.0)  # ops.cpp prefill_plan (kBlockUs)


def main() -> None:
    data = cells()
    evaluate("guessed 64-token costs (call 1)", BEFORE, data)
    evaluate("64-token costs 0.87 / 0.8 of 128's", FITTED, data)
    evaluate("adopted: + 1 us per block (ops.cpp)", ADOPTED, data)
    evaluate("   the same, M >= 256 only (session 27's run)", ADOPTED,
             {k: v for k, v in data.items() if k[2] >= 256}, show=2)
    for block in (0.0, 1.0, 2.0, 3.0):
        for fill8 in (0.0, 3.5, 5.0):
            evaluate(f"  + {block} us per block, LUT fill {fill8} us x 2^(b - 8)",
                     dict(FITTED, fill8=fill8, block=block), data, show=3)


if __name__ == "__main__":
    main()
