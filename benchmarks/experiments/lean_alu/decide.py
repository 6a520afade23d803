"""The lean A/B's verdict per flag, from its bench runs (run.sh's bench step, RUNS holds the
JSONs), with the set_defaults.py command that turns the winners on. It exists so that the
choice between the A/B call and the record takes seconds: the machine waits 30 s idle.

    python3 benchmarks/experiments/lean_alu/decide.py RUNS

Each flag is judged on the cells it changes, base time / variant time per cell (> 1: faster),
the passes averaged (prefill_pdl/ratios.py's load):
- ANYPREC_LEAN_ALU + ANYPREC_RING_PTRS (one build, lean): uniform M = 1 (base / lean) and LUT
  b = 2..4 (lutbase / lutlean);
- ANYPREC_LUT_WIDE_ADDR (in lean; it changes only LUT b >= 5): lutwbase / lutwlean;
- ANYPREC_LUT_PAIR_LANES (leanP against lean): b = 4 decides =1, b = 2, 3 as well =2;
- ANYPREC_META16 (lean16x against lean), only where its tests passed (tests16).
A flag wins when the geometric mean over its cells is above 1 + margin and no (scheme, M, b)
group's mean is below 1 - margin, margin = max(1%, the noise): the largest group deviation of
base1 against base2. It prints the numbers behind each verdict; the call is still the reader's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "prefill_pdl"))
from ratios import gmean, ratio_groups


def groups(runs: Path, base: str, var: str,
           bits: tuple[int, ...] | None = None) -> dict[tuple, list[float]]:
    """(scheme, M, b) -> base / var time per cell, passes 1 and 2 averaged."""
    return {k: v for k, v in ratio_groups(runs, f"{base}1,{base}2", f"{var}1,{var}2").items()
            if bits is None or k[2] in bits}


def noise(runs: Path) -> float:
    """The largest |1 - group mean| of base1 against base2 (0 when one pass is missing)."""
    return max((abs(1 - gmean(v)) for v in ratio_groups(runs, "base1", "base2").values()),
               default=0.0)


def verdict(gs: dict[tuple, list[float]], margin: float) -> tuple[bool, str]:
    cells = [r for v in gs.values() for r in v]
    if not cells:
        return False, "no cells"
    gm = gmean(cells)
    worst_key, worst = min(((k, gmean(v)) for k, v in gs.items()), key=lambda kv: kv[1])
    win = gm > 1 + margin and worst >= 1 - margin
    per = ", ".join(f"{s} M={m} b={b}: {gmean(v):.3f}" for (s, m, b), v in sorted(gs.items()))
    return win, (f"geomean {gm:.3f} over {len(cells)} cells, worst group {worst:.3f} "
                 f"({worst_key[0]} M={worst_key[1]} b={worst_key[2]}); {per}")


def decide(runs: Path) -> tuple[list[str], dict[str, str]]:
    """(report lines, the flags to set)."""
    margin = max(0.01, noise(runs))
    lines = [f"margin {margin:.3f} (noise: base1 against base2)"]
    flags: dict[str, str] = {}
    lean = {**groups(runs, "base", "lean"),
            **groups(runs, "lutbase", "lutlean", bits=(2, 3, 4))}
    win, why = verdict(lean, margin)
    lines.append(f"LEAN_ALU + RING_PTRS: {'ON' if win else 'off'}: {why}")
    if win:
        flags.update(ANYPREC_LEAN_ALU="1", ANYPREC_RING_PTRS="1")
    win, why = verdict(groups(runs, "lutwbase", "lutwlean", bits=(5, 6, 7, 8)), margin)
    lines.append(f"LUT_WIDE_ADDR: {'ON' if win else 'off'}: {why}")
    if win:
        flags["ANYPREC_LUT_WIDE_ADDR"] = "1"
    win4, why4 = verdict(groups(runs, "lutlean", "lutpair", bits=(4,)), margin)
    win23, why23 = verdict(groups(runs, "lutlean", "lutpair", bits=(2, 3)), margin)
    pair = "2" if win4 and win23 else "1" if win4 else "0"
    lines.append(f"LUT_PAIR_LANES={pair}: b = 4 {why4}; b = 2, 3 {why23}")
    if pair != "0":
        flags["ANYPREC_LUT_PAIR_LANES"] = pair
    win, why = verdict(groups(runs, "lean", "lean16x", bits=(2, 3, 4, 5, 6, 7, 8)), margin)
    lines.append(f"META16: {'ON' if win else 'off'} (if tests16 passed): {why}")
    if win:
        flags["ANYPREC_META16"] = "1"
    return lines, flags


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    lines, flags = decide(Path(sys.argv[1]))
    print("\n".join(lines))
    if flags:
        print("python benchmarks/experiments/set_defaults.py "
              + " ".join(f"{k}={v}" for k, v in flags.items()))
    else:
        print("nothing to turn on")


if __name__ == "__main__":
    main()
