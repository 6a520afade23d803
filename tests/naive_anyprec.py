"""A naive round-to-nearest anyprec layer quantizer for the vLLM layer tests.

It keeps those tests independent of the real quantizer (``vllm_anyprec.quantize``): the codes come
from plain min/max RTN at ``parent_bits``, and every lower precision truncates them
(``q_b = q >> (P - b)``) with scales/zeros (or tables) that put each b-bit level at the centre of
the parent levels it covers. Quality is poor but the format is exact, which is all they need.
"""

from __future__ import annotations

import torch

from vllm_anyprec import format as fmt
from vllm_anyprec import reference

FP16_MIN_NORMAL = 6.2e-5  # scales below this lose precision in fp16; 0 is invalid


def _rtn_parent(w: torch.Tensor, parent_bits: int, group_size: int):
    """Asymmetric min/max RTN per group -> codes [N, K], scale and zero [N, G] (fp32)."""
    n, k = w.shape
    gs = k if group_size == -1 else group_size
    g = fmt.num_groups(k, group_size)
    pad = g * gs - k
    wp = torch.nn.functional.pad(w, (0, pad)).view(n, g, gs)
    # Padding columns must not widen the range: use the real columns' min/max.
    mask = torch.ones(g * gs, dtype=torch.bool)
    mask[k:] = False
    mask = mask.view(1, g, gs)
    wmin = torch.where(mask, wp, torch.inf).amin(-1).clamp(max=0)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1).clamp(min=0)
    levels = 2 ** parent_bits - 1
    s = ((wmax - wmin) / levels).clamp(min=FP16_MIN_NORMAL)
    s = s.half().float()  # the stored scale is fp16: quantize with what will be read back
    z = (-wmin / s).round().clamp(0, levels)
    q = (wp / s.unsqueeze(-1) + z.unsqueeze(-1)).round().clamp(0, levels)
    q = q.view(n, g * gs)[:, :k].to(torch.int64)
    return q, s, z


def quantize_linear(w: torch.Tensor, scheme: str, parent_bits: int, min_bits: int,
                    group_size: int) -> dict[str, torch.Tensor]:
    w = w.float()
    gs = group_size if scheme == "uniform" else -1
    q, s, z = _rtn_parent(w, parent_bits, gs)
    out = {fmt.QWEIGHT: reference.pack_bitplanes(q, parent_bits)}
    if scheme == "uniform":
        scales, zeros = [], []
        for b in range(min_bits, parent_bits + 1):
            step = 2 ** (parent_bits - b)
            scales.append(s * step)
            # level c of q_b covers parent codes [c*step, (c+1)*step), centred on c*step+(step-1)/2
            zeros.append(z / step - (step - 1) / (2 * step))
        out[fmt.SCALES] = torch.stack(scales).half()
        out[fmt.ZEROS] = torch.stack(zeros).half()
    else:
        tables = []
        for b in range(min_bits, parent_bits + 1):
            step = 2 ** (parent_bits - b)
            c = torch.arange(2 ** b, dtype=torch.float32)
            centre = c * step + (step - 1) / 2
            tables.append(s[:, :1] * (centre.unsqueeze(0) - z[:, :1]))
        out[fmt.LUT] = torch.cat(tables, dim=1).half()
    return out
