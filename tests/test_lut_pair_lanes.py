"""The LUT b = 4 pair tables of ANYPREC_LUT_PAIR_LANES (fused_gemm.cuh, kPairLanes), modelled in
Python: the table fill and the lookups, with their masks, shifts and address terms read from the
kernel source, over a simulated shared memory. Every lane of a warp must read, for each of its
four A registers, the word holding its row's values of the register's two codes. Pure Python:
the kernel itself runs only on the device (tests/gpu with the flag on)."""

import random
import re
from pathlib import Path

from test_lut_wide_addr import MASK, header_parts, lw_addr

SRC = (Path(__file__).resolve().parents[1] / "vllm_anyprec/csrc/fused_gemm.cuh").read_text()
HALF = 256 * 128  # kPtabHalf


def shl(x, k):
    return (x << k) & MASK


def bit_select(a, b, m):
    """anyprec.cuh bit_select: bits of b where m is set, of a elsewhere."""
    return (a & ~m & MASK) | (b & m)


def source_parts():
    fill = SRC[SRC.index("} else if constexpr (kPairLanes) {"):]
    fill = fill[:fill.index("__syncthreads();")]
    assert "const int ch = i & 15, gr = (i >> 4) & 7, h = i >> 7, r = n0 + gr + 8 * h;" in fill
    assert ("const uint32_t base = pbase + h * kPtabHalf + (uint32_t)ch * (16 * 128) + 16 * gr;"
            in fill)
    assert "sts32x4(base + 128 * lo, (lo & 1 ? v >> 16 : v & 0xFFFFu) | hi);" in fill
    assert "comp(lo < 8 ? v0 : v1, (lo & 7) >> 1)" in fill
    look = SRC[SRC.index("if constexpr (kPairLanes) {\n              // y:"):]
    look = look[:look.index("} else if constexpr (kRegLut)")]
    m1 = re.search(r"u = bit_select\(wv, wv << (\d+), (0x[0-9A-F]+)u\);", look)
    m2 = re.search(r"y = bit_select\(u, shr<kLeanFma>\(wv, (\d+)\), (0x[0-9A-F]+)u\);", look)
    assert m1 and m2, "the pair gather was not found"
    regs = [(int(a), int(j), base) for a, j, base in
            re.findall(r"a\[(\d)\] = lds32\(lw_addr<(\d)>\(y, (pt[01])\)\);", look)]
    assert sorted(a for a, _, _ in regs) == [0, 1, 2, 3], regs
    assert "const uint32_t pt1 = pt0 + kPtabHalf;" in look
    gather = (int(m1.group(1)), int(m1.group(2), 16), int(m2.group(1)), int(m2.group(2), 16))
    return gather, regs


def fill(mem, pbase, lut):
    """The kernel's fill: items (half h, row gr, high code ch), a 16-byte store per low code."""
    for i in range(256):
        ch, gr, h = i & 15, (i >> 4) & 7, i >> 7
        row = lut[gr + 8 * h]
        base = pbase + h * HALF + ch * (16 * 128) + 16 * gr
        for lo in range(16):
            for k in range(4):
                mem[base + 128 * lo + 4 * k] = row[lo] | row[ch] << 16


def test_every_lane_reads_its_pairs():
    (s1, m1, s2, m2), regs = source_parts()
    mul, sel0 = header_parts()
    rng = random.Random(4)
    lut = [[rng.randrange(1 << 16) for _ in range(16)] for _ in range(16)]  # 16 rows' values
    mem = {}
    pbase = 0x400 + 16 * rng.randrange(64)  # the dynamic shared window's start (16-byte aligned)
    fill(mem, pbase, lut)
    assert len(mem) == 2 * 256 * 32  # every word of both halves written once
    for _ in range(300):
        for lane in range(32):
            g = lane >> 2
            wv = rng.randrange(1 << 32)
            nib = [(wv >> (4 * j)) & 15 for j in range(8)]
            u = bit_select(wv, shl(wv, s1), m1)
            y = bit_select(u, wv >> s2, m2)
            pt0 = pbase + 4 * lane
            for a, j, base in regs:
                addr = lw_addr(j, y, pt0 if base == "pt0" else pt0 + HALF, mul, sel0)
                row = lut[g + 8 * (a & 1)]  # A register p: row g (p even) or g + 8 (p odd)
                assert mem[addr] == row[nib[a]] | row[nib[a + 4]] << 16, (lane, hex(wv), a)


def test_a_wrong_gather_mask_is_caught():
    # the model fails when the gather drifts (here: the second select's mask one nibble off)
    (s1, m1, s2, _), regs = source_parts()
    mul, sel0 = header_parts()
    lut = [[(r << 8) | c for c in range(16)] for r in range(16)]
    mem = {}
    fill(mem, 0, lut)
    wv = 0x76543210
    y = bit_select(bit_select(wv, shl(wv, s1), m1), wv >> s2, 0x00000F0F)
    a, j, _ = next(r for r in regs if r[0] == 0)
    assert mem[lw_addr(j, y, 0, mul, sel0)] != lut[0][0] | lut[0][4] << 16
