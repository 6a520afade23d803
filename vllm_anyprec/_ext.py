"""Loads the CUDA extension ``vllm_anyprec._C`` and registers the fake impls of its ops.

Nothing happens at import time: ``load()`` does the work once and returns ``(ok, reason)``. When
torch sees a GPU and the extension is missing or broken, ``load()`` warns loudly with the reason
(the build was expected; see setup.py), so a broken build never turns silently into the slow
reference path. Ops (schemas in ``csrc/ops.cpp``): ``anyprec::gemm_uniform``, ``gemm_lut``,
``dequant_uniform``, ``dequant_lut``; they take the tiled layout of ``kernels/cuda_layout.py``.
"""

from __future__ import annotations

import importlib
import logging
import warnings

import torch

logger = logging.getLogger("vllm.anyprec")
_state: dict[str, object] = {}


def load() -> tuple[bool, str | None]:
    if "ok" in _state:
        return _state["ok"], _state["reason"]  # type: ignore[return-value]
    try:
        importlib.import_module("vllm_anyprec._C")
    except ImportError as e:
        ok, reason = False, f"vllm_anyprec._C is not importable ({type(e).__name__}: {e})"
        if torch.cuda.is_available():
            msg = (f"anyprec: a GPU is present but the CUDA extension did not load: {reason}. "
                   f"Rebuild with `ANYPREC_BUILD_CUDA=1 pip install --no-build-isolation -e .`; "
                   f"until then every anyprec layer runs the slow reference kernel.")
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
            logger.warning(msg)
    else:
        _register_fakes()
        ok, reason = True, None
    _state.update(ok=ok, reason=reason)
    return ok, reason


def _build_constant(name: str, default: int) -> int:
    """An integer the loaded extension reports about its build (``PyInit__C`` in ops.cpp), read
    once; ``default`` without the extension or when it does not report ``name``."""
    key = f"const:{name}"
    if key not in _state:
        ok, _ = load()
        mod = importlib.import_module("vllm_anyprec._C") if ok else None
        _state[key] = int(getattr(mod, name, default))
    return _state[key]  # type: ignore[return-value]


def packed_widths() -> tuple[int, ...]:
    """Widths whose tiled words the loaded extension reads packed-transposed (its build flag
    ``ANYPREC_PACKED_T``, ``kernels/cuda_layout.py``); () without the extension."""
    mask = _build_constant("PACKED_MASK", 0)
    return tuple(b for b in range(2, 9) if mask >> b & 1)


def pack_runs() -> bool:
    """Whether the loaded extension's b >= 5 packed words keep their upper outputs in runs of
    adjacent bits (its build flag ``ANYPREC_PACK_RUNS``, ``kernels/cuda_layout.py``). An
    extension that does not report it predates the runs: False."""
    return _build_constant("PACK_RUNS", 0) != 0


def meta_bits(bits: int) -> int:
    """Float width of the ``bits``-bit fold metadata the loaded extension reads: 16 where its
    build's ``ANYPREC_META16_BITS`` mask has bit ``bits`` (reported as ``META16_MASK``,
    ``kernels/cuda_layout.uniform_meta``), else 32; 32 without the extension."""
    return 16 if _build_constant("META16_MASK", 0) >> bits & 1 else 32


def _register_fakes() -> None:
    lib = torch.library

    @lib.register_fake("anyprec::gemm_uniform")
    def _(x, qweight, meta, scales, zeros, bits, group_size, in_features, out_features,
          dense_min_m, prefill_min_m=-1):
        return x.new_empty((*x.shape[:-1], out_features))

    @lib.register_fake("anyprec::gemm_lut")
    def _(x, qweight, lut, bits, in_features, out_features, dense_min_m, prefill_min_m=-1):
        return x.new_empty((*x.shape[:-1], out_features))

    @lib.register_fake("anyprec::prefill_uniform")
    def _(x, qweight, meta, bits, group_size, in_features, out_features, block_tokens=0,
          split_k=0, blocks_per_sm=0):
        return x.new_empty((*x.shape[:-1], out_features))

    @lib.register_fake("anyprec::prefill_lut")
    def _(x, qweight, lut, bits, in_features, out_features, block_tokens=0, split_k=0,
          blocks_per_sm=0):
        return x.new_empty((*x.shape[:-1], out_features))

    @lib.register_fake("anyprec::dequant_uniform")
    def _(qweight, scales, zeros, bits, group_size, in_features, out_features, dtype):
        return qweight.new_empty((out_features, in_features), dtype=dtype)

    @lib.register_fake("anyprec::dequant_lut")
    def _(qweight, lut, bits, in_features, out_features):
        return qweight.new_empty((out_features, in_features), dtype=lut.dtype)
