"""One prefill GEMM call to profile under ncu (device, repo root):

    ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 --launch-count 1 \\
        --section SpeedOfLight --section WarpStateStats \\
        python3 benchmarks/experiments/prefill_wgmma/profile.py uniform 4 4096 4096 4096 [T S [P]]

T S: a forced grid (tokens per block, K splits), else the op's own plan; P: blocks per SM (1,
the default, or 2: the lean kernels).
"""

from __future__ import annotations

import sys

import torch

import vllm_anyprec._C  # noqa: F401  (registers the ops)
from vllm_anyprec.kernels import cuda_layout


def make_call(scheme, bits, k, n, m, tokens=0, split=0, per_sm=0):
    """The prefill op on random weights of one layer (tokens / split / per_sm: a forced grid,
    0: the op's own plan), as a call without arguments."""
    q = torch.randint(-2**31, 2**31 - 1, cuda_layout.tiled_shape(bits, n, k), dtype=torch.int32,
                      device="cuda")
    x = torch.randn(m, k, device="cuda").half()
    if scheme == "uniform":
        s = (torch.rand(n, k // 128, device="cuda") * 0.01).half()
        z = (torch.rand(n, k // 128, device="cuda") * 2 ** bits).half()
        meta = cuda_layout.uniform_meta(s, z, bits, x.dtype, q.shape[0])
        return lambda: torch.ops.anyprec.prefill_uniform(x, q, meta, bits, 128, k, n, tokens,
                                                         split, per_sm)
    lut = (torch.randn(n, 2 ** bits, device="cuda") * 0.02).half()
    return lambda: torch.ops.anyprec.prefill_lut(x, q, lut, bits, k, n, tokens, split, per_sm)


def main() -> None:
    scheme, bits, k, n, m = sys.argv[1], *map(int, sys.argv[2:6])
    # Optional: a forced grid, tokens per block and K splits, and blocks per SM.
    tokens, split = map(int, sys.argv[6:8]) if len(sys.argv) > 7 else (0, 0)
    per_sm = int(sys.argv[8]) if len(sys.argv) > 8 else (1 if tokens else 0)
    run = make_call(scheme, bits, k, n, m, tokens, split, per_sm)
    for _ in range(4):
        run()
    torch.cuda.synchronize()


if __name__ == "__main__":
    main()
