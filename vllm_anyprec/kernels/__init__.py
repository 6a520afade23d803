"""GEMM kernels for anyprec layers and the rule that picks one per layer (see ``choose.py``)."""

from .base import AnyPrecKernel, KernelSpec
from .choose import DISABLE_ENV, KERNELS, choose_kernel
from .reference import ReferenceKernel

__all__ = ["AnyPrecKernel", "KernelSpec", "KERNELS", "DISABLE_ENV", "choose_kernel",
           "ReferenceKernel"]
