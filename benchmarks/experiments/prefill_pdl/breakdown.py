"""Where a prefill GEMM call's time goes (device, repo root):

    PYTHONPATH=$PWD python3 benchmarks/experiments/prefill_pdl/breakdown.py [--cells ...]

For each cell (scheme, b, K, N, M; fp16, the op's own grid): the time per call in a CUDA graph
of back-to-back calls with the weights rotated past L2 (scripts/bench_kernels.py's time_graph),
and the mean device time of each kernel the call launches (torch.profiler, eager calls over the
same weights). "rest" = graph time - the kernels' sum: what the launches between the kernels and
the kernels' ramps cost (negative where programmatic dependent launch overlaps them).
ANYPREC_PREFILL_PDL (prefill_wgmma.cuh) applies as set in the environment.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import defaultdict

CELLS = ["uniform:4:4096:4096:256", "lut:8:4096:4096:256", "uniform:4:4096:6144:256",
         "uniform:4:14336:4096:256", "uniform:4:4096:28672:32", "uniform:4:4096:4096:1024",
         "lut:4:4096:4096:128"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", default=",".join(CELLS),
                    help="comma list of SCHEME:BITS:K:N:M (default: %(default)s)")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
    import torch
    from bench_kernels import copies_for, time_graph

    import vllm_anyprec._C  # noqa: F401  (registers the ops)
    from vllm_anyprec.kernels import cuda_layout

    print(f"ANYPREC_PREFILL_PDL={os.environ.get('ANYPREC_PREFILL_PDL', '(default)')}")
    print(f"{'cell':>26} {'grid':>8} {'graph us':>9} {'kernels (mean device us per call)'}")
    for cell in args.cells.split(","):
        scheme, bits, k, n, m = cell.split(":")
        bits, k, n, m = int(bits), int(k), int(n), int(m)
        shape = cuda_layout.tiled_shape(bits, n, k)
        copies = copies_for(math.prod(shape) * 4)
        x = torch.randn(m, k, device="cuda").half()
        calls = []
        for _ in range(copies):
            q = torch.randint(-2**31, 2**31 - 1, shape, dtype=torch.int32, device="cuda")
            if scheme == "uniform":
                s = (torch.rand(n, k // 128, device="cuda") * 0.01).half()
                z = (torch.rand(n, k // 128, device="cuda") * 2 ** bits).half()
                meta = cuda_layout.uniform_meta(s, z, bits, torch.float16, q.shape[0])
                calls.append(lambda q=q, meta=meta: torch.ops.anyprec.prefill_uniform(
                    x, q, meta, bits, 128, k, n, 0, 0, 0))
            else:
                lut = (torch.randn(n, 2 ** bits, device="cuda") * 0.02).half()
                calls.append(lambda q=q, lut=lut: torch.ops.anyprec.prefill_lut(
                    x, q, lut, bits, k, n, 0, 0, 0))
        grid = "x".join(map(str, torch.ops.anyprec.prefill_grid(q, m, bits, k, n,
                                                                  scheme == "lut")))
        t_graph = time_graph(calls)
        rounds = 3
        for c in calls:
            c()
        torch.cuda.synchronize()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(rounds):
                for c in calls:
                    c()
            torch.cuda.synchronize()
        per = defaultdict(float)
        for e in prof.key_averages():
            t = getattr(e, "device_time_total", None)
            if t is None:
                t = e.cuda_time_total
            if t > 0 and e.count > 0:
                name = e.key.split("<")[0].split("(")[0]
                per[name] += t / (rounds * len(calls))
        total = sum(per.values())
        parts = " ".join(f"{name}={us:.2f}" for name, us in sorted(per.items(), key=lambda kv: -kv[1]))
        print(f"{cell:>26} {grid:>8} {t_graph:>9.2f} sum={total:.2f} rest={t_graph - total:+.2f} "
              f"{parts}", flush=True)


if __name__ == "__main__":
    main()
