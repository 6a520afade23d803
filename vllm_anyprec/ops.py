"""torch.library ops over the reference implementation (the CPU path, and any device without kernels).

Each op has a fake (meta) implementation so vLLM's torch.compile traces ``apply`` with no graph
break. The CUDA kernels register their own ops (``vllm_anyprec/csrc``) for their own weight
layouts; these ``*_ref`` ops always take the canonical layout of ``format.py``.

Weights passed to the ops are already narrowed to the served precision: ``qweight`` holds at least
``bits`` planes (only the top ``bits`` are read), ``scales``/``zeros`` are ``[N, G]`` and ``lut`` is
``[N, 2**bits]``.
"""

from __future__ import annotations

import torch

from . import reference


@torch.library.custom_op("anyprec::dequant_uniform_ref", mutates_args=())
def dequant_uniform_ref(qweight: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor,
                        bits: int, group_size: int, in_features: int,
                        dtype: torch.dtype) -> torch.Tensor:
    return reference.dequant_uniform(qweight, scales, zeros, bits, group_size, in_features, dtype)


@dequant_uniform_ref.register_fake
def _(qweight, scales, zeros, bits, group_size, in_features, dtype):
    return qweight.new_empty((qweight.shape[1], in_features), dtype=dtype)


@torch.library.custom_op("anyprec::dequant_lut_ref", mutates_args=())
def dequant_lut_ref(qweight: torch.Tensor, lut: torch.Tensor, bits: int, in_features: int,
                    dtype: torch.dtype) -> torch.Tensor:
    return reference.dequant_lut(qweight, lut, bits, in_features, dtype)


@dequant_lut_ref.register_fake
def _(qweight, lut, bits, in_features, dtype):
    return qweight.new_empty((qweight.shape[1], in_features), dtype=dtype)


@torch.library.custom_op("anyprec::gemm_uniform_ref", mutates_args=())
def gemm_uniform_ref(x: torch.Tensor, qweight: torch.Tensor, scales: torch.Tensor,
                     zeros: torch.Tensor, bits: int, group_size: int,
                     in_features: int) -> torch.Tensor:
    return reference.gemm_uniform(x, qweight, scales, zeros, bits, group_size, in_features)


@gemm_uniform_ref.register_fake
def _(x, qweight, scales, zeros, bits, group_size, in_features):
    return x.new_empty((*x.shape[:-1], qweight.shape[1]))


@torch.library.custom_op("anyprec::gemm_lut_ref", mutates_args=())
def gemm_lut_ref(x: torch.Tensor, qweight: torch.Tensor, lut: torch.Tensor, bits: int,
                 in_features: int) -> torch.Tensor:
    return reference.gemm_lut(x, qweight, lut, bits, in_features)


@gemm_lut_ref.register_fake
def _(x, qweight, lut, bits, in_features):
    return x.new_empty((*x.shape[:-1], qweight.shape[1]))
