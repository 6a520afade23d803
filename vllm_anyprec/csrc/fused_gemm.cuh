// Fused bitplane unpack + dequant + skinny GEMM (decode path, M <= 32 per block row).
//
// One block owns one 16-row n-tile and all of K; its W warps (launch_fold picks W) split K by 256-k
// chunks (warp w takes chunks w, w+W, ...) and add their partial sums in shared memory at the end
// (no atomics, deterministic). Per chunk a lane loads b x 16 bytes of weights (one pass over the
// weights, streamed past L1), turns them into mma A fragments in registers (transpose8 + int->float
// magic, or a shared-memory table lookup for the LUT scheme) and multiplies them with the
// activations on the tensor cores: mma.m16n8k16 with weights as A (16 rows) and activations as B (8
// columns = 8 rows of x), fp32 accumulation. Tensor cores are mostly idle at M <= 16, but they take
// the multiply-add off the ALUs, which the unpacking needs. At M = 1 (uniform; LUT b <= 4 on
// large weights, LP) the loads go through a cp.async ring in shared memory instead (PIPE, see the
// body); on weights with many n-tiles, uniform, its persistent form (PT: each block runs several
// n-tiles one after another, see launch_pt).
// At M = 2..4 (uniform: b = 2, and b >= 6 on wide weights) the same ring carries the M rows of x
// (X8, see launch_x8). At M = 9..16 (uniform b = 3, 4) on weights with many n-tiles a block owns
// two n-tiles instead, so that each load of x serves both (NT2, see nt2_takes; the same for the
// plain uniform and the LUT register kernels when asked: NT2P, LN2, off by default).
//
// Uniform scheme: the A values are the codes plus a constant C (the magic offset), never scaled
// per element: sum_k s (q - z) x = s * sum (q + C) x - s (z + C) * sum x, per group. sum x comes
// from a second mma with an all-ones A, or with x itself as A (M1 at M = 1; ANYPREC_SUM_XA at
// M >= 2), so the fold costs 8 FMA per group per lane. Where the folds fall in a chunk is a
// template parameter (FOLD), so a whole chunk is one basic block.
//
// The ANYPREC_* macros (decode_knobs.cuh, and beside the kernel or rule each tunes) are build-time
// knobs for timing experiments (set through ANYPREC_NVCC_FLAGS, see
// benchmarks/experiments/*/run.sh); their defaults are the measured choices. tests/gpu runs with
// the defaults (and passed with ANYPREC_LUT_PAIRS=1 too).
#pragma once

// The parts, in the order the code depends on them (each includes the one before it):
// the knobs, the body, its __global__ instances, the host-side planning, the variants'
// launches and the op's launch.
#include "decode_knobs.cuh"
#include "decode_body.cuh"
#include "decode_kernels.cuh"
#include "decode_plan.cuh"
#include "decode_launch_variants.cuh"
#include "decode_launch.cuh"
