"""chain.py's runs side by side: per cell, each variant's gemm time (pair - elementwise, µs)
and its ratio to the first variant's (> 1: faster), and to cuBLAS fp16 in the same chain.

    python3 benchmarks/experiments/pdl_early/chain_table.py DIR base ew et ewet
(reads DIR/chain_NAME/chain.json)
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path


def main() -> None:
    root, names = Path(sys.argv[1]), sys.argv[2:]
    runs = {}
    for name in names:
        p = root / f"chain_{name}" / "chain.json"
        if p.exists():
            runs[name] = {(r["scheme"], r["bits"], r["K"], r["N"]): r
                          for r in json.loads(p.read_text())}
    if not runs:
        raise SystemExit(f"chain_table: no chain_*/chain.json under {root}")
    names = [n for n in names if n in runs]
    base = runs[names[0]]
    print("cell".ljust(28) + "".join(f"{n:>20s}" for n in names) + "   (gemm us, x base; fp16x)")
    logs = {n: [] for n in names}
    for key in sorted(base):
        line = f"{key[0]} b={key[1]} ({key[2]}, {key[3]})".ljust(28)
        b = base[key]["pair_us"] - base[key]["elem_us"]
        for n in names:
            r = runs[n].get(key)
            if r is None:
                line += f"{'-':>20s}"
                continue
            g = r["pair_us"] - r["elem_us"]
            fp = (r["fp16_pair_us"] - r["elem_us"]) / g
            logs[n].append(math.log(b / g))
            line += f"{g:9.2f} {b / g:5.3f} {fp:4.2f}"
        print(line)
    print("geomean x base".ljust(28)
          + "".join(f"{math.exp(sum(v) / len(v)) if v else float('nan'):20.3f}"
                    for v in logs.values()))


if __name__ == "__main__":
    main()
