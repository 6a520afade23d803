"""Nested uniform (scale/zero) quantization: RTN at the lowest precision, halved above it.

Math
----
Notation: P = parent_bits, m = min_bits, a group = ``group_size`` weights of a row along K, its
range ``[lo, hi]`` = [min(w, 0), max(w, 0)] (it always holds 0, as in GPTQ's min/max quantizer).
Precision b dequantizes with ``level_b(c) = s_b (c - z_b)``; ``(s_b, z_b)`` per group and per b
is what is stored.

- b = m is plain round-to-nearest: ``s_m = (hi - lo) / (2**m - 1)``, ``z_m = round(-lo / s_m)``
  (an integer, so 0 is a level), ``q_m = clamp(round(w / s_m + z_m), 0, 2**m - 1)``.
- b > m halves the grid: ``s_b = s_{b-1} / 2``, ``z_b = 2 z_{b-1} + 1/2``; the two children of a
  level sit a quarter step either side of it and ``q_b = 2 q_{b-1} + t``, t picking the nearer.
  (Each m-bit bin is cut into ``2**(b-m)`` equal sub-bins whose centres are the b-bit levels.)

So ``q_b = q_P >> (P - b)`` for every b: the b-bit model is the top b bitplanes, each slice with
its own (s_b, z_b). The m-bit slice is independent RTN-m bit for bit; above it the weight MSE is
within ~1.3x of RTN-b. The lowest stored precision is the exact one: quantize with
``--min-bits 4`` for a checkpoint whose 4-bit slice is RTN-4 (serving 4..8).

What was measured on the way (SmolLM2, the wiki sample; benchmarks/quantizer_notes.md):
- an 8-bit RTN parent whose top bits are reused with the 8-bit scale is catastrophic;
- the same codes with a least-squares re-fit of (s_b, z_b) per slice have a lower weight MSE than
  RTN-b yet 2.5x the perplexity of RTN-3: the fit pulls the extreme weights in;
- a fractional zero point (0 not a level) puts every small weight of a group on the same side of
  0 and the errors add up coherently in the dot product (4x RTN-3's perplexity at equal MSE);
- RTN grids at consecutive precisions with integer zeros do not nest (the zero bin splits into
  {-s, 0} or {0, s}), so only one slice can be exact RTN. Anchoring on RTN-4 in a 3..8
  checkpoint and reading its top 3 bits for b = 3 is catastrophic (perplexity 5656 at 3 bits);
  anchoring on the lowest precision costs the next one instead (4 bits: 32.3 vs RTN-4's 19.3
  on 4096 tokens) and keeps every precision usable.
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
    a = cfg.min_bits
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
