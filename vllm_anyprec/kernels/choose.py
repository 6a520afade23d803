"""Kernel choice as data: a priority list, ``can_implement``, an env var to disable, a fallback.

To add a kernel, write a class in ``kernels/cuda_<name>.py`` that subclasses ``base.AnyPrecKernel``
and append it to ``KERNELS`` below, fastest first. Its module must import on any machine (no
CUDA, no built extension): report a missing extension or device from ``can_implement`` instead, so
the reason shows up when nothing fits. The reference kernel is not in the list: it is always tried
last, after every entry of ``KERNELS``.

``VLLM_ANYPREC_DISABLED_KERNELS=name1,name2`` skips kernels by ``name`` (``reference`` included),
e.g. to compare a fast kernel against the reference inside vLLM.
"""

from __future__ import annotations

import logging
import os

from .base import AnyPrecKernel, KernelSpec
from .cuda_fused import CudaFusedKernel
from .reference import ReferenceKernel

DISABLE_ENV = "VLLM_ANYPREC_DISABLED_KERNELS"

# Fast kernels in priority order (fastest first). CUDA kernels are appended here.
KERNELS: list[type[AnyPrecKernel]] = [CudaFusedKernel]

# A child of vLLM's logger, so that vLLM's handler prints it in every process.
logger = logging.getLogger("vllm.anyprec")
_logged: set[tuple[str, str, int]] = set()


def disabled_kernels() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def candidate_kernels() -> list[type[AnyPrecKernel]]:
    return [*KERNELS, ReferenceKernel]


def choose_kernel(spec: KernelSpec) -> AnyPrecKernel:
    """The first kernel of the priority list that can serve ``spec``; raises with every reason."""
    disabled = disabled_kernels()
    reasons = []
    for cls in candidate_kernels():
        if cls.name in disabled:
            reasons.append(f"{cls.name}: disabled by {DISABLE_ENV}")
            continue
        ok, reason = cls.can_implement(spec)
        if ok:
            key = (cls.name, spec.scheme, spec.bits)
            if key not in _logged:
                _logged.add(key)
                logger.info("anyprec: %s scheme at %d bits served by the %r kernel",
                            spec.scheme, spec.bits, cls.name)
            return cls(spec)
        reasons.append(f"{cls.name}: {reason}")
    raise ValueError(f"anyprec: no kernel can serve {spec}: " + "; ".join(reasons))
