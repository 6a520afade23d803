"""The CUDA kernels' tiled layout, checked on the CPU: repack then the kernel's decode (emulated
bit for bit, in-register transposes included) gives back every code, for both layout variants."""

import re
from pathlib import Path

import pytest
import torch

from vllm_anyprec import reference
from vllm_anyprec.kernels import cuda_layout


@pytest.mark.parametrize("bits,n,k", [(2, 5, 33), (3, 33, 1000), (4, 37, 300), (5, 20, 100),
                                      (8, 16, 256), (8, 17, 520)])
def test_repack_then_kernel_decode_roundtrip(bits, n, k):
    g = torch.Generator().manual_seed(bits * 1000 + n)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    qweight = reference.pack_bitplanes(codes, bits)
    tiled = cuda_layout.repack_tiled(qweight, bits, k)
    assert tiled.shape == cuda_layout.tiled_shape(bits, n, k)
    assert torch.equal(cuda_layout.decode_tiled(tiled, bits, n, k), codes)


@pytest.mark.parametrize("bits", [3, 4, 7])
def test_repack_reads_only_top_planes(bits):
    codes = torch.randint(0, 256, (16, 64), generator=torch.Generator().manual_seed(0))
    qweight = reference.pack_bitplanes(codes, 8)
    tiled = cuda_layout.repack_tiled(qweight, bits, 64)
    assert torch.equal(cuda_layout.decode_tiled(tiled, bits, 16, 64), codes >> (8 - bits))


def test_pretransposed_in_slices(monkeypatch):
    # Large layers are transposed a slice of n-tiles at a time: one n-tile per slice here.
    codes = torch.randint(0, 256, (70, 300), generator=torch.Generator().manual_seed(3))
    qweight = reference.pack_bitplanes(codes, 8)
    monkeypatch.setattr(cuda_layout, "TRANSPOSE_SLICE_BYTES", 1)
    for bits in (4, 8):
        tiled = cuda_layout.repack_tiled(qweight, bits, 300)
        assert torch.equal(cuda_layout.decode_tiled(tiled, bits, 70, 300), codes >> (8 - bits))


def test_pretransposed_words():
    # b = 4: the stored words are the transpose's output, i.e. nibble codes: with every code 0xA
    # each word is 0xAAAAAAAA, where the planes (1, 0, 1, 0) would give all-ones / all-zero words.
    qweight = reference.pack_bitplanes(torch.full((16, 256), 0xA), 4)
    tiled = cuda_layout.repack_tiled(qweight, 4, 256)
    assert (tiled == int.from_bytes(b"\xaa" * 4, "little") - 2 ** 32).all()
    planes = cuda_layout.repack_tiled(qweight[1:], 3, 256)  # 3 bits (0, 1, 0): plane words
    assert set(planes[:, :, 1].flatten().tolist()) == {-1} and not planes[:, :, [0, 2]].any()


@pytest.mark.parametrize("runs", [True, False], ids=["runs", "bits"])
@pytest.mark.parametrize("bits,n,k", [(2, 5, 33), (2, 40, 700), (3, 33, 1000), (3, 17, 256),
                                      (5, 20, 100), (6, 33, 520), (7, 16, 256), (7, 9, 300)])
def test_packed_transposed_roundtrip(bits, n, k, runs, monkeypatch):
    # Packed-transposed words (builds with ANYPREC_PACKED_T): same size as the planes,
    # different words, every code back through the kernel's unpacking; also in slices. Both
    # arrangements of the outputs above b (ANYPREC_PACK_RUNS; b <= 3 have one).
    codes = torch.randint(0, 2 ** bits, (n, k), generator=torch.Generator().manual_seed(n + k))
    qweight = reference.pack_bitplanes(codes, bits)
    planes = cuda_layout.repack_tiled(qweight, bits, k, packed=False)
    packed = cuda_layout.repack_tiled(qweight, bits, k, packed=True, runs=runs)
    assert packed.shape == planes.shape and not torch.equal(packed, planes)
    assert torch.equal(cuda_layout.decode_tiled(packed, bits, n, k, packed=True, runs=runs),
                       codes)
    other = cuda_layout.repack_tiled(qweight, bits, k, packed=True, runs=not runs)
    assert torch.equal(other, packed) == (bits not in (5, 6))  # b = 7: the same layout
    monkeypatch.setattr(cuda_layout, "TRANSPOSE_SLICE_BYTES", 1)
    assert torch.equal(cuda_layout.repack_tiled(qweight, bits, k, packed=True, runs=runs),
                       packed)


def test_upper_runs_cover_every_free_bit_once():
    # Each output above b takes b bits per byte, and together they fill the b words' free bits
    # (8 - b per byte) exactly; runs: b = 5 gathers its three outputs from 2, 3, 2 runs.
    for bits in (5, 6, 7):
        for runs in (True, False):
            table = cuda_layout.upper_runs(bits, runs)
            used = [0] * bits
            for parts in table:
                assert sum(bin(m).count("1") for _, _, m in parts) == bits
                for k, shift, mask in parts:
                    src = mask << shift  # the bits of word k this run reads
                    assert src < 256 and src & ((1 << bits) - 1) == 0 and used[k] & src == 0
                    used[k] |= src
            assert used == [256 - (1 << bits)] * bits
    assert [len(p) for p in cuda_layout.upper_runs(5)] == [2, 3, 2]
    assert [len(p) for p in cuda_layout.upper_runs(6)] == [3, 3]


def test_packed_runs_words():
    # b = 5, every code 0b10101 (0x15): out_5..7 are 0x15 in every byte, and the stream of their
    # bits (LSB first: 10101 10101 10101) fills bits 5-7 of words 0..4 three at a time: 101,
    # 011, 010, 110, 101 -> bytes 0x15 | 0xA0, | 0xC0, | 0x40, | 0x60, | 0xA0.
    q5 = cuda_layout.repack_tiled(reference.pack_bitplanes(torch.full((16, 256), 0x15), 5), 5,
                                  256, packed=True, runs=True)
    for k, byte in enumerate([0xB5, 0xD5, 0x55, 0x75, 0xB5]):
        word = int.from_bytes(bytes([byte] * 4), "little")
        assert (q5[:, :, k] == word - (2 ** 32 if word >= 2 ** 31 else 0)).all(), k


def test_packed_transposed_words():
    # b = 2, every code 0b10: the transpose's 4 output words are nibbles 0b0010 (0x22222222),
    # packed as out0 | out1 << 2 = 0xAAAAAAAA in both words; b = 3, every code 0b101: outputs
    # 0x55555555, packed word j = out_j | (bit j of 0b101) << 3 per nibble.
    q2 = cuda_layout.repack_tiled(reference.pack_bitplanes(torch.full((16, 256), 2), 2), 2,
                                  256, packed=True)
    assert (q2 == 0xAAAAAAAA - 2 ** 32).all()
    q3 = cuda_layout.repack_tiled(reference.pack_bitplanes(torch.full((16, 256), 5), 3), 3,
                                  256, packed=True)
    expect = [0xDDDDDDDD - 2 ** 32, 0x55555555, 0xDDDDDDDD - 2 ** 32]
    for j in range(3):
        assert (q3[:, :, j] == expect[j]).all()
    # b = 7, every code 0b1010101 (0x55): the 8 output bytes are 0x55, out7's bits k = 0, 2, 4, 6
    # go to bit 7 of word k: words 0, 2, 4, 6 = 0xD5D5D5D5, the others 0x55555555.
    q7 = cuda_layout.repack_tiled(reference.pack_bitplanes(torch.full((16, 256), 0x55), 7), 7,
                                  256, packed=True)
    for j in range(7):
        assert (q7[:, :, j] == (0xD5D5D5D5 - 2 ** 32 if j % 2 == 0 else 0x55555555)).all()


def test_packed_only_where_the_codes_leave_room():
    qweight = reference.pack_bitplanes(torch.zeros(16, 64, dtype=torch.int64), 8)
    for bits in (4, 8):  # their codes fill the nibble / byte: stored pretransposed instead
        with pytest.raises(ValueError, match="packed-transposed words exist for bits in"):
            cuda_layout.repack_tiled(qweight, bits, 64, packed=True)
    # without the extension (this machine) nothing is packed by default
    assert cuda_layout.repack_tiled(qweight[:2], 2, 64).equal(
        cuda_layout.repack_tiled(qweight[:2], 2, 64, packed=False))


def test_packed_widths_match_the_kernels():
    header = Path(cuda_layout.__file__).parents[1] / "csrc" / "anyprec.cuh"
    rule = re.search(r"constexpr bool packed_transposed\(int b\) \{\s*return (.*?);\s*\}",
                     header.read_text(), re.S)
    assert rule, "packed_transposed() not found in anyprec.cuh"
    widths = tuple(int(b) for b in re.findall(r"b == (\d)", rule.group(1)))
    assert widths == cuda_layout.PACKED_BITS


def test_pretransposed_widths_match_the_kernels():
    header = Path(cuda_layout.__file__).parents[1] / "csrc" / "anyprec.cuh"
    rule = re.search(r"constexpr bool pretransposed\(int b\) \{ return (.*?); \}",
                     header.read_text())
    assert rule, "pretransposed() not found in anyprec.cuh"
    widths = tuple(int(b) for b in re.findall(r"b == (\d)", rule.group(1)))
    assert widths == cuda_layout.PRETRANSPOSED_BITS


def test_uniform_meta_values():
    s = torch.tensor([[0.5, 0.25]] * 20).half()
    z = torch.tensor([[3.0, 7.5]] * 20).half()
    meta = cuda_layout.uniform_meta(s, z, 4, torch.float16, 2)
    assert meta.shape == (2, 2, 8, 4)
    # group 1, n-tile 0, lane row g=3: rows 3 and 11
    assert meta[1, 0, 3].tolist() == [0.25, -0.25 * (7.5 + 1024), 0.25, -0.25 * (7.5 + 1024)]
    assert meta[0, 1, 7].tolist() == [0.0, 0.0, 0.0, 0.0]  # rows 23 and 31 are padding (N=20)


def test_uniform_meta_half_table():
    # The ANYPREC_META16 table: the checkpoint's float16 (s, z) as they are; unpack_meta's
    # fp32 -s (z + C) from it is the fp32 table bit for bit (z + C exact, one rounding).
    g = torch.Generator().manual_seed(3)
    s = (torch.rand(37, 5, generator=g) * 1e-2 + 1e-4).half()
    z = (torch.rand(37, 5, generator=g) * 15).half()
    half = cuda_layout.uniform_meta(s, z, 4, torch.float16, 3, half=True)
    assert half.shape == (5, 3, 8, 4) and half.dtype == torch.float16
    assert half[2, 1, 5].tolist() == [s[21, 2].item(), z[21, 2].item(), s[29, 2].item(),
                                      z[29, 2].item()]  # group 2, n-tile 1, rows 21 and 29
    assert half[0, 2, 7].tolist() == [0.0] * 4  # rows 39 and 47 are padding (N=37)
    for act, bits in [(torch.float16, 4), (torch.bfloat16, 3), (torch.bfloat16, 8)]:
        full = cuda_layout.uniform_meta(s, z, bits, act, 3, half=False)
        c = cuda_layout.magic_offset(bits, act)
        hs, hz = half[..., 0::2].float(), half[..., 1::2].float()
        unpacked = torch.stack([hs[..., 0], -(hs[..., 0] * (hz[..., 0] + c)), hs[..., 1],
                                -(hs[..., 1] * (hz[..., 1] + c))], dim=-1)
        assert torch.equal(unpacked, full), (act, bits)  # (exact; padding: -0 == 0)


def test_uniform_meta_follows_the_extensions_build(monkeypatch):
    # Without an extension (or with one that does not say): the fp32 table; a build that
    # reports bit b in META16_MASK gets the float16 one at b alone. (Fake extension module: no
    # GPU here.)
    import sys
    import types

    from vllm_anyprec import _ext
    s, z = torch.ones(16, 1).half(), torch.zeros(16, 1).half()
    assert cuda_layout.uniform_meta(s, z, 4, torch.float16, 1).dtype == torch.float32
    fake = types.ModuleType("vllm_anyprec._C")
    fake.META16_MASK = 1 << 3 | 1 << 8
    monkeypatch.setitem(sys.modules, "vllm_anyprec._C", fake)
    monkeypatch.setattr(_ext, "_state", {"ok": True, "reason": None})
    assert [_ext.meta_bits(b) for b in range(2, 9)] == [32, 16, 32, 32, 32, 32, 16]
    for b in range(2, 9):
        want = torch.float16 if b in (3, 8) else torch.float32
        assert cuda_layout.uniform_meta(s, z, b, torch.float16, 1).dtype == want, b


def test_pack_runs_default_matches_the_header(monkeypatch):
    # The header's default is the runs arrangement; an extension that does not report
    # PACK_RUNS predates it (bits), one that reports 1 gets runs from repack_tiled's default.
    import sys
    import types

    from vllm_anyprec import _ext
    header = Path(cuda_layout.__file__).parents[1] / "csrc" / "anyprec.cuh"
    assert re.search(r"#define ANYPREC_PACK_RUNS 1\b", header.read_text())
    codes = torch.randint(0, 64, (20, 300), generator=torch.Generator().manual_seed(2))
    qweight = reference.pack_bitplanes(codes, 6)
    for runs in (None, 1):
        fake = types.ModuleType("vllm_anyprec._C")
        fake.PACKED_MASK = sum(1 << b for b in cuda_layout.PACKED_BITS)
        if runs is not None:
            fake.PACK_RUNS = runs
        monkeypatch.setitem(sys.modules, "vllm_anyprec._C", fake)
        monkeypatch.setattr(_ext, "_state", {"ok": True, "reason": None})
        assert _ext.pack_runs() == (runs == 1)
        tiled = cuda_layout.repack_tiled(qweight, 6, 300)
        assert torch.equal(tiled, cuda_layout.repack_tiled(qweight, 6, 300, packed=True,
                                                           runs=runs == 1))
        assert torch.equal(cuda_layout.decode_tiled(tiled, 6, 20, 300), codes)


def test_meta_width_default_matches_the_header():
    header = (Path(cuda_layout.__file__).parents[1] / "csrc" / "anyprec.cuh").read_text()
    assert re.search(r"#define ANYPREC_META16 0\b", header)  # (the experiments' all-widths flag)
    m = re.search(r"#define ANYPREC_META16_BITS \(ANYPREC_META16 != 0 \? 0x1FC : (\w+)\)", header)
    assert m, "ANYPREC_META16_BITS's default: every width under ANYPREC_META16, else a mask"
    mask = int(m.group(1), 0)
    assert tuple(b for b in range(2, 9) if mask >> b & 1) == cuda_layout.META16_BITS
    assert mask & ~0x1FC == 0


def test_repack_follows_the_extensions_build(monkeypatch):
    # A build with ANYPREC_PACKED_T reports PACKED_MASK; repack_tiled's default then packs those
    # widths, and decode_tiled reads them the same way. (Fake extension module: no GPU here.)
    import sys
    import types

    from vllm_anyprec import _ext
    fake = types.ModuleType("vllm_anyprec._C")
    fake.PACKED_MASK = sum(1 << b for b in cuda_layout.PACKED_BITS)
    monkeypatch.setitem(sys.modules, "vllm_anyprec._C", fake)
    monkeypatch.setattr(_ext, "_state", {"ok": True, "reason": None})
    assert _ext.packed_widths() == cuda_layout.PACKED_BITS
    codes = torch.randint(0, 8, (20, 300), generator=torch.Generator().manual_seed(1))
    qweight = reference.pack_bitplanes(codes, 3)
    tiled = cuda_layout.repack_tiled(qweight, 3, 300)
    assert torch.equal(tiled, cuda_layout.repack_tiled(qweight, 3, 300, packed=True))
    assert torch.equal(cuda_layout.decode_tiled(tiled, 3, 20, 300), codes)
