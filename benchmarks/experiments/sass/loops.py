"""Instruction mix of a kernel's loops, from its SASS (cuobjdump -sass), without a GPU.

    cuobjdump -sass -fun NAME x.cubin | python3 benchmarks/experiments/sass/loops.py

Prints every loop (a backward branch and its target) with its instruction count and the
opcodes by count, largest loop first. cuobjdump / nvdisasm run anywhere: PyPI wheels
nvidia-cuda-cuobjdump / nvidia-cuda-nvdisasm (no CUDA driver needed). Static counts: a loop
body's instructions once per trip, predicated-off and branch-around paths included.
"""

import collections
import re
import sys

LINE = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)([^;]*);")


def parse(text, preds=False):
    """[(address, opcode, branch target or None)]; preds: (address, predicated, opcode,
    target), predicated = the instruction has a guard (@P, @!P)."""
    ins = []
    for m in LINE.finditer(text):
        addr = int(m.group(1), 16)
        op = m.group(3)
        args = m.group(4)
        target = None
        if op.startswith("BRA"):
            t = re.search(r"0x([0-9a-f]+)", args)
            target = int(t.group(1), 16) if t else None
        ins.append((addr, bool(m.group(2)), op, target) if preds else (addr, op, target))
    return ins


def main():
    ins = parse(sys.stdin.read())
    loops = [(t, a) for a, op, t in ins if t is not None and t <= a]
    rows = []
    for start, end in loops:
        body = [op for a, op, _ in ins if start <= a <= end]
        rows.append((len(body), start, end, collections.Counter(o.split(".")[0] for o in body)))
    print(f"{len(ins)} instructions, {len(rows)} loops")
    for n, start, end, mix in sorted(rows, reverse=True):
        top = ", ".join(f"{k} {v}" for k, v in mix.most_common(14))
        print(f"loop 0x{start:04x}-0x{end:04x}: {n} instructions: {top}")


if __name__ == "__main__":
    main()
