"""Per-block phase times of the prefill kernel (device, repo root; a -DANYPREC_EXPERIMENT_TIMELINE
build, whose y holds timestamps instead of results):

    PYTHONPATH=$PWD python3 benchmarks/experiments/prefill_sol/timeline.py --out DIR

For each cell (scheme, b, K, N, M, tokens per block, K splits; split <= 2 only: with a workspace
the reduce kernel overwrites y), one call after warm-up calls; every block's thread 0 noted
clock64 and %globaltimer at entry (T0), after the prologue's x copies were issued (T1), after the
first chunk of 4 stages (T2), after the main loop's last wgmma (T3) and at its end (T4). Prints
per phase the median / 90th percentile / max over blocks (µs, each block's own clock rate):
prologue T1 - T0 (with PDL: also the wait for the permute pass), first chunk T2 - T1, one
later stage (T3 - T2) / (stages - 4), epilogue T4 - T3; and for the grid: the spread of the
blocks' starts and ends and the span from the first start to the last end (globaltimer). Also
the op's time per call in a CUDA graph (this build). Writes timeline.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys

import torch

CELLS = [  # scheme, bits, K, N, M, tokens, split
    ("uniform", 4, 4096, 4096, 256, 128, 2),
    ("uniform", 4, 4096, 4096, 256, 128, 1),
    ("lut", 8, 4096, 4096, 256, 128, 2),
    ("uniform", 4, 4096, 4096, 1024, 256, 1),
    ("uniform", 4, 4096, 28672, 256, 256, 1),
    ("uniform", 4, 4096, 28672, 1024, 128, 1),
    ("uniform", 4, 14336, 4096, 256, 128, 2),
]


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def block_phases(r):
    """One block's phases in µs (its own clock rate: cycles over globaltimer ns)."""
    clk, glb = r[0:5], r[5:10]
    ghz = (clk[4] - clk[0]) / max(1, glb[4] - glb[0])

    def us(a, b):
        return (clk[b] - clk[a]) / ghz / 1e3

    return {"prologue": us(0, 1), "first chunk": us(1, 2),
            "per stage": us(2, 3) / max(1, r[11] - 4), "epilogue": us(3, 4)}


def trio(d):
    return "/".join(f"{d[s]:.2f}" for s in ("median", "p90", "max"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="device_out", help="folder for timeline.json")
    args = ap.parse_args()
    here = os.path.dirname(__file__)
    sys.path.insert(0, os.path.join(here, "..", "..", "..", "scripts"))
    from bench_kernels import time_graph

    # prefill_wgmma/profile.py's make_call (loaded by path: "profile" is also a stdlib module);
    # it imports the extension.
    spec = importlib.util.spec_from_file_location(
        "prefill_profile", os.path.join(here, "..", "prefill_wgmma", "profile.py"))
    prefill_profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prefill_profile)
    make_call = prefill_profile.make_call

    os.makedirs(args.out, exist_ok=True)
    rows = []
    print(f"{'cell':>34} {'blocks':>6} {'stages':>6} | {'prologue':>15} {'first chunk':>15} "
          f"{'per stage':>15} {'epilogue':>15} | {'start spread':>12} {'end spread':>10} "
          f"{'span':>6} {'graph':>6}   (µs: median/p90/max)")
    for scheme, bits, k, n, m, tokens, split in CELLS:
        run = make_call(scheme, bits, k, n, m, tokens, split, 1)
        for _ in range(3):
            run()
        y = run()
        torch.cuda.synchronize()
        blocks = -(-n // 128) * -(-m // tokens) * split
        t = y.reshape(-1).view(torch.int64)[: 16 * blocks].view(blocks, 16).cpu().tolist()
        per_block = [block_phases(r) for r in t]
        starts, ends = [r[5] for r in t], [r[9] for r in t]
        graph_us = time_graph([run])
        phases = {}
        for p in per_block[0]:
            v = [b[p] for b in per_block]
            phases[p] = {"median": statistics.median(v), "p90": pct(v, 0.9), "max": max(v)}
        row = {"scheme": scheme, "bits": bits, "K": k, "N": n, "M": m, "tokens": tokens,
               "split": split, "blocks": blocks, "stages": t[0][11], "graph_us": graph_us,
               "start_spread_us": (max(starts) - min(starts)) / 1e3,
               "end_spread_us": (max(ends) - min(ends)) / 1e3,
               "span_us": (max(ends) - min(starts)) / 1e3, "sms": len({r[10] for r in t}),
               "phases": phases}
        rows.append(row)
        cell = f"{scheme} b={bits} ({k},{n}) M={m} {tokens}x{split}"
        cols = " ".join(f"{trio(phases[p]):>15}" for p in phases)
        print(f"{cell:>34} {blocks:>6} {row['stages']:>6} | {cols} | "
              f"{row['start_spread_us']:>12.2f} {row['end_spread_us']:>10.2f} "
              f"{row['span_us']:>6.1f} {graph_us:>6.1f}", flush=True)
        with open(os.path.join(args.out, "timeline.json"), "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
