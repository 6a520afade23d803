"""The decode kernels compile with the experiment build flags on (nvcc only, no GPU needed).

Those flags (ANYPREC_LEAN_ALU, ANYPREC_RING_PTRS, ANYPREC_META16 (the float16 fold metadata at
every width; the default build has it at b = 3, 4 alone), ANYPREC_LUT_WIDE_ADDR,
ANYPREC_LUT_PAIR_LANES) are off in the default build, and ANYPREC_LUT_WIDE_OR's off path (=0)
is not built by default either, so nothing else would notice if one stopped compiling, or if
the kernels it changes started to spill: a spill inside their chunk loop costs more than the
flag saves. ANYPREC_X_FULL, on by default since session 39, is checked here at
its full mask (=15 with the default widths) all the same: the spill check holds either way."""

import re
import shutil
import subprocess
import sys
from glob import glob
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CSRC = ROOT / "vllm_anyprec/csrc"
sys.path.insert(0, str(ROOT / "benchmarks/experiments/sass"))
from ptxas import ptxas_kernels  # (shared with benchmarks/experiments/x_full/static.py)

NVCC = shutil.which("nvcc") or next(iter(sorted(glob("/usr/local/cuda*/bin/nvcc"))), None)
# The flags torch's CUDAExtension passes to nvcc, and setup.py's, for sm_90a alone.
BASE = ["-D__CUDA_NO_HALF_OPERATORS__", "-D__CUDA_NO_HALF_CONVERSIONS__",
        "-D__CUDA_NO_BFLOAT16_CONVERSIONS__", "-D__CUDA_NO_HALF2_OPERATORS__",
        "--expt-relaxed-constexpr", "-O3", "-std=c++17", "-gencode=arch=compute_90a,code=sm_90a"]


def test_ptxas_log_parsing():
    log = ("ptxas info    : Compiling entry function '_Z1kv' for 'sm_90a'\n"
           "ptxas info    : Function properties for _Z1kv\n"
           "    8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads\n"
           "ptxas info    : Used 64 registers, used 1 barriers\n")
    assert ptxas_kernels(log) == {"_Z1kv": (64, 8)}


@pytest.mark.skipif(NVCC is None, reason="no nvcc on this machine")
def test_experiment_flags_compile_without_ring_spills(tmp_path):
    # b = 3 has every path the flags touch: packed nibble words, the LUT register tables, PT,
    # the ring and its wide instance (held to 64 registers under ANYPREC_LEAN_ALU).
    flags = ["-DANYPREC_LEAN_ALU=1", "-DANYPREC_RING_PTRS=1", "-DANYPREC_META16=1"]
    r = subprocess.run([NVCC, *BASE, *flags, "-Xptxas", "-v", "-cubin", "-o",
                        str(tmp_path / "b3.cubin"), str(CSRC / "fused_gemm_b3.cu")],
                       check=False, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    kernels = ptxas_kernels(r.stderr)
    # the M = 1 ring (8 and 16 warps) and PT kernels at g128 (FOLD = 4), both dtypes
    rings = {k: v for k, v in kernels.items()
             if re.search(r"fused_gemm_m1(pipe|pt)_kernelI\w+?Li3ELi4E", k)}
    assert len(rings) == 8, sorted(rings)
    assert all(spill == 0 for _, spill in rings.values()), rings
    wide = [regs for k, (regs, _) in rings.items() if "m1pipe" in k and "Li16E" in k]
    assert wide and max(wide) <= 64, rings  # two 512-thread blocks per SM


# The decode variants. The LUT lookups: ANYPREC_LUT_WIDE_ADDR changes the LUT kernels at b >= 5
# (fused_gemm_kernel, MT = 1, 2 and 4; b = 5 has the decode that feeds it, the packed runs words),
# ANYPREC_LUT_PAIR_LANES those at b = 4 (=1; b = 2..4 at =2) for M <= 16 (fused_gemm_kernel
# MT = 1, 2 and the LP ring, each with its NP instance without the pair tables, for the weights
# lut_pairs_take leaves out). ptxas must fit their lookups without spilling.
@pytest.mark.skipif(NVCC is None, reason="no nvcc on this machine")
@pytest.mark.parametrize("bits,flag,pattern,count", [
    (8, "ANYPREC_LUT_WIDE_ADDR=8", r"fused_gemm_kernelI\w+?Li8ELi[124]ELb1ELb0ELi8E", 6),
    (4, "ANYPREC_LUT_PAIR_LANES=1", r"fused_gemm_kernelI\w+?Li4ELi[12]ELb1ELb0ELi8E|lutpipe", 12),
    (3, "ANYPREC_LUT_PAIR_LANES=2", r"fused_gemm_kernelI\w+?Li3ELi[12]ELb1ELb0ELi8E|lutpipe", 12),
    # LO off (the LUT b = 5, 6 tables at 128 bytes per code, as before session 45, MT = 1, 2;
    # the default build, LO, is the one the device runs)
    (6, "ANYPREC_LUT_WIDE_OR=0", r"fused_gemm_kernelI\w+?Li6ELi[12]ELb1ELb0ELi8E", 4),
    # MR (the uniform M = 9..16 kernel under a register cap, b = 7 by default): built for g128
    # and whole-chunk groups only (FOLD 4, 8; at g32 / g64 the cap spilled), where the 174 / 170
    # registers of the uncapped kernel fit 168 without spilling
    (7, "ANYPREC_MT2_REGS_B7=168", r"fused_gemm_mt2reg_kernel", 4),
    # X_FULL (whole chunks' x unchecked, the crossing chunk after the loop): the register
    # kernels it changes at b = 4 (uniform MT = 1, 2 at g128 / whole-chunk groups, both LUT
    # instances, MC, the M1 fallback), both dtypes; benchmarks/experiments/x_full/. With them
    # LN2 (two n-tiles per block for LUT, MT = 1, 2), under the least caps that did not spill
    # (lut_nt2_regs: 144 at MT = 2 against 241 uncapped; experiments/ln2_s58/)
    (4, "ANYPREC_X_FULL=15", (r"fused_gemm_kernelI\w+?Li4ELi[12]ELb[01]ELb0ELi[48]E|"
                              r"fused_gemm_(mt2cap|m1cap)_kernelI\w+?Li4ELi[48]E|"
                              r"fused_gemm_lutn2_kernelI\w+?Li4ELi[12]E"), 28),
])
def test_decode_variants_compile_without_spills(tmp_path, bits, flag, pattern, count):
    defines = [f"-D{f}" for f in flag.split()]
    r = subprocess.run([NVCC, *BASE, *defines, "-Xptxas", "-v", "-cubin", "-o",
                        str(tmp_path / "k.cubin"), str(CSRC / f"fused_gemm_b{bits}.cu")],
                       check=False, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    lut = {k: v for k, v in ptxas_kernels(r.stderr).items() if re.search(pattern, k)}
    assert len(lut) == count, sorted(lut)
    assert all(spill == 0 for _, spill in lut.values()), lut
    if "MT2_REGS" in flag:
        assert all(regs <= int(flag.split("=")[1]) for regs, _ in lut.values()), lut


# setup.py builds sm_80 and sm_89 by default next to sm_90a (ANYPREC_CUDA_ARCHS), but the device
# builds sm_90a only: the Ampere / Ada targets would break unseen. The decode kernels and the
# Hopper prefill file (its wgmma code is compiled for sm_90a alone, a stub elsewhere) must
# compile for both.
@pytest.mark.skipif(NVCC is None, reason="no nvcc on this machine")
@pytest.mark.parametrize("source", ["fused_gemm_b4.cu", "prefill_wgmma_b4.cu"])
def test_ampere_and_ada_targets_compile(tmp_path, source):
    archs = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in ("80", "89")]
    r = subprocess.run([NVCC, *BASE[:-1], *archs, "-c", "-o", str(tmp_path / "k.o"),
                        str(CSRC / source)],
                       check=False, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
