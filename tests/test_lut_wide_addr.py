"""The LUT b >= 5 lookup addresses of ANYPREC_LUT_WIDE_ADDR (anyprec.cuh, lw_addr), evaluated in
Python with the multipliers and the byte-permute selector read from the header: each must give
the address of the word the C index form reads, lw_tab + 4 (32 c + lane), for every byte of
every word whose bytes hold b-bit codes (decode_unit's output), b = 5..8. The same for LO's
(ANYPREC_LUT_WIDE_OR, lw_or_addr; b = 5, 6): 256 bytes per code, lw_tab + 4 (64 c + lane) at a
base aligned to the table's size. Pure Python; the kernels run on the emulator
(tests/test_kernels_host.py) and on the device (tests/gpu)."""

import random
import re
from pathlib import Path

HEADER = Path(__file__).resolve().parents[1] / "vllm_anyprec/csrc/anyprec.cuh"
MASK = 0xFFFFFFFF


def c_int(expr: str) -> int:
    """A C integer constant expression of literals, << and + (the header's kLwMul entries)."""
    expr = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)u\b", r"\1", expr.strip())
    assert re.fullmatch(r"[0-9a-fA-Fx<+ ()]+", expr), expr
    return eval(expr)  # literals and operators only, checked above


def header_parts():
    text = HEADER.read_text()
    m = re.search(r"kLwMul\[2\] = \{([^}]*)\}", text)
    assert m, "kLwMul not found in anyprec.cuh"
    mul = [c_int(e) for e in m.group(1).split(",")]
    body = text[text.index("uint32_t lw_addr(uint32_t wv, uint32_t lb)"):]
    body = body[:body.index("\n}\n")]
    sel = re.search(r"__byte_perm\(wv, 0u, (0x[0-9a-fA-F]+)u \+ J\)", body)
    assert sel, "lw_addr's byte permute not found"
    assert "J == 0   ? wv & 0xFFu" in body and "J == 3 ? __umulhi(wv, kLwMul[1])" in body
    assert '"r"(c), "r"(kLwMul[S]), "r"(lb)' in body and "c * kLwMul[S] + lb" in body
    # LO: byte 1 or-ed in place, the other bytes by lw_addr at the 256-byte stride
    lo = text[text.index("uint32_t lw_or_addr(uint32_t wv, uint32_t lb)"):]
    lo = lo[:lo.index("\n}\n")]
    assert "if constexpr (J == 1) {\n    return (wv & 0xFF00u) | lb;" in lo, lo
    assert "return lw_addr<J, 1>(wv, lb);" in lo, lo
    return mul, int(sel.group(1), 16)


def byte_perm(x: int, y: int, s: int) -> int:
    """CUDA __byte_perm: byte i of the result = byte (selector nibble i) of y:x (0-3: x, 4-7: y)."""
    src = (y << 32) | x
    return sum(((src >> (8 * ((s >> (4 * i)) & 7))) & 0xFF) << (8 * i) for i in range(4))


def lw_addr(j: int, wv: int, lb: int, mul, sel0, stride: int = 0) -> int:
    if j == 0:
        c = wv & 0xFF
    elif j == 3:
        c = (wv * mul[1]) >> 32  # __umulhi
    else:
        c = byte_perm(wv, 0, sel0 + j)
    return (c * mul[stride] + lb) & MASK  # mad.lo.u32


def lw_or_addr(j: int, wv: int, lb: int, mul, sel0) -> int:
    return (wv & 0xFF00) | lb if j == 1 else lw_addr(j, wv, lb, mul, sel0, stride=1)


def words(rng, bits):
    """Random words of four b-bit codes, the largest code in some byte."""
    while True:
        codes = [rng.randrange(1 << bits) for _ in range(4)]
        codes[rng.randrange(4)] = (1 << bits) - 1
        yield codes, sum(c << (8 * i) for i, c in enumerate(codes))


def test_byte_perm_model():
    assert byte_perm(0x44332211, 0x88776655, 0x5410) == 0x66552211
    assert byte_perm(0x44332211, 0, 0x4442) == 0x33


def test_addresses_match_the_index_form():
    mul, sel0 = header_parts()
    rng = random.Random(34)
    for bits in (5, 6, 7, 8):
        gen = words(rng, bits)
        for _ in range(2000):
            codes, wv = next(gen)
            tab = rng.randrange(0, 1 << 17, 16)  # lw_tab's shared address (16-byte aligned)
            lane = rng.randrange(32)
            lb = tab + 4 * lane
            for j, c in enumerate(codes):
                assert lw_addr(j, wv, lb, mul, sel0) == tab + 4 * ((c << 5) + lane), (bits, wv, j)


def test_a_wrong_multiplier_is_caught():
    # the check above fails if the header's constants drift (here: 2^7 for 2^8)
    mul, sel0 = header_parts()
    wv, lb = 0x1F000000, 64
    assert lw_addr(3, wv, lb, mul, sel0) == lb + 128 * 0x1F
    assert lw_addr(3, wv, lb, [mul[0], 1 << 7], sel0) != lb + 128 * 0x1F


def test_or_addresses_match_the_index_form():
    mul, sel0 = header_parts()
    rng = random.Random(45)
    for bits in (5, 6):
        size = 256 << bits  # the table's bytes, and its base's alignment (kLwOrBytes)
        gen = words(rng, bits)
        for _ in range(2000):
            codes, wv = next(gen)
            # the base as the kernel aligns it: up from the array's 16-byte aligned address,
            # the cluster rank above bit 24 (any)
            arr = rng.randrange(0, 1 << 17, 16) | rng.randrange(4) << 24
            tab = (arr + size - 1) & ~(size - 1)
            assert tab + size <= arr + 2 * size  # inside the array of twice the table
            lane = rng.randrange(32)
            for j, c in enumerate(codes):
                got = lw_or_addr(j, wv, tab + 4 * lane, mul, sel0)
                assert got == tab + 4 * ((c << 6) + lane), (bits, hex(wv), j)


def test_or_addresses_need_the_alignment():
    # byte 1's and-or is an add only where the base has zeros under c << 8: 256 bytes off the
    # alignment, the top code's address lands elsewhere
    mul, sel0 = header_parts()
    tab, c = (1 << 13) + 256, 0x1F
    assert lw_or_addr(1, c << 8, tab, mul, sel0) != tab + 256 * c
    assert lw_or_addr(1, c << 8, 1 << 13, mul, sel0) == (1 << 13) + 256 * c
