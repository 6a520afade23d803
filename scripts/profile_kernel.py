"""Run one fused-kernel configuration a few times, for ncu / compute-sanitizer (device).

    ncu -k regex:fused_gemm --launch-skip 2 --launch-count 1 \
        python3 scripts/profile_kernel.py uniform 4 4096 28672 1     # scheme bits K N M

scheme: uniform (group size 128), lut, or fp16 (torch.matmul on an fp16 weight: the cuBLAS
reference; bits is ignored; profile it with -k regex:"gemv|gemm|xmma|cutlass|nvjet").
The op takes the path the layer (and bench_kernels.py) would at this M: the fused decode kernel,
the Hopper prefill kernel or dequantize + cuBLAS, by ``crossovers`` (its environment overrides,
ANYPREC_PREFILL_MIN_M / ANYPREC_DENSE_MIN_M, pick another).
"""

import sys

import torch
import vllm_anyprec._C  # noqa: F401  (registers the ops)

from vllm_anyprec.kernels import cuda_layout
from vllm_anyprec.kernels.base import KernelSpec
from vllm_anyprec.kernels.cuda_fused import crossovers

scheme, bits, k, n, m = sys.argv[1], *map(int, sys.argv[2:6])
# (until session 39 the decode kernel ran at every M: its M >= 256 profiles were not the path
# the benchmark times)
if scheme != "fp16":
    pmm, dmm = crossovers(KernelSpec(scheme, bits, 128 if scheme == "uniform" else -1, k, n,
                                     torch.float16, "cuda"), torch.cuda.get_device_capability())
q = torch.randint(-2**31, 2**31 - 1, cuda_layout.tiled_shape(bits, n, k), dtype=torch.int32,
                  device="cuda")
x = torch.randn(m, k, device="cuda").half()
if scheme == "fp16":
    w = torch.randn(n, k, device="cuda").half()
    f = lambda: torch.matmul(x, w.t())  # as bench_kernels.py times it
elif scheme == "uniform":
    s = torch.rand(n, k // 128, device="cuda").half(); z = s.clone()
    meta = cuda_layout.uniform_meta(s, z, bits, torch.float16, q.shape[0])
    f = lambda: torch.ops.anyprec.gemm_uniform(x, q, meta, s, z, bits, 128, k, n, dmm, pmm)
else:
    lut = torch.randn(n, 2 ** bits, device="cuda").half()
    f = lambda: torch.ops.anyprec.gemm_lut(x, q, lut, bits, k, n, dmm, pmm)
for _ in range(3):
    f()
torch.cuda.synchronize()
if len(sys.argv) > 6 and sys.argv[6] == "--time":
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    from bench_kernels import time_graph
    print(f"TIME {' '.join(sys.argv[1:6])}: {time_graph([f]):.2f} us (one weight copy: L2-warm "
          f"if it fits)")
