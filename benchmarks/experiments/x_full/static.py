"""Static effect of ANYPREC_X_FULL per kernel, from two builds' cubins (no GPU).

    KEEP=DIR FLAGS=-DANYPREC_X_FULL=15 BITS="2 3 4 5 6 7 8" MATCH=. \
      bash benchmarks/experiments/sass/ab_static.sh > /dev/null
    python3 benchmarks/experiments/x_full/static.py DIR [--match REGEX]

DIR holds ab_static.sh's builds of fused_gemm_bN.cu (baseN.cubin without the flags, newN.cubin
with them) and their `-Xptxas -v` logs (baseN.log, newN.log). For each kernel whose printed name
matches REGEX and whose SASS differs, one line: registers, spill bytes (stored + loaded, ptxas)
and the chunk loop's instructions on a whole chunk's path (hot_path.py), base -> X_FULL.
"""

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "sass"))
from hot_path import hot_path, parse
from kernels import demangle, listing, short
from ptxas import ptxas_kernels

DEFAULT = r"^fused_gemm_(kernel|mt2cap_kernel|mt2reg_kernel|m1_kernel|m1cap_kernel)<"


def spills(log: Path) -> dict[str, int]:
    """Mangled name -> spill bytes (stored + loaded), from an nvcc -Xptxas -v log ({} without
    the log)."""
    if not log.exists():
        return {}
    return {name: spill for name, (_, spill) in ptxas_kernels(log.read_text()).items()}


def rows(d: Path, match: str, tool: str):
    for bits in range(2, 9):
        base, xf = d / f"base{bits}.cubin", d / f"new{bits}.cubin"
        if not (base.exists() and xf.exists()):
            continue
        (fb, rb), (fx, rx) = listing(str(base), tool), listing(str(xf), tool)
        sb, sx = spills(d / f"base{bits}.log"), spills(d / f"new{bits}.log")
        names = [n for n in fb if n in fx]
        pretty = demangle(names)
        for n in sorted(names, key=lambda n: short(pretty[n])):
            label = short(pretty[n])
            if not re.search(match, label) or fb[n] == fx[n]:
                continue
            try:
                hb, hx = hot_path(parse(fb[n]))[2], hot_path(parse(fx[n]))[2]
            except ValueError:
                continue
            yield (label, rb[n][0], rx[n][0], sb.get(n, "?"), sx.get(n, "?"), hb, hx)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--match", default=DEFAULT, help="regex on the printed kernel name")
    args = ap.parse_args()
    tool = os.environ.get("CUOBJDUMP", "cuobjdump")
    print(f"{'kernel':<58} {'regs':>9} {'spill B':>9} {'hot loop':>11}")
    for label, r0, r1, s0, s1, h0, h1 in rows(args.dir, args.match, tool):
        print(f"{label:<58} {r0:>4}>{r1:<4} {s0!s:>4}>{s1!s:<4} {h0:>5}>{h1:<5}"
              f" {h1 / h0:.2f}")


if __name__ == "__main__":
    main()
