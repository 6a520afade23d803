"""The pure-torch reference: bit-exact packing and dequantization against naive loops."""

import pytest
import torch

from vllm_anyprec import format as fmt
from vllm_anyprec import ops  # noqa: F401  (registers the reference ops)
from vllm_anyprec import reference as R

# N and K over 1..1023, K on, below and above word boundaries (K % 32 != 0 pads the last word).
SHAPES = [(1, 1), (3, 31), (5, 32), (7, 33), (2, 100), (17, 257), (9, 576), (4, 1023), (1023, 3)]


def _naive_pack(codes: torch.Tensor, bits: int) -> torch.Tensor:
    n, k = codes.shape
    out = torch.zeros(bits, n, fmt.num_words(k), dtype=torch.int64)
    for p in range(bits):
        for i in range(n):
            for j in range(k):
                if (int(codes[i, j]) >> (bits - 1 - p)) & 1:
                    out[p, i, j // 32] |= 1 << (j % 32)
    out = torch.where(out >= 2 ** 31, out - 2 ** 32, out)
    return out.to(torch.int32)


@pytest.mark.parametrize("bits", range(2, 9))
@pytest.mark.parametrize("shape", SHAPES)
def test_pack_unpack_round_trip(shape, bits):
    codes = torch.randint(0, 2 ** bits, shape, generator=torch.Generator().manual_seed(bits))
    q = R.pack_bitplanes(codes, bits)
    assert q.shape == (bits, shape[0], fmt.num_words(shape[1])) and q.dtype == torch.int32
    assert torch.equal(R.unpack_bitplanes(q, bits, shape[1]), codes.to(torch.int32))
    for b in range(1, bits + 1):  # the top b planes are the b-bit model
        assert torch.equal(R.unpack_bitplanes(q, b, shape[1]), (codes >> (bits - b)).int())


@pytest.mark.parametrize("shape", [(3, 31), (2, 70)])
def test_pack_matches_naive_bit_layout(shape):
    codes = torch.randint(0, 8, shape, generator=torch.Generator().manual_seed(1))
    assert torch.equal(R.pack_bitplanes(codes, 3), _naive_pack(codes, 3))


def test_pack_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"expected values in \[0, 8\)"):
        R.pack_bitplanes(torch.tensor([[8]]), 3)


@pytest.mark.parametrize("group_size", [32, 64, -1])
@pytest.mark.parametrize("bits", [3, 5, 8])
def test_dequant_uniform_matches_loop(bits, group_size):
    n, k = 3, 70  # ragged last group for 32 and 64
    g = torch.Generator().manual_seed(bits)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    ng = fmt.num_groups(k, group_size)
    s = (torch.rand(n, ng, generator=g) + 0.1).half()
    z = (torch.rand(n, ng, generator=g) * 2 ** bits).half()
    got = R.dequant_uniform(R.pack_bitplanes(codes, bits), s, z, bits, group_size, k)
    for i in range(n):
        for j in range(k):
            gi = 0 if group_size == -1 else j // group_size
            want = float(s[i, gi]) * (int(codes[i, j]) - float(z[i, gi]))
            assert abs(float(got[i, j]) - want) <= 1e-5 * max(1.0, abs(want))


@pytest.mark.parametrize("bits", [3, 4, 8])
def test_dequant_lut_matches_loop(bits):
    n, k = 4, 45
    g = torch.Generator().manual_seed(bits)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    lut = torch.randn(n, 2 ** bits, generator=g).half()
    got = R.dequant_lut(R.pack_bitplanes(codes, bits), lut, bits, k)
    want = torch.stack([lut[i, codes[i]].float() for i in range(n)])
    assert torch.equal(got, want)


def test_select_lut_columns():
    lut = torch.arange(fmt.lut_width(5, 3)).float().unsqueeze(0)
    assert R.select_lut(lut, 3, 3).tolist() == [list(range(0, 8))]
    assert R.select_lut(lut, 4, 3).tolist() == [list(range(8, 24))]
    assert R.select_lut(lut, 5, 3).tolist() == [list(range(24, 56))]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_reference_ops_opcheck(dtype):
    g = torch.Generator().manual_seed(0)
    n, k, bits = 6, 96, 4
    q = R.pack_bitplanes(torch.randint(0, 256, (n, k), generator=g), 8)
    s = (torch.rand(n, 3, generator=g) + 0.1).half()
    z = (torch.rand(n, 3, generator=g) * 8).half()
    lut = torch.randn(n, 2 ** bits, generator=g).half()
    x = torch.randn(3, k, generator=g).to(dtype)
    torch.library.opcheck(torch.ops.anyprec.gemm_uniform_ref, (x, q, s, z, bits, 32, k))
    torch.library.opcheck(torch.ops.anyprec.gemm_lut_ref, (x, q, lut, bits, k))
    torch.library.opcheck(torch.ops.anyprec.dequant_uniform_ref, (q, s, z, bits, 32, k, dtype))
    torch.library.opcheck(torch.ops.anyprec.dequant_lut_ref, (q, lut, bits, k, dtype))
    y = torch.ops.anyprec.gemm_uniform_ref(x, q, s, z, bits, 32, k)
    w = R.dequant_uniform(q, s, z, bits, 32, k)
    assert y.dtype == dtype
    torch.testing.assert_close(y.float(), x.float() @ w.T, rtol=2e-2, atol=2e-2)
