"""The prefill crossover of the CUDA kernel class is data (measured per shape class) and the
environment override wins. Pure Python: runs on the CPU."""

import pytest
import torch

from vllm_anyprec.kernels.base import KernelSpec
from vllm_anyprec.kernels.cuda_fused import (DENSE_MIN_M_ENV, PREFILL_MIN_M_ENV, crossovers,
                                             dense_min_m, hopper_crossovers)


def spec(scheme, bits, k, n):
    return KernelSpec(scheme, bits, 128 if scheme == "uniform" else -1, k, n, torch.float16,
                      "cuda")


@pytest.mark.parametrize("scheme,bits,k,n,expected", [
    ("uniform", 4, 4096, 28672, 65),   # large weights: fused through two 32-row tiles
    ("uniform", 8, 14336, 4096, 65),
    ("uniform", 4, 4096, 14336, 65),   # the TP=2 split of gate_up stays large
    ("lut", 4, 4096, 28672, 65),
    ("lut", 5, 4096, 28672, 64),       # LUT b = 5, 6: the small-weight crossover
    ("uniform", 4, 4096, 4096, 64),    # small weights
    ("uniform", 3, 4096, 6144, 64),
    ("lut", 8, 4096, 28672, 33),       # LUT b >= 7: only one row tile on the fused path
    ("lut", 7, 4096, 4096, 33),
])
def test_crossover_per_class(monkeypatch, scheme, bits, k, n, expected):
    monkeypatch.delenv(DENSE_MIN_M_ENV, raising=False)
    assert dense_min_m(spec(scheme, bits, k, n)) == expected


@pytest.mark.parametrize("scheme,bits,k,n,expected", [
    ("uniform", 4, 4096, 28672, (17, 1025)),  # uniform: fused through M = 1024, every size
    ("uniform", 6, 4096, 28672, (17, 1025)),  # (b <= 6 wider than LEAN_WIDE_N: the lean
    ("uniform", 7, 4096, 28672, (21, 1025)),  # 64-token kernels, prefill from 17)
    ("uniform", 4, 4096, 14336, (21, 1025)),  # (the TP = 2 split: not that wide)
    ("uniform", 8, 14336, 4096, (17, 1025)),  # (b = 8 / large weights: prefill from 17 / 21)
    ("uniform", 4, 4096, 4096, (29, 1025)),   # (smaller weights: from 29, b = 8 from 25)
    ("uniform", 3, 4096, 6144, (29, 513)),    # between 16 and 32 Mi elements: dense from 513
    ("uniform", 8, 4096, 6144, (25, 513)),
    ("lut", 4, 4096, 28672, (21, 1025)),      # LUT large weights: as uniform, except
    ("lut", 3, 4096, 28672, (17, 1025)),      # (register tables: prefill from 17)
    ("lut", 6, 14336, 4096, (21, 1025)),
    ("lut", 7, 4096, 28672, (21, 1024)),      # b >= 7: dense from 1024
    ("lut", 8, 14336, 4096, (17, 1024)),
    ("lut", 2, 4096, 6144, (29, 513)),        # small weights, b <= 3: as uniform
    ("lut", 3, 4096, 4096, (29, 1025)),
    ("lut", 4, 4096, 6144, (29, 513)),        # small weights, b >= 4: dense from 513
    ("lut", 8, 4096, 4096, (17, 513)),        # (LUT b = 8: prefill from 17 everywhere;
    ("lut", 7, 14336, 4096, (21, 1024)),      # b = 7 on large weights from 21 (session 48,
    ("lut", 7, 4096, 4096, (33, 513)),        # H100), b = 5..7 from 33 on smaller weights)
    ("lut", 5, 4096, 4096, (33, 513)),
    ("uniform", 2, 14336, 4096, (25, 1025)),  # (uniform b = 2: from 25 / 33)
    ("uniform", 2, 4096, 4096, (33, 1025)),
])
def test_hopper_crossovers_per_class(scheme, bits, k, n, expected):
    assert hopper_crossovers(spec(scheme, bits, k, n)) == expected


def test_env_override(monkeypatch):
    monkeypatch.setenv(DENSE_MIN_M_ENV, "7")
    assert dense_min_m(spec("uniform", 4, 4096, 28672)) == 7


def test_prefill_kernel_only_on_hopper_with_its_group_sizes(monkeypatch):
    monkeypatch.delenv(DENSE_MIN_M_ENV, raising=False)
    monkeypatch.delenv(PREFILL_MIN_M_ENV, raising=False)
    s = spec("uniform", 4, 4096, 28672)
    assert crossovers(s, (8, 0)) == (-1, dense_min_m(s))
    assert crossovers(s, (9, 0)) == hopper_crossovers(s)
    odd = KernelSpec("uniform", 4, 96, 4096, 4096, torch.float16, "cuda")
    assert crossovers(odd, (9, 0)) == (-1, dense_min_m(odd))
    per_row = KernelSpec("uniform", 4, -1, 4096, 4096, torch.float16, "cuda")
    assert crossovers(per_row, (9, 0))[0] >= 1
    monkeypatch.setenv(PREFILL_MIN_M_ENV, "-1")
    monkeypatch.setenv(DENSE_MIN_M_ENV, "99")
    assert crossovers(s, (9, 0)) == (-1, 99)
