"""Nested uniform (scale/zero) quantization: RTN grids at the lowest precisions, then halving.

Math
----
Notation: P = parent_bits, m = min_bits, a group = ``group_size`` weights of a row along K, its
range ``[lo, hi]`` = [min(w, 0), max(w, 0)] (it always holds 0, as in GPTQ's min/max quantizer).
Each precision b has a grid ``level_b(c) = s_b (c - z_b)``; ``(s_b, z_b)`` is what is stored.

- b = m and b = m + 1 use the group's own round-to-nearest grid with an exact (fractional) zero,
  so its end levels are exactly ``lo`` and ``hi``::

      s_b = (hi - lo) / (2**b - 1),   z_b = -lo / s_b

- b > m + 1 halve the grid below: ``s_b = s_{b-1} / 2``, ``z_b = 2 z_{b-1} + 1/2``, so the two
  children of a level sit a quarter step either side of it.

Codes are chosen top-down so that they nest: ``q_m = clamp(round(w / s_m + z_m))`` and
``q_{b+1} = 2 q_b + t``, ``t ∈ {0, 1}`` picking the nearer of ``level_{b+1}(2 q_b)`` and
``level_{b+1}(2 q_b + 1)``. Hence ``q_b = q_P >> (P - b)``: the b-bit model is the top b
bitplanes. Between m and m + 1 the children of level c sit at ``(2c + 1/2) / (2**(m+1) - 1)`` of
the range, within half a child step of the parent's ``c / (2**m - 1)``, so they straddle the
weights their parent holds and the (m+1)-bit slice is close to independent RTN-(m+1).

Why not the obvious alternatives (measured on SmolLM2 with transformers, 1-2k tokens of the wiki
sample; see benchmarks/quantizer_notes.md): an 8-bit RTN parent whose top bits are reused with
the 8-bit scale is catastrophic; the same codes with a least-squares re-fit of (s_b, z_b) per
slice have a lower weight MSE than RTN-b yet 2.5x the perplexity of RTN-3 at 3 bits (the fit
pulls the extreme weights in); cutting every RTN-3 bin into equal halves keeps RTN-3 but lands
~45% above RTN-4 at 4 bits (SmolLM2's weights sit on a 4-bit grid that RTN-4 nearly hits);
integer zero points or RTN grids at every precision break the interleaving of parent and
children and lose the high precisions. Halving above m + 1 keeps 8 bits near lossless.
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .groups import grouped, ungroup

# A stored scale below fp16's smallest normal loses precision; zero is invalid by the format.
MIN_SCALE = 6.2e-5


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


def quantize_uniform(w: torch.Tensor, cfg: AnyPrecConfig
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, scales fp16 ``[nb, N, G]``, zeros fp16)."""
    w = w.to(torch.float32)
    k = w.shape[1]
    wp, mask, _ = grouped(w, cfg.group_size)
    lo, hi = _range(wp, mask)
    m = cfg.min_bits
    scales, zeros, q = [], [], None
    for b in cfg.supported_bits:
        if b <= m + 1:
            s, z = _rtn_params(lo, hi, b, integer_zero=False)
            s, z = s.unsqueeze(-1), z.unsqueeze(-1)
            if b == m:
                s_m, z_m = s, z
        else:
            # Centres of the 2**(b-m) equal sub-bins of every m-bit bin.
            f = 2 ** (b - m)
            s, z = s_m / f, (z_m + 0.5) * f - 0.5
        if q is None:
            q = torch.floor(wp / s + z + 0.5).clamp(0, 2 ** b - 1)
        else:
            even = s * (2 * q - z)
            odd = even + s
            q = 2 * q + ((wp - even).abs() > (wp - odd).abs()).to(q.dtype)
        scales.append(s.squeeze(-1))
        zeros.append(z.squeeze(-1))
    q = torch.where(mask, q, 0.0)
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
