"""The LUT pair tables of ANYPREC_LUT_PAIR_LANES (decode_knobs.cuh / decode_body.cuh, kPairLanes;
b = 4, and b = 2, 3 with the flag at 2), modelled in Python: the table fill and the lookups, with their masks,
shifts and address terms read from the kernel source, over a simulated shared memory. Every lane
of a warp must read, for each of its four A registers, the word holding its row's values of the
register's two codes. Pure Python: the kernel itself runs only on the device (tests/gpu with the
flag on); the gather and address helpers it calls also run as C++ in tests/test_decode_host.py."""

import random
import re
from pathlib import Path

import pytest

from test_lut_wide_addr import MASK, header_parts, lw_addr

CSRC = Path(__file__).resolve().parents[1] / "vllm_anyprec/csrc"
# lut_pair_entries sits with the knobs, the fill and the lookups in the body.
SRC = "".join((CSRC / f).read_text() for f in ("decode_knobs.cuh", "decode_body.cuh"))
HEADER = (CSRC / "anyprec.cuh").read_text()  # pair_gather


def entries(bits: int) -> int:
    """lut_pair_entries: entry lo | hi << 4 for b-bit codes."""
    m = re.search(r"constexpr int lut_pair_entries\(int b\) \{ return (\d+) \* \(1 << b\) - (\d+); \}",
                  SRC)
    assert m, "lut_pair_entries not found"
    return int(m.group(1)) * (1 << bits) - int(m.group(2))


def shl(x, k):
    return (x << k) & MASK


def bit_select(a, b, m):
    """anyprec.cuh bit_select: bits of b where m is set, of a elsewhere."""
    return (a & ~m & MASK) | (b & m)


def source_parts():
    fill = SRC[SRC.index("} else if constexpr (kPairLanes) {"):]
    fill = fill[:fill.index("__syncthreads();")]
    assert "for (int i = threadIdx.x; i < 16 * kCodes; i += blockDim.x) {" in fill
    assert "const int gr = i & 7, ch = (i >> 3) & (kCodes - 1), h = i >> (B + 3);" in fill
    assert "const uint32_t hi = ok ? (uint32_t)lut16[((size_t)r << B) + ch] << 16 : 0u;" in fill
    assert "for (int lo = 0; lo < kCodes; ++lo) {" in fill
    assert ("const uint32_t base = pbase + h * kPtabHalf + (uint32_t)ch * (16 * 128) + 16 * gr;"
            in fill)
    assert "sts32x4(base + 128 * lo, (lo & 1 ? v >> 16 : v & 0xFFFFu) | hi);" in fill
    assert "comp(lo < 8 ? v0 : v1, (lo & 7) >> 1)" in fill
    look = SRC[SRC.index("if constexpr (kPairLanes) {\n              // y's bytes"):]
    look = look[:look.index("} else if constexpr (kRegLut)")]
    assert "const uint32_t y = pair_gather<kLeanFma>(wv);" in look
    gather = HEADER[HEADER.index("uint32_t pair_gather(uint32_t wv) {"):]
    gather = gather[:gather.index("\n}\n")]
    m1 = re.search(r"u = bit_select\(wv, wv << (\d+), (0x[0-9A-F]+)u\);", gather)
    m2 = re.search(r"return bit_select\(u, shr<kFma>\(wv, (\d+)\), (0x[0-9A-F]+)u\);", gather)
    assert m1 and m2, "the pair gather was not found"
    regs = [(int(a), int(j), base) for a, j, base in
            re.findall(r"a\[(\d)\] = lds32\(lw_addr<(\d)>\(y, (pt[01])\)\);", look)]
    assert sorted(a for a, _, _ in regs) == [0, 1, 2, 3], regs
    assert "const uint32_t pt1 = pt0 + kPtabHalf;" in look
    gather = (int(m1.group(1)), int(m1.group(2), 16), int(m2.group(1)), int(m2.group(2), 16))
    return gather, regs


def item(i: int, bits: int) -> tuple[int, int, int]:
    """The fill's item i: (row gr of 8, high code ch, half h), gr fastest."""
    return i & 7, (i >> 3) & ((1 << bits) - 1), i >> (bits + 3)


def store_address(i: int, lo: int, pbase: int, bits: int) -> int:
    gr, ch, h = item(i, bits)
    return pbase + h * 128 * entries(bits) + ch * (16 * 128) + 16 * gr + 128 * lo


def fill(mem, pbase, lut, bits):
    """The kernel's fill: items (half h, row gr, high code ch), a 16-byte store per low code."""
    codes, half = 1 << bits, 128 * entries(bits)
    for i in range(16 * codes):
        gr, ch, h = item(i, bits)
        row = lut[gr + 8 * h]
        base = store_address(i, 0, pbase, bits)
        assert base + 128 * (codes - 1) + 16 <= pbase + 2 * half  # inside the tables
        for lo in range(codes):
            for k in range(4):
                mem[base + 128 * lo + 4 * k] = row[lo] | row[ch] << 16


@pytest.mark.parametrize("bits", [2, 3, 4])
def test_every_lane_reads_its_pairs(bits):
    (s1, m1, s2, m2), regs = source_parts()
    mul, sel0 = header_parts()
    rng = random.Random(bits)
    codes, half = 1 << bits, 128 * entries(bits)
    lut = [[rng.randrange(1 << 16) for _ in range(codes)] for _ in range(16)]  # 16 rows' values
    mem = {}
    pbase = 0x400 + 16 * rng.randrange(64)  # the dynamic shared window's start (16-byte aligned)
    fill(mem, pbase, lut, bits)
    assert len(mem) == 2 * codes * codes * 32  # every entry that can be read, once per lane
    for _ in range(300):
        for lane in range(32):
            g = lane >> 2
            # a nibble word of b-bit codes (decode_unit masks the bits above b)
            nib = [rng.randrange(codes) for _ in range(8)]
            wv = sum(c << (4 * j) for j, c in enumerate(nib))
            u = bit_select(wv, shl(wv, s1), m1)
            y = bit_select(u, wv >> s2, m2)
            pt0 = pbase + 4 * lane
            for a, j, base in regs:
                addr = lw_addr(j, y, pt0 if base == "pt0" else pt0 + half, mul, sel0)
                row = lut[g + 8 * (a & 1)]  # A register p: row g (p even) or g + 8 (p odd)
                assert mem[addr] == row[nib[a]] | row[nib[a + 4]] << 16, (lane, hex(wv), a)


def test_a_wrong_gather_mask_is_caught():
    # the model fails when the gather drifts (here: the second select's mask one nibble off)
    (s1, m1, s2, _), regs = source_parts()
    mul, sel0 = header_parts()
    lut = [[(r << 8) | c for c in range(16)] for r in range(16)]
    mem = {}
    fill(mem, 0, lut, 4)
    wv = 0x76543210
    y = bit_select(bit_select(wv, shl(wv, s1), m1), wv >> s2, 0x00000F0F)
    a, j, _ = next(r for r in regs if r[0] == 0)
    assert mem.get(lw_addr(j, y, 0, mul, sel0)) != lut[0][0] | lut[0][4] << 16


@pytest.mark.parametrize("bits", [2, 3, 4])
def test_fill_stores_are_conflict_free(bits):
    # A warp's 16-byte stores (32 threads x 16 bytes) need 4 wavefronts; each more is a bank
    # conflict. Item order (gr fastest) makes every warp-store of the fill take exactly 4.
    source_parts()  # (the model's item order is the kernel's)
    for w in range(16 * (1 << bits) // 32):
        for lo in range(1 << bits):
            per_bank = [0] * 32
            for i in range(32 * w, 32 * w + 32):
                word = store_address(i, lo, 0, bits) // 4
                for k in range(4):
                    per_bank[(word + k) % 32] += 1
            assert max(per_bank) == 4, (bits, w, lo, max(per_bank))
