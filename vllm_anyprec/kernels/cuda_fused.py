"""``cuda_fused``: the CUDA kernels of ``csrc/`` for both schemes on NVIDIA GPUs (sm_80+).

Small M: one fused pass over the b-bit weights (unpack in registers, tensor-core multiply, fp32
accumulation). M >= ``dense_min_m``: dequantize to a dense fp16/bf16 weight and call cuBLAS;
that switch happens inside the op (so vLLM's compiled graph has no branch on M) at a crossover
measured per shape class by ``scripts/bench_kernels.py`` (see ``DENSE_MIN_M``).
"""

from __future__ import annotations

import os

import torch

from .. import _ext
from . import cuda_layout
from .base import AnyPrecKernel, KernelSpec

# Override of the crossover for experiments: ANYPREC_DENSE_MIN_M=<int>.
DENSE_MIN_M_ENV = "ANYPREC_DENSE_MIN_M"


# Weights at least this large (N x K of the rank's partition) form the "large" class below.
LARGE_WEIGHT = 32 * 2 ** 20


def dense_min_m(spec: KernelSpec) -> int:
    """Smallest M that takes the dequantize + cuBLAS path.

    Measured on the H200 with the v6 decode kernel (benchmarks/experiments/decode_v6/
    crossover_*.json: both paths forced, M = 32..192, b = 3, 4, 8, both schemes, Llama-3-8B
    shapes). Above M = 16 the fused kernel runs one 32-row activation tile per block row, so its
    time grows in steps of 32 rows (M = 33..64 cost about the same) while the dense path stays
    nearly flat up to M = 128:

    - weights >= 32 Mi elements ((4096, 28672), (14336, 4096) and their TP=2 splits): fused wins
      through M = 64 (uniform b=4 (4096, 28672): 114 vs 153 µs), dense from the third row tile
      (M = 96: 172 vs 154), so dense from M = 65;
    - smaller weights ((4096, 4096), (4096, 6144)): even at M = 48 (22.9 vs 26.2 / 32.4 vs
      33.2 µs), dense from M = 64 (25.4 vs 23.0 / 35.3 vs 33.6);
    - LUT at b >= 7 (b = 8 measured): the table lookups make the fused kernel slower; it wins at
      M = 32 (148 vs 190 µs at (4096, 28672)) but not with a second row tile (M = 48: 241 vs
      190), so dense from M = 33 on every shape; LUT b = 5, 6 (not measured, between b = 4,
      where fused wins at 64 by 4%, and b = 8) take the small-weight crossover.
    """
    env = os.environ.get(DENSE_MIN_M_ENV)
    if env:
        return int(env)
    if spec.scheme == "lut" and spec.bits >= 7:
        return 33
    large = spec.in_features * spec.out_features >= LARGE_WEIGHT
    if large and (spec.scheme == "uniform" or spec.bits <= 4):
        return 65
    return 64


class CudaFusedKernel(AnyPrecKernel):
    name = "cuda_fused"

    @classmethod
    def can_implement(cls, spec: KernelSpec) -> tuple[bool, str | None]:
        if spec.device_type != "cuda":
            return False, f"device {spec.device_type!r} is not cuda"
        if spec.act_dtype not in (torch.float16, torch.bfloat16):
            return False, f"activation dtype {spec.act_dtype} is not float16 or bfloat16"
        if not 2 <= spec.bits <= 8:
            return False, f"bits={spec.bits} is not in 2..8"
        if spec.group_size != -1 and (spec.group_size < 32 or spec.group_size % 32):
            return False, f"group_size={spec.group_size} is not -1 or a multiple of 32"
        ok, reason = _ext.load()
        if not ok:
            return False, reason
        major, minor = torch.cuda.get_device_capability()
        if major < 8:
            return False, f"compute capability {major}.{minor} < 8.0 (needs bf16 mma)"
        return True, None

    def process_weights(self, layer: torch.nn.Module) -> None:
        spec = self.spec
        qweight = layer.qweight.data
        tiled = cuda_layout.repack_tiled(qweight, spec.bits, spec.in_features)
        del layer.qweight
        layer.register_parameter("qweight", torch.nn.Parameter(tiled, requires_grad=False))
        if spec.scheme == "uniform":
            meta = cuda_layout.uniform_meta(layer.scales.data, layer.zeros.data, spec.bits,
                                            spec.act_dtype, tiled.shape[0])
            layer.register_parameter("anyprec_meta",
                                     torch.nn.Parameter(meta, requires_grad=False))
        else:
            lut = layer.lut.data.to(spec.act_dtype).contiguous()
            del layer.lut
            layer.register_parameter("lut", torch.nn.Parameter(lut, requires_grad=False))
        self.dense_min_m = dense_min_m(spec)

    def apply(self, layer: torch.nn.Module, x: torch.Tensor,
              bias: torch.Tensor | None = None) -> torch.Tensor:
        spec = self.spec
        if spec.scheme == "uniform":
            out = torch.ops.anyprec.gemm_uniform(
                x, layer.qweight, layer.anyprec_meta, layer.scales, layer.zeros, spec.bits,
                spec.group_size, spec.in_features, spec.out_features, self.dense_min_m)
        else:
            out = torch.ops.anyprec.gemm_lut(x, layer.qweight, layer.lut, spec.bits,
                                             spec.in_features, spec.out_features,
                                             self.dense_min_m)
        if bias is not None:
            out.add_(bias)
        return out
