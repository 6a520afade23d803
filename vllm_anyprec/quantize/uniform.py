"""Nested uniform quantization: one parent code per weight, a least-squares (s_b, z_b) per slice.

Math
----
Notation: P = parent_bits, m = min_bits; a *group* is ``group_size`` weights ``w_k`` of one row
along K (the last group may be ragged; group_size -1 is the whole row); ``a_k > 0`` is the
importance of input column k (below). Everything is per group.

1. Parent. Take the range ``[lo, hi]`` = ``[min w, max w]`` shrunk by a clip ratio r towards 0
   (see 4) and cut it into ``2**P`` equal cells::

       q_P = clamp(floor((w - lo) * 2**P / (hi - lo)), 0, 2**P - 1)

2. Slices. The b-bit code is the top b bits, ``q_b = q_P >> (P - b)``, i.e. the index of w among
   ``2**b`` equal cells of the same range: every precision sees an even partition of the group,
   and the codes nest by construction.

3. Re-fit. The stored pair of each slice is fitted to its codes by weighted least squares::

       (alpha, beta) = argmin  sum_k a_k (w_k - alpha q_b,k - beta)**2
       alpha = cov_a(q_b, w) / var_a(q_b),   beta = mean_a(w) - alpha mean_a(q_b)
       s_b = fp16(alpha),   z_b = fp16(mean_a(q_b) - mean_a(w) / s_b)

   so ``s_b (q_b - z_b) = alpha q_b + beta``; then s_b is re-fitted once to the fp16 z_b
   (``s_b = sum a w (q - z_b) / sum a (q - z_b)**2``). Reusing the parent's scale for a slice
   (truncation) is catastrophic; re-fitting keeps every slice as good as an independent
   quantizer with the same cells. A degenerate group (all its weights in one cell, e.g. a
   constant group) takes ``alpha = max(hi - lo, |mean_a(w)|) / 2**b`` and the z that reproduces
   the weighted mean. Always ``alpha >= max(|mean_a(w)| / 2**11, 2**-24)``: a scale is never 0
   and z_b stays a number fp16 holds to within one unit.

4. Clip. Each group picks r in ``CLIP_RATIOS`` minimising ``sum_b 4**(b - m) SSE_b`` (SSE_b: the
   weighted residual of step 3; the factor puts every precision on the same footing, since SSE
   falls ~4x per bit).

Importance. ``a_k = E[x_k**2] + DAMP * mean_j E[x_j**2]``: the mean square of the layer's input
column k over calibration text (``calibrate.py``), so ``sum_k a_k e_k**2`` is the expected squared
error the weight error ``e`` adds to the layer output (the diagonal of GPTQ's Hessian). DAMP keeps
columns the calibration text never excites in the fit. Without calibration, a_k = 1 (plain
least squares).

Why activation weights: SmolLM2's layer inputs have a handful of channels that carry 50-75% of
the input energy (max/median E[x_k**2] ~ 1000). The error on the (small) weights of those
channels dominates the output error, and plain weight MSE does not see it. Unweighted, no nested
scheme matched independent RTN at both 3 and 4 bits: RTN's cells put 0 mid-cell (0 is a level),
nested cells cannot do so at two consecutive precisions, and a slice whose cells sit an eighth of
a step off 0 doubles the 3-bit perplexity at the same weight MSE. Weighted by the inputs' energy,
the fit puts each slice's grid where those weights are: on the first 4096 tokens of the wiki
sample the nested slices reach perplexity 34.1 / 17.2 at 3 / 4 bits against independent RTN's
71.2 / 19.3, and 14.64 at 8 bits (fp16: 14.63). Measurements: benchmarks/quantizer_notes.md.
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .groups import grouped, ungroup

# The smallest fp16 subnormal: a scale is never 0 (invalid by the format). Groups whose step is
# below fp16's smallest normal (6.1e-5) keep a subnormal scale rather than a coarser normal one.
MIN_SCALE = 2.0 ** -24
# RTN baseline: the smallest normal fp16 scale, as GPTQ-style checkpoints keep.
RTN_MIN_SCALE = 6.2e-5
# Range shrink ratios tried per group (1.0 = plain min/max).
CLIP_RATIOS = (1.0, 0.95, 0.9, 0.85, 0.8)
# Dampening of the importance weights, relative to their mean (as GPTQ's percdamp).
DAMP = 0.01


def importance(act_sq: torch.Tensor | None, in_features: int) -> torch.Tensor:
    """Column weights ``a_k`` from a layer's input mean squares (None: all ones)."""
    if act_sq is None:
        return torch.ones(in_features)
    act_sq = act_sq.to(torch.float32)
    if act_sq.shape != (in_features,):
        raise ValueError(f"act_sq: expected shape [{in_features}], got {list(act_sq.shape)}")
    if not torch.isfinite(act_sq).all() or (act_sq < 0).any():
        raise ValueError("act_sq: expected finite, non-negative mean squares")
    mean = act_sq.mean()
    return act_sq + DAMP * mean if mean > 0 else torch.ones(in_features)


def _masked_range(wp: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    lo = torch.where(mask, wp, torch.inf).amin(-1, keepdim=True)
    hi = torch.where(mask, wp, -torch.inf).amax(-1, keepdim=True)
    return lo, hi


def _parent_codes(wp, lo, hi, parent_bits):
    cell = ((hi - lo) / 2 ** parent_bits).clamp(min=1e-30)
    return torch.floor((wp - lo) / cell).clamp(0, 2 ** parent_bits - 1)


class _Fit:
    """Weighted least squares of ``w ≈ alpha q + beta`` per group (fp64), for many code sets q."""

    def __init__(self, wp: torch.Tensor, a: torch.Tensor) -> None:
        self.wp, self.a = wp.double(), a.double()
        self.s0 = self.a.sum(-1, keepdim=True).clamp(min=1e-300)
        self.mw = (self.a * self.wp).sum(-1, keepdim=True) / self.s0
        self.vw = (self.a * (self.wp - self.mw) ** 2).sum(-1, keepdim=True)

    def moments(self, q):
        q = q.double()
        mq = (self.a * q).sum(-1, keepdim=True) / self.s0
        dq = q - mq
        var = (self.a * dq * dq).sum(-1, keepdim=True)
        cov = (self.a * dq * self.wp).sum(-1, keepdim=True)
        # Codes are integers: a spread this small means every weight sits in one cell.
        degenerate = var <= 1e-12 * self.s0
        return mq, var, cov, degenerate

    def sse(self, q):
        """Residual of the unconstrained fit (for the clip search)."""
        _, var, cov, degenerate = self.moments(q)
        return torch.where(degenerate, self.vw, self.vw - cov * cov / var.clamp(min=1e-300))

    def params(self, q, bits, width):
        """Stored (s_b, z_b) per group, as fp32 values exactly representable in fp16."""
        mq, var, cov, degenerate = self.moments(q)
        width = width.double()
        alpha = torch.where(degenerate, torch.maximum(width, self.mw.abs()) / 2 ** bits,
                            cov / var.clamp(min=1e-300))
        # Never a 0 scale (the smallest fp16 subnormal at least), and |mean / alpha| <= 2**11 so
        # that z_b is a number fp16 holds to within one unit.
        floor = (self.mw.abs() / 2 ** 11).clamp(min=MIN_SCALE)
        alpha = torch.maximum(torch.nan_to_num(alpha, nan=0.0), floor)
        s = alpha.half().double()
        z = (mq - self.mw / s).half().double()
        # fp16 keeps 11 bits of z: at 8 bits (z ~ 128) that moves the grid by up to 1/16 step,
        # the same way for a whole group. Re-fit the scale to the stored z to absorb most of it.
        dz = q.double() - z
        den = (self.a * dz * dz).sum(-1, keepdim=True)
        refit = (self.a * dz * self.wp).sum(-1, keepdim=True) / den.clamp(min=1e-300)
        ok = ~degenerate & (den > 1e-12 * self.s0) & torch.isfinite(refit) & (refit >= floor)
        s = torch.where(ok, refit, s).half()
        return s.float(), z.float()


def quantize_uniform(w: torch.Tensor, cfg: AnyPrecConfig, act_sq: torch.Tensor | None = None,
                     clip_ratios=CLIP_RATIOS
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, scales fp16 ``[nb, N, G]``, zeros fp16).

    ``act_sq [K]``: mean square of the layer's input per column (None: unweighted fit).
    """
    w = w.to(torch.float32)
    k = w.shape[1]
    p, m = cfg.parent_bits, cfg.min_bits
    wp, mask, _ = grouped(w, cfg.group_size)
    a, _, _ = grouped(importance(act_sq, k).unsqueeze(0), cfg.group_size)
    a = a * mask  # padding never counts
    fit = _Fit(wp, a)
    lo0, hi0 = _masked_range(wp, mask)
    # Shrink towards 0 (towards the nearer end for a group that does not straddle 0).
    centre = torch.minimum(torch.maximum(torch.zeros_like(lo0), lo0), hi0)

    best_cost, lo, hi = None, lo0, hi0
    for r in clip_ratios:
        lo_r, hi_r = centre + r * (lo0 - centre), centre + r * (hi0 - centre)
        q = _parent_codes(wp, lo_r, hi_r, p)
        cost = sum(4.0 ** (b - m) * fit.sse(torch.floor(q / 2 ** (p - b)))
                   for b in cfg.supported_bits)
        if best_cost is None:
            best_cost = cost
        else:
            better = cost < best_cost
            best_cost = torch.where(better, cost, best_cost)
            lo, hi = torch.where(better, lo_r, lo), torch.where(better, hi_r, hi)

    q = _parent_codes(wp, lo, hi, p)
    scales, zeros = [], []
    for b in cfg.supported_bits:
        s, z = fit.params(torch.floor(q / 2 ** (p - b)), b, hi - lo)
        scales.append(s.squeeze(-1))
        zeros.append(z.squeeze(-1))
    q = torch.where(mask, q, 0.0)
    return (ungroup(q, k).to(torch.int64), torch.stack(scales).half(),
            torch.stack(zeros).half())


def rtn_quantize(w: torch.Tensor, bits: int, group_size: int
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Independent asymmetric min/max round-to-nearest at ``bits`` (the comparison baseline).

    Returns codes int64 ``[N, K]``, scale and integer zero point fp32 ``[N, G]``. The range holds
    0 and the zero point is an integer (0 is a level), as in GPTQ's min/max quantizer; the scale
    is rounded to fp16 as a stored checkpoint would keep it.
    """
    w = w.to(torch.float32)
    k = w.shape[1]
    wp, mask, _ = grouped(w, group_size)
    lo, hi = _masked_range(wp, mask)
    lo, hi = lo.clamp(max=0), hi.clamp(min=0)
    s = ((hi - lo) / (2 ** bits - 1)).clamp(min=RTN_MIN_SCALE).half().float()
    z = torch.floor(-lo / s + 0.5)
    q = torch.floor(wp / s + z + 0.5).clamp(0, 2 ** bits - 1)
    return ungroup(q, k).to(torch.int64), s.squeeze(-1), z.squeeze(-1)


def rtn_fake_quant(w: torch.Tensor, bits: int, group_size: int) -> torch.Tensor:
    """``w`` quantized by :func:`rtn_quantize` and dequantized, in ``w``'s dtype."""
    from ..reference import expand_groups

    q, s, z = rtn_quantize(w, bits, group_size)
    k = w.shape[1]
    wq = expand_groups(s, group_size, k) * (q - expand_groups(z, group_size, k))
    return wq.to(w.dtype)
