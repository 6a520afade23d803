"""Kernel registers and spills from an `nvcc -Xptxas -v` log (no GPU).

    from ptxas import ptxas_kernels
    ptxas_kernels(log_text)   # {mangled name: (registers, spill bytes stored + loaded)}

Used by tests/test_cuda_compile.py (no spills in the experiment builds' kernels) and
../x_full/static.py.
"""

import re


def ptxas_kernels(log: str) -> dict[str, tuple[int, int]]:
    """Kernel name -> (registers, spill bytes stored + loaded), from nvcc -Xptxas -v output."""
    out, name = {}, None
    for line in log.splitlines():
        m = re.search(r"Compiling entry function '(\S+)'", line)
        if m:
            name = m.group(1)
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and name:
            out[name] = (out.get(name, (0, 0))[0], int(m.group(1)) + int(m.group(2)))
        m = re.search(r"Used (\d+) registers", line)
        if m and name:
            out[name] = (int(m.group(1)), out.get(name, (0, 0))[1])
    return out
