"""The LUT pair tables' launch bound from an A/B of never / always (ab.sh's bench step).

    python3 benchmarks/experiments/h200_record_s36/pair_rule.py RUNS NEVER ALWAYS [RULE] [--sms N]

NEVER, ALWAYS, RULE: comma lists of bench_kernels runs in RUNS (each a variant's passes; a
cell's time is the mean over them). Prints each LUT b = 4 cell with its n-tiles (N / 16) and
chunks (K / 256), never / always (> 1: the pair tables are faster) and, if given, which form
the rule's run timed like. Then, for bounds of 0 .. 16 n-tiles per SM, what choosing the pair
tables up to that bound costs against the better form of each cell: the geometric mean and the
worst of chosen time / best time, per M and over all cells (with the rule's other part: the
pair tables at --min-chunks chunks or more); the smallest bound with the least cost; and the set_defaults.py command for those bounds (M = 1, 4, 16 stand for M = 1, 2..8 and
9..16).
"""

from __future__ import annotations

import argparse
import importlib.util
from collections import defaultdict
from pathlib import Path

_RATIOS = Path(__file__).resolve().parent.parent / "prefill_pdl" / "ratios.py"
_spec = importlib.util.spec_from_file_location("ab_ratios", _RATIOS)
ratios = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratios)

BOUNDS = range(17)  # 0 .. 16 (0: never)
# The rule's bound for each M the bench times (fused_gemm.cuh lut_pairs_take).
FLAGS = {1: "ANYPREC_LUT_PAIR_TILES_PER_SM_M1", 4: "ANYPREC_LUT_PAIR_TILES_PER_SM_M8",
         16: "ANYPREC_LUT_PAIR_TILES_PER_SM_M16"}


def cells(runs: Path, never: str, always: str, rule: str | None) -> list[dict]:
    """The LUT b = 4 cells both forms ran: M, K, N, dtype, n16, chunks and the times."""
    tn, ta = ratios.load(runs, never), ratios.load(runs, always)
    tr = ratios.load(runs, rule) if rule else {}
    out = []
    for key in sorted(set(tn) & set(ta)):
        scheme, m, k, n, bits, dtype = key
        if scheme != "lut" or bits != 4:
            continue
        out.append({"M": m, "K": k, "N": n, "dtype": dtype, "n16": (n + 15) // 16,
                    "chunks": k // 256, "never": tn[key], "always": ta[key],
                    "rule": tr.get(key)})
    return sorted(out, key=lambda c: (c["M"], c["n16"], c["K"], c["dtype"]))


def chosen(c: dict, bound: int, sms: int, min_chunks: int = 0) -> float:
    """The time of the form the rule picks: the pair tables at min_chunks chunks or more (0:
    never by the chunks) or at most bound x sms n-tiles."""
    take = (min_chunks > 0 and c["chunks"] >= min_chunks) or c["n16"] <= bound * sms
    return c["always"] if take else c["never"]


def cost(cs: list[dict], bound: int, sms: int, min_chunks: int = 0) -> tuple[float, float]:
    """Geometric mean and worst of chosen time / best time over the cells."""
    r = [chosen(c, bound, sms, min_chunks) / min(c["never"], c["always"]) for c in cs]
    return ratios.gmean(r), max(r)


def best_bound(cs: list[dict], sms: int, min_chunks: int = 0) -> int:
    """The smallest bound with the least geometric-mean cost (ties: 0.1% apart or less)."""
    costs = {b: cost(cs, b, sms, min_chunks)[0] for b in BOUNDS}
    least = min(costs.values())
    return min(b for b, v in costs.items() if v <= least * 1.001)


def report(cs: list[dict], sms: int, min_chunks: int = 0) -> str:
    lines = ["M K N n16 chunks dtype never_us always_us never/always rule_took"]
    for c in cs:
        took = "-"
        if c["rule"] is not None:
            took = "always" if abs(c["rule"] - c["always"]) < abs(c["rule"] - c["never"]) else "never"
        lines.append(f"{c['M']} {c['K']} {c['N']} {c['n16']} {c['chunks']} {c['dtype']} "
                     f"{c['never']:.1f} {c['always']:.1f} {c['never'] / c['always']:.3f} {took}")
    groups = defaultdict(list)
    for c in cs:
        groups[f"M={c['M']}"].append(c)
    groups["all"] = cs
    lines.append(f"\nchosen / best by bound (n-tiles per SM, {sms} SMs; and always at "
                 f"{min_chunks or 'no'} chunks or more): geomean (worst)")
    lines.append("bound " + " ".join(f"{g:>15}" for g in groups))
    for b in BOUNDS:
        row = []
        for g in groups.values():
            gm, worst = cost(g, b, sms, min_chunks)
            row.append(f"{gm:.4f} ({worst:.3f})")
        lines.append(f"{b:5d} " + " ".join(f"{x:>15}" for x in row))
    lines.append("best bound: " + ", ".join(f"{g} {best_bound(v, sms, min_chunks)}"
                                            for g, v in groups.items()))
    by_m = {int(g[2:]): v for g, v in groups.items() if g != "all"}
    if set(by_m) == set(FLAGS):
        lines.append("python benchmarks/experiments/set_defaults.py " +
                     " ".join(f"{FLAGS[m]}={best_bound(by_m[m], sms, min_chunks)}"
                              for m in sorted(FLAGS)))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", type=Path, help="folder of the bench_kernels JSONs (ab_lib's RUNS)")
    ap.add_argument("never", help="comma list of the runs with ANYPREC_LUT_PAIR=0")
    ap.add_argument("always", help="comma list of the runs with ANYPREC_LUT_PAIR=2")
    ap.add_argument("rule", nargs="?", help="comma list of the runs with the rule (default switch)")
    ap.add_argument("--sms", type=int, default=132, help="the GPU's SMs (H100 / H200 SXM: 132)")
    ap.add_argument("--min-chunks", type=int, default=32,
                    help="the rule takes the pair tables at this many chunks (K / 256) or more "
                         "whatever the width (ANYPREC_LUT_PAIR_MIN_CHUNKS; 0: no such rule)")
    args = ap.parse_args()
    cs = cells(args.runs, args.never, args.always, args.rule)
    if not cs:
        raise SystemExit(f"no LUT b = 4 cell in both {args.never} and {args.always} under {args.runs}")
    print(report(cs, args.sms, args.min_chunks))


if __name__ == "__main__":
    main()
