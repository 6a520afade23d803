"""The CUDA kernels' weight layout ("tiled bitplanes"), built once from the canonical one.

Canonical (``format.py``): ``qweight`` int32 ``[b, N, ceil(K/32)]``, plane 0 = MSB, element k at
bit k % 32 of word k // 32.

Tiled (this file): int32 ``[ceil(N/16), C, b, 32, 4]`` with ``C = ceil(K/256)``. One warp of the
kernel owns a 16-row n-tile and a 256-k chunk; lane ``l`` loads, for each plane, one 16-byte
vector (the last dim: 4 "units" of 64 k). So a warp reads 512 contiguous bytes per plane, and the
``b`` planes of the same 32 weights arrive in one thread, in registers.

Inside a unit word, the 32 bits are ordered so that (1) an 8x8 bit-matrix transpose in registers
(three masked delta-swap rounds, ``transpose8``) turns the ``b`` plane words into 8 words of four
8-bit codes each, and (2) bytes (0,1) / (2,3) of output word ``ow`` are exactly the two fp16 halves
of the ``mma.m16n8k16`` A-fragment registers the lane needs (``a0/a1`` for even ``ow``, ``a2/a3``
for odd), with the activation k's permuted so that each lane's B fragment is one 16-byte load of 8
consecutive activations. Concretely, bit ``8c + ow`` of the unit word of lane ``l`` (``g = l // 4``,
``t = l % 4``) holds the element

    row = g + 8 * (c >= 2)
    k   = 32 s + 8 t + 4 u + 2 h + (c & 1),   with ow = 4 s + 2 u + h

of the unit (16 rows x 64 k). For b <= 4 a cheaper variant (``transpose4``: two rounds on 4
words) yields 4-bit codes; nibbles (p, p + 4) of word ``kt`` are A register ``p`` of k-tile ``kt``
(one ``lop3`` each), so bit ``4 (p + 4 h) + kt`` holds

    row = g + 8 * (p & 1)
    k   = 32 s + 8 t + 4 u + 2 (p >> 1) + h,   with kt = 2 s + u

For b = 4 and 8 (``PRETRANSPOSED_BITS``) the tiled tensor holds the transpose's output words
instead of the plane words (slot ``j`` = output word ``j``): built once from the top ``b`` planes at
load, same size (the codes fill the nibbles / bytes), and the kernels skip the in-register
transpose, ~40% of their integer work per weight. Other widths leave free bits in every nibble
/ byte of the transpose's output, so they would take more words than the planes; the extension
reads them *packed-transposed* instead (build flag ``ANYPREC_PACKED_T``, on by default since
session 12, reported as ``_C.PACKED_MASK``;
``_ext.packed_widths``; ``PACKED_BITS``): the output words above b go into those free bits of
the first b. b = 2 keeps ``out0 | out1 << 2`` and ``out2 | out3 << 2``; b = 3 keeps ``out_j``
with bit j of each nibble of ``out3`` in that nibble's bit 3; b = 5, 6, 7 keep ``out_j`` (j < b)
in the low b bits of each byte and the outputs above b in the free high bits, in one of two
arrangements (build flag ``ANYPREC_PACK_RUNS``, reported as ``_C.PACK_RUNS``; ``runs`` below):
*runs* (default since session 14): the free bits of a byte, word 0 first, form one stream and
bit i of ``out_{b+e}`` sits at stream position ``e b + i``, so each output is a few runs of
adjacent bits (one shift each); *bits* (session 12): bit k of each byte of ``out_{b+e}`` in
bit b + e of the same byte of word k (b shifts each). For b = 7 the two are the same. The
kernel unpacks them with masks and shifts instead of transposing.

``decode_tiled`` emulates the kernel's decoding on the CPU so this
mapping is tested without a GPU. Rows past N and k past K are zero bits.
"""

from __future__ import annotations

import functools

import torch

from ..format import PACK_WIDTH

TILE_N = 16
CHUNK_K = 256
UNITS = 4  # 64-k units per chunk (one int32 per plane each)
LANES = 32


def num_chunks(in_features: int) -> int:
    return -(-in_features // CHUNK_K)


def num_ntiles(out_features: int) -> int:
    return -(-out_features // TILE_N)


@functools.cache
def _unit_map(nibbles: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(row, k) inside a 16 x 64 unit of every (lane, bit) of a unit word: two int64 [32, 32]."""
    row = torch.empty(LANES, 32, dtype=torch.int64)
    k = torch.empty(LANES, 32, dtype=torch.int64)
    for lane in range(LANES):
        g, t = divmod(lane, 4)
        if nibbles:  # b <= 4: bit 4 (p + 4 h) + kt, kt = 2 s + u, A register p, half h
            for kt in range(4):
                s, u = divmod(kt, 2)
                for p in range(4):
                    for h in range(2):
                        bit = 4 * (p + 4 * h) + kt
                        row[lane, bit] = g + 8 * (p & 1)
                        k[lane, bit] = 32 * s + 8 * t + 4 * u + 2 * (p >> 1) + h
            continue
        for ow in range(8):
            s, rem = divmod(ow, 4)
            u, h = divmod(rem, 2)
            for c in range(4):
                bit = 8 * c + ow
                row[lane, bit] = g + 8 * (c >= 2)
                k[lane, bit] = 32 * s + 8 * t + 4 * u + 2 * h + (c & 1)
    return row, k


# Widths whose tiled words are stored transposed (must match ``pretransposed`` in anyprec.cuh).
PRETRANSPOSED_BITS = (4, 8)
# Widths that builds with ANYPREC_PACKED_T read packed-transposed (``packed_transposed`` in
# anyprec.cuh).
PACKED_BITS = (2, 3, 5, 6, 7)
# Widths whose fold metadata the default build reads as float16 (``ANYPREC_META16_BITS`` in
# anyprec.cuh; uniform_meta). A loaded extension reports its own (``_ext.meta_bits``); this is
# what the CPU emulator's default builds read.
META16_BITS: tuple[int, ...] = (3, 4, 5, 6, 8)
TRANSPOSE_SLICE_BYTES = 16 << 20  # n-tiles transposed at once at load (bounds the temporaries)


def uses_nibbles(bits: int) -> bool:
    """b <= 4 uses the nibble variant of the layout (a cheaper in-register transpose)."""
    return bits <= 4


def tiled_shape(bits: int, out_features: int, in_features: int) -> tuple[int, ...]:
    return (num_ntiles(out_features), num_chunks(in_features), bits, LANES, UNITS)


def _packed(bits: int, packed: bool | None) -> bool:
    """Whether b-bit words are packed-transposed: as asked, else as the loaded extension reads
    them (never without it)."""
    if packed is None:
        from .. import _ext
        packed = bits in _ext.packed_widths()
    if packed and bits not in PACKED_BITS:
        raise ValueError(f"packed-transposed words exist for bits in {PACKED_BITS}, not {bits}")
    return packed


def _runs(runs: bool | None) -> bool:
    """Whether b >= 5 packed words use the runs arrangement: as asked, else as the loaded
    extension reads them."""
    if runs is None:
        from .. import _ext
        runs = _ext.pack_runs()
    return runs


def upper_runs(bits: int, runs: bool = True) -> list[list[tuple[int, int, int]]]:
    """Where the outputs above b live in b >= 5 packed words: per output ``out_{b+e}`` a list of
    ``(word k, right shift, byte mask)``: ``out_{b+e} = OR((word_k >> shift) & mask * 0x01010101)``.
    The kernel's ``decode_unit`` walks the same runs."""
    free = 8 - bits
    table = []
    for e in range(free):
        parts = []
        for o in range(bits):
            if runs:
                pos = e * bits + o
                k, f = divmod(pos, free)
                shift = bits + f - o
            else:
                k, shift = o, bits + e - o
            if parts and parts[-1][0] == k and parts[-1][1] == shift:
                parts[-1] = (k, shift, parts[-1][2] | 1 << o)
            else:
                parts.append((k, shift, 1 << o))
        table.append(parts)
    return table


def pack_transposed(out: list[torch.Tensor], bits: int, runs: bool = True) -> list[torch.Tensor]:
    """The transpose's output words (4 for b <= 4, else 8; int64 holding uint32) -> ``bits``
    packed words (``runs``: the arrangement of the outputs above b, see ``upper_runs``)."""
    if bits == 2:
        return [out[0] | (out[1] << 2), out[2] | (out[3] << 2)]
    if bits == 3:
        return [out[j] | (((out[3] >> j) & 0x11111111) << 3) for j in range(3)]
    words = list(out[:bits])
    for e, parts in enumerate(upper_runs(bits, runs)):
        for k, shift, mask in parts:
            words[k] = words[k] | ((out[bits + e] & (mask * 0x01010101)) << shift)
    return words


def unpack_transposed(words: list[torch.Tensor], bits: int,
                      runs: bool = True) -> list[torch.Tensor]:
    """Inverse of ``pack_transposed``, as the kernel's ``decode_unit`` does it."""
    if bits >= 5:
        low = 0x01010101 * ((1 << bits) - 1)
        out = [w & low for w in words]
        for parts in upper_runs(bits, runs):
            x = torch.zeros_like(words[0])
            for k, shift, mask in parts:
                x = x | ((words[k] >> shift) & (mask * 0x01010101))
            out.append(x)
        return out
    if bits == 2:
        low = 0x33333333
        return [words[0] & low, (words[0] >> 2) & low, words[1] & low, (words[1] >> 2) & low]
    low = 0x77777777
    out3 = (((words[0] >> 3) & 0x11111111) | ((words[1] >> 2) & 0x22222222)
            | ((words[2] >> 1) & 0x44444444))
    return [words[0] & low, words[1] & low, words[2] & low, out3]


def repack_tiled(qweight: torch.Tensor, bits: int, in_features: int,
                 packed: bool | None = None, runs: bool | None = None) -> torch.Tensor:
    """Canonical ``[>=bits, N, Kw]`` -> tiled int32 ``[N16, C, bits, 32, 4]`` (same device).

    Done plane by plane to bound the temporary memory (one byte per weight). ``packed``: store
    the widths of ``PACKED_BITS`` packed-transposed; ``runs``: their b >= 5 arrangement (None:
    as the loaded extension reads them).
    """
    if qweight.dtype != torch.int32 or qweight.dim() != 3 or qweight.shape[0] < bits:
        raise ValueError(f"qweight: expected int32 [>={bits}, N, words], got {qweight.dtype} "
                         f"{list(qweight.shape)}")
    _, n, kw = qweight.shape
    if not (kw - 1) * PACK_WIDTH < in_features <= kw * PACK_WIDTH:
        raise ValueError(f"in_features={in_features} does not match {kw} words of qweight")
    packed = _packed(bits, packed)
    runs = packed and _runs(runs)  # (b <= 3 have one arrangement)
    dev = qweight.device
    n16, c = num_ntiles(n), num_chunks(in_features)
    row_map, k_map = (m.to(dev) for m in _unit_map(uses_nibbles(bits)))
    shifts = torch.arange(32, dtype=torch.int64, device=dev)
    out = torch.empty((n16, c, bits, LANES, UNITS), dtype=torch.int32, device=dev)
    for p in range(bits):
        # bits of plane p as uint8 [N16*16, C*256], zero-padded
        words = qweight[p].to(torch.int64) & 0xFFFFFFFF
        plane = ((words.unsqueeze(-1) >> shifts) & 1).to(torch.uint8).reshape(n, kw * 32)
        full = torch.zeros(n16 * TILE_N, c * CHUNK_K, dtype=torch.uint8, device=dev)
        full[:n, :in_features] = plane[:, :in_features]
        # [N16, 16, C, 4 units, 64] -> gather (row, k) per (lane, bit)
        full = full.view(n16, TILE_N, c, UNITS, 64).permute(0, 2, 3, 1, 4)  # N16,C,U,16,64
        flat = full.reshape(n16, c, UNITS, TILE_N * 64)
        idx = (row_map * 64 + k_map).reshape(-1)  # [32 lanes * 32 bits]
        bits_lb = flat[..., idx].reshape(n16, c, UNITS, LANES, 32).to(torch.int64)
        word = (bits_lb << shifts).sum(-1)  # N16, C, U, 32
        word = torch.where(word >= 2 ** 31, word - 2 ** 32, word).to(torch.int32)
        out[:, :, p] = word.permute(0, 1, 3, 2)
        del plane, full, flat, bits_lb, word
    if bits in PRETRANSPOSED_BITS or packed:
        # In slices of n-tiles: the int64 words and the transpose's temporaries take ~5x the
        # slice, so a slice of ~16 MB bounds them (the tiled tensor itself is up to GBs).
        step = max(1, TRANSPOSE_SLICE_BYTES // max(1, out[0].numel() * 4))
        for t0 in range(0, n16, step):
            part = out[t0:t0 + step]
            t64 = part.to(torch.int64) & 0xFFFFFFFF
            zero = torch.zeros_like(t64[:, :, 0])  # transpose input: word j = plane b-1-j
            words = transpose8([t64[:, :, bits - 1 - j] if j < bits else zero
                                for j in range(4 if uses_nibbles(bits) else 8)],
                               rounds=2 if uses_nibbles(bits) else 3)
            if packed:
                words = pack_transposed(words, bits, runs)
            del t64
            for j, w in enumerate(words):
                part[:, :, j] = torch.where(w >= 2 ** 31, w - 2 ** 32, w).to(torch.int32)
            del words
    return out


def transpose8(words: list[torch.Tensor], rounds: int = 3) -> list[torch.Tensor]:
    """The kernel's in-register bit transpose, on int64 tensors holding uint32 values.

    3 rounds on 8 words (``transpose8``): byte c of word r holds at bit j what bit 8c + r of
    word j held. The last 2 rounds on 4 words (``transpose4``): the same with nibbles.
    """
    w = list(words)
    steps = ((4, 0x0F0F0F0F, (0, 1, 2, 3)), (2, 0x33333333, (0, 1, 4, 5)),
             (1, 0x55555555, (0, 2, 4, 6)))
    if rounds == 2:
        steps = ((2, 0x33333333, (0, 1)), (1, 0x55555555, (0, 2)))
    for s, mask, pairs in steps:
        for r in pairs:
            t = ((w[r] >> s) ^ w[r + s]) & mask
            w[r + s] = w[r + s] ^ t
            w[r] = (w[r] ^ (t << s)) & 0xFFFFFFFF
    return w


def decode_tiled(tiled: torch.Tensor, bits: int, out_features: int, in_features: int,
                 packed: bool | None = None, runs: bool | None = None) -> torch.Tensor:
    """CPU emulation of the kernel's decoding: tiled layout -> int64 codes ``[N, K]``
    (``packed`` and ``runs`` as in ``repack_tiled``)."""
    n16, c, b, lanes, units = tiled.shape
    assert b == bits and lanes == LANES and units == UNITS
    nib = uses_nibbles(bits)
    nwords, width = (4, 4) if nib else (8, 8)
    t64 = tiled.to(torch.int64) & 0xFFFFFFFF  # [N16, C, b, 32, 4]
    if _packed(bits, packed):
        out_w = unpack_transposed([t64[:, :, j] for j in range(bits)], bits, _runs(runs))
    elif bits in PRETRANSPOSED_BITS:  # stored as the transpose's output: read as is
        out_w = [t64[:, :, j] for j in range(nwords)]
    else:
        # word j of the transpose input is plane b-1-j (so that the code's MSB is plane 0)
        words = [t64[:, :, bits - 1 - j] if j < bits else torch.zeros_like(t64[:, :, 0])
                 for j in range(nwords)]
        out_w = transpose8(words, rounds=2 if nib else 3)
    codes = torch.zeros(n16, c, UNITS, TILE_N, 64, dtype=torch.int64)
    row_map, k_map = _unit_map(nib)
    for lane in range(LANES):
        for bit in range(32):
            cb, ow = divmod(bit, width)
            val = (out_w[ow][:, :, lane, :] >> (width * cb)) & ((1 << width) - 1)
            codes[:, :, :, row_map[lane, bit], k_map[lane, bit]] = val
    codes = codes.permute(0, 3, 1, 2, 4).reshape(n16 * TILE_N, c * CHUNK_K)
    return codes[:out_features, :in_features]


def uniform_meta(scales: torch.Tensor, zeros: torch.Tensor, bits: int, act_dtype: torch.dtype,
                 ntiles: int, half: bool | None = None) -> torch.Tensor:
    """Per group and n-tile, float32 ``(s, -s (z + C))`` of rows ``g`` and ``g + 8``:
    ``[G, N16, 8, 4]``, so a lane fetches what one fold needs in one 16-byte load. The fold is
    ``sum_k s (q_k - z) x_k = s * sum_k (q_k + C) x_k - s (z + C) * sum_k x_k``.

    ``C`` is the offset the kernel's int->float magic leaves in every code (1024 for fp16:
    0x6400 | q; 128 for bf16 and b <= 7: 0x4300 | q; 0 for bf16 at b = 8, converted exactly).

    ``half`` (default: what the loaded extension reads at ``bits``, ``_ext.meta_bits(bits)``):
    float16 ``(s, z)`` instead, the checkpoint's values as they are (exact, half the bytes); the
    kernels then form ``-s (z + C)`` in fp32 (``unpack_meta`` in csrc/anyprec.cuh), the same
    single rounding as here. (The widths in the build's ``ANYPREC_META16_BITS``.)
    """
    if half is None:
        from vllm_anyprec import _ext
        half = _ext.meta_bits(bits) == 16
    n, g = scales.shape
    if half:
        first, second = scales.to(torch.float16), zeros.to(torch.float16)
    else:
        first = scales.to(torch.float32)
        second = -first * (zeros.to(torch.float32) + magic_offset(bits, act_dtype))
    cols = []
    for v in (first, second):  # rows past N (padding to whole n-tiles) stay zero
        padded = torch.zeros(ntiles * TILE_N, g, dtype=v.dtype, device=v.device)
        padded[:n] = v
        cols.append(padded.t().reshape(g, ntiles, 2, 8))  # [G, N16, half (rows g / g+8), 8]
    a, b = cols
    meta = torch.stack([a[:, :, 0], b[:, :, 0], a[:, :, 1], b[:, :, 1]], dim=-1)
    return meta.contiguous()  # [G, N16, 8, 4]


def magic_offset(bits: int, act_dtype: torch.dtype) -> float:
    if act_dtype == torch.float16:
        return 1024.0
    if act_dtype == torch.bfloat16:
        return 128.0 if bits <= 7 else 0.0
    raise ValueError(f"act_dtype: expected float16 or bfloat16, got {act_dtype}")
