"""Nested uniform (scale/zero) quantization: RTN at the lowest precision, halved above it.

Math
----
Notation: P = parent_bits, m = min_bits, a group = ``group_size`` weights of a row along K, its
range ``[lo, hi]`` = [min(w, 0), max(w, 0)] (it always holds 0, as in GPTQ's min/max quantizer).
Each precision b has a grid ``level_b(c) = s_b (c - z_b)``; ``(s_b, z_b)`` is what is stored.

- b = m is plain round-to-nearest: ``s_m = (hi - lo) / (2**m - 1)``, ``z_m = round(-lo / s_m)``
  (an integer, so 0 is a level), ``q_m = clamp(round(w / s_m + z_m), 0, 2**m - 1)``.
- b > m halves the grid below: ``s_b = s_{b-1} / 2``, ``z_b = 2 z_{b-1} + 1/2``. The two children
  of a level sit a quarter step either side of it, and ``q_b = 2 q_{b-1} + t`` with ``t``
  picking the nearer child. Equivalently each m-bit bin is cut into ``2**(b-m)`` equal sub-bins
  whose centres are the b-bit levels.

So ``q_b = q_P >> (P - b)`` (the b-bit model is the top b bitplanes), the m-bit slice is
independent RTN-m bit for bit, and every slice has its own (s_b, z_b).

What was measured on the way (SmolLM2, transformers, 1-2k tokens of the wiki sample; numbers in
benchmarks/quantizer_notes.md):
- an 8-bit RTN parent whose top bits are reused with the 8-bit scale is catastrophic;
- the same codes with a least-squares re-fit of (s_b, z_b) per slice have a lower weight MSE than
  RTN-b yet 2.5x the perplexity of RTN-3 at 3 bits: the fit pulls the extreme weights in;
- grids whose zero point is fractional (0 not a level) put every small weight of a group on the
  same side of 0; the errors then add up coherently in the dot product (4x the perplexity of
  RTN-3 at equal MSE). Halving keeps the children of the zero level symmetric around 0;
- RTN grids at both m and m+1 with integer zeros do not interleave (the zero bin splits into
  {-s, 0} or {0, s}): 2.8x the MSE of RTN-(m+1). Anchoring on RTN-(m+1) instead makes the
  m-bit slice 1.9x the MSE of RTN-m.
Known gap: at m + 1 = 4 bits this scheme is ~45% above independent RTN-4 in perplexity on
SmolLM2 (whose weights sit on a 4-bit grid that RTN-4 nearly hits), short of the 5% goal.
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .groups import grouped, ungroup

# A stored scale below fp16's smallest normal loses precision; zero is invalid by the format.
MIN_SCALE = 6.2e-5
# The slice that is plain RTN (see the module doc): 4 bits, the precision most served.
DEFAULT_ANCHOR_BITS = 4


def _range(wp, mask):
    # The range always holds 0 (as in GPTQ's min/max quantizer): the zero point then lies on the
    # grid, 0 is exact, and z stays within [0, 2**bits) so every z_b fits fp16.
    wmin = torch.where(mask, wp, torch.inf).amin(-1).clamp(max=0)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1).clamp(min=0)
    return wmin, wmax


def _rtn_params(wmin, wmax, bits, integer_zero=True):
    """RTN scale (rounded to fp16, as stored) and zero point per group.

    ``integer_zero=False`` keeps the zero point exact, so the grid's end levels are exactly the
    range's ends; the nested ladder needs that for consecutive grids to interleave.
    """
    s = ((wmax - wmin) / (2 ** bits - 1)).clamp(min=MIN_SCALE).half().float()
    z = -wmin / s
    if integer_zero:
        z = torch.floor(z + 0.5)
    else:
        z = z.half().float()
    return s, z


def quantize_uniform(w: torch.Tensor, cfg: AnyPrecConfig, anchor_bits: int | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, scales fp16 ``[nb, N, G]``, zeros fp16).

    ``anchor_bits`` (default ``min(4, parent_bits)``, at least ``min_bits``) is the precision
    whose slice is plain RTN.
    """
    a = min(max(DEFAULT_ANCHOR_BITS, cfg.min_bits), cfg.parent_bits) if anchor_bits is None \
        else anchor_bits
    if not cfg.min_bits <= a <= cfg.parent_bits:
        raise ValueError(f"anchor_bits: expected {cfg.min_bits}..{cfg.parent_bits}, got {a}")
    w = w.to(torch.float32)
    k = w.shape[1]
    wp, mask, _ = grouped(w, cfg.group_size)
    lo, hi = _range(wp, mask)
    s, z = (t.unsqueeze(-1) for t in _rtn_params(lo, hi, a))
    q = torch.floor(wp / s + z + 0.5).clamp(0, 2 ** a - 1)
    params = {a: (s, z)}
    for b in range(a + 1, cfg.parent_bits + 1):
        # Halve the grid: the children of a level sit a quarter step either side of it.
        s, z = s / 2, 2 * z + 0.5
        even = s * (2 * q - z)
        q = 2 * q + ((wp - even).abs() > (wp - even - s).abs()).to(q.dtype)
        params[b] = (s, z)
    for b in range(cfg.min_bits, a):
        # Below the anchor the codes are the anchor's top bits; their own RTN grid (integer
        # zero, so 0 stays a level) dequantizes them.
        params[b] = tuple(t.unsqueeze(-1) for t in _rtn_params(lo, hi, b))
    q = torch.where(mask, q, 0.0)
    scales = torch.stack([params[b][0].squeeze(-1) for b in cfg.supported_bits])
    zeros = torch.stack([params[b][1].squeeze(-1) for b in cfg.supported_bits])
    return ungroup(q, k).to(torch.int64), scales.half(), zeros.half()


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
