"""The decode -> prefill crossover rule (kernels/cuda_fused.hopper_prefill_min_m) replayed on
this session's stored runs.

    python3 benchmarks/experiments/prefill_tok64/crossover_check.py

Each run (prefill_wgmma/bench.py) timed, per cell, the decode kernel (forced) and the prefill
op's own plan: runs/prefill_wgmma.json (call 2: b = 3, 4, 8, M = 17..64, the plan before its
fit, so its own column is read as the best 64-token grid), ../h200_record_s28/cross.json (the
record's first call: b = 3, 4, 8, M = 17..64, the fitted plan) and runs/call4/ (b = 2, 5, 6, 7,
M = 17..32); session 29's ../prefill_lean/runs/call1/ (uniform b = 2..6 on (4096, 28672) and
(4096, 6144), M = 17..32, the plan with the lean 64-token kernels). For each cell the path the
rule takes against the faster of the two: prints the geometric mean of chosen / best per run and
the worst cells. (Session 28's runs predate the lean kernels: on (4096, 28672) their prefill
column is the full 64-token kernel, which the decode kernel beat at M = 17..20 where the lean
one does not; the rule follows the lean run there.)
"""

from __future__ import annotations

import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))

import torch  # noqa: E402

from vllm_anyprec.kernels.base import KernelSpec  # noqa: E402
from vllm_anyprec.kernels.cuda_fused import hopper_prefill_min_m  # noqa: E402

RUNS = {
    "call 2 (best 64-token grid)": ("runs/prefill_wgmma.json", True),
    "record call A (the op's plan)": ("../h200_record_s28/cross.json", False),
    "call 4 (b = 2, 5, 6, 7)": ("runs/call4/prefill_wgmma.json", False),
    "session 29 (lean kernels)": ("../prefill_lean/runs/call1/prefill_wgmma.json", False),
}


def main() -> None:
    for name, (path, best64) in RUNS.items():
        with open(os.path.join(HERE, path)) as f:
            rows = [r for r in json.load(f) if r["decode_us"] is not None and r["M"] >= 17]
        out = []
        for r in rows:
            spec = KernelSpec(r["scheme"], r["bits"], 128 if r["scheme"] == "uniform" else -1,
                              r["K"], r["N"], torch.float16, "cuda")
            pre = (min(v for k, v in r["plans"].items() if k.startswith("64x")) if best64
                   else r["prefill_us"])
            pm = hopper_prefill_min_m(spec)
            chosen = pre if r["M"] >= pm else r["decode_us"]
            out.append((chosen / min(pre, r["decode_us"]), (r["K"], r["N"], r["scheme"],
                        r["bits"], r["M"]), pm, r["decode_us"], pre))
        g = math.exp(sum(math.log(o[0]) for o in out) / len(out))
        print(f"{name}: chosen / best {g:.3f} (geometric mean, {len(out)} cells)")
        for q, cell, pm, dec, pre in sorted(out, reverse=True)[:5]:
            print(f"   {q:.3f} {cell} prefill from {pm}: decode {dec:.1f}, prefill {pre:.1f} us")


if __name__ == "__main__":
    main()
