"""The experimental Hopper prefill GEMM (csrc/prefill_wgmma.cuh) against reference.py.

Runs only on an sm_90 GPU (elsewhere the op refuses, which the last test checks). The uniform
kernel dequantizes in the activation dtype (s q + (-s z) by one fused multiply-add, -s z rounded
to the dtype first) where the reference rounds s (q - z) once: a weight differs by about one
rounding of the dtype, inside the bound the other GEMM paths meet (fp32 accumulation, one
rounding of the output).
"""

from __future__ import annotations

import pytest
import torch

from helpers import check_against_reference, prepared, random_layer, rel_err

DTYPES = [torch.float16, torch.bfloat16]
SCHEMES = ["uniform", "lut"]


def hopper() -> bool:
    return torch.cuda.is_available() and torch.cuda.get_device_capability() == (9, 0)


needs_hopper = pytest.mark.skipif(not hopper(), reason="needs an sm_90 GPU")


def prefill(layer, x):
    tiled, extra = prepared(layer, x.dtype)
    if layer.scheme == "uniform":
        return torch.ops.anyprec.prefill_uniform(x, tiled, extra[0], layer.bits, layer.group_size,
                                                 layer.k, layer.n)
    return torch.ops.anyprec.prefill_lut(x, tiled, extra[0], layer.bits, layer.k, layer.n)


def check(layer, dtype, ms):
    check_against_reference(layer, dtype, ms, run=lambda x: [("prefill", prefill(layer, x))])


@needs_hopper
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 7, 8])
def test_prefill_every_bits(bits, scheme, dtype):
    # 2 row blocks (the second ragged), 3 token blocks (the last ragged), a ragged last chunk.
    layer = random_layer(scheme, bits, 203, 840, 64 if scheme == "uniform" else -1, seed=bits)
    check(layer, dtype, [1, 17, 128, 257])


@needs_hopper
@pytest.mark.parametrize("n,k,gs", [(1, 32, 32), (45, 1000, 64), (300, 2080, -1), (16, 4100, 128),
                                    (4096, 4096, 128)])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_prefill_shapes_groups(n, k, gs, scheme):
    for bits in (3, 4, 8):
        layer = random_layer(scheme, bits, n, k, gs, seed=n + k)
        check(layer, torch.float16, [64, 300])


@needs_hopper
def test_prefill_matches_dense_path():
    """Same weights through dequantize + cuBLAS (dense_min_m = 1): equal up to the rounding of
    the dequantized weight and the summation order."""
    layer = random_layer("uniform", 4, 512, 1024, 128, seed=3)
    x = torch.randn(256, 1024, device="cuda").half()
    tiled, (meta, scales, zeros) = prepared(layer, torch.float16)
    dense = torch.ops.anyprec.gemm_uniform(x, tiled, meta, scales, zeros, 4, 128, 1024, 512, 1)
    out = prefill(layer, x)
    assert rel_err(out, dense.float()) < 1e-3


@pytest.mark.skipif(not torch.cuda.is_available() or hopper(), reason="needs a non-sm_90 GPU")
def test_prefill_refuses_other_gpus():
    layer = random_layer("uniform", 4, 16, 256, 128)
    with pytest.raises(RuntimeError, match="needs an sm_90 GPU"):
        prefill(layer, torch.randn(4, 256, device="cuda").half())


@needs_hopper
def test_prefill_refuses_group_sizes_not_a_power_of_two_times_32():
    layer = random_layer("uniform", 4, 32, 384, 96)
    with pytest.raises(RuntimeError, match="expected -1 or 32 \\* 2\\^i, got 96"):
        prefill(layer, torch.randn(4, 384, device="cuda").half())


@needs_hopper
def test_prefill_opcheck():
    for scheme in SCHEMES:
        layer = random_layer(scheme, 4, 48, 320, 64 if scheme == "uniform" else -1)
        x = torch.randn(3, 320, device="cuda").half()
        tiled, extra = prepared(layer, x.dtype)
        if scheme == "uniform":
            torch.library.opcheck(torch.ops.anyprec.prefill_uniform.default,
                                  (x, tiled, extra[0], 4, 64, 320, 48))
        else:
            torch.library.opcheck(torch.ops.anyprec.prefill_lut.default,
                                  (x, tiled, extra[0], 4, 320, 48))
