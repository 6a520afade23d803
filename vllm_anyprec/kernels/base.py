"""What a kernel is: the contract between ``layers/linear.py`` and every GEMM implementation.

``AnyPrecLinearMethod.process_weights_after_loading`` narrows each layer to the served precision
``b`` once, then asks ``choose.choose_kernel(spec)`` for a kernel and calls its ``process_weights``.
At that point the layer holds, as ``torch.nn.Parameter`` (``requires_grad=False``), in the canonical
layout of ``format.py`` (only the top ``b`` planes and the tables of precision ``b``):

``layer.qweight``  int32   ``[b, N, ceil(K / 32)]``
``layer.scales``   float16 ``[N, G]``        (uniform only)
``layer.zeros``    float16 ``[N, G]``        (uniform only)
``layer.lut``      float16 ``[N, 2**b]``     (lut only)

with ``N = spec.out_features`` and ``K = spec.in_features`` (this rank's partition). A kernel may
replace these attributes with its own layout in ``process_weights`` (repack once, never in
``apply``). ``apply`` must not allocate beyond its output, must have no Python side effects and
must trace under torch.compile with no graph break (call ``torch.ops`` with fake implementations).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch


@dataclasses.dataclass(frozen=True)
class KernelSpec:
    """Everything a kernel may need to decide whether it can serve one linear layer."""

    scheme: str  # "uniform" or "lut"
    bits: int  # served precision b
    group_size: int  # -1 = one group per row (always -1 for lut)
    in_features: int  # K of this rank's partition
    out_features: int  # N of this rank's partition (all fused outputs together)
    act_dtype: torch.dtype
    device_type: str  # "cuda", "cpu", ...


class AnyPrecKernel:
    """Base class; subclasses set ``name`` and override the three methods."""

    name: ClassVar[str] = ""

    def __init__(self, spec: KernelSpec) -> None:
        self.spec = spec

    @classmethod
    def can_implement(cls, spec: KernelSpec) -> tuple[bool, str | None]:
        """``(True, None)`` when this kernel can serve ``spec``, else ``(False, reason)``."""
        raise NotImplementedError

    def process_weights(self, layer: torch.nn.Module) -> None:
        """Repack the narrowed canonical tensors into this kernel's layout (once, after loading)."""

    def apply(self, layer: torch.nn.Module, x: torch.Tensor,
              bias: torch.Tensor | None = None) -> torch.Tensor:
        """``x @ W_b.T (+ bias)`` in ``x``'s dtype."""
        raise NotImplementedError
