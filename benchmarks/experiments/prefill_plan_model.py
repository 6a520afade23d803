"""The prefill plan's cost model (csrc/ops.cpp prefill_plan), replayed in Python by the scripts
that fit its constants to stored forced grids (prefill_lean/order_fit.py,
prefill_lut_lean/fit.py)."""

from __future__ import annotations

import math

# ops.cpp: kBlockUs, kClusterReduceShare.
BLOCK_US, SHARE = 1.0, 0.45
# H100 / H200: SMs, and clusters of 2 at once by blocks per SM (66 probed in session 27 with one
# block per SM; 132 at two per SM is assumed, not probed).
SMS, CAP = 132, {1: 66, 2: 132}


def split_cost(m, n, s):
    """ops.cpp split_cost_us: the workspace's second kernel and its fp32 partial sums."""
    return 3.0 + s * m * n * 8 / 3.0e6


def pick(k, n, m, chunk, lean_us, lean_ok, sms=SMS, cap=None, lean_any_split=False):
    """(tokens, splits, blocks per SM) of the cheapest grid: chunk[tokens] µs per 256-k chunk of
    a full block, lean_us of a lean one (where lean_ok(tokens)), cap[blocks per SM] cluster pairs
    at once. Lean grids only where a full grid has more blocks than SMs and, unless
    lean_any_split, without split K or with a cluster pair (ops.cpp's rule)."""
    cap = cap or CAP
    c = math.ceil(k / 256)
    best, best_us = None, None
    for tok in (64, 128, 256):
        tiles = math.ceil(math.ceil(n / 16) / 8) * math.ceil(m / tok)
        for s in range(1, min(16, c) + 1):
            cps = math.ceil(c / s)
            sp = math.ceil(c / cps)
            for per_sm in (1, 2):
                if per_sm == 2 and (not lean_ok(tok) or (sp > 2 and not lean_any_split)
                                    or tiles * sp <= sms):
                    continue
                block = cps * (lean_us if per_sm == 2 else chunk[tok]) + BLOCK_US
                if sp == 2:
                    us = math.ceil(tiles / cap[per_sm]) * block + SHARE * split_cost(m, n, sp)
                else:
                    us = math.ceil(tiles * sp / (per_sm * sms)) * block
                    if sp > 1:
                        us += split_cost(m, n, sp)
                if best_us is None or us < best_us:
                    best, best_us = (tok, sp, per_sm), us
    return best


def name(grid) -> str:
    """prefill_wgmma/bench.py's plan name: TOKENSxSPLIT, xx2 for two blocks per SM."""
    tok, sp, per_sm = grid
    return f"{tok}x{sp}" + ("x2" if per_sm == 2 else "")
