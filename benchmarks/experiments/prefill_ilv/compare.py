"""Side by side of two prefill_wgmma/bench.py runs (A: plain, B: interleaved schedule).

    python3 benchmarks/experiments/prefill_ilv/compare.py A.json B.json

Per cell: the forced 128-token grid in A and B and their ratio (the change under test), the
256-token grid in both (the same kernel: the run's noise), the op's choice in both; then the
geometric means of the ratios per scheme.
"""

from __future__ import annotations

import json
import math
import sys


def main() -> None:
    a_rows, b_rows = (json.load(open(p)) for p in sys.argv[1:3])
    key = lambda r: (r["K"], r["N"], r["M"], r["scheme"], r["bits"])  # noqa: E731
    b_by = {key(r): r for r in b_rows}
    print(f"{'K':>6} {'N':>6} {'M':>5} {'sch':>7} {'b':>2} {'A128':>8} {'B128':>8} {'A/B':>5} "
          f"{'A256':>8} {'B256':>8} {'Aop':>8} {'Bop':>8} {'fp16':>8}")
    ratios: dict[str, list[float]] = {}
    noise: list[float] = []
    for r in a_rows:
        b = b_by.get(key(r))
        if b is None:
            continue
        a128, b128 = r["plans"]["128x1"], b["plans"]["128x1"]
        a256, b256 = r["plans"]["256x1"], b["plans"]["256x1"]
        ratios.setdefault(r["scheme"], []).append(a128 / b128)
        noise.append(a256 / b256)
        print(f"{r['K']:>6} {r['N']:>6} {r['M']:>5} {r['scheme']:>7} {r['bits']:>2} "
              f"{a128:>8.1f} {b128:>8.1f} {a128 / b128:>5.2f} {a256:>8.1f} {b256:>8.1f} "
              f"{r['prefill_us']:>8.1f} {b['prefill_us']:>8.1f} {r['fp16_us']:>8.1f}")
    gm = lambda v: math.exp(sum(map(math.log, v)) / len(v))  # noqa: E731
    for scheme, v in ratios.items():
        print(f"{scheme}: 128-token grid A/B geomean {gm(v):.3f} (min {min(v):.2f}, "
              f"max {max(v):.2f}, {len(v)} cells)")
    if noise:
        print(f"noise (256-token grid, same kernel) A/B geomean {gm(noise):.3f} "
              f"(min {min(noise):.2f}, max {max(noise):.2f})")


if __name__ == "__main__":
    main()
