"""Nested uniform (scale/zero) quantization: one parent code, a re-fitted scale/zero per precision.

Math
----
Notation: P = parent_bits, m = min_bits, a group = ``group_size`` weights of a row along K.

1. The lowest precision is plain asymmetric round-to-nearest (RTN) on the group's range::

       s = (max - min) / (2**m - 1),  z = round(-min / s)   (the range always includes 0),  q_m = clamp(round(w / s + z), 0, 2**m - 1)

2. The parent code subdivides every RTN bin evenly. With ``u = w / s + z + 1/2`` (the bin of
   q_m = j is ``u ∈ [j, j + 1)``)::

       q_P = clamp(floor(u * 2**(P - m)), 0, 2**P - 1)

   so ``q_P >> (P - m) == q_m`` exactly: the m-bit slice *is* independent RTN-m, and every
   b-bit slice (``q_b = q_P >> (P - b)``) cuts each RTN-m bin into ``2**(b - m)`` equal bins.

3. Each slice gets its own scale/zero. The bins of q_b have width ``s_b = s / 2**(b - m)`` and
   the bin centres give ``z_b = 2**(b - m) (z + 1/2) - 1/2`` (at b = m: the RTN pair itself).
   For b > m, ``refit="lsq"`` instead fits ``(s_b, z_b)`` by least squares on the group's codes
   (``w ≈ a q_b + c``: ``a = cov(q_b, w) / var(q_b)``, ``z_b = -c / a``).

Why not an 8-bit RTN parent whose top bits are reused: truncating such codes keeps the 8-bit
scale (catastrophic) and even re-fitting each slice leaves bins that do not match RTN-b: on
SmolLM2 that was 2.5x worse perplexity at 3 bits than RTN-3, although its weight MSE was lower,
because the re-fit pulls the extreme weights in. Anchoring the lowest slice on RTN keeps the
extremes and makes "no worse than RTN at min_bits" hold by construction.
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .groups import grouped, ungroup

# A stored scale below fp16's smallest normal loses precision; zero is invalid by the format.
MIN_SCALE = 6.2e-5
REFITS = ("centre", "lsq")


def _range(wp, mask):
    # The range always holds 0 (as in GPTQ's min/max quantizer): the zero point then lies on the
    # grid, 0 is exact, and z stays within [0, 2**bits) so every z_b fits fp16.
    wmin = torch.where(mask, wp, torch.inf).amin(-1).clamp(max=0)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1).clamp(min=0)
    return wmin, wmax


def _rtn_params(wmin, wmax, bits):
    """RTN scale (rounded to fp16, as stored) and integer zero point per group."""
    s = ((wmax - wmin) / (2 ** bits - 1)).clamp(min=MIN_SCALE).half().float()
    z = torch.floor(-wmin / s + 0.5)
    return s, z


def _lsq(wp, mask, q, nominal):
    """Least-squares (s, z) per group of ``w ≈ s (q - z)``; degenerate groups keep ``nominal``."""
    m = mask.to(wp.dtype)
    cnt = m.sum(-1)
    mq = (q * m).sum(-1) / cnt
    mw = (wp * m).sum(-1) / cnt
    dq = (q - mq.unsqueeze(-1)) * m
    var = (dq * dq).sum(-1)
    cov = (dq * wp).sum(-1)
    a = cov / var.clamp(min=1e-12)
    a = torch.where((var <= 1e-12) | (a < MIN_SCALE), nominal, a)
    a = a.half().float()  # fit z against the scale that will be read back
    return a, mq - mw / a


def quantize_uniform(w: torch.Tensor, cfg: AnyPrecConfig, refit: str = "centre"
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, scales fp16 ``[nb, N, G]``, zeros fp16)."""
    if refit not in REFITS:
        raise ValueError(f"refit: expected one of {REFITS}, got {refit!r}")
    w = w.to(torch.float32)
    k = w.shape[1]
    p, m = cfg.parent_bits, cfg.min_bits
    wp, mask, _ = grouped(w, cfg.group_size)
    s, z = _rtn_params(*_range(wp, mask), m)
    u = wp / s.unsqueeze(-1) + z.unsqueeze(-1) + 0.5
    q = torch.floor(u * 2 ** (p - m)).clamp(0, 2 ** p - 1)
    q = torch.where(mask, q, 0.0)
    scales, zeros = [], []
    for b in cfg.supported_bits:
        f = 2 ** (b - m)
        s_b, z_b = s / f, f * (z + 0.5) - 0.5
        if refit == "lsq" and b > m:
            s_b, z_b = _lsq(wp, mask, torch.floor(q / 2 ** (p - b)), s_b)
        scales.append(s_b)
        zeros.append(z_b)
    return (ungroup(q, k).to(torch.int64), torch.stack(scales).half(),
            torch.stack(zeros).half())


def rtn_fake_quant(w: torch.Tensor, bits: int, group_size: int) -> torch.Tensor:
    """Independent asymmetric min/max round-to-nearest at ``bits`` (the comparison baseline),
    with its scale rounded to fp16 as any stored checkpoint would keep it."""
    dtype = w.dtype
    w = w.to(torch.float32)
    k = w.shape[1]
    wp, mask, _ = grouped(w, group_size)
    s, z = _rtn_params(*_range(wp, mask), bits)
    s, z = s.unsqueeze(-1), z.unsqueeze(-1)
    q = torch.floor(wp / s + z + 0.5).clamp(0, 2 ** bits - 1)
    return ungroup(s * (q - z), k).to(dtype)
