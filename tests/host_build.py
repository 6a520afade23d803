"""Where the CPU tests find g++ and the CUDA headers, and how they compile the kernels' C++ as
host code (tests/host: decode_host.cpp, the SIMT emulator's gemm_host.cpp)."""

from __future__ import annotations

import os
import shutil
import subprocess
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CXX = shutil.which("g++")


def cuda_include() -> Path | None:
    """The CUDA toolkit's include folder (cuda_runtime.h, cuda_fp16.h), found next to nvcc."""
    roots = [os.environ.get("CUDA_HOME", "")]
    nvcc = shutil.which("nvcc")
    if nvcc:
        roots.append(str(Path(nvcc).resolve().parents[1]))
    roots += sorted(glob("/usr/local/cuda*"))
    for r in roots:
        if r and (Path(r) / "include/cuda_runtime.h").is_file():
            return Path(r) / "include"
    return None


INCLUDE = cuda_include()
MISSING = "needs g++ and the CUDA headers" if CXX is None or INCLUDE is None else None


def compile_host(source: Path, exe: Path, flags: list[str], timeout: int = 600) -> Path:
    """g++ source -> exe with the kernels' include folders; fails with the compiler's output."""
    cmd = [CXX, "-std=c++17", "-O1", "-Wall", "-Wno-unknown-pragmas", "-Werror", *flags,
           f"-I{INCLUDE}", f"-I{ROOT / 'vllm_anyprec/csrc'}", f"-I{ROOT / 'tests/host'}",
           str(source), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr[-4000:]}"
    return exe
