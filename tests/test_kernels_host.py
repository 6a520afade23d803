"""The CUDA kernels (``csrc``) run on the CPU and checked against reference.py.

g++ compiles the kernels with ``tests/host/simt.h``, a small SIMT emulator: every CUDA thread is
a fiber, shuffles, mma.sync and wgmma are warp / warpgroup barriers, cp.async copies land at the
wait_group that covers them and bulk copies when their mbarrier is tested, a cluster's blocks
run together, and dynamic shared memory is poisoned before every block (simt.h says what else it
does and does not model). Three drivers in ``tests/host`` make the host-side calls the ops make:
- ``gemm_host.cpp``: one ``launch_fused_bits`` call, i.e. the decode kernel's choice, its launch
  rules and the kernel, as the gemm op's fused path (M <= 16) runs them;
- ``prefill_host.cpp``: the permute pass and the Hopper prefill kernel on a forced plan;
- ``dequant_host.cpp``: the dense path's dequantize kernel.
The inputs come from the op's own Python (``repack_tiled``, ``uniform_meta``); the outputs are
checked as tests/gpu checks them, under the same per-dtype bounds (dequantize: bit for bit).

So every decode kernel (the M = 1 rings, PT, stream-K, X8, XB, MC / MR, LUT with and without
the pair tables, the register double buffer), every prefill plan kind, the prefill build
flags off by default (the 8-byte cluster reduction ``ANYPREC_PREFILL_PULL16=0``, ``STAGED_LUT``),
the decode kernels' loads all after the PDL wait (``ANYPREC_PDL_EW=0``) or early in the PT kernels
too (``=2``)
and the checked loads that ``ANYPREC_X_FULL`` (on by default) replaced (``X_CHECKED``) run here, in CI.
AddressSanitizer builds catch reads outside the inputs (rows past M, K past its end). Not
checked here: timing, registers and spills (test_cuda_compile.py), and what only the GPU's
memory model would show.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from host_build import MISSING, ROOT, compile_host

from vllm_anyprec.kernels import cuda_layout

sys.path.insert(0, str(ROOT / "tests/gpu"))
from helpers import REL_TOL, random_layer, rel_err  # (tests/gpu's helpers: CPU-safe)

pytestmark = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))

DTYPES = [torch.float16, torch.bfloat16]
BITS = [2, 3, 4, 5, 6, 7, 8]
SIMT = ["-DANYPREC_HOST_SIMT", "-rdynamic", "-ldl"]
ASAN = ["-g", "-fsanitize=address", "-fno-omit-frame-pointer"]
# The register kernels with every x load bound-checked, as before ANYPREC_X_FULL became the
# default (still what uniform b = 6 at M = 9..16 and the groups of 32 / 64 run).
X_CHECKED = ["-DANYPREC_X_FULL=0"]
# The prefill kernel's epilogues the default build does not take (prefill_smem.cuh): the
# cluster pair's 8-byte pulled reduction (the default until session 41) and the staged stores
# of the LUT 64- / 128-token blocks.
PREFILL_FLAGS = [("-DANYPREC_PREFILL_PULL16=0",), ("-DANYPREC_PREFILL_STAGED_LUT=1",)]
# The decode kernels without the early PDL loads (decode_knobs.cuh, ANYPREC_PDL_EW=0; on by
# default): every first weight load, metadata load and LUT table fill after the wait, the rings'
# prologue stages copied whole (the default splits them into early weight copies and x /
# metadata copies after the wait).
PDL_LATE = ("-DANYPREC_PDL_EW=0",)
PDL_LATE_BITS = (3, 4, 8)
# ... and with them in the persistent-tile kernels too (ANYPREC_PDL_EW=2, off: no faster).
PDL_PT = ("-DANYPREC_PDL_EW=2",)
# The LUT b = 5, 6 per-lane tables at 128 bytes per code, as before LO (decode_knobs.cuh,
# ANYPREC_LUT_WIDE_OR, on by default since session 45: 256 bytes per code, aligned to their
# size at run time, one lookup address per word or-ed; the default builds test it).
LUT_WIDE_OR_OFF = ("-DANYPREC_LUT_WIDE_OR=0",)
LUT_WIDE_OR_BITS = (5, 6)
# The packed b = 2, 3 nibble words masked in decode_unit again (anyprec.cuh ANYPREC_LEAN_MASK=0;
# the default since session 49 leaves them unmasked in the M = 1 uniform and the LUT nibble
# kernels, whose consumers mask b bits instead of 4).
LEAN_MASK_OFF = ("-DANYPREC_LEAN_MASK=0",)
# The float16 fold metadata at every width (anyprec.cuh ANYPREC_META16_BITS; the default takes
# it at b = 3..6 and 8): the widths the default leaves on the fp32 table, b = 2 (fp16's 16 q
# rows) and b = 7, under the two-fma fold (fold_acc; at M = 9..16 too with b in the mask).
META16_ALL = ("-DANYPREC_META16_BITS=0x1FC", "-DANYPREC_FOLD_FMA2_MT2_BITS=0x1FC")
META16_ALL_BITS = (2, 7)
# The three-op fold (anyprec.cuh ANYPREC_FOLD_FMA2=0), on both tables.
FOLD3 = ("-DANYPREC_FOLD_FMA2=0",)
FOLD3_BITS = (4, 7)


class Builds:
    """The host executables by (tool, bits, flags), compiled on first use (several at once by
    ``prebuild``: each takes 10-20 s of one core). Tools: gemm (gemm_host.cpp, the decode
    kernels of one width), prefill (prefill_host.cpp, the Hopper prefill kernels of one width),
    dequant (dequant_host.cpp, every width; bits 0)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.done: dict[tuple, Path] = {}
        self.lock = threading.Lock()

    def _build(self, tool: str, bits: int, flags: tuple[str, ...]) -> Path:
        tag = re.sub(r"[^A-Za-z0-9]+", "_", " ".join(flags))
        return compile_host(ROOT / f"tests/host/{tool}_host.cpp",
                            self.folder / f"{tool}_host_b{bits}_{tag}",
                            [f"-DSIMT_BITS={bits}", *SIMT, *flags])

    def prebuild(self, wanted: list[tuple[str, int, tuple[str, ...]]]) -> None:
        todo = [w for w in wanted if w not in self.done]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for w, exe in zip(todo, pool.map(lambda w: self._build(*w), todo)):
                self.done[w] = exe

    def __call__(self, bits: int, flags: tuple[str, ...] = (), tool: str = "gemm") -> Path:
        with self.lock:
            key = (tool, bits, flags)
            if key not in self.done:
                self.done[key] = self._build(*key)
            return self.done[key]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    b = Builds(tmp_path_factory.mktemp("host_kernels"))
    b.prebuild([("gemm", bits, ()) for bits in BITS] + [("dequant", 0, ())]
               + [("gemm", bits, tuple(X_CHECKED)) for bits in (3, 4, 7, 8)]
               + [("gemm", 4, tuple(ASAN)), ("gemm", 4, (*X_CHECKED, *ASAN))]
               + [("prefill", bits, ()) for bits in BITS]
               + [("prefill", bits, flags) for bits in (4, 8) for flags in PREFILL_FLAGS]
               + [("gemm", bits, PDL_LATE) for bits in PDL_LATE_BITS]
               + [("gemm", 4, PDL_PT)]
               + [("gemm", bits, LUT_WIDE_OR_OFF) for bits in LUT_WIDE_OR_BITS]
               + [("gemm", bits, LEAN_MASK_OFF) for bits in (2, 3)]
               + [("gemm", bits, META16_ALL) for bits in META16_ALL_BITS]
               + [("gemm", bits, FOLD3) for bits in FOLD3_BITS])
    return b


class Inputs:
    """A GEMM's inputs as the ops hand them to the kernels: x padded to K % 8 == 0 (prepare_x),
    the tiled weights (repack_tiled; ``packed`` default: the build's layout, b in PACKED_BITS
    with runs words), the fold metadata (uniform_meta, fp32) or the tables in the activation
    dtype; and the reference x @ W_ref^T (fp32; bf16 LUT with the table rounded to bf16, as
    tests/gpu's check_against_reference)."""

    def __init__(self, layer, dtype: torch.dtype, m: int, seed: int = 1,
                 packed: bool | None = None, half: bool | None = None):
        b, k = layer.bits, layer.k
        packed = b in cuda_layout.PACKED_BITS if packed is None else packed
        tiled = cuda_layout.repack_tiled(layer.qweight, b, k, packed=packed, runs=True)
        self.c, self.n16, self.kp = math.ceil(k / 256), math.ceil(layer.n / 16), (k + 7) // 8 * 8
        if layer.scheme == "uniform":
            # (the table the emulator's build reads: its header's default widths unless told)
            half = b in cuda_layout.META16_BITS if half is None else half
            meta = cuda_layout.uniform_meta(layer.scales, layer.zeros, b, dtype, self.n16,
                                            half=half)
            self.meta, self.lut = meta.contiguous().numpy().tobytes(), b""
        else:
            self.meta = b""
            self.lut = layer.lut.to(dtype).contiguous().view(torch.int16).numpy().tobytes()
        self.x = torch.randn(m, k, generator=torch.Generator().manual_seed(seed)).to(dtype)
        x2 = torch.nn.functional.pad(self.x, (0, self.kp - k)).contiguous()
        self.data = (x2.view(torch.int16).numpy().tobytes() + tiled.numpy().tobytes() + self.meta
                     + self.lut)
        self.layer, self.dtype, self.m = layer, dtype, m

    def head(self) -> list[int]:
        """The drivers' first arguments: BF16 LUT M N K C N16."""
        return [int(self.dtype == torch.bfloat16), int(self.layer.scheme == "lut"), self.m,
                self.layer.n, self.kp, self.c, self.n16]

    def run(self, exe: Path, args: list, env: dict | None = None) -> tuple[float, str]:
        """exe on these inputs: (relative error of its y against the reference, its log)."""
        r = subprocess.run([str(exe), *map(str, args)], input=self.data, capture_output=True,
                           env={**os.environ, "SIMT_LOG": "1", "ASAN_OPTIONS": "detect_leaks=0",
                                **(env or {})},
                           timeout=600, check=False)
        log = r.stderr.decode(errors="replace")
        assert r.returncode == 0, f"{exe.name} exit {r.returncode}: {log[-3000:]}"
        y = torch.from_numpy(np.frombuffer(r.stdout, dtype=np.int16).copy()).view(self.dtype)
        w = self.layer.dequant_ref(torch.float32)
        if self.layer.scheme == "lut" and self.dtype == torch.bfloat16:
            w = self.layer.dequant_ref(torch.bfloat16).float()
        return rel_err(y.view(self.m, self.layer.n), self.x.float() @ w.t()), log


def run_gemm(exe: Path, layer, dtype: torch.dtype, m: int, env: dict | None = None,
             seed: int = 1, packed: bool | None = None,
             half: bool | None = None) -> tuple[float, list[str]]:
    """The gemm op's fused path on the emulator: (relative error, the kernels launched, each
    with its block size). half: the fold metadata's width (Inputs)."""
    inp = Inputs(layer, dtype, m, seed, packed, half)
    gs = layer.group_size
    gs = 0 if layer.scheme == "lut" else inp.c * 256 if gs == -1 else gs  # (gemm_args)
    err, log = inp.run(exe, [*inp.head(), gs, len(inp.meta), len(inp.lut)], env)
    kernels = re.findall(r"simt launch: void anyprec::(\w+<[^(]*)\(.*block=(\d+)", log)
    return err, [f"{kn} block={bl}" for kn, bl in kernels]


def check(exe, layer, ms, env=None, dtypes=DTYPES, half=None) -> list[str]:
    """Every M of ms and dtype within REL_TOL; returns the kernels launched."""
    seen = []
    for m in ms:
        for dtype in dtypes:
            err, kernels = run_gemm(exe, layer, dtype, m, env, half=half)
            what = (f"{layer.scheme} b={layer.bits} gs={layer.group_size} N={layer.n} "
                    f"K={layer.k} M={m} {dtype} env={env}: {kernels}")
            assert kernels, f"no kernel launched: {what}"
            assert err < REL_TOL[dtype], f"rel err {err:.2e}: {what}"
            seen += kernels
    return seen


# (N, K, group size): a ragged last n-tile, chunk and group; several chunks per row; a fold
# per subchunk (96); one group per row; group 32.
SHAPES = [(203, 840, 64), (37, 1056, 128), (45, 1000, 96), (16, 4100, -1), (40, 600, 32)]
MS = [1, 2, 3, 5, 8, 9, 12, 16]


def test_emulator_exposes_races_and_deadlocks(builds, tmp_path):
    # What the kernels' results cannot show: that the emulator's model fails where it should.
    exe = compile_host(ROOT / "tests/host/simt_selftest.cpp", tmp_path / "simt_selftest",
                       ["-DANYPREC_HOST_SIMT"])

    def out(mode, **env):
        r = subprocess.run([str(exe), mode], capture_output=True, text=True, timeout=60,
                           env={**os.environ, **env}, check=False)
        return r.returncode, r.stdout.strip(), r.stderr

    assert out("async") == (0, "async before=32 after=32", "")  # cp.async lands at its wait
    assert out("order")[1] == "order word=0"  # a later thread's write, no barrier: not seen
    assert out("order", SIMT_REVERSE="1")[1] == "order word=7"  # (the other order sees it)
    assert out("barrier")[1] == "barrier word=7"
    assert out("shfl")[1] == "shfl ok=32"
    rc, _, err = out("deadlock")
    assert rc == 3 and "deadlock" in err and "t0@__shfl_sync" in err and "t16@__syncthreads" in err
    rc, _, err = out("misalign")
    assert rc == 3 and "not 16-byte aligned" in err


WIDTH_BUILDS = ([(b, ()) for b in BITS] + [(b, tuple(X_CHECKED)) for b in (3, 4, 7, 8)]
                + [(b, LEAN_MASK_OFF) for b in (2, 3)])
WIDTH_IDS = {(): "default", tuple(X_CHECKED): "x_checked", LEAN_MASK_OFF: "lean_mask_off"}


@pytest.mark.parametrize("bits,flags", WIDTH_BUILDS,
                         ids=[f"b{b}-{WIDTH_IDS[f]}" for b, f in WIDTH_BUILDS])
def test_decode_kernels_match_reference(builds, bits, flags):
    check_shapes(builds(bits, flags), bits)


def check_shapes(exe, bits, first_shape=None, schemes=("uniform", "lut"),
                 half=None) -> list[str]:
    """The schemes on every shape of SHAPES at every M of MS (check; half: the fold metadata's
    width); first_shape(exe, layer) also runs on the first shape's layers. Returns the kernels
    launched."""
    seen = []
    for scheme in schemes:
        for n, k, gs in SHAPES:
            layer = random_layer(scheme, bits, n, k, gs if scheme == "uniform" else -1,
                                 device="cpu", seed=bits * 100 + n)
            seen += check(exe, layer, MS, half=half)
            if first_shape is not None and n == SHAPES[0][0]:
                seen += first_shape(exe, layer)
    return seen


@pytest.mark.parametrize("bits", PDL_LATE_BITS)
def test_decode_pdl_late_loads_match_reference(builds, bits):
    # b = 3: the M = 1 uniform ring and the LUT register tables; b = 4: LP (the LUT ring); b = 8:
    # the wide per-lane LUT tables; every b: X8 at M = 4 (forced: its rule takes only weights far
    # larger than these). Both thread orders on one shape.
    def first_shape(exe, layer):
        check(exe, layer, [1, 4], env={"SIMT_REVERSE": "1"})
        if layer.scheme != "lut":
            return check(exe, layer, [4], env={"ANYPREC_DECODE_X8": "2"})
        # LP by its rule only on large weights: forced here
        return check(exe, layer, [1], env={"ANYPREC_LUT_PIPE_MIN_WORK": "1"})

    seen = check_shapes(builds(bits, PDL_LATE), bits, first_shape)
    assert any("m1pipe" in s for s in seen), sorted(set(seen))
    assert any("lutpipe" in s for s in seen) == (bits == 4), sorted(set(seen))
    assert any("x8pipe" in s for s in seen), sorted(set(seen))


@pytest.mark.parametrize("bits", LUT_WIDE_OR_BITS)
@pytest.mark.parametrize("flags", [(), LUT_WIDE_OR_OFF], ids=["lo", "lo_off"])
def test_lut_wide_tables_match_reference(builds, bits, flags):
    # Every shape and M <= 16 (MT = 1, 2 take LO's tables; a wrong alignment or code offset
    # reads another code's value: a base off by 256 bytes failed here), then one shape with
    # each block's threads last to first (the fill's barrier). Both table layouts.
    exe = builds(bits, flags)
    seen = []
    for n, k, _ in SHAPES:
        layer = random_layer("lut", bits, n, k, -1, device="cpu", seed=bits * 100 + n)
        seen += check(exe, layer, MS)
        if n == SHAPES[0][0]:
            check(exe, layer, [1, 9], env={"SIMT_REVERSE": "1"})
    assert any(s.startswith("fused_gemm_kernel<") for s in seen), sorted(set(seen))


@pytest.mark.parametrize("bits", META16_ALL_BITS)
def test_float16_fold_metadata_at_other_widths(builds, bits):
    assert bits not in cuda_layout.META16_BITS  # (else the default builds test it already)
    check_shapes(builds(bits, META16_ALL), bits, schemes=("uniform",), half=True)


@pytest.mark.parametrize("bits", FOLD3_BITS)
def test_three_op_fold_matches_reference(builds, bits):
    check_shapes(builds(bits, FOLD3), bits, schemes=("uniform",))


def test_decode_kernels_in_reverse_thread_order(builds):
    # The same kernels with each block's threads run last to first (SIMT_REVERSE): a missing
    # barrier shows in one of the two orders (the self-test above).
    for bits in (3, 4, 8):
        for scheme in ("uniform", "lut"):
            layer = random_layer(scheme, bits, 203, 840, 64 if scheme == "uniform" else -1,
                                 device="cpu", seed=bits)
            check(builds(bits), layer, MS, env={"SIMT_REVERSE": "1"})


@pytest.mark.parametrize("bits", BITS)
def test_dequant_bit_exact(builds, bits):
    # The dense path's dequantize kernel (csrc/dequant.cu) against reference.py, bit for bit,
    # on tests/gpu's shapes (ragged n-tiles and chunks, K % 8 != 0, group 96, 11 chunks).
    for scheme in ("uniform", "lut"):
        for n, k, gs in [(37, 300, 32), (64, 1024, 128), (129, 520, -1), (16, 33, 96),
                         (48, 2600, 64)]:
            gs = gs if scheme == "uniform" else -1
            layer = random_layer(scheme, bits, n, k, gs, device="cpu", seed=bits * 7 + n)
            tiled = cuda_layout.repack_tiled(layer.qweight, bits, k,
                                             packed=bits in cuda_layout.PACKED_BITS, runs=True)
            for dtype in DTYPES:
                if scheme == "uniform":
                    g, group = layer.scales.shape[1], k if gs == -1 else gs
                    extra = layer.scales.numpy().tobytes() + layer.zeros.numpy().tobytes()
                else:
                    g, group = 1, 0
                    extra = layer.lut.to(dtype).contiguous().view(torch.int16).numpy().tobytes()
                args = [bits, int(dtype == torch.bfloat16), int(scheme == "lut"), n, k,
                        math.ceil(k / 256), math.ceil(n / 16), g, group]
                r = subprocess.run([str(builds(0, tool="dequant")), *map(str, args)],
                                   input=tiled.numpy().tobytes() + extra, capture_output=True,
                                   timeout=300, check=False)
                assert r.returncode == 0, r.stderr.decode()[-2000:]
                out = torch.from_numpy(np.frombuffer(r.stdout, dtype=np.int16).copy())
                ref = layer.dequant_ref(dtype).view(torch.int16)
                assert torch.equal(out.view(n, k), ref), (
                    f"dequant {scheme} b={bits} N={n} K={k} gs={gs} {dtype}: "
                    f"{int((out.view(n, k) != ref).sum())} of {n * k} values differ")


def test_wrong_layout_fails(builds):
    # The check can fail: b = 3 weights in plain planes, read by the packed build.
    layer = random_layer("uniform", 3, 203, 840, 64, device="cpu", seed=3)
    err, kernels = run_gemm(builds(3), layer, torch.float16, 1, packed=False)
    assert kernels and err > 0.1


# The run-time switches of tests/gpu's test_m1_kernel_switches, each with the kernel it must
# launch: (env, bits, scheme, (N, K, group size), Ms, kernel name prefix).
SWITCHES = {
    "pipe0": ("ANYPREC_DECODE_PIPE=0", 4, "uniform", (203, 1056, 128), [1],
              "fused_gemm_m1cap_kernel<"),
    "summma0": ("ANYPREC_DECODE_SUM_MMA=0", 4, "uniform", (203, 1056, 128), [1],
                "fused_gemm_kernel<"),
    "sk2": ("ANYPREC_DECODE_SK=2 ANYPREC_SK_OVER_XS=1", 4, "uniform", (203, 1056, 96), [1],
            "fused_gemm_m1sk_kernel<"),
    "sk2w1": ("ANYPREC_DECODE_SK=2 ANYPREC_SK_WARPS=1", 3, "uniform", (45, 1000, 128), [1],
              "fused_gemm_m1sk_kernel<"),
    "pt2g3": ("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3", 4, "uniform", (203, 1056, 128), [1],
              "fused_gemm_m1pt_kernel<"),
    "pt2g2c": (("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=2 ANYPREC_PT_CONTIG=1 ANYPREC_PT_WARPS=3 "
                "ANYPREC_PT_STAGES=3"), 2, "uniform", (203, 1056, 64), [1],
               "fused_gemm_m1pt_kernel<"),
    "xs1": ("ANYPREC_DECODE_XS=1", 8, "uniform", (203, 1056, 128), [1],
            "fused_gemm_kernel<__half, 8, 1, false, true,"),
    "wide0": ("ANYPREC_RING_WIDE=0", 4, "uniform", (40, 16400, 128), [1],
              "fused_gemm_m1pipe_kernel<__half, 4, 4, 8>"),
    "wide": ("", 7, "uniform", (40, 16400, -1), [1], "fused_gemm_m1pipe_kernel<__half, 7, 8, 16>"),
    "eight0": ("ANYPREC_DECODE_X8=0", 4, "uniform", (203, 1056, 128), [2, 3],
               "fused_gemm_kernel<"),
    # X8's rule: b = 2 takes X8 on any weight; b = 6 on this small weight only with the rule's
    # weight bound lowered (ANYPREC_X8_MIN_WORK); b = 5 (in neither mask) leaves it even then.
    "eightb2": ("", 2, "uniform", (203, 1056, 128), [2, 4], "fused_gemm_x8pipe_kernel<"),
    "eightrule": ("ANYPREC_X8_MIN_WORK=1", 6, "uniform", (203, 1056, 128), [2, 4],
                  "fused_gemm_x8pipe_kernel<"),
    "eightbits": ("ANYPREC_X8_MIN_WORK=1", 5, "uniform", (203, 1056, 128), [2],
                  "fused_gemm_kernel<"),
    "eightwork": ("", 6, "uniform", (203, 1056, 128), [3], "fused_gemm_kernel<"),
    "eightring": ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=0", 3, "uniform", (203, 1056, 32),
                  [2, 5, 8], "fused_gemm_x8pipe_kernel<"),
    "eightpt": ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=2 ANYPREC_PT_GRID=3", 5, "uniform",
                (203, 1056, 128), [3, 8], "fused_gemm_x8pt_kernel<"),
    "eightpt3": ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=2 ANYPREC_PT_GRID=2 ANYPREC_PT_WARPS=3", 4,
                 "uniform", (203, 1056, 64), [7], "fused_gemm_x8pt_kernel<"),
    "xb8": ("ANYPREC_DECODE_XB=2", 4, "uniform", (203, 1056, 128), [2, 9, 16],
            "fused_gemm_xb_kernel<"),
    "xb3": ("ANYPREC_DECODE_XB=2 ANYPREC_XB_WARPS=3", 7, "uniform", (203, 1056, -1), [13],
            "fused_gemm_xb_kernel<"),
    # XB's rule (on by default since session 54: b = 6 alone, M >= 9, at least one 8-tile block
    # per SM): this weight's 13 n-tiles make 2 blocks, one per SM on an emulated 2-SM GPU. b = 6
    # takes XB at M = 9 and 16; M = 8, b = 5 and b = 7 do not; on 3 SMs (fewer blocks than SMs)
    # b = 6 does not either.
    "xbrule6": ("SIMT_SMS=2", 6, "uniform", (203, 1056, 128), [9, 16], "fused_gemm_xb_kernel<"),
    "xbrulem8": ("SIMT_SMS=2", 6, "uniform", (203, 1056, 128), [8], "fused_gemm_kernel<"),
    "xbrule5": ("SIMT_SMS=2", 5, "uniform", (203, 1056, 128), [12], "fused_gemm_"),
    "xbrule7": ("SIMT_SMS=2", 7, "uniform", (203, 1056, 128), [12], "fused_gemm_"),
    "xbrulesms": ("SIMT_SMS=3", 6, "uniform", (203, 1056, 128), [12], "fused_gemm_"),
    "lpall": ("ANYPREC_LUT_PIPE=2", 3, "lut", (203, 1056, -1), [1], "fused_gemm_lutpipe_kernel<"),
    # LP's rule with its work bound lowered to this small weight: b = 4 takes LP by the default
    # widths (b = 4 alone), b = 3 leaves it (the register kernel), and takes it again when
    # ANYPREC_LUT_PIPE_BITS names b = 3.
    "lprule": ("ANYPREC_LUT_PIPE_MIN_WORK=1", 4, "lut", (203, 1056, -1), [1],
               "fused_gemm_lutpipe_kernel<"),
    "lpbits": ("ANYPREC_LUT_PIPE_MIN_WORK=1", 3, "lut", (203, 1056, -1), [1],
               "fused_gemm_kernel<"),
    "lpmask": ("ANYPREC_LUT_PIPE_MIN_WORK=1 ANYPREC_LUT_PIPE_BITS=0x8", 3, "lut",
               (203, 1056, -1), [1], "fused_gemm_lutpipe_kernel<"),
    # PT's ring depth by width (ANYPREC_PT_STAGES3_BITS, the last template argument): b = 3
    # with 2 stages, b = 4 with 3 (a hex mask: env_int reads base 0).
    "ptst2": ("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3 ANYPREC_PT_STAGES3_BITS=0", 3, "uniform",
              (203, 1056, 128), [1], "fused_gemm_m1pt_kernel<__half, 3, 4, 2>"),
    "ptst3": ("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3 ANYPREC_PT_STAGES3_BITS=0x10", 4,
              "uniform", (203, 1056, 128), [1], "fused_gemm_m1pt_kernel<__half, 4, 4, 3>"),
    # PT's rule by width (ANYPREC_PT_BITS) on an emulated single-SM device with one resident
    # block (SIMT_SMS, SIMT_FIT), where the grid rule takes b = 4's 13 n-tiles: the default
    # mask (b = 2, 3) leaves b = 4 to the ring; a mask with b = 4 gives it PT.
    "ptrule": ("SIMT_SMS=1 SIMT_FIT=1", 4, "uniform", (203, 1056, 128), [1],
               "fused_gemm_m1pipe_kernel<"),
    "ptbits": ("SIMT_SMS=1 SIMT_FIT=1 ANYPREC_PT_BITS=0x10", 4, "uniform", (203, 1056, 128),
               [1], "fused_gemm_m1pt_kernel<__half, 4, 4, 2>"),
    "mcall": ("ANYPREC_MT2_CAP=2", 3, "uniform", (203, 1056, 128), [9, 16],
              "fused_gemm_mt2cap_kernel<"),
    # MC3 (ANYPREC_MC3=2: MC's weights through a per-warp cp.async ring of 2..4 stages): the
    # chunk that crosses K (K = 1056) from each stage position, several warps per block (the
    # wave model's plan for 5 chunks), groups of 128 and 64, both widths MC serves.
    "mc3": ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2", 4, "uniform", (203, 1056, 128), [9, 12, 16],
            "fused_gemm_mt2cap3_kernel<__half, 4, 4, 3>"),
    "mc3st2": ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=2", 3, "uniform",
               (203, 1056, 128), [9, 16], "fused_gemm_mt2cap3_kernel<__half, 3, 4, 2>"),
    "mc3st4": ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=4", 4, "uniform",
               (203, 1056, 64), [10, 16], "fused_gemm_mt2cap3_kernel<__half, 4, 2, 4>"),
    # WR (ANYPREC_WR=2: the plain uniform register kernel's weights through the ring) at
    # M = 2..8 (MT = 1) and 9..16 (MT = 2), by the wave model's plan and with the warps forced.
    "wr4": ("ANYPREC_WR=2", 4, "uniform", (203, 1056, 128), [2, 5, 8],
            "fused_gemm_wr_kernel<__half, 4, 1, 4>"),
    "wr8": ("ANYPREC_WR=2", 8, "uniform", (203, 1056, 64), [3, 9, 16],
            "fused_gemm_wr_kernel<__half, 8, 2, 2>"),
    "wr3": ("ANYPREC_WR=2 ANYPREC_MT2_CAP=0 ANYPREC_DECODE_WARPS=3", 3, "uniform",
            (203, 1056, -1), [4, 12], "fused_gemm_wr_kernel<"),
    # NT2 (ANYPREC_NT2=2: MC with two n-tiles per block): 13 n-tiles (the last block has no
    # second tile), the chunk that crosses K, groups of 128, 168 registers; whole-chunk groups
    # (FOLD 8's group counter stepped once per chunk for both tiles) on 12 n-tiles with ragged
    # rows, 2 warps per block, the defaults (uncapped, tile B on tile A's sums of x); groups of
    # 64 (always uncapped: 168 registers spill there) in 3-warp blocks; the shared sums at 168.
    "nt2": ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_NT2_REGS=168 ANYPREC_NT2_SUMS=0", 4,
            "uniform", (203, 1056, 128), [9, 12, 16],
            "fused_gemm_mt2n2_kernel<__half, 4, 4, 168, 1>"),
    "nt2g256": ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_DECODE_WARPS=2", 3, "uniform",
                (190, 1056, 256), [10, 16], "fused_gemm_mt2n2_kernel<__half, 3, 8, 255, 2>"),
    "nt2sums": ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_NT2_SUMS=1 ANYPREC_NT2_REGS=168", 4,
                "uniform", (203, 1056, 128), [9, 16],
                "fused_gemm_mt2n2_kernel<__half, 4, 4, 168, 2>"),
    # NT2's rule (ANYPREC_NT2=1, the default): at least 6 n-tiles per SM: this weight's 13 on
    # 2 emulated SMs take it (the defaults: uncapped, the sums shared), on 3 SMs they do not;
    # fp16 alone with ANYPREC_NT2_DTYPES=1.
    "nt2rule": ("ANYPREC_MT2_CAP=2 SIMT_SMS=2", 4, "uniform", (203, 1056, 128),
                [16], "fused_gemm_mt2n2_kernel<__half, 4, 4, 255, 2>"),
    "nt2rulefp16": ("ANYPREC_MT2_CAP=2 SIMT_SMS=2 ANYPREC_NT2_DTYPES=1", 3, "uniform",
                    (203, 1056, 128), [9], "fused_gemm_mt2n2_kernel<__half, 3, 4, 255, 2>"),
    "nt2rulesms": ("ANYPREC_MT2_CAP=2 SIMT_SMS=3", 4, "uniform", (203, 1056, 128),
                   [16], "fused_gemm_mt2cap_kernel<"),
    "nt2g64": ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_DECODE_WARPS=3", 4, "uniform",
               (203, 1056, 64), [9, 16], "fused_gemm_mt2n2_kernel<__half, 4, 2, 255, 1>"),
    # NT2P (ANYPREC_NT2P=2: the plain uniform register kernel with two n-tiles per block) at
    # M = 2..8 (MT = 1) and 9..16 (MT = 2): 13 n-tiles (a last block with one tile), the chunk
    # that crosses K, groups of 128 by the wave model's warps; whole-chunk groups (FOLD 8's
    # counter) with the warps forced; b = 8 (the most registers) and b = 5.
    "nt2p4": ("ANYPREC_NT2P=2 ANYPREC_DECODE_X8=0", 4, "uniform", (203, 1056, 128), [2, 5, 8],
              "fused_gemm_n2_kernel<__half, 4, 1, 4, 2>"),
    "nt2p8": ("ANYPREC_NT2P=2 ANYPREC_DECODE_X8=0", 8, "uniform", (203, 1056, 128), [3, 9, 16],
              "fused_gemm_n2_kernel<__half, 8, 2, 4, 2>"),
    "nt2p5g256": ("ANYPREC_NT2P=2 ANYPREC_DECODE_WARPS=2", 5, "uniform", (190, 1056, 256),
                  [4, 12], "fused_gemm_n2_kernel<__half, 5, "),
    # NT4 (ANYPREC_NT2P_TILES=4, M <= 8): four tiles per block: 13 n-tiles make 4 blocks, the
    # last with one tile (three missing: tile A's words again, never stored), 14 n-tiles
    # (N = 210) two missing; groups of 128 and whole chunks; M = 9..16 keeps two tiles.
    "nt4p3": ("ANYPREC_NT2P=2 ANYPREC_NT2P_TILES=4 ANYPREC_DECODE_X8=0", 3, "uniform",
              (203, 1056, 128), [2, 8, 9, 16], "fused_gemm_n2_kernel<__half, 3, 1, 4, 4>"),
    "nt4p5": ("ANYPREC_NT2P=2 ANYPREC_NT2P_TILES=4 ANYPREC_DECODE_WARPS=3", 5, "uniform",
              (210, 1056, 256), [5, 16], "fused_gemm_n2_kernel<__half, 5, 1, 8, 4>"),
    # LN2 (ANYPREC_LUT_NT2=2: the LUT register kernel with two n-tiles per block, single-code
    # tables) at M = 2..8 and 9..16: b = 4's per-lane shared tables (the pair tables off) on 13
    # n-tiles (the last block has one tile) and the chunk that crosses K; b = 3's register tables
    # on 14 n-tiles with ragged rows, 3 warps per block; b = 2 on 12 n-tiles; and where the
    # pair tables' rule takes a weight (5 emulated SMs), the pair tables, not LN2.
    "ln2b4": ("ANYPREC_LUT_NT2=2 ANYPREC_LUT_PAIR=0", 4, "lut", (203, 1056, -1), [2, 5, 9, 16],
              "fused_gemm_lutn2_kernel<__half, 4, 1>"),
    "ln2b3": ("ANYPREC_LUT_NT2=2 ANYPREC_DECODE_WARPS=3", 3, "lut", (210, 1056, -1), [3, 12],
              "fused_gemm_lutn2_kernel<__half, 3, 1>"),
    "ln2b2": ("ANYPREC_LUT_NT2=2", 2, "lut", (190, 800, -1), [8, 16],
              "fused_gemm_lutn2_kernel<__half, 2, 1>"),
    "ln2pairs": ("ANYPREC_LUT_NT2=2 SIMT_SMS=5", 4, "lut", (203, 1056, -1), [9, 16],
                 "fused_gemm_kernel<__half, 4, 2, true, false, 8, false>"),
    "mrall": ("ANYPREC_MT2_CAP=2", 7, "uniform", (203, 1056, 128), [12],
              "fused_gemm_mt2reg_kernel<"),
    "pairs0": ("ANYPREC_LUT_PAIR=0", 4, "lut", (203, 1056, -1), [1, 5, 16],
               "fused_gemm_kernel<__half, 4, "),
    "pairs2": ("ANYPREC_LUT_PAIR=2", 4, "lut", (203, 1056, -1), [1, 5, 16],
               "fused_gemm_kernel<__half, 4, "),
    # The pair tables' rule (lut_pairs_take) by n-tiles per SM: this weight's 13 n-tiles (5
    # chunks, under the chunks bound) on emulated GPUs of 2..5 SMs. M = 1's bound is 6 per SM:
    # 3 SMs (4.3 per SM) take the tables, 2 (6.5) do not; M = 9..16's is 3: 5 SMs (2.6) take
    # them, 4 (3.25) do not.
    "pairsm1": ("SIMT_SMS=3", 4, "lut", (203, 1056, -1), [1], "fused_gemm_kernel<__half, 4, "),
    "pairsnp1": ("SIMT_SMS=2", 4, "lut", (203, 1056, -1), [1], "fused_gemm_kernel<__half, 4, "),
    "pairsm16": ("SIMT_SMS=5", 4, "lut", (203, 1056, -1), [9, 16],
                 "fused_gemm_kernel<__half, 4, "),
    "pairsnp16": ("SIMT_SMS=4", 4, "lut", (203, 1056, -1), [9, 16],
                  "fused_gemm_kernel<__half, 4, "),
}


def run_switch(builds, name, flags=()) -> list[str]:
    """SWITCHES[name] on the build of its width with flags: every M within REL_TOL, and the
    kernel it names among those launched (returned)."""
    env, bits, scheme, (n, k, gs), ms, want = SWITCHES[name]
    layer = random_layer(scheme, bits, n, k, gs, device="cpu", seed=len(name) + bits)
    seen = check(builds(bits, flags), layer, ms, env=dict(kv.split("=") for kv in env.split()))
    assert any(s.startswith(want) for s in seen), f"{name}: expected {want}..., ran {seen}"
    return seen


@pytest.mark.parametrize("name", list(SWITCHES))
def test_decode_kernel_switches(builds, name):
    seen = run_switch(builds, name)
    if name == "lpbits":
        assert not any("lutpipe" in s for s in seen), seen
    if name in ("eightbits", "eightwork"):
        assert not any("x8" in s for s in seen), seen
    if name == "ptrule":
        assert not any("m1pt" in s for s in seen), seen
    if name in ("xbrulem8", "xbrule5", "xbrule7", "xbrulesms"):
        assert not any("_xb_" in s for s in seen), seen
    if name == "nt2rule":  # both dtypes
        assert any("mt2n2_kernel<__nv_bfloat16" in s for s in seen), seen
    if name == "nt2rulefp16":  # (bf16 stays on MC)
        assert not any("mt2n2_kernel<__nv_bfloat16" in s for s in seen), seen
    if name == "nt2rulesms":
        assert not any("mt2n2" in s for s in seen), seen
    if name in ("ln2b4", "ln2b3", "ln2b2"):  # M = 9..16 (MT = 2) too
        assert any(s.startswith(SWITCHES[name][5][:-2] + "2>") for s in seen), seen
    if name == "ln2pairs":
        assert not any("lutn2" in s for s in seen), seen
    if name == "nt4p5":  # M = 16 (MT = 2) with two tiles
        assert any(s.startswith("fused_gemm_n2_kernel<__half, 5, 2, 8, 2>") for s in seen), seen
    if name.startswith("pairs"):
        # the NP instances (single-code tables) end in "true>", the pair tables' in "false>"
        np_flag = "true>" if name in ("pairs0", "pairsnp1", "pairsnp16") else "false>"
        assert all(s.split(" block=")[0].endswith(np_flag) for s in seen), seen


@pytest.mark.parametrize("name", ["pt2g3", "ptst3", "eightpt3"])
def test_pt_kernels_with_early_loads(builds, name):
    # ANYPREC_PDL_EW=2: the PT kernels' prologue copies along each warp's tile sequence (3
    # stages and several tiles per block: a warp's second early chunk in its next tile).
    run_switch(builds, name, PDL_PT)


@pytest.mark.parametrize("name", ["pt2g2c", "ptst2", "lpmask"])
def test_lean_mask_off_switches(builds, name):
    # The kernels LM changes that the default shapes do not launch (PT at b = 2 and 3: the
    # packed nibble words into fp16's A-register and-or; the LUT ring at b = 3: into the register
    # tables' selectors), with the masks in decode_unit again (ANYPREC_LEAN_MASK=0). The default
    # build runs the same switches in test_decode_kernel_switches; a consumer mask one bit too
    # wide failed pt2g2c there.
    run_switch(builds, name, LEAN_MASK_OFF)


# K = 256 c + r as test_gemm_chunk_tails (tests/gpu): 8-warp blocks on 3 n-tiles, the chunk
# that crosses K in each position a swapped pair can hold it (c = 9, 12: second; 16: third),
# and K = 3072 with none.
TAIL_KS = [256 * 9 + 100, 256 * 12 + 32, 256 * 16 + 8, 256 * 12]


@pytest.mark.parametrize("bits", [3, 4, 7, 8])
@pytest.mark.parametrize("flags", [(), tuple(X_CHECKED)], ids=["default", "x_checked"])
def test_chunk_tails(builds, bits, flags):
    exe = builds(bits, flags)
    for scheme in ("uniform", "lut"):
        for k in TAIL_KS:
            layer = random_layer(scheme, bits, 40, k, 128 if scheme == "uniform" else -1,
                                 device="cpu", seed=k + bits)
            seen = check(exe, layer, [2, 5, 8, 9, 16], env={"ANYPREC_DECODE_WARPS": "8"})
            assert any(s.startswith("fused_gemm_kernel<") and s.endswith("block=256")
                       for s in seen), seen


@pytest.mark.parametrize("flags", [(), tuple(X_CHECKED)], ids=["default", "x_checked"])
def test_register_kernels_read_inside_their_inputs(builds, flags):
    # AddressSanitizer: ANYPREC_X_FULL's unchecked x loads of the default build (rows past M
    # read row M - 1, whole chunks inside K) and the checked ones read only x, the weights and
    # the tables. Register kernels at M = 2..16, b = 4, a ragged K and one ending on a chunk.
    exe = builds(4, (*flags, *ASAN))
    for scheme in ("uniform", "lut"):
        for n, k in [(40, 256 * 9 + 100), (203, 840), (40, 256 * 12)]:
            layer = random_layer(scheme, 4, n, k, 128 if scheme == "uniform" else -1,
                                 device="cpu", seed=n + k)
            check(exe, layer, [2, 3, 8, 9, 13, 16], env={"ANYPREC_DECODE_X8": "0"},
                  dtypes=[torch.float16])


def run_prefill(exe: Path, layer, dtype: torch.dtype, m: int, plan: tuple[int, int, int],
                seed: int = 1) -> tuple[float, list[str]]:
    """The prefill op on a forced plan (tokens per block, split K, blocks per SM) on the
    emulator: (relative error, the kernels launched)."""
    inp = Inputs(layer, dtype, m, seed)
    gs = layer.group_size
    # (ops.cpp: G groups, subchunk j in group j >> gshift)
    groups, gshift = ((1, 31) if layer.scheme == "lut" or gs == -1
                      else (math.ceil(layer.k / gs), (gs // 32).bit_length() - 1))
    err, log = inp.run(exe, [*inp.head(), groups, gshift, *plan, len(inp.meta), len(inp.lut)])
    return err, re.findall(r"simt launch: void anyprec::prefill::(\w+<[^(]*)\(", log)


# (M, (tokens per block, split K, blocks per SM)): 64-token blocks (M = 17: mostly padding),
# a cluster pair (split 2), 128- and 256-token blocks with ragged last blocks, split 3 through
# the fp32 workspace and splitk_reduce_kernel, the lean kernels alone and as a cluster pair.
PLANS = [(17, (64, 1, 1)), (64, (64, 2, 1)), (130, (128, 2, 1)), (256, (256, 1, 1)),
         (300, (256, 3, 1)), (70, (64, 1, 2)), (40, (64, 2, 2))]


def lean_ok(layer) -> bool:
    """Where the lean kernels exist (launch.h prefill_lean_ok)."""
    return layer.bits >= 7 if layer.scheme == "lut" else layer.bits <= 6


def check_prefill(exe, layer, plans=PLANS) -> list[str]:
    seen = []
    for m, plan in plans:
        if plan[2] == 2 and not lean_ok(layer):
            continue  # the lean kernels: uniform b <= 6, LUT b >= 7 (prefill_lean_ok)
        for dtype in DTYPES:
            err, kernels = run_prefill(exe, layer, dtype, m, plan)
            what = (f"{layer.scheme} b={layer.bits} gs={layer.group_size} N={layer.n} "
                    f"K={layer.k} M={m} plan={plan} {dtype}: {kernels}")
            assert any(k.startswith("prefill_kernel<") for k in kernels), what
            assert err < REL_TOL[dtype], f"rel err {err:.2e}: {what}"
            if plan[1] > 2:
                assert any(k.startswith("splitk_reduce_kernel<") for k in kernels), what
            seen += kernels
    return seen


@pytest.mark.parametrize("bits", BITS)
def test_prefill_kernels_match_reference(builds, bits):
    # csrc/prefill_wgmma.cuh on the emulator (wgmma from the swizzled x images, mbarriers and
    # bulk copies, clusters and their shared-memory reduction): every plan kind of
    # tests/gpu/test_prefill_wgmma.py, both schemes and dtypes, odd N and K, groups of 64 and
    # 128 and one per row.
    exe = builds(bits, tool="prefill")
    for scheme in ("uniform", "lut"):
        for n, k, gs in [(203, 840, 64), (130, 1056, 128), (64, 520, -1)]:
            layer = random_layer(scheme, bits, n, k, gs if scheme == "uniform" else -1,
                                 device="cpu", seed=bits + n)
            seen = check_prefill(exe, layer, PLANS if n == 203 else PLANS[1:4])
            if lean_ok(layer) and n == 203:
                assert any(", true>" in s for s in seen), seen  # a lean kernel ran


@pytest.mark.parametrize("flags", PREFILL_FLAGS, ids=["pull8", "staged_lut"])
@pytest.mark.parametrize("bits", [4, 8])
def test_prefill_flags_match_reference(builds, bits, flags):
    # The prefill kernel's epilogues off by default (benchmarks/experiments/prefill_epilogue/):
    # the cluster pair's reduction by 8-byte loads (PULL16 = 0; the default's 16-byte loads
    # run in test_prefill_kernels_match_reference), the staged stores for the LUT 64- /
    # 128-token blocks (STAGED_LUT).
    exe = builds(bits, flags, tool="prefill")
    for scheme in ("uniform", "lut"):
        layer = random_layer(scheme, bits, 203, 840, 64 if scheme == "uniform" else -1,
                             device="cpu", seed=bits)
        check_prefill(exe, layer, PLANS[:5])
