// Fused prefill GEMM for Hopper (sm_90a): bitplane unpack + dequantize into the A registers of
// wgmma, activations from shared memory. The gemm ops run it on sm_90 between the decode kernel
// and dequantize + cuBLAS (crossovers measured per class, kernels/cuda_fused.py); the versions,
// their timings and profiles are in benchmarks/experiments/prefill_wgmma/.
//
// Orientation ("swap AB"): y^T[N, M] = W[N, K] x^T[K, M]. wgmma's A (64 rows x 16 k) may come
// from registers, so the weights never touch shared memory: each warp decodes its 16-row tile of
// the tiled bitplane format (the decode kernel's layout, cuda_layout.py) straight into A
// fragments, as the decode kernel does for mma.sync. wgmma's B (16 k x 128 tokens) comes from
// shared memory: the activations, in the 128-byte-swizzled K-major layout.
//
// The tiled format permutes k inside each 32-k subchunk (lane t of a quad holds the 8
// consecutive k at 8t; the mma k16 step u takes k 8t + 4u + {0, 1} at mma-k 2t, 2t+1 and
// 8t + 4u + {2, 3} at 2t+8, 2t+9). B must follow the same permutation: position P = 16 (2s + u)
// + 8h + 2t' of a 64-k stage holds x[k0 + 32s + 8t' + 4u + 2h + {0, 1}]. A first kernel
// (permute_x_kernel) writes x once per call as the shared-memory images of its stage tiles
// (permuted and swizzled), so the GEMM moves each 16 KB tile with one bulk copy (TMA engine,
// async proxy, mbarrier completion): no generic shared stores feeding wgmma, hence no
// fence.proxy.async (= MEMBAR.ALL.CTA, which drained the thread's loads every stage), and no
// registers for x.
//
// Block: 2 warpgroups (256 threads), 128 weight rows (8 n-tiles, warp w owns tile 8 bx + w) x
// 64, 128 or 256 tokens (TOK): a 256-token block decodes each weight once for two 128-token
// wgmma (128 accumulator registers); a 64-token block runs m64n64k16 (M = 33..64 padded to 64,
// not 128: half the tensor work and shared-memory reads per weight decoded). blockIdx.z splits
// K for grids too small to fill the GPU: a range of chunks per block; two splits run as a
// thread block cluster that adds its partial sums in distributed shared memory at the end, more
// through an fp32 workspace that splitk_reduce_kernel adds up; both in a fixed order (the result
// does not depend on timing).
// K in stages of 64 (one 64-k unit of a tiled chunk), 4 x-stage buffers filled two stages
// ahead; A fragments double-buffered in registers so the decode of stage s+1 overlaps the wgmma
// of stage s (64- and 128-token blocks: fragment by fragment, between the stage's wgmma; see
// stage_ilv). Uniform: A = s q - s z
// by packed fma in the activation dtype (code + C - C exact, then one rounding), s and -s z from
// the decode kernel's fold metadata; LUT: per-lane table copies in shared memory (lut_rep).
#pragma once

// The parts, in the order the code depends on them (each includes the one before it):
#include "prefill_smem.cuh"
#include "prefill_operands.cuh"
#include "prefill_kernel.cuh"
#include "prefill_launch.cuh"
