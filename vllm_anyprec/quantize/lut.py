"""Nested non-uniform (LUT) quantization: per-row 1-D k-means seed, then binary splits.

As in SNU-ARC's any-precision-llm (seed + upscale). Every sum below is weighted by the column's
importance ``a_k`` (``uniform.importance``: the input's mean square from calibration, so the
objective is the layer's output error; all ones without calibration). SNU-ARC weight by a
gradient-based sensitivity (SqueezeLLM); this is the same idea with the Hessian's diagonal.
1. Seed: for every output row, weighted 1-D k-means with ``2**min_bits`` centroids (Lloyd's
   algorithm, initialised at quantiles of the row).
2. Upscale: each cluster at b bits is split in two, so the code at b+1 bits is
   ``2 * code_b + half`` and the top b bits of every parent code are the b-bit code. We take the
   split with the least weighted squared error (exact, rather than a 2-means iteration).
3. Tables: ``LUT_b[row][c]`` is the weighted mean of the members of code c at b bits (the
   least-squares value for a fixed assignment). No weight reads an empty code, but it still gets
   a sane value: the half of a cluster that could not split (0 or 1 member) repeats its
   parent's value, an empty seed cluster (rows with fewer distinct values than centroids) its
   last Lloyd centroid, so every table stays sorted.

Why it is fast: in 1-D every cluster, at every level, is an interval of the row's sorted values.
Sorting each row once turns cluster means and squared errors into differences of prefix sums
(of ``a``, ``a w`` and ``a w**2``), so Lloyd's step and the optimal split of every cluster are a
few batched tensor ops over all rows (SmolLM2's 210 linears: ~40 s on 2 cores).
"""

from __future__ import annotations

import torch

from ..format import AnyPrecConfig
from .uniform import importance

SEED_ITERS = 50


class _Sorted:
    """Rows sorted once, with fp64 prefix sums of weights, weighted values and weighted squares
    (each with a leading zero column)."""

    def __init__(self, w: torch.Tensor, a: torch.Tensor) -> None:
        self.values, self.perm = w.sort(dim=1)
        v = self.values.double()
        wt = a.double()[self.perm]  # each row's column weights, in its sorted order
        zero = torch.zeros(v.shape[0], 1, dtype=torch.float64)
        self.s0 = torch.cat([zero, wt.cumsum(1)], 1)
        self.s1 = torch.cat([zero, (wt * v).cumsum(1)], 1)
        self.s2 = torch.cat([zero, (wt * v * v).cumsum(1)], 1)
        self.n, self.k = w.shape

    def sums(self, lo: torch.Tensor, hi: torch.Tensor):
        """Weight, weighted sum and weighted sum of squares of the sorted interval [lo, hi)."""
        s0 = self.s0.gather(1, hi) - self.s0.gather(1, lo)
        s1 = self.s1.gather(1, hi) - self.s1.gather(1, lo)
        s2 = self.s2.gather(1, hi) - self.s2.gather(1, lo)
        return s0, s1, s2

    def means(self, bounds: torch.Tensor, fallback: torch.Tensor) -> torch.Tensor:
        s0, s1, _ = self.sums(bounds[:, :-1], bounds[:, 1:])
        empty = bounds[:, 1:] <= bounds[:, :-1]
        return torch.where(empty, fallback.double(), s1 / s0.clamp(min=1e-300))

    def sse(self, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
        s0, s1, s2 = self.sums(lo, hi)
        return (s2 - s1 * s1 / s0.clamp(min=1e-300)).clamp(min=0)


def _seed(rows: _Sorted, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's 1-D k-means on sorted rows -> (cluster boundaries ``[N, 2**bits + 1]``,
    centroids ``[N, 2**bits]``, ascending)."""
    c = 2 ** bits
    n, k = rows.n, rows.k
    qs = ((torch.arange(c) + 0.5) / c * k).long().clamp(max=k - 1)
    cent = rows.values[:, qs].double()
    first = torch.zeros(n, 1, dtype=torch.long)
    last = torch.full((n, 1), k, dtype=torch.long)
    bounds = None
    for _ in range(SEED_ITERS):
        mids = ((cent[:, 1:] + cent[:, :-1]) / 2).to(rows.values.dtype).contiguous()
        inner = torch.searchsorted(rows.values, mids)
        new = torch.cat([first, inner, last], 1)
        if bounds is not None and torch.equal(new, bounds):
            break
        bounds = new
        # An empty cluster keeps its centroid: its neighbours' new means stay on their side of
        # the old midpoints, so the centroids stay in order.
        cent = rows.means(bounds, cent)
    return bounds, cent


def _split(rows: _Sorted, bounds: torch.Tensor) -> torch.Tensor:
    """Split every cluster [l, r) at the point p minimising sse(l, p) + sse(p, r)."""
    n, k = rows.n, rows.k
    c = bounds.shape[1] - 1
    pos = torch.arange(k + 1).expand(n, -1).contiguous()
    # Cluster of each candidate split point p (the start of the upper half).
    cid = (torch.searchsorted(bounds[:, 1:-1].contiguous(), pos, right=True)).clamp(max=c - 1)
    lo = bounds.gather(1, cid)
    hi = bounds.gather(1, cid + 1)
    cost = rows.sse(lo, pos) + rows.sse(pos, hi)
    valid = (pos > lo) & (pos < hi)
    cost = torch.where(valid, cost, torch.inf)
    best = torch.full((n, c), torch.inf, dtype=torch.float64).scatter_reduce(
        1, cid, cost, "amin", include_self=True)
    is_best = valid & (cost <= best.gather(1, cid))
    key = torch.where(is_best, pos, k + 1)
    split = torch.full((n, c), k + 1, dtype=torch.long).scatter_reduce(
        1, cid, key, "amin", include_self=True)
    # Clusters of 0 or 1 members cannot split: the upper half stays empty.
    split = torch.where(split > k, bounds[:, 1:], split)
    out = torch.stack([bounds[:, :-1], split], -1).flatten(1)
    return torch.cat([out, bounds[:, -1:]], 1)


def quantize_lut(w: torch.Tensor, cfg: AnyPrecConfig, act_sq: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """``w [N, K]`` -> (parent codes int64 ``[N, K]``, concatenated tables fp16 ``[N, L]``).

    ``act_sq [K]``: mean square of the layer's input per column (None: unweighted k-means).
    """
    w = w.to(torch.float32)
    rows = _Sorted(w, importance(act_sq, w.shape[1]))
    seed_bounds, seed_cent = _seed(rows, cfg.min_bits)
    levels = [seed_bounds]
    for _ in range(cfg.min_bits, cfg.parent_bits):
        levels.append(_split(rows, levels[-1]))
    # Parent code of each sorted position, then back to the original column order.
    pos = torch.arange(rows.k).expand(rows.n, -1).contiguous()
    code_sorted = torch.searchsorted(levels[-1][:, 1:-1].contiguous(), pos, right=True)
    code = torch.empty_like(code_sorted).scatter_(1, rows.perm, code_sorted)
    tables = [rows.means(levels[0], seed_cent)]
    for bounds in levels[1:]:
        # A child that got no members repeats its parent's value (the table stays monotone).
        tables.append(rows.means(bounds, tables[-1].repeat_interleave(2, dim=1)))
    return code, torch.cat(tables, dim=1).half()
