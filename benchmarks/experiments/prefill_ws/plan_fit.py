"""The prefill plan's cost model (csrc/ops.cpp prefill_plan) against measured grids.

    python3 benchmarks/experiments/prefill_ws/plan_fit.py

Joins the forced grids of two runs of prefill_wgmma/bench.py: runs/call3/cluster.json (128 / 256
tokens unsplit and split in 2, the clusters) and runs/call2/nocluster.json (split 4 and 8
through the workspace: the same kernels as now), then for each cell the grid the model picks,
its measured time and the best measured grid's ("regret" = picked / best). Prints per parameter
set the geometric-mean regret and the worst cells: the set the plan uses, and candidates.
"""

from __future__ import annotations

import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SMS, CAP2 = 132, 66  # H200; clusters of 2 at once (runs/call3/cluster_capacity.txt)


def load(path):
    with open(os.path.join(HERE, path)) as f:
        return {(r["K"], r["N"], r["M"], r["scheme"], r["bits"]): r for r in json.load(f)}


def measured(base="runs/call3/cluster.json"):
    c3 = load(base)
    c2 = load("runs/call2/nocluster.json")
    cells = {}
    for k, r in c3.items():
        t = dict(r["plans"])
        for p in ("128x4", "128x8", "256x4"):
            if k in c2:
                t[p] = c2[k]["plans"][p]
        cells[k] = t
    return cells


def pick(K, N, M, lut, prm):
    """The plan prefill_plan picks (tokens, splits) under parameters prm (share None: the
    model before clusters, every split through the workspace)."""
    C = math.ceil(K / 256)
    best = None
    for tok in (128, 256):
        tiles = math.ceil(N / 16 / 8) * math.ceil(M / tok)
        chunk = prm["chunk"][(lut, tok)]
        for s in range(1, min(16, C) + 1):
            cps = math.ceil(C / s)
            sp = math.ceil(C / cps)
            ws = prm["ws0"] + sp * M * N * 8 / 3e6
            if sp == 2 and prm["share"] is not None:
                us = math.ceil(tiles / CAP2) * cps * chunk + prm["share"] * ws
            else:
                us = math.ceil(tiles * sp / SMS) * cps * chunk + (ws if sp > 1 else 0)
            if best is None or us < best[0]:
                best = (us, f"{tok}x{sp}")
    return best[1]


def regret(cells, pick_of):
    """Measured time of the grid pick_of(cell) picks / the best measured grid's, per cell
    (K, N, M, scheme, bits): (geometric mean, picks not measured, [(ratio, cell, pick, best)]
    worst first)."""
    logs, worst, unknown = [], [], []
    for cell, t in cells.items():
        p = pick_of(cell)
        if p not in t:
            unknown.append((cell, p))
            continue
        r = t[p] / min(t.values())
        logs.append(math.log(r))
        worst.append((r, cell, p, min(t, key=t.get)))
    worst.sort(reverse=True)
    return math.exp(sum(logs) / len(logs)), unknown, worst


def evaluate(prm, cells, show=False):
    g, unknown, worst = regret(cells, lambda c: pick(c[0], c[1], c[2], c[3] == "lut", prm))
    unknown = len(unknown)
    if show:
        for r, k, p, bp in worst[:6]:
            print(f"   {k} picks {p} ({r:.2f}x the best, {bp})")
    return g, unknown


BASE = {"chunk": {(False, 128): 2.45, (False, 256): 4.0, (True, 128): 3.5, (True, 256): 4.6},
        "ws0": 3.0, "share": 0.45}


def main() -> None:
    # The op's pick before and after: the old model on the workspace build's grids against the
    # new one on the cluster build's (the same forced grids of the same call; splits of 4 / 8
    # from call 2's workspace build in both).
    old = measured("runs/call3/nocluster.json")
    new = measured()
    ratios = []
    for k in new:
        K, N, M, sch, b = k
        t_old = old[k][pick(K, N, M, sch == "lut", dict(BASE, share=None))]
        t_new = new[k][pick(K, N, M, sch == "lut", BASE)]
        ratios.append(t_old / t_new)
        print(f"   {k}: picked grid {t_old:.1f} -> {t_new:.1f} us ({t_old / t_new:.2f}x)")
    g = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"the op's pick, workspace model -> cluster model: {g:.3f}x faster (geometric mean, "
          f"{len(ratios)} cells, {min(ratios):.2f}-{max(ratios):.2f}x)")
    cells = new
    g, u = evaluate(BASE, cells, show=True)
    print(f"plan's model: regret geomean {g:.3f} ({u} picks not measured)")
    best = None
    for c128 in (2.2, 2.45, 2.7):
        for c256 in (3.6, 4.0, 4.4):
            for l128 in (3.2, 3.5, 3.8):
                for l256 in (4.2, 4.6, 5.0):
                    for share in (0.2, 0.45, 0.7):
                        for ws0 in (3.0, 6.0, 9.0):
                            prm = {"chunk": {(False, 128): c128, (False, 256): c256,
                                             (True, 128): l128, (True, 256): l256},
                                   "ws0": ws0, "share": share}
                            g, u = evaluate(prm, cells)
                            if u == 0 and (best is None or g < best[0]):
                                best = (g, prm)
    print(f"best grid-searched parameters: regret geomean {best[0]:.3f}: {best[1]}")
    evaluate(best[1], cells, show=True)


if __name__ == "__main__":
    main()
