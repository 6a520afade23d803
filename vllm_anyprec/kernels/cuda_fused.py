"""``cuda_fused``: the CUDA kernels of ``csrc/`` for both schemes on NVIDIA GPUs (sm_80+).

Small M: one fused pass over the b-bit weights (unpack in registers, tensor-core multiply, fp32
accumulation). On Hopper (sm_90), from ``prefill_min_m``: the fused wgmma GEMM
(``csrc/prefill_wgmma.cuh``). M >= ``dense_min_m``: dequantize to a dense fp16/bf16 weight and
call cuBLAS. The switches happen inside the op (so vLLM's compiled graph has no branch on M) at
crossovers measured per shape class (see ``crossovers``).
"""

from __future__ import annotations

import os

import torch

from .. import _ext
from . import cuda_layout
from .base import AnyPrecKernel, KernelSpec

# Overrides of the crossovers for experiments: ANYPREC_DENSE_MIN_M=<int>,
# ANYPREC_PREFILL_MIN_M=<int> (-1: never the Hopper prefill kernel).
DENSE_MIN_M_ENV = "ANYPREC_DENSE_MIN_M"
PREFILL_MIN_M_ENV = "ANYPREC_PREFILL_MIN_M"


# Weights at least this large (N x K of the rank's partition) form the "large" class below.
LARGE_WEIGHT = 32 * 2 ** 20
# Hopper prefill only: weights larger than this but not large (Llama-3-8B's fused qkv, (4096,
# 6144)) go dense above M = 512: from 768 tokens their 256-token grid runs more than one wave
# (144-192 blocks on 132 SMs) and lost to dense by 10-40% (session 26); (4096, 4096) fills at
# most 128 blocks through M = 1024.
MID_WEIGHT = 16 * 2 ** 20
# Hopper prefill only: wider outputs than this give a 64-token grid (one block per 128 outputs)
# more blocks than an H100 / H200 has SMs (132). The plan (ops.cpp prefill_plan) runs the lean
# 64-token kernels there (two blocks per SM; uniform, b <= 6), which move the decode -> prefill
# crossover down to M = 17 (hopper_prefill_min_m).
LEAN_WIDE_N = 132 * 128


def dense_min_m(spec: KernelSpec) -> int:
    """Smallest M that takes the dequantize + cuBLAS path where the Hopper prefill kernel does
    not run (before sm_90, or group sizes it does not take).

    Measured on the H200 with the v6 decode kernel (benchmarks/experiments/decode_v6/
    crossover_*.json: both paths forced, M = 32..192, b = 3, 4, 8, both schemes, Llama-3-8B
    shapes). Above M = 16 the fused kernel runs one 32-row activation tile per block row, so its
    time grows in steps of 32 rows (M = 33..64 cost about the same) while the dense path stays
    nearly flat up to M = 128:

    - weights >= 32 Mi elements ((4096, 28672), (14336, 4096) and their TP=2 splits): fused wins
      through M = 64 (uniform b=4 (4096, 28672): 114 vs 153 µs), dense from the third row tile
      (M = 96: 172 vs 154), so dense from M = 65;
    - smaller weights ((4096, 4096), (4096, 6144)): even at M = 48 (22.9 vs 26.2 / 32.4 vs
      33.2 µs), dense from M = 64 (25.4 vs 23.0 / 35.3 vs 33.6);
    - LUT at b >= 7 (b = 8 measured): the table lookups make the fused kernel slower; it wins at
      M = 32 (148 vs 190 µs at (4096, 28672)) but not with a second row tile (M = 48: 241 vs
      190), so dense from M = 33 on every shape; LUT b = 5, 6 (not measured, between b = 4,
      where fused wins at 64 by 4%, and b = 8) take the small-weight crossover.
    """
    env = os.environ.get(DENSE_MIN_M_ENV)
    if env:
        return int(env)
    if spec.scheme == "lut" and spec.bits >= 7:
        return 33
    large = spec.in_features * spec.out_features >= LARGE_WEIGHT
    if large and (spec.scheme == "uniform" or spec.bits <= 4):
        return 65
    return 64


def prefill_supported(spec: KernelSpec, capability: tuple[int, int]) -> bool:
    """The Hopper prefill kernel: sm_90, group sizes 32 * 2^i or one group per row."""
    spg = spec.group_size // 32
    return capability == (9, 0) and (spec.group_size == -1 or (
        spec.group_size % 32 == 0 and spg > 0 and spg & (spg - 1) == 0))


def hopper_crossovers(spec: KernelSpec) -> tuple[int, int]:
    """(prefill_min_m, dense_min_m) where the Hopper prefill kernel runs.

    Measured on the H200 (benchmarks/experiments/prefill_wgmma/runs/v7_crossovers.json: the
    decode kernel, the prefill kernel (its own grid plan) and dequantize + cuBLAS each forced,
    M = 24..2048, b = 3, 4, 8, both schemes, Llama-3-8B shapes):

    - decode -> prefill (``hopper_prefill_min_m``): session 28's 64-token blocks moved it below
      M = 33.
    - prefill -> dense, re-measured in session 26 (benchmarks/experiments/prefill_lut_lanes/
      runs/crossovers_s26.txt: prefill_wgmma/bench.py with the weights rotated past L2 and the
      op's own plan timed last, b = 3, 4, 8, M = 24..1024; the earlier runs timed that plan
      first, with small weights still in L2, and read it up to 30% slow). Uniform: the prefill
      kernel wins or ties at M = 256, 384, 512 and 1024 (for example (4096, 4096) b = 4, M = 512 / 1024:
      36.8 / 60.9 µs vs dense 42.3 / 69.5; (4096, 6144) b = 8, M = 512: 56.8 vs 67.0); only
      (4096, 6144) b = 3 at 1024 loses (112 vs 105; b = 4 there: a tie), so dense from 1025
      (but see the weights between MID_WEIGHT and LARGE_WEIGHT below). LUT, large weights:
      fused through 512 for every b; at 1024 fused wins for b = 3, 4 ((4096, 28672) b = 4: 456
      vs 473), session 25 saw b = 5, 6 within 2%, and dense is 7% ahead at b = 8 (573 vs 532):
      dense from 1025 for b <= 6 and from 1024 above.
      LUT, small weights: b <= 3 (register tables since, 1.1-1.3x faster than these numbers) as
      uniform; b >= 4 win at 512 ((4096, 6144) b = 4: 56.8 vs 67.0) but lose at
      384 (55.1 vs 49.9; b = 8 72.2 vs 60.3) and at 1024 (124 vs 107): dense from 512.
      Session 27 (split K in clusters of 2, 256 x 2 grids 10-25% faster at M = 512 on small
      weights): (4096, 4096) b = 4 / 6 / 8 at M = 512 fused 35.0 / 37.0 / 46.0 µs against dense
      38.9 / 48.1 / 52.2, dense ahead at 640 / 768 (up to 35%), fused by 1-10% at 896 / 1024
      (benchmarks/experiments/h200_record_s27/lut_cross.txt); (4096, 6144) at 512 a tie at
      b = 4 (56.8 vs 56.5), dense by 5% at b = 8 (prefill_ws/runs/call3): dense from 513.
    - Weights between MID_WEIGHT and LARGE_WEIGHT ((4096, 6144)): session 26's record
      (benchmarks/kernels_NVIDIA_H200.*) ran them fused at M = 1024 by the rule above and lost
      to the dense times of the record before it at every b (uniform 108-121 µs against
      101-108, LUT b = 2, 3 112 against 98-100; dense re-timed in the same session: 95-103
      and 100-112). M = 512..1024 then (benchmarks/experiments/h200_record_s26/
      mid_4096x6144.txt, b = 3, 4, 8): fused ahead or within 3% at 512 (b = 8 60.9 vs 70.5),
      dense ahead by 2-5% at 640 (uniform; LUT b = 3 fused by 4%) and by 10-40% from 768 (b = 4
      110.8 vs 77.4): dense from 513. ((4096, 4096), mid_4096x4096.txt: dense ahead by 5-15%
      at 640 / 768, fused by 4-8% at 896 / 1024; kept fused through 1024.)
    """
    elems = spec.in_features * spec.out_features
    large = elems >= LARGE_WEIGHT
    prefill = hopper_prefill_min_m(spec)
    if spec.scheme == "lut" and spec.bits >= 4 and not large:
        return prefill, 513
    if MID_WEIGHT < elems < LARGE_WEIGHT:
        return prefill, 513
    if spec.scheme == "lut" and spec.bits >= 7:
        return prefill, 1024
    return prefill, 1025


def hopper_prefill_min_m(spec: KernelSpec) -> int:
    """Smallest M that the Hopper prefill kernel takes from the decode kernel.

    Measured on the H200 in session 28 (benchmarks/experiments/prefill_tok64/: the decode kernel
    against the prefill kernel's grids of 64- and 128-token blocks and its own plan, M = 17..64,
    every b, both schemes, Llama-3-8B shapes; ``crossover_check.py`` there replays this rule on
    the stored runs). From M = 17 the decode kernel runs two 16-row activation tiles and its
    time grows with M (each warp reads all of x); the 64-token prefill grid is nearly flat up to
    M = 64. Where they cross:

    - LUT b = 8: from M = 17 on every weight ((4096, 28672): 88 vs 139 µs; (4096, 4096): 21.6
      vs 25.0). LUT b = 7 from 33, as before (its 64-token kernel has 4 table copies in 178 KB
      of shared memory: (4096, 28672) M = 32 75.7 vs 71.9 µs; on large weights from 21 since
      session 48, below), and LUT b = 5, 6 on the smaller weights (decode ahead through M = 29
      by 3-8%, the two within 6% at 32).
    - Large weights: from 17 at b = 8 (uniform (14336, 4096): 30.7 vs 34.6) and for LUT b <= 3
      (register tables: (14336, 4096) b = 3 25.4 vs 28.7); uniform b = 2 from 25 ((4096, 28672)
      M = 25: 54.3 vs 56.3, M = 29: 57.5 vs 56.2; on the smaller weights from 33, decode ahead
      through M = 32 on (4096, 6144): 17.5 vs 19.1); else from 21 (M = 17 / 20: decode ahead by up
      to 13%, uniform b = 4 (4096, 28672) 47.7 / 48.9 vs 53.4; M = 24 prefill ahead or within 2%:
      LUT b = 4 51.0 vs 55.9, uniform b = 4 53.3 vs 52.4).
    - Smaller weights: from 25 at b = 8 (uniform (4096, 4096) M = 24: 14.1 vs 14.5) and from 29
      otherwise (M = 24: decode ahead by 2-15%, (4096, 6144) uniform b = 4 15.3 vs 18.1; M = 32:
      prefill ahead by up to 8% or tied; in between the decode time rises about linearly).

    Session 48 (H100, benchmarks/experiments/prefill_lut_lean/runs/call5: the op's plan against
    the decode kernel, LUT b = 5..8, M = 17..32): LUT b = 7 on large weights now takes the
    large-weight rule (from 21; it took 33). (14336, 4096): prefill ahead from M = 17 (35.0 vs
    38.0 µs; M = 32 35.2 vs 45.5); (4096, 28672): decode ahead through M = 20 (66.4 vs 70.0),
    level at 24 (69.8 vs 69.9), prefill ahead from 28 (70.3 vs 73.2; its grid: the lean 64-token
    kernel). The two weights of an MLP together break even at M = 17..21 and gain from 24. The
    rest of the rule held on the H100: LUT b = 8 prefill from 17 everywhere; b = 5, 6 on large
    weights within 2% of the faster path at 21..24; smaller weights at b = 5..7 decode ahead
    through M = 28, b = 7 prefill by 2% at 32.

    Session 29 (benchmarks/experiments/prefill_lean/): outputs wider than LEAN_WIDE_N take the
    lean 64-token kernels at uniform b <= 6, and then the prefill kernel from M = 17 ((4096,
    28672) M = 17, prefill / decode: b = 2 49.9 / 51.8 µs, b = 4 44.9 / 48.1, b = 5 49.3 / 58.0;
    further ahead at M = 20..32).
    """
    large = spec.in_features * spec.out_features >= LARGE_WEIGHT
    lut = spec.scheme == "lut"
    if lut and spec.bits == 8:
        return 17
    if lut and spec.bits >= 5 and not large:
        return 33
    if not lut and spec.bits <= 6 and spec.out_features > LEAN_WIDE_N:
        return 17
    if not lut and spec.bits == 2:
        return 25 if large else 33
    if large:
        return 17 if spec.bits == 8 or (lut and spec.bits <= 3) else 21
    return 25 if spec.bits == 8 else 29


def crossovers(spec: KernelSpec, capability: tuple[int, int]) -> tuple[int, int]:
    """(prefill_min_m, dense_min_m): the fused decode kernel for M < prefill_min_m, the Hopper
    prefill GEMM for prefill_min_m <= M < dense_min_m, dequantize + cuBLAS from dense_min_m.
    prefill_min_m = -1: no prefill kernel (other GPUs, other group sizes): decode, then dense
    from ``dense_min_m(spec)``. The environment overrides win."""
    if prefill_supported(spec, capability):
        prefill, dense = hopper_crossovers(spec)
    else:
        prefill, dense = -1, dense_min_m(spec)
    env_p, env_d = os.environ.get(PREFILL_MIN_M_ENV), os.environ.get(DENSE_MIN_M_ENV)
    return (int(env_p) if env_p else prefill), (int(env_d) if env_d else dense)


class CudaFusedKernel(AnyPrecKernel):
    name = "cuda_fused"

    @classmethod
    def can_implement(cls, spec: KernelSpec) -> tuple[bool, str | None]:
        if spec.device_type != "cuda":
            return False, f"device {spec.device_type!r} is not cuda"
        if spec.act_dtype not in (torch.float16, torch.bfloat16):
            return False, f"activation dtype {spec.act_dtype} is not float16 or bfloat16"
        if not 2 <= spec.bits <= 8:
            return False, f"bits={spec.bits} is not in 2..8"
        if spec.group_size != -1 and (spec.group_size < 32 or spec.group_size % 32):
            return False, f"group_size={spec.group_size} is not -1 or a multiple of 32"
        ok, reason = _ext.load()
        if not ok:
            return False, reason
        major, minor = torch.cuda.get_device_capability()
        if major < 8:
            return False, f"compute capability {major}.{minor} < 8.0 (needs bf16 mma)"
        return True, None

    def process_weights(self, layer: torch.nn.Module) -> None:
        spec = self.spec
        qweight = layer.qweight.data
        tiled = cuda_layout.repack_tiled(qweight, spec.bits, spec.in_features)
        del layer.qweight
        layer.register_parameter("qweight", torch.nn.Parameter(tiled, requires_grad=False))
        if spec.scheme == "uniform":
            meta = cuda_layout.uniform_meta(layer.scales.data, layer.zeros.data, spec.bits,
                                            spec.act_dtype, tiled.shape[0])
            layer.register_parameter("anyprec_meta",
                                     torch.nn.Parameter(meta, requires_grad=False))
        else:
            lut = layer.lut.data.to(spec.act_dtype).contiguous()
            del layer.lut
            layer.register_parameter("lut", torch.nn.Parameter(lut, requires_grad=False))
        self.prefill_min_m, self.dense_min_m = crossovers(
            spec, torch.cuda.get_device_capability(layer.qweight.device))

    def apply(self, layer: torch.nn.Module, x: torch.Tensor,
              bias: torch.Tensor | None = None) -> torch.Tensor:
        spec = self.spec
        if spec.scheme == "uniform":
            out = torch.ops.anyprec.gemm_uniform(
                x, layer.qweight, layer.anyprec_meta, layer.scales, layer.zeros, spec.bits,
                spec.group_size, spec.in_features, spec.out_features, self.dense_min_m,
                self.prefill_min_m)
        else:
            out = torch.ops.anyprec.gemm_lut(x, layer.qweight, layer.lut, spec.bits,
                                             spec.in_features, spec.out_features,
                                             self.dense_min_m, self.prefill_min_m)
        if bias is not None:
            out.add_(bias)
        return out
