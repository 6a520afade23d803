"""The reference kernel: the pure-torch ops of ``ops.py`` on the canonical layout.

Works on any device torch supports (it is the CPU path inside vLLM) and is always last in the
priority list. It dequantizes the whole weight on every call, so it is slow; fast kernels live in
``cuda_*.py``.
"""

from __future__ import annotations

import torch

from .. import ops  # noqa: F401  (registers torch.ops.anyprec.*_ref)
from .base import AnyPrecKernel, KernelSpec

_ACT_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


class ReferenceKernel(AnyPrecKernel):
    name = "reference"

    @classmethod
    def can_implement(cls, spec: KernelSpec) -> tuple[bool, str | None]:
        if spec.act_dtype not in _ACT_DTYPES:
            return False, f"activation dtype {spec.act_dtype} is not one of {_ACT_DTYPES}"
        return True, None

    def apply(self, layer: torch.nn.Module, x: torch.Tensor,
              bias: torch.Tensor | None = None) -> torch.Tensor:
        spec = self.spec
        if spec.scheme == "uniform":
            out = torch.ops.anyprec.gemm_uniform_ref(
                x, layer.qweight, layer.scales, layer.zeros, spec.bits, spec.group_size,
                spec.in_features)
        else:
            out = torch.ops.anyprec.gemm_lut_ref(x, layer.qweight, layer.lut, spec.bits,
                                                 spec.in_features)
        if bias is not None:
            out.add_(bias)  # in place: the op's output is the only allocation
        return out
