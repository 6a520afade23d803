"""Per (scheme, M): how much faster each variant's bench_kernels runs are than the baseline's
(device or local; the JSONs that ab_lib.sh's ab_bench leaves in RUNS).

    python3 benchmarks/experiments/prefill_pdl/ratios.py RUNS BASE[,BASE2] VAR[,VAR2] ...

Each comma list is a variant's passes; a cell's time is the mean over its passes. Ratio =
baseline time / variant time (> 1: the variant is faster); printed per (scheme, M): geometric
mean, min and max over the weights and bit widths, then over everything.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from pathlib import Path


def load(runs: Path, names: str) -> dict:
    cells = defaultdict(list)
    for name in names.split(","):
        p = runs / f"{name}.json"
        if not p.exists():
            continue
        for r in json.loads(p.read_text()):
            if r.get("us"):
                cells[(r["scheme"], r["M"], r["K"], r["N"], r["bits"], r["dtype"])].append(r["us"])
    return {k: sum(v) / len(v) for k, v in cells.items()}


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    runs = Path(sys.argv[1])
    base = load(runs, sys.argv[2])
    for var in sys.argv[3:]:
        other = load(runs, var)
        groups = defaultdict(list)
        for k, t in base.items():
            if k in other:
                groups[k[:2]].append(t / other[k])
                groups[("all", 0)].append(t / other[k])
        print(f"{sys.argv[2]} time / {var} time")
        for (scheme, m), rs in sorted(groups.items(), key=lambda kv: (kv[0][0] == "all", kv[0])):
            gm = math.exp(sum(map(math.log, rs)) / len(rs))
            print(f"  {scheme:>7} M={m:>5}: {gm:.3f} ({min(rs):.3f}-{max(rs):.3f}, {len(rs)} cells)")


if __name__ == "__main__":
    main()
