"""The decode gemm after a kernel that writes its x, as in a model (device, repository root).

bench_kernels.py times back-to-back gemms, so with PDL each gemm's start overlaps a gemm's tail:
an upper bound for a model, where the kernel before a projection is a norm or an activation
that writes x and does not trigger its dependents early. Here every call is that pair: an
elementwise kernel writing x (``torch.mul(x0, 1, out=x)``), then the gemm on x; the pair's time
in a CUDA graph (bench_kernels.time_graph, weights rotated past L2) minus the elementwise kernel
alone is the gemm's share. The same for cuBLAS fp16 (its ratio as the targets' baseline).

    python3 benchmarks/experiments/pdl_early/chain.py --out DIR [--bits 2,3,4,8]

Writes DIR/chain.json (rows {"scheme", "bits", "K", "N", "M", "pair_us", "elem_us", "fp16_pair_us"})
and prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import bench_kernels as bk

SHAPES = [(4096, 28672), (14336, 4096)]


def pairs(x0, x, gemm, weights) -> list:
    """One call per weight copy: x written from x0, then gemm(x, w)."""
    return [lambda w=w: (torch.mul(x0, 1.0, out=x), gemm(x, w)) for w in weights]


def our_gemm(scheme: str, bits: int, k: int, n: int):
    """The op as bench_kernels calls it, with that weight's crossovers."""
    from vllm_anyprec.kernels.base import KernelSpec
    from vllm_anyprec.kernels.cuda_fused import crossovers

    spec = KernelSpec(scheme, bits, 128 if scheme == "uniform" else -1, k, n, torch.float16,
                      "cuda")
    pmm, dmm = crossovers(spec, torch.cuda.get_device_capability())
    if scheme == "uniform":
        return lambda x, w: torch.ops.anyprec.gemm_uniform(x, w[0], w[1], w[2], w[3], bits, 128,
                                                           k, n, dmm, pmm)
    return lambda x, w: torch.ops.anyprec.gemm_lut(x, w[0], w[1], bits, k, n, dmm, pmm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for chain.json")
    ap.add_argument("--bits", default="2,3,4,8", help="comma list of bit widths")
    ap.add_argument("--schemes", default="uniform,lut", help="comma list: uniform, lut")
    args = ap.parse_args()
    from vllm_anyprec import _ext

    ok, reason = _ext.load()
    if not ok:
        raise SystemExit(f"chain: {reason}")

    rows = []
    dtype, m = torch.float16, 1
    for k, n in SHAPES:
        x0 = torch.randn(m, k, device="cuda", dtype=dtype)
        x = torch.empty_like(x0)
        elem = bk.time_graph(pairs(x0, x, lambda x, w: None, [None]))
        ws = [torch.randn(n, k, device="cuda", dtype=dtype) * 0.01
              for _ in range(bk.copies_for(k * n * 2))]
        fp16 = bk.time_graph(pairs(x0, x, lambda x, w: torch.matmul(x, w.t()), ws))
        del ws
        for scheme in args.schemes.split(","):
            for bits in map(int, args.bits.split(",")):
                weights = bk.make_weights(scheme, bits, k, n, dtype)
                pair = bk.time_graph(pairs(x0, x, our_gemm(scheme, bits, k, n), weights))
                del weights
                rows.append({"scheme": scheme, "bits": bits, "K": k, "N": n, "M": m,
                             "pair_us": pair, "elem_us": elem, "fp16_pair_us": fp16})
                print(f"{scheme:7s} b={bits} ({k:5d}, {n:5d}) pair {pair:7.2f} us  elem "
                      f"{elem:5.2f}  gemm {pair - elem:7.2f}  fp16 gemm {fp16 - elem:7.2f}  "
                      f"ratio {(fp16 - elem) / (pair - elem):5.2f}x", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "chain.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
