"""The kernels' own decode helpers (csrc/anyprec.cuh), compiled with g++ and run on the CPU.

``tests/host/decode_host.cpp`` calls decode_unit / code_at, the LUT register-table lookups and
the pair-table indices and addresses as the decode kernels do; only their inline PTX is swapped
for plain C++ twins. Here their output is checked against ``kernels/cuda_layout.py``'s repack
(every code of random weights, every b, every layout variant, with and without the lean-ALU
forms), against plain table lookups, and (ANYPREC_META16's fold terms) against the fp32 table.
So the C++ that the experiment flags change (ANYPREC_LEAN_ALU, ANYPREC_LUT_PAIR_LANES,
ANYPREC_LUT_WIDE_ADDR, ANYPREC_META16) is executed here, not only modelled, before a device
runs it. Needs g++ and the CUDA headers (nvcc's include folder); no
GPU."""

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from host_build import MISSING, ROOT, compile_host

from vllm_anyprec import reference
from vllm_anyprec.kernels import cuda_layout

pytestmark = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))

# The layout variants of the build flags: (defines, repack_tiled's packed, runs).
LAYOUTS = {
    "default": ([], None, True),  # packed-transposed b = 2, 3, 5, 6, 7; runs words
    "bits": (["-DANYPREC_PACK_RUNS=0"], None, False),
    "planes": (["-DANYPREC_PACKED_T=0"], False, False),
}


@pytest.fixture(scope="module")
def host_bin(tmp_path_factory):
    """name -> path of decode_host built with that layout's flags."""
    out = {}
    d = tmp_path_factory.mktemp("decode_host")
    for name, (defines, _, _) in LAYOUTS.items():
        exe = d / f"decode_host_{name}"
        # (-Wno-class-memaccess: unpack_meta copies words into __half2 with memcpy, which g++
        # flags for a class type and nvcc does not)
        out[name] = compile_host(ROOT / "tests/host/decode_host.cpp", exe,
                                 ["-Wno-class-memaccess", *defines], timeout=300)
    return out


def run(exe: Path, args: list, data: np.ndarray) -> bytes:
    r = subprocess.run([str(exe), *map(str, args)], input=data.tobytes(), capture_output=True,
                       timeout=120, check=False)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    return r.stdout


def packed_flag(bits: int, packed) -> bool:
    """repack_tiled's packed argument for a layout (None: the default build's widths)."""
    return bits in cuda_layout.PACKED_BITS if packed is None else packed


# (FMA shifts, no masks): the plain decode, the FMA shifts alone (b >= 5 under
# ANYPREC_LEAN_ALU), both (b = 2, 3: kNoMask exists for their packed nibble words)
FORMS = [(b, fma, nomask) for b in range(2, 9) for fma, nomask in ((0, 0), (1, 0), (1, 1))
         if not nomask or b <= 3]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("bits,fma,nomask", FORMS,
                         ids=[f"b{b}-{['plain', 'fma', 'lean'][f + m]}" for b, f, m in FORMS])
def test_decode_unit_gives_every_code(host_bin, layout, bits, fma, nomask):
    _, packed, runs = LAYOUTS[layout]
    packed = packed_flag(bits, packed)
    n, k = 37, 300  # odd: a ragged last n-tile and chunk
    g = torch.Generator().manual_seed(100 * bits + 10 * fma + nomask)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    tiled = cuda_layout.repack_tiled(reference.pack_bitplanes(codes, bits), bits, k,
                                     packed=packed, runs=runs)
    tiles, chunks = tiled.shape[:2]
    raw = run(host_bin[layout], ["decode", bits, fma, nomask, tiles, chunks],
              tiled.numpy().astype("<i4"))
    got = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).copy()).to(torch.int64)
    got = got.view(tiles, chunks, 4, 16, 64).permute(0, 3, 1, 2, 4)
    got = got.reshape(tiles * 16, chunks * 256)[:n, :k]
    if nomask and packed:
        # the lean packed words keep other codes' bits above b; the consumers mask b bits
        # (the plain planes' transpose leaves none: kNoMask changes nothing there)
        assert ((got >> bits) != 0).any()
        got = got & (2 ** bits - 1)
    assert torch.equal(got, codes)


def test_decode_catches_a_wrong_layout(host_bin):
    # the check can fail: words repacked as runs, decoded by the bits build
    codes = torch.randint(0, 32, (16, 256), generator=torch.Generator().manual_seed(5))
    tiled = cuda_layout.repack_tiled(reference.pack_bitplanes(codes, 5), 5, 256, packed=True,
                                     runs=True)
    raw = run(host_bin["bits"], ["decode", 5, 0, 0, 1, 1], tiled.numpy().astype("<i4"))
    got = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).copy()).to(torch.int64)
    got = got.view(1, 1, 4, 16, 64).permute(0, 3, 1, 2, 4).reshape(16, 256)
    assert not torch.equal(got, codes)


@pytest.mark.parametrize("bits", [2, 3])
@pytest.mark.parametrize("fma", [0, 1], ids=["plain", "lean"])
def test_register_tables_look_up_each_code(host_bin, bits, fma):
    # A register p = (value of nibble p, value of nibble p + 4) of row g (p even) or g + 8
    # (p odd), the even nibbles being row g's codes. The lean form masks b bits itself, so its
    # words carry other bits above b (as decode_unit<B, true, true> leaves them); the plain
    # form gets clean codes.
    rng = random.Random(bits * 10 + fma)
    count, recs, want = 2000, [], []
    for _ in range(count):
        rows = [[rng.randrange(1 << 16) for _ in range(8)] for _ in range(2)]
        codes = [rng.randrange(1 << bits) for _ in range(8)]
        junk = [rng.randrange(16) & ~((1 << bits) - 1) if fma else 0 for _ in range(8)]
        wv = sum((c | j) << (4 * i) for i, (c, j) in enumerate(zip(codes, junk)))
        words = [r[2 * i] | r[2 * i + 1] << 16 for r in rows for i in range(4)]
        recs.append(words + [wv])
        want.append([rows[p & 1][codes[p]] | rows[p & 1][codes[p + 4]] << 16 for p in range(4)])
    raw = run(host_bin["default"], ["lutregs", bits, fma, count],
              np.array(recs, dtype="<u4"))
    assert np.frombuffer(raw, dtype="<u4").reshape(count, 4).tolist() == want


@pytest.mark.parametrize("fma", [0, 1], ids=["plain", "lean"])
def test_pair_indices_and_addresses(host_bin, fma):
    # pair_gather: bytes (n0 | n4 << 4, n2 | n6 << 4, n1 | n5 << 4, n3 | n7 << 4); lw_addr<J>:
    # 128 x (byte J) + base (the per-lane tables' word of that entry, ANYPREC_LUT_WIDE_ADDR and
    # the pair tables).
    rng = random.Random(fma)
    count = 4000
    recs = np.array([[rng.randrange(1 << 32), 4 * rng.randrange(1 << 14)] for _ in range(count)],
                    dtype="<u4")
    out = np.frombuffer(run(host_bin["default"], ["pairs", fma, count], recs),
                        dtype="<u4").reshape(count, 5)
    for (wv, lb), (y, *addr) in zip(recs.tolist(), out.tolist()):
        nib = [(wv >> (4 * i)) & 0xF for i in range(8)]
        want = [nib[p] | nib[p + 4] << 4 for p in (0, 2, 1, 3)]
        assert y == sum(b << (8 * j) for j, b in enumerate(want)), hex(wv)
        assert addr == [(128 * b + lb) & 0xFFFFFFFF for b in want], hex(wv)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 8])
def test_meta16_fold_terms_equal_the_fp32_table(host_bin, dtype, bits):
    # ANYPREC_META16 keeps the checkpoint's fp16 (s, z) and forms -s (z + C) in the kernel:
    # unpack_meta must give bit for bit the fp32 table that the default build reads, for every
    # scale the format can hold (subnormal to the largest) and codes-unit zeros with fractions.
    g = torch.Generator().manual_seed(bits)
    n, groups = 32, 64
    scales = torch.cat([torch.logspace(-24, 15.9, n * groups // 2, base=2),
                        torch.rand(n * groups // 2, generator=g) * 0.1])
    scales = (scales * torch.where(torch.rand(n * groups, generator=g) < 0.2, -1, 1))
    scales = scales.to(torch.float16).reshape(n, groups)
    zeros = (torch.rand(n, groups, generator=g) * 2 ** bits).to(torch.float16)
    zeros[0, :4] = torch.tensor([0.0, 2 ** bits - 1, 0.5, 2 ** bits - 0.25])
    half = cuda_layout.uniform_meta(scales, zeros, bits, dtype, 2, half=True)
    full = cuda_layout.uniform_meta(scales, zeros, bits, dtype, 2, half=False)
    words = half.contiguous().view(torch.int32).numpy().astype("<i4")  # 2 words per 4 halves
    count = words.size // 2
    raw = run(host_bin["default"], ["meta", int(dtype == torch.bfloat16), bits, count], words)
    got = np.frombuffer(raw, dtype="<f4").reshape(full.shape)
    want = full.numpy()
    assert np.array_equal(got.view("<u4"), want.view("<u4")), \
        np.argwhere(got.view("<u4") != want.view("<u4"))[:5]
