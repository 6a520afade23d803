"""Per (scheme, M): how much faster each variant's bench_kernels runs are than the baseline's
(device or local; the JSONs that ab_lib.sh's ab_bench leaves in RUNS).

    python3 benchmarks/experiments/prefill_pdl/ratios.py [--bits] RUNS BASE[,BASE2] VAR[,VAR2] ...

Each comma list is a variant's passes; a cell's time is the mean over its passes. Ratio =
baseline time / variant time (> 1: the variant is faster); printed per (scheme, M): geometric
mean, min and max over the weights and bit widths, then over everything. --bits: per (scheme,
M, bits) instead (over the weights), for flags whose effect depends on the width (the decode
A/Bs, e.g. ../lean_alu/run.sh).
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


def gmean(xs: list[float]) -> float:
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def ratio_groups(runs: Path, base_names: str, var: str,
                 by_bits: bool = True) -> dict[tuple, list[float]]:
    """(scheme, M, bits or 0) -> base time / variant time of each cell both ran."""
    base, other = load(runs, base_names), load(runs, var)
    groups = defaultdict(list)
    for k, t in base.items():
        if k in other:
            groups[(*k[:2], k[4]) if by_bits else (*k[:2], 0)].append(t / other[k])
    return dict(groups)


def report(runs: Path, base_names: str, var: str, by_bits: bool = False) -> list[str]:
    """The lines main prints for one variant against the baseline."""
    groups = ratio_groups(runs, base_names, var, by_bits)
    groups[("all", 0, 0)] = [r for rs in groups.values() for r in rs]
    lines = [f"{base_names} time / {var} time"]
    for (scheme, m, bits), rs in sorted(groups.items(),
                                        key=lambda kv: (kv[0][0] == "all", kv[0])):
        gm = gmean(rs)
        label = f"{scheme:>7} M={m:>5}" + (f" b={bits}" if by_bits and scheme != "all" else "")
        lines.append(f"  {label}: {gm:.3f} ({min(rs):.3f}-{max(rs):.3f}, {len(rs)} cells)")
    return lines


def main() -> None:
    args = sys.argv[1:]
    by_bits = "--bits" in args
    args = [a for a in args if a != "--bits"]
    if len(args) < 3:
        raise SystemExit(__doc__)
    for var in args[2:]:
        print("\n".join(report(Path(args[0]), args[1], var, by_bits)))


if __name__ == "__main__":
    main()
