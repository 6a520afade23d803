"""Pure-torch pack / unpack / dequantize / matmul for the anyprec format (see ``format.py``).

This is the oracle every fast path is tested against and the CPU path inside vLLM. It favours
clarity over speed, but stays vectorised so a 135M-parameter model runs in seconds on a CPU.
Works on any device torch supports.
"""

from __future__ import annotations

import torch

from .format import PACK_WIDTH, lut_columns, num_words

_SHIFTS_CACHE: dict[torch.device, torch.Tensor] = {}


def _shifts(device: torch.device) -> torch.Tensor:
    # Cached per device: the reference runs inside every vLLM forward on CPU.
    if device not in _SHIFTS_CACHE:
        _SHIFTS_CACHE[device] = torch.arange(PACK_WIDTH, dtype=torch.int32, device=device)
    return _SHIFTS_CACHE[device]


def pack_bitplanes(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """Codes ``[N, K]`` (integers in ``[0, 2**bits)``) -> int32 bitplanes ``[bits, N, ceil(K/32)]``.

    Plane 0 holds the most significant bit; element k sits at bit k % 32 of word k // 32.
    """
    if codes.dim() != 2:
        raise ValueError(f"codes: expected a 2-D [N, K] tensor, got shape {list(codes.shape)}")
    if codes.dtype.is_floating_point or codes.dtype == torch.bool:
        raise ValueError(f"codes: expected an integer dtype, got {codes.dtype}")
    codes = codes.to(torch.int64)
    if codes.numel() and (codes.min() < 0 or codes.max() >= 2 ** bits):
        raise ValueError(f"codes: expected values in [0, {2 ** bits}), got "
                         f"[{int(codes.min())}, {int(codes.max())}]")
    n, k = codes.shape
    kw = num_words(k)
    padded = torch.zeros(n, kw * PACK_WIDTH, dtype=torch.int64, device=codes.device)
    padded[:, :k] = codes
    padded = padded.view(n, kw, PACK_WIDTH)
    shifts = torch.arange(PACK_WIDTH, dtype=torch.int64, device=codes.device)
    planes = []
    for p in range(bits):
        bit = (padded >> (bits - 1 - p)) & 1
        word = (bit << shifts).sum(-1)  # unsigned 32-bit value held in int64
        planes.append(torch.where(word >= 2 ** 31, word - 2 ** 32, word))  # two's complement
    return torch.stack(planes).to(torch.int32)


def unpack_bitplanes(qweight: torch.Tensor, bits: int, in_features: int) -> torch.Tensor:
    """Top ``bits`` planes of ``qweight [P, N, Kw]`` -> int32 codes ``[N, in_features]``.

    The code is ``q_parent >> (P - bits)``: reading fewer planes is the lower-precision model.
    """
    if qweight.dtype != torch.int32 or qweight.dim() != 3:
        raise ValueError(f"qweight: expected int32 [planes, N, words], got {qweight.dtype} "
                         f"{list(qweight.shape)}")
    if not 1 <= bits <= qweight.shape[0]:
        raise ValueError(f"bits: expected 1..{qweight.shape[0]} (planes stored), got {bits}")
    if not (qweight.shape[2] - 1) * PACK_WIDTH < in_features <= qweight.shape[2] * PACK_WIDTH:
        raise ValueError(f"in_features={in_features} does not match {qweight.shape[2]} words")
    shifts = _shifts(qweight.device)
    codes = None
    for p in range(bits):
        # Arithmetic shift of a negative int32 still leaves bit i in position 0, so & 1 is exact.
        plane = (qweight[p].unsqueeze(-1) >> shifts) & 1
        codes = plane if codes is None else (codes << 1) | plane
    return codes.flatten(-2)[:, :in_features]


def expand_groups(per_group: torch.Tensor, group_size: int, in_features: int) -> torch.Tensor:
    """``[N, G]`` -> ``[N, in_features]``, repeating each group's value (last group may be ragged)."""
    if group_size == -1:
        return per_group[:, :1].expand(-1, in_features)
    return per_group.repeat_interleave(group_size, dim=1)[:, :in_features]


def dequant_uniform(qweight: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor, bits: int,
                    group_size: int, in_features: int,
                    dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``W = s_b * (q_b - z_b)`` with ``scales``/``zeros`` ``[N, G]`` of precision ``bits``."""
    q = unpack_bitplanes(qweight, bits, in_features).to(torch.float32)
    s = expand_groups(scales.to(torch.float32), group_size, in_features)
    z = expand_groups(zeros.to(torch.float32), group_size, in_features)
    return (s * (q - z)).to(dtype)


def dequant_lut(qweight: torch.Tensor, lut: torch.Tensor, bits: int, in_features: int,
                dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``W[n, k] = lut[n, q_b[n, k]]`` with ``lut`` ``[N, 2**bits]`` of precision ``bits``."""
    if lut.shape[-1] != 2 ** bits:
        raise ValueError(f"lut: expected {2 ** bits} entries per row for {bits} bits, "
                         f"got {lut.shape[-1]}")
    q = unpack_bitplanes(qweight, bits, in_features).to(torch.int64)
    return torch.gather(lut.to(torch.float32), 1, q).to(dtype)


def select_lut(lut_all: torch.Tensor, bits: int, min_bits: int) -> torch.Tensor:
    """The ``[N, 2**bits]`` table of one precision out of the stored concatenation."""
    return lut_all[:, lut_columns(bits, min_bits)]


def matmul(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``x @ weight.T (+ bias)`` accumulated in fp32, returned in ``x``'s dtype."""
    out = torch.nn.functional.linear(x.to(torch.float32), weight.to(torch.float32),
                                     None if bias is None else bias.to(torch.float32))
    return out.to(x.dtype)


def gemm_uniform(x, qweight, scales, zeros, bits, group_size, in_features, bias=None):
    return matmul(x, dequant_uniform(qweight, scales, zeros, bits, group_size, in_features), bias)


def gemm_lut(x, qweight, lut, bits, in_features, bias=None):
    return matmul(x, dequant_lut(qweight, lut, bits, in_features), bias)
