"""Nested uniform (scale/zero) quantization: one parent code, a re-fitted scale/zero per precision.

Math
----
Per group of ``group_size`` weights along K, the parent is an asymmetric grid with
``L = 2**P - 1`` steps over a (possibly clipped) range ``[lo, hi]``::

    q_P = clamp(round((w - lo) / d), 0, L),   d = (hi - lo) / L

The b-bit model keeps the top b planes: ``q_b = q_P >> (P - b)``. Taking those codes with the
parent's scale (truncation) is catastrophic, and even the geometric bin centre is far from optimal
on real weights, because the bins' members are not spread evenly. So every slice is re-fitted:
given the fixed codes ``q_b`` of a group, choose ``(s_b, z_b)`` minimising
``sum (w - s_b (q_b - z_b))**2``. With ``a = s_b`` and ``c = -s_b z_b`` it is an ordinary linear
least-squares fit of ``w`` on ``q_b``::

    a = cov(q_b, w) / var(q_b),   c = mean(w) - a mean(q_b),   z_b = -c / a

(a group whose codes are all equal has ``var = 0``: it keeps the nominal step ``d 2**(P-b)`` and
the ``z`` that reproduces its mean). The fit can only lower the error of the bin-centre choice.

The parent range is searched per group over a few clip ratios ``r`` (``[lo, hi] = r [min, max]``),
picking the one with the least error summed over every served precision, each weighted by
``4**b`` so that all precisions count alike (a b-bit error scales as ``4**-b``); clipping mostly
helps the low precisions, where the outer bins are wide.
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .groups import grouped, ungroup

CLIP_RATIOS = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75)
# A stored scale below fp16's smallest normal loses precision; zero is invalid by the format.
MIN_SCALE = 6.2e-5


def _parent_codes(wp, mask, lo, hi, parent_bits):
    levels = 2 ** parent_bits - 1
    d = ((hi - lo) / levels).clamp(min=MIN_SCALE)
    q = ((wp - lo.unsqueeze(-1)) / d.unsqueeze(-1)).round().clamp(0, levels)
    return torch.where(mask, q, 0.0), d


def _fit(wp, mask, q, nominal):
    """Least-squares (s, z) per group of ``w ≈ s (q - z)``; returns s, z, squared error per group."""
    m = mask.to(wp.dtype)
    cnt = m.sum(-1)
    mq = (q * m).sum(-1) / cnt
    mw = (wp * m).sum(-1) / cnt
    dq = (q - mq.unsqueeze(-1)) * m
    var = (dq * dq).sum(-1)
    cov = (dq * wp).sum(-1)
    flat = var <= 1e-12
    a = torch.where(flat, nominal, cov / torch.where(flat, 1.0, var))
    # A negative or tiny slope only comes from degenerate groups (all weights ~equal): keep the
    # nominal step, which still reproduces the mean through z.
    a = torch.where(a < MIN_SCALE, nominal.clamp(min=MIN_SCALE), a)
    a = a.to(torch.float16).to(torch.float32)  # fit z to the scale that will be read back
    z = (mq - mw / a).to(torch.float16).to(torch.float32)
    err = (((a.unsqueeze(-1) * (q - z.unsqueeze(-1)) - wp) * m) ** 2).sum(-1)
    return a, z, err


def quantize_uniform(w: torch.Tensor, cfg: AnyPrecConfig,
                     clip_ratios=CLIP_RATIOS) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, scales fp16 ``[nb, N, G]``, zeros fp16)."""
    w = w.to(torch.float32)
    n, k = w.shape
    wp, mask, _ = grouped(w, cfg.group_size)
    wmin = torch.where(mask, wp, torch.inf).amin(-1)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1)
    best = None
    for r in clip_ratios:
        # Clip towards 0 when the range spans it (the usual case), else towards its middle.
        spans = (wmin < 0) & (wmax > 0)
        centre = torch.where(spans, torch.zeros_like(wmin), (wmin + wmax) / 2)
        lo = centre + (wmin - centre) * r
        hi = centre + (wmax - centre) * r
        q, d = _parent_codes(wp, mask, lo, hi, cfg.parent_bits)
        scales, zeros, total = [], [], torch.zeros_like(wmin)
        for b in cfg.supported_bits:
            step = 2 ** (cfg.parent_bits - b)
            s, z, err = _fit(wp, mask, torch.div(q, step, rounding_mode="floor"), d * step)
            scales.append(s)
            zeros.append(z)
            total = total + err * 4.0 ** b
        if best is None:
            best = [total, q, torch.stack(scales), torch.stack(zeros)]
            continue
        better = total < best[0]
        best[0] = torch.where(better, total, best[0])
        best[1] = torch.where(better.unsqueeze(-1), q, best[1])
        best[2] = torch.where(better, torch.stack(scales), best[2])
        best[3] = torch.where(better, torch.stack(zeros), best[3])
    _, q, scales, zeros = best
    return ungroup(q, k).to(torch.int64), scales.half(), zeros.half()


def rtn_fake_quant(w: torch.Tensor, bits: int, group_size: int) -> torch.Tensor:
    """Independent asymmetric min/max round-to-nearest at ``bits`` (the comparison baseline)."""
    dtype = w.dtype
    w = w.to(torch.float32)
    k = w.shape[1]
    wp, mask, _ = grouped(w, group_size)
    wmin = torch.where(mask, wp, torch.inf).amin(-1, keepdim=True)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1, keepdim=True)
    levels = 2 ** bits - 1
    s = ((wmax - wmin) / levels).clamp(min=1e-8)
    z = (-wmin / s).round()
    q = (wp / s + z).round().clamp(0, levels)
    return ungroup(s * (q - z), k).to(dtype)
