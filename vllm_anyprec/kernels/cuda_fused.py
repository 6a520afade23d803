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


def dense_min_m(spec: KernelSpec) -> int:
    """Smallest M that takes the dequantize + cuBLAS path.

    Measured on the H100 (benchmarks/kernels_NVIDIA_H100_80GB_HBM3.json, Llama-3-8B shapes, b=4):
    at M = 32 the fused kernel (4 activation tiles) beats dequantize + cuBLAS on every shape
    (e.g. 134 vs ~200 µs at (4096, 28672)); at M = 64 the dense path wins. One class for now:
    the measured crossover did not differ between shapes.
    """
    env = os.environ.get(DENSE_MIN_M_ENV)
    if env:
        return int(env)
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
