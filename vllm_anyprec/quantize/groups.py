"""Group bookkeeping shared by the quantizers: pad K to whole groups and mask the padding."""

from __future__ import annotations

import torch

from ..format import num_groups


def grouped(w: torch.Tensor, group_size: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    """``[N, K]`` -> (``[N, G, gs]`` zero-padded values, ``[1, G, gs]`` mask of real columns, gs).

    A ragged last group (K not a multiple of group_size, e.g. SmolLM2's 576 with 128) is padded;
    the mask keeps the padding out of every statistic.
    """
    n, k = w.shape
    gs = k if group_size == -1 else group_size
    g = num_groups(k, group_size)
    pad = g * gs - k
    wp = torch.nn.functional.pad(w, (0, pad)).view(n, g, gs)
    mask = torch.ones(g * gs, dtype=torch.bool, device=w.device)
    mask[k:] = False
    return wp, mask.view(1, g, gs), gs


def ungroup(x: torch.Tensor, k: int) -> torch.Tensor:
    """``[N, G, gs]`` -> ``[N, K]`` (drops the padding)."""
    return x.reshape(x.shape[0], -1)[:, :k]
