"""Side by side of the same kernels in two builds, from their cubins, without a GPU.

    python3 benchmarks/experiments/sass/kernels.py base.cubin [new.cubin] [--match REGEX]

For each kernel whose printed name (the template arguments, half / bf16) matches REGEX (in
both cubins when two are given) it prints the registers, the spill bytes (local memory) and its
largest loop's per-trip counts from pipes.py (instructions / ALU cycles / FMA cycles), base then
new. Runs cuobjdump (PATH, or $CUOBJDUMP; see README.md here for the PyPI wheel) and c++filt.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loops import parse
from pipes import bounds, loops_by_size

FUNC = re.compile(r"^\s*Function : (\S+)\s*$", re.MULTILINE)
RES = re.compile(r"Function (\S+):\s*\n\s*REG:(\d+) STACK:(\d+) SHARED:(\d+) LOCAL:(\d+)")


def split_functions(sass: str) -> dict[str, str]:
    """Mangled name -> its part of a cuobjdump -sass listing."""
    heads = list(FUNC.finditer(sass))
    return {m.group(1): sass[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(sass)]
            for i, m in enumerate(heads)}


def largest_loop(text: str) -> dict[str, int] | None:
    """pipes.bounds of the function's largest loop (issue, alu, fma), None without loops."""
    ins = parse(text)
    loops = loops_by_size(ins)
    if not loops:
        return None
    _, start, end = loops[0]
    return bounds([op for a, op, _ in ins if start <= a <= end])[1]


def resources(text: str) -> dict[str, tuple[int, int]]:
    """Mangled name -> (registers, local bytes), from cuobjdump -res-usage."""
    return {m.group(1): (int(m.group(2)), int(m.group(5))) for m in RES.finditer(text)}


def demangle(names: list[str]) -> dict[str, str]:
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return dict(zip(names, out))


def short(demangled: str) -> str:
    """'anyprec::fused_gemm_kernel<__half, 8, 1, true, false, 8>(...)' ->
    'fused_gemm_kernel<half, 8, 1, true, false, 8>'."""
    name = demangled.split("(")[0].replace("anyprec::", "").replace("__nv_bfloat16", "bf16")
    return name.replace("__half", "half").replace("void ", "")


def listing(cubin: str, tool: str) -> tuple[dict[str, str], dict[str, tuple[int, int]]]:
    """(mangled name -> its SASS, mangled name -> (registers, local bytes)) of a cubin."""
    sass = subprocess.run([tool, "-sass", cubin], capture_output=True, text=True,
                          check=True).stdout
    res = resources(subprocess.run([tool, "-res-usage", cubin], capture_output=True, text=True,
                                   check=True).stdout)
    return split_functions(sass), res


def same_kernel(mangled: str) -> str:
    """The name a kernel is paired by across builds: ANYPREC_META16 changes the metadata
    parameter's type (uint2 for float4) and with it every decode kernel's mangled name."""
    return mangled.replace("5uint2", "6float4")


def summary(cubin: str, tool: str) -> dict[str, dict]:
    funcs, res = listing(cubin, tool)
    return {same_kernel(name): {"res": res.get(name), "loop": largest_loop(text)}
            for name, text in funcs.items()}


def cell(info: dict) -> str:
    regs, local = info["res"] or ("?", "?")
    lp = info["loop"]
    loop = f"{lp['issue']} / {lp['alu']} / {lp['fma']}" if lp else "-"
    return f"{regs} regs, {local} B local, loop {loop}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cubins", nargs="+", help="base.cubin [new.cubin]")
    ap.add_argument("--match", default=".",
                    help="regex on the kernel's printed name (e.g. 'fused_gemm_kernel<half, 4, ')")
    args = ap.parse_args()
    tool = os.environ.get("CUOBJDUMP", "cuobjdump")
    runs = [summary(c, tool) for c in args.cubins[:2]]
    names = [n for n in runs[0] if all(n in r for r in runs[1:])]
    pretty = demangle(names)
    rows = sorted((short(pretty[n]), n) for n in names if re.search(args.match, short(pretty[n])))
    for label, n in rows:
        print(label)
        print("    " + "  ->  ".join(cell(r[n]) for r in runs))


if __name__ == "__main__":
    main()
