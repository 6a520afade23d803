"""Hopper prefill GEMM vs dequantize + cuBLAS vs cuBLAS fp16 (device, repo root).

    PYTHONPATH=$PWD python3 benchmarks/experiments/prefill_wgmma/bench.py --out $OUT

Llama-3-8B layers, M = 64..4096, b = 3, 4, 8, uniform (g128) and LUT, fp16; CUDA-graph timing
with the weights rotated past L2 (scripts/bench_kernels.py's time_graph). Prints a table and
writes prefill_wgmma.json (rows K, N, M, bits, scheme, prefill_us and grid (the op's own plan,
"TOKENSxSPLITxBLOCKS_PER_SM"), dense_us, fp16_us, decode_us (the fused decode kernel forced,
M <= --decode-max-m, else null), and with `--plans` the fused kernel's time per forced grid:
plans {"TOKENSxSPLIT[xBLOCKS_PER_SM]": us}) and
prefill_wgmma.png (speed as a fraction of cuBLAS fp16's against M, fused prefill and dense path,
one panel per layer). `--replot FILE.json` redraws the PNG from a stored run (no GPU needed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys

SHAPES = [(4096, 6144), (4096, 4096), (4096, 28672), (14336, 4096)]


def plot(rows, path: str) -> None:
    """Speed relative to cuBLAS fp16 (fp16_us / us) against M, one panel per (K, N)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shapes = sorted({(r["K"], r["N"]) for r in rows}, key=SHAPES.index)
    fig, axes = plt.subplots(1, len(shapes), figsize=(4.2 * len(shapes), 3.6), squeeze=False)
    for ax, (k, n) in zip(axes[0], shapes):
        for scheme, bits in sorted({(r["scheme"], r["bits"]) for r in rows}):
            sel = sorted((r for r in rows if (r["K"], r["N"], r["scheme"], r["bits"]) ==
                          (k, n, scheme, bits)), key=lambda r: r["M"])
            ms = [r["M"] for r in sel]
            line, = ax.plot(ms, [r["fp16_us"] / r["prefill_us"] for r in sel], marker="o",
                            label=f"{scheme} b={bits} fused")
            ax.plot(ms, [r["fp16_us"] / r["dense_us"] for r in sel], marker="x", ls="--",
                    color=line.get_color(), label=f"{scheme} b={bits} dense")
        ax.axhline(0.9, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log", base=2)
        ax.set_title(f"K={k}, N={n}")
        ax.set_xlabel("M (tokens)")
        ax.set_ylabel("speed / cuBLAS fp16")
        ax.set_ylim(0, 1.1)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="device_out", help="folder for prefill_wgmma.json")
    ap.add_argument("--ms", default="64,128,256,1024,4096", help="token counts, comma-separated")
    ap.add_argument("--bits", default="3,4,8", help="bit widths, comma-separated")
    ap.add_argument("--schemes", default="uniform,lut",
                    help="schemes, comma-separated (uniform, lut)")
    ap.add_argument("--copies", type=int, default=0,
                    help="weight copies rotated; 0 (default): as scripts/bench_kernels.py, "
                         "enough for 200 MB per rotation (past L2) per weight kind")
    ap.add_argument("--plans", default="",
                    help="also time forced grids, e.g. 128x1,256x1,128x2,64x1x2 (tokens per "
                         "block x K splits [x blocks per SM: 1, the default, or 2 = the lean "
                         "kernels]); prefill_us "
                         "is always the op's own choice (its grid: the row's 'grid')")
    ap.add_argument("--decode-max-m", type=int, default=128,
                    help="also time the decode kernel (forced) up to this M")
    ap.add_argument("--auto-last", action="store_true",
                    help="time the op's own plan (prefill_us) last in each cell instead of right "
                         "after cuBLAS fp16 (session 25 saw that first-timed column up to 30%% "
                         "slower than the same grid forced later)")
    ap.add_argument("--shapes", default="",
                    help="only these of the Llama-3-8B weights, comma-separated KxN (e.g. "
                         "4096x6144); default all four")
    ap.add_argument("--replot", metavar="JSON", help="only redraw the PNG from a stored run")
    args = ap.parse_args()
    bad = set(args.schemes.split(",")) - {"uniform", "lut"}
    if bad:
        ap.error(f"--schemes: expected uniform and / or lut, got {', '.join(sorted(bad))}")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
    from bench_kernels import copies_for, parse_shapes, time_graph

    shapes = parse_shapes(args.shapes) if args.shapes else []
    if set(shapes) - set(SHAPES):
        ap.error(f"--shapes: expected some of {', '.join(f'{k}x{n}' for k, n in SHAPES)}")
    shapes = shapes or SHAPES
    os.makedirs(args.out, exist_ok=True)
    if args.replot:
        with open(args.replot) as f:
            plot(json.load(f), os.path.join(args.out, "prefill_wgmma.png"))
        return

    import torch

    import vllm_anyprec._C  # noqa: F401  (registers the ops)
    from vllm_anyprec.kernels import cuda_layout

    plans = [p for p in args.plans.split(",") if p]
    for p in plans:
        if not re.fullmatch(r"(64|128|256)x[1-9][0-9]*(x[12])?", p):
            ap.error(f"--plans: expected TOKENSxSPLIT[xBLOCKS_PER_SM] (e.g. 64x1x2), got {p!r}")
    rows = []
    print(f"{'K':>6} {'N':>6} {'M':>5} {'sch':>7} {'b':>2} {'prefill':>9} {'grid':>8} "
          f"{'dense':>9} {'fp16':>9} {'x16':>5} {'decode':>8}"
          + "".join(f" {p:>8}" for p in plans))
    for k, n in shapes:
        for bits in map(int, args.bits.split(",")):
            for scheme in args.schemes.split(","):
                # (A fixed 3 copies kept small quantized weights in the 50 MB L2: 3 x 12.6 MB
                # at (4096, 6144) b = 4, where session 25 saw the first-timed fused column up to
                # 30% off the same grid forced later, prefill_lut_lanes/README.md.)
                qbytes = math.prod(cuda_layout.tiled_shape(bits, n, k)) * 4  # int32 words
                copies = args.copies or copies_for(qbytes)
                ws = []
                for _ in range(copies):
                    q = torch.randint(-2**31, 2**31 - 1, cuda_layout.tiled_shape(bits, n, k),
                                      dtype=torch.int32, device="cuda")
                    if scheme == "uniform":
                        s = (torch.rand(n, k // 128, device="cuda") * 0.01).half()
                        z = (torch.rand(n, k // 128, device="cuda") * 2 ** bits).half()
                        meta = cuda_layout.uniform_meta(s, z, bits, torch.float16, q.shape[0])
                        ws.append((q, s, z, meta))
                    else:
                        ws.append((q, (torch.randn(n, 2 ** bits, device="cuda") * .02).half()))
                dense_w = [torch.randn(n, k, device="cuda").half()
                           for _ in range(args.copies or copies_for(n * k * 2))]
                for m in map(int, args.ms.split(",")):
                    x = torch.randn(m, k, device="cuda").half()

                    def fused(tokens=0, split=0, per_sm=0):
                        if scheme == "uniform":
                            return [lambda w=w: torch.ops.anyprec.prefill_uniform(
                                x, w[0], w[3], bits, 128, k, n, tokens, split, per_sm)
                                for w in ws]
                        return [lambda w=w: torch.ops.anyprec.prefill_lut(
                            x, w[0], w[1], bits, k, n, tokens, split, per_sm) for w in ws]

                    grid = "x".join(map(str, torch.ops.anyprec.prefill_grid(
                        ws[0][0], m, bits, k, n, scheme == "lut")))

                    pf = fused()

                    def gemm(dense_min_m):
                        if scheme == "uniform":
                            return [lambda w=w: torch.ops.anyprec.gemm_uniform(
                                x, w[0], w[3], w[1], w[2], bits, 128, k, n, dense_min_m)
                                for w in ws]
                        return [lambda w=w: torch.ops.anyprec.gemm_lut(
                            x, w[0], w[1], bits, k, n, dense_min_m) for w in ws]

                    dn = gemm(1)
                    fp = [lambda w=w: x @ w.t() for w in dense_w]
                    t_fp = time_graph(fp)
                    t_pf = None if args.auto_last else time_graph(pf)
                    t_dn = time_graph(dn)
                    t_dec = time_graph(gemm(2 ** 30)) if m <= args.decode_max_m else None
                    # (TOKENSxSPLIT: the full kernels, as before the lean ones existed.)
                    # (A forced lean grid exists only where launch.h's prefill_lean_ok
                    # holds; the op's plan refuses the others, so ask it.)
                    def lean_ok(tokens, split, per_sm):
                        try:
                            torch.ops.anyprec.prefill_grid(ws[0][0], m, bits, k, n,
                                                           scheme == "lut", tokens, split, per_sm)
                        except RuntimeError as e:
                            if "blocks_per_sm=2" not in str(e):
                                raise
                            return False
                        return True
                    t_plans = {p: time_graph(fused(*g)) if lean_ok(*g) else None
                               for p in plans
                               for g in [tuple(map(int, (p + "x1").split("x")[:3]))]}
                    if args.auto_last:
                        t_pf = time_graph(pf)
                    rows.append(dict(K=k, N=n, M=m, bits=bits, scheme=scheme, prefill_us=t_pf,
                                     grid=grid, dense_us=t_dn, fp16_us=t_fp, decode_us=t_dec,
                                     plans=t_plans))
                    print(f"{k:>6} {n:>6} {m:>5} {scheme:>7} {bits:>2} {t_pf:>9.1f} {grid:>8} "
                          f"{t_dn:>9.1f} {t_fp:>9.1f} {t_fp / t_pf:>5.2f} "
                          f"{t_dec if t_dec else float('nan'):>8.1f}"
                          + "".join(f" {v:>8.1f}" if v is not None else f" {'-':>8}"
                                  for v in t_plans.values()), flush=True)
                    with open(os.path.join(args.out, "prefill_wgmma.json"), "w") as f:
                        json.dump(rows, f, indent=1)  # so far (a run cut short keeps its rows)
    with open(os.path.join(args.out, "prefill_wgmma.json"), "w") as f:
        json.dump(rows, f, indent=1)
    plot(rows, os.path.join(args.out, "prefill_wgmma.png"))


if __name__ == "__main__":
    main()
