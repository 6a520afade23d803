"""Pipe bounds of a kernel's loops, from its SASS (cuobjdump -sass), without a GPU.

    cuobjdump -sass -fun NAME x.cubin | python3 benchmarks/experiments/sass/pipes.py [--all]

For each loop (largest first; --all: every loop, else the largest) it prints the issue slots
(one per instruction) and the cycles the loop body needs on the two integer-capable math pipes of
a Hopper SM sub-partition, per trip and per warp:

- alu: 16 lanes, so 2 cycles per warp instruction. Logic, shifts, compares, selects, byte
  permutes, integer adds other than IMAD's (NVIDIA's description of the GH100 pipes: "ALU pipe -
  executes INT32 (not IMAD), logical operations, binary operations, and data movement").
- fma: IMAD (every form) only on the heavy half (16 lanes, 2 cycles), fp32 / fp16x2 on either
  half, so the pipe needs max(2 * imad, imad + fp) cycles.

If alu cycles exceed the issue slots, the loop cannot issue an instruction every cycle even with
enough warps: ncu reports the difference as "math pipe throttle" stalls. Moving integer work to
IMAD forms (IMAD.SHL for left shifts, IMAD.HI.U32 x, 2^(32-k) for right shifts, IMAD.IADD for
adds) trades alu cycles for fma cycles. Static counts: predicated-off paths included, one trip.
VIADD / VIMNMX (new in sm_90) are counted as alu; their pipe is not documented.
"""

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loops import parse

ALU = {
    "LOP3", "LOP", "SHF", "SHL", "SHR", "IADD3", "IADD", "ISETP", "ICMP", "SEL", "FSEL", "PRMT",
    "LEA", "IABS", "IMNMX", "VIMNMX", "VIADD", "FMNMX", "FSETP", "MOV", "P2R", "R2P", "PLOP3",
    "BMSK", "SGXT", "F2FP", "HSETP2", "VIADDMNMX",
}
IMAD = {"IMAD", "IMUL", "IDP", "IDP4A"}
FP = {"FFMA", "FMUL", "FADD", "HFMA2", "HADD2", "HMUL2", "FSWZADD"}
TENSOR = {"HMMA", "IMMA", "HGMMA", "DMMA"}
MIO = {"LDS", "STS", "LDG", "STG", "LDGSTS", "LDSM", "SHFL", "ATOMS", "ATOMG", "RED", "LD", "ST",
       "LDC", "ULDC", "UBLKCP", "UTMALDG", "SYNCS"}


def pipe_of(op):
    base = op.split(".")[0]
    for name, ops in (("alu", ALU), ("imad", IMAD), ("fp", FP), ("tensor", TENSOR), ("mio", MIO)):
        if base in ops:
            return name
    if base.startswith("U") or base in ("S2UR", "R2UR"):
        return "uniform"
    return "other"


def bounds(ops):
    n = collections.Counter(pipe_of(op) for op in ops)
    alu = 2 * n["alu"]
    fma = max(2 * n["imad"], n["imad"] + n["fp"])
    return n, {"issue": len(ops), "alu": alu, "fma": fma}


def loops_by_size(ins):
    """(instructions, start, end) of each loop of a parsed listing (a backward branch and its
    target), largest first."""
    return sorted(((sum(1 for a, _, _ in ins if t <= a <= end), t, end)
                   for end, _, t in ins if t is not None and t <= end), reverse=True)


def report(text, every=False):
    """The lines main prints for a SASS listing: a header, then a line per loop (the largest
    only unless every)."""
    ins = parse(text)
    loops = loops_by_size(ins)
    if not loops:
        return ["no loops"]
    lines = ["loop: instructions | alu cycles | fma cycles | bound | pipe counts"]
    for _, start, end in loops if every else loops[:1]:
        n, b = bounds([op for a, op, _ in ins if start <= a <= end])
        top = max(b, key=b.get)
        counts = ", ".join(f"{k} {v}" for k, v in n.most_common())
        lines.append(f"0x{start:04x}-0x{end:04x}: {b['issue']} | {b['alu']} | {b['fma']} | {top}"
                     f" | {counts}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="every loop, not only the largest")
    args = ap.parse_args()
    print("\n".join(report(sys.stdin.read(), args.all)))


if __name__ == "__main__":
    main()
