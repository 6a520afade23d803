// The __global__ decode kernels: fused_gemm_body's instances with their register limits and
// block sizes. Part of fused_gemm.cuh; decode_launch.cuh picks among them.
#pragma once

#include "decode_body.cuh"

namespace anyprec {

// Uniform, M = 9..16, b = 2: 128 registers (2 blocks of kMaxWarps warps per SM). With the sums
// of x as A the kernel needs 124 uncapped and fits in 122, so the cap moves no residency, yet on
// the H200 it ran 2-5% faster on all four Llama-3-8B weights at M = 9, 12, 16 (both passes of
// benchmarks/experiments/decode_sumxa/cap.sh).
// NP: without the LUT pair tables (see lut_pairs_take).
template <typename T, int B, int MT, bool LUT, bool XS, int FOLD, bool NP = false>
__global__ void __launch_bounds__(kMaxWarps * 32,
                                  XS               ? (B <= 4 ? 3 : 2)
                                  : LUT && MT <= 2 ? 2
                                  : MT == 2        ? (B <= 2 ? 2 : ANYPREC_MT2_MIN_BLOCKS)
                                                   : ANYPREC_MIN_BLOCKS)
    fused_gemm_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                      const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                      T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, MT, LUT, XS, FOLD, false, 0, false, false, kMaxWarps, false, false, false,
                  NP>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// WR (ANYPREC_WR, off by default; session 55): the uniform register kernel above at M >= 2
// (MT = 1, 2, where neither X8, XB nor MC runs) with its weights through a per-warp cp.async
// ring of ANYPREC_WR_STAGES stages (default 3) in shared memory instead of the register double
// buffer, as MC3 for MC (see fused_gemm_mt2cap3_kernel). Measured on the H100 against the
// rule (benchmarks/experiments/mc3_s55/): 0.82-0.86 of the speed at M = 4 b = 4, 5 and M = 16
// b = 5, 8 (b = 8 MT = 2 at 148 registers instead of 198), as MC3. Off.
#ifndef ANYPREC_WR_STAGES
#define ANYPREC_WR_STAGES 3
#endif
template <typename T, int B, int MT, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32,
                                  MT == 2 ? (B <= 2 ? 2 : ANYPREC_MT2_MIN_BLOCKS)
                                          : ANYPREC_MIN_BLOCKS)
    fused_gemm_wr_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                         const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                         T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, MT, false, false, FOLD, false, 0, false, false, kMaxWarps, false, false,
                  false, false, ANYPREC_WR_STAGES>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// LC (experiment, session 41, rejected; benchmarks/experiments/lut_cap/README.md): LUT at
// M <= 8 (MT = 1), b >= 5, under a register cap. The plain kernel takes 120 registers at b = 8
// (launch bounds of two 8-warp blocks), so its 4-warp blocks sit 4 per SM (16 warps) although
// their 32-36 KB of per-lane tables would let 6 in. A cap of 96 fits 5 blocks, 80 fits 6.
// Built only with -DANYPREC_LUT_CAP=1 (both caps), then chosen at run time by
// ANYPREC_LUT_CAP_REGS = 96 / 80 (0, the default: the plain kernel), for a same-build A/B.
// H100, same binary: 96 costs 13-15% at b = 8 and 3% at b = 7 and gains 0.2-1.1% at b = 5, 6;
// 80 loses 3-20% (spills at b = 7, 8). The registers hold each warp's loads in flight.
#ifndef ANYPREC_LUT_CAP
#define ANYPREC_LUT_CAP 0
#endif
template <typename T, int B, int REGS>
__global__ void __maxnreg__(REGS)
    fused_gemm_lutcap_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                             const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                             T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, true, false, 8, false, 0>(x, qw, meta, lut, y, M, N, K, C,
                                                      group_size);
}

// Uniform, M = 9..16, b = 3, 4, capped (MC, see mt2_cap_wins): the sums of x as A and 128
// registers, which ptxas meets without spills (the uncapped kernel, all-ones sums: 138 / 146 at
// b = 3 / 4, g128): 16 warps per SM instead of 13-14.
template <typename T, int B, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32, 2)
    fused_gemm_mt2cap_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                             const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                             T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 2, false, false, FOLD, false, 0, false, false, kMaxWarps, false, false,
                  true>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// NT2 (session 56; on by a rule, nt2_takes): MC with two n-tiles per block (grid N16 / 2), each
// warp running its chunks of both tiles, so that one load of a chunk's x serves 32 rows of
// weights (see the NT2 loop in the body). Session 55 found MC at M = 16 paced by x: 8 KB of x
// per warp per chunk against 2 KB of weights; without x loads MC took 14-25% less time. The
// second tile costs its output sums and metadata in registers (its weights take the double
// buffer's place): ptxas takes 172-255 registers uncapped (b = 3, 4), and at g128 fits 168
// without spills at b = 4 (12 warps per SM), while 152 spills up to 164 bytes and 128 over 500
// (at g32 / g64 / irregular groups 168 spills 96-216 bytes: those run uncapped). REGS: 168,
// 184, 192, 200 or 255 (no cap; 8 warps per SM at b = 4), by ANYPREC_NT2_REGS at run time. NT:
// 1, or 2 = tile B takes tile A's sums of x per fold instead of their mma and shuffles
// (ANYPREC_NT2_SUMS).
template <typename T, int B, int FOLD, int REGS, int NT = 1>
__global__ void __maxnreg__(REGS)
    fused_gemm_mt2n2_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                            const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                            T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 2, false, false, FOLD, false, 0, false, false, kMaxWarps, false, false,
                  true, false, 0, NT>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// NT2P (ANYPREC_NT2P, off by default; an experiment of session 57): NT2's two n-tiles per block
// for the plain uniform register kernel at M >= 2 (fused_gemm_kernel's MT = 1, 2 instances where
// neither X8, XB, MC, MR nor XS runs: on the wide Llama weights b = 3..5 at M = 2..8 and b = 2,
// 5, 8 at M = 9..16), so that a chunk's x (4 KB per warp at M = 8, 8 KB at M = 16) serves 32 rows
// of weights. Tile B keeps its own sums of x (NT2 = 1: the plain kernel's all-ones sums, or its
// sums of x as A where sum_xa_wins). No register cap, no spills (ptxas, sm_90a, g128, fp16):
// b = 4 MT = 1 / 2 116 -> 128 / 163 -> 178 registers against the plain kernel, b = 8 144 -> 166
// / 198 -> 232 (bf16 up to 244). g128 and whole-chunk groups only. NTL = 4 (NT4,
// ANYPREC_NT2P_TILES=4; MT = 1 only): four tiles per block, x read once for 64 rows of weights;
// fp16 g128 b = 3 / 4 / 5 / 8 180 / 178 / 254 / 254 registers, no spills (at MT = 2 ptxas spills
// 32-744 bytes, b = 3..8, so M = 9..16 keeps two tiles).
template <typename T, int B, int MT, int FOLD, int NTL = 2>
__global__ void __launch_bounds__(kMaxWarps * 32)
    fused_gemm_n2_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                         const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                         T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, MT, false, false, FOLD, false, 0, false, false, kMaxWarps, false, false,
                  false, false, 0, 1, NTL>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// LN2 (ANYPREC_LUT_NT2, off by default; an experiment of session 58): NT2's two n-tiles per
// block for the LUT register kernel at M = 2..16 with single-code tables (b <= 4 where the pair
// tables are not taken: the per-lane shared tables at b = 4, the register tables at b <= 3), so
// that a chunk's x (4 KB per warp at M = 8, 8 KB at M = 16) serves 32 rows of weights. Why:
// session 54's ncu had LUT b = 4 at M = 16 on (4096, 28672) at 86% of the L1 / shared-memory
// throughput, and by count x is a third of a chunk's L1 wavefronts there (per 16 rows x 256 k:
// 64 for x's 8 KB against 128 for the lookups), so halving x's share could take up to ~15% off.
// Each tile has its own tables (b = 4: 4 KB more static shared memory per block; b <= 3: 8
// registers) and its own sums (no folds: the chunk math's gacc trades places with them).
// Registers (ptxas, sm_90a): uncapped, MT = 2 takes 186 / 189 / 241 at b = 2 / 3 / 4 (the
// single-tile kernel 109 at b = 4); the least caps without spills, lut_nt2_regs, keep 16 / 13 /
// 14 warps per SM resident (b = 4 at 136 spills 184 bytes, b = 3 at 144 24); at MT = 1 128 (the
// single-tile kernel's bound, two 8-warp blocks per SM) fits at b = 2..4.
constexpr int lut_nt2_regs(int b, int mt) { return mt == 1 || b == 2 ? 128 : b == 3 ? 152 : 144; }
template <typename T, int B, int MT>
__global__ void __maxnreg__(lut_nt2_regs(B, MT))
    fused_gemm_lutn2_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                            const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                            T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, MT, true, false, 8, false, 0, false, false, kMaxWarps, false, false,
                  false, true, 0, 1, 2>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// MC3 (ANYPREC_MC3, off by default; an experiment of session 55): MC with its weights through
// a ring of ST cp.async stages per warp in shared memory (WR; B x 512 bytes a stage; ST = 2, 3
// or 4 by ANYPREC_MC3_STAGES at run time) instead of the register double buffer. Session 54's
// ncu of MC at M = 16 on (4096, 28672) (b = 4, 1-warp blocks, 13.6 warps per SM from the grid)
// found it latency-bound: DRAM 48%, 0.37 eligible warps per scheduler, long scoreboard first;
// the double buffer's copy waits at each trip's end for the loads issued at its start, so a
// trip lasts a DRAM latency. A triple buffer in registers spilled 24-64 bytes under 144
// registers (the most that keep 14 one-warp blocks per SM); the ring frees the second buffer's
// registers instead (b = 3, 4 at g128: 126-128 registers, no spills). Measured on the H100
// (benchmarks/experiments/mc3_s55/, against MC, same build): slower, by more the more stages
// ((4096, 28672) b = 4 M = 16 27.7 -> 31.2 / 32.5 / 38.4 us at 2 / 3 / 4 stages; 1.09-1.16x
// the time at b = 3, 4, M = 9..16): the ring's shared memory takes L1 from x (hit rate 73 ->
// 63%), whose 8 KB per chunk at M = 16 set the pace, not the weights' DRAM latency. Off.
template <typename T, int B, int FOLD, int ST>
__global__ void __launch_bounds__(kMaxWarps * 32, 2)
    fused_gemm_mt2cap3_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                              const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                              T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 2, false, false, FOLD, false, 0, false, false, kMaxWarps, false, false,
                  true, false, ST>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// MR (uniform, M = 9..16, b >= 5 where ANYPREC_MT2_REGS_Bb > 0: b = 7 by default): the kernel
// of fused_gemm_kernel under a register cap of that many per thread, where the uncapped kernel
// sits just above a step of resident warps: at g128, b = 5 / 6 / 7 / 8 take 157 / 168 / 174 /
// 198 registers, 12 / 12 / 11 / 10 warps per SM (65536 registers per SM, allocated per warp in
// 256s). META16's build took b = 7 to 168 (12 warps), and its uniform M = 16 b = 7 ran 1.15x
// faster (H200, session 36, benchmarks/experiments/h200_record_s36/m16/). Taken where the wave
// model's plan for it is cheaper (mt2_cap_wins), as MC. Measured on the H200 against the
// uncapped kernel, same call (h200_record_s36/ab/): b = 7 at 168, M = 9 / 12 / 16 1.051 /
// 1.046 / 1.063x on the geometric mean of five Llama-3-8B weights ((4096, 6144) M = 16 13.0 ->
// 11.1 us, where the wave model splits K over 4 warps in one wave instead of 3; (4096, 28672)
// runs XB, unchanged). At 152 the same; caps at b = 5, 6, 8 (152 / 152 / 184, 144 / 144 / 168)
// were even by the rule (which rarely took them) and 2-17% slower forced, so 0 (none). Only at
// the fold widths of mt2_reg_folds.
#ifndef ANYPREC_MT2_REGS_B5
#define ANYPREC_MT2_REGS_B5 0
#endif
#ifndef ANYPREC_MT2_REGS_B6
#define ANYPREC_MT2_REGS_B6 0
#endif
#ifndef ANYPREC_MT2_REGS_B7
#define ANYPREC_MT2_REGS_B7 168
#endif
#ifndef ANYPREC_MT2_REGS_B8
#define ANYPREC_MT2_REGS_B8 0
#endif
constexpr int mt2_reg_cap(int b) {
  return b == 5 ? ANYPREC_MT2_REGS_B5 : b == 6 ? ANYPREC_MT2_REGS_B6
       : b == 7 ? ANYPREC_MT2_REGS_B7 : b == 8 ? ANYPREC_MT2_REGS_B8 : 0;
}
// The fold widths MR takes: g128 and whole-chunk groups. At g32, g64 and the irregular groups
// (FOLD 1, 2, 0) the uncapped kernel takes 191-208 registers at b = 7 and ptxas spills 4-40
// bytes under 168 (sm_90a, -Xptxas -v); those were not timed, so they stay uncapped.
constexpr bool mt2_reg_folds(int fold) { return fold == 4 || fold == 8; }
template <typename T, int B, int FOLD>
__global__ void __maxnreg__(mt2_reg_cap(B) > 0 ? mt2_reg_cap(B) : 255)
    fused_gemm_mt2reg_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                             const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                             T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 2, false, false, FOLD, false, 0>(x, qw, meta, lut, y, M, N, K, C,
                                                          group_size);
}

// The M1 kernels (uniform, M = 1, not XS). For b <= 4 under a register cap: 96 fits without
// spills at g128 (the uncapped kernel takes 110) and lets 20 warps per SM be resident instead of
// 18; measured on the H200 with the warp-target launch rule (benchmarks/experiments/decode_m1/):
// 2-6% faster than uncapped on three of the four Llama-3-8B shapes and for bf16, 2.5% slower on
// (4096, 28672) fp16. For b >= 5 ptxas gives this declaration ~84 registers at g128 where
// `__launch_bounds__(256, 1)` gives ~118: 4-6% faster at b = 5, 6 on the three smaller weights,
// 15% slower on (4096, 28672) (H200, same call; benchmarks/experiments/decode_pipe/), so kept.
// Both kernels are now the fallback of the pipelined one (ANYPREC_DECODE_PIPE=0).
#ifndef ANYPREC_M1_MAXNREG
#define ANYPREC_M1_MAXNREG 96
#endif
template <typename T, int B, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32)
    fused_gemm_m1_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                         const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                         T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, false, false, FOLD, true, 0>(x, qw, meta, lut, y, M, N, K, C,
                                                       group_size);
}
template <typename T, int B, int FOLD>
__global__ void __maxnreg__(ANYPREC_M1_MAXNREG)
    fused_gemm_m1cap_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                            const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                            T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, false, false, FOLD, true, 0>(x, qw, meta, lut, y, M, N, K, C,
                                                       group_size);
}
// The pipelined M1 kernel (PIPE): ANYPREC_M1_STAGES stages of cp.async per warp, see the body.
// Measured on the H200 against the M1 kernels above (same build, ANYPREC_DECODE_PIPE=0 at run
// time; benchmarks/experiments/decode_pipe/): 2 stages 5-9% faster at b = 2..4 on (4096, 6144),
// (4096, 28672), (14336, 4096), 2-5% at b = 5, 6, equal at b = 8 (XS runs there unless K >
// 16384), 0-3% slower on (4096, 4096); 3 stages slower than 2 at b = 4..6 on the wide weight
// (fewer resident warps: each stage is b x 512 + 512 + 128 x folds bytes per warp).
// MW: the most warps per block (kMaxWarps, or kRingWideWarps for the wide instance below).
#ifndef ANYPREC_M1_STAGES
#define ANYPREC_M1_STAGES 2
#endif
// ANYPREC_LEAN_ALU: the wide instance at b <= 3, FOLD >= 4 held to two blocks per SM (64
// registers), which the default build meets by itself (<= 64) and the lean one would miss by 2.
template <int B, int FOLD, int MW>
constexpr int m1pipe_min_blocks() {
  return ANYPREC_LEAN_ALU && MW > kMaxWarps && B <= 3 && FOLD >= 4 ? 2 : 1;
}
template <typename T, int B, int FOLD, int MW = kMaxWarps>
__global__ void __launch_bounds__(MW * 32, m1pipe_min_blocks<B, FOLD, MW>())
    fused_gemm_m1pipe_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                             const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                             T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, false, false, FOLD, true, ANYPREC_M1_STAGES, false, false, MW>(
      x, qw, meta, lut, y, M, N, K, C, group_size);
}
// The wide instance (MW = kRingWideWarps): up to 16 warps per block, for weights with few
// n-tiles of many chunks (launch_fold: C >= ANYPREC_RING_WIDE_MIN_CHUNKS, and fewer than
// ANYPREC_WARPS_PER_SM warps per SM at kMaxWarps per tile): on (14336, 4096), 256 tiles of 56
// chunks, the 8-warp cap left ~16 warps per SM. H200, same build (ANYPREC_RING_WIDE=0 / 1,
// benchmarks/experiments/ring_wide/): (14336, 4096) M = 1 b = 2 10.3 -> 8.7 us, b = 3 11.2 ->
// 9.5, b = 4 9.8 -> 9.6, bf16 b = 4 11.0 -> 9.8, b = 5, 6 equal; with 512 tiles ((28672, 8192),
// (8192, 8192)) -2 .. +4%, so those keep the 8-warp kernel. Its own instance because the
// 512-thread launch bounds also change the register allocation, which with 16 chunks per tile
// lost up to 5% (benchmarks/experiments/decode_few_tiles/, a whole build at 16 warps).
constexpr int kRingWideWarps = 16;
#ifndef ANYPREC_RING_WIDE_MIN_CHUNKS
#define ANYPREC_RING_WIDE_MIN_CHUNKS 32
#endif

// Stream-K M = 1 kernel (SK): the pipelined body over a grid of exactly the resident warps,
// each streaming sk.q consecutive chunks (across tile ends) through its ring, so the ring stays
// full for the whole kernel and no block waits in a partial last wave. ANYPREC_SK_STAGES: its
// ring depth, separate from the M1 kernel's because its warps live longer (3 not yet timed).
#ifndef ANYPREC_SK_STAGES
#define ANYPREC_SK_STAGES 2
#endif
template <typename T, int B, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_m1sk_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                           const MetaWord<B>* __restrict__ meta, T* __restrict__ y, int N, int K,
                           int C, int group_size, SkWork sk) {
  fused_gemm_body<T, B, 1, false, false, FOLD, true, ANYPREC_SK_STAGES, true>(
      x, qw, meta, nullptr, y, 1, N, K, C, group_size, sk);
}

// Persistent-tile M = 1 kernel (PT): the pipelined body over a grid of at most the resident
// blocks, each running its n-tiles one after another (see launch_pt). ST: its ring depth.
template <typename T, int B, int FOLD, int ST>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_m1pt_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                           const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                           T* __restrict__ y, int M, int N, int K, int C, int group_size,
                           SkWork order) {
  fused_gemm_body<T, B, 1, false, false, FOLD, true, ST, false, true>(x, qw, meta, lut, y, M, N,
                                                                      K, C, group_size, order);
}

// The LUT kernel at M = 1 through the ring (LP; see lut_pipe_enabled): the pipelined body with
// the LUT decode, kLutPipeStages stages of weights and x per warp (no metadata), the tables
// filled once the first stages are in flight.
constexpr int kLutPipeStages = 2;
template <typename T, int B, bool NP = false>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_lutpipe_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                              const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                              T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, true, false, 8, false, kLutPipeStages, false, false, kMaxWarps, false,
                  false, false, NP>(x, qw, meta, lut, y, M, N, K, C, group_size);
}

// The X8 kernels (uniform, 2 <= M <= 8; see launch_x8): the ring kernel and its persistent
// form with the M activation rows in each stage. Two stages in both (an X8 stage is up to
// 8 x 512 bytes of x larger than an M1 one).
template <typename T, int B, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_x8pipe_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                             const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                             T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, 1, false, false, FOLD, false, 2, false, false, kMaxWarps, true>(
      x, qw, meta, lut, y, M, N, K, C, group_size);
}
template <typename T, int B, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_x8pt_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                           const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                           T* __restrict__ y, int M, int N, int K, int C, int group_size,
                           SkWork order) {
  fused_gemm_body<T, B, 1, false, false, FOLD, false, 2, false, true, kMaxWarps, true>(
      x, qw, meta, lut, y, M, N, K, C, group_size, order);
}

// The XB kernel (uniform, M <= 8 MT; see launch_xb): a tile per warp, x shared per block,
// kXbStages stages per block.
constexpr int kXbStages = 3;
template <typename T, int B, int MT, int FOLD>
__global__ void __launch_bounds__(kMaxWarps * 32, 1)
    fused_gemm_xb_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                         const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                         T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  fused_gemm_body<T, B, MT, false, false, FOLD, false, kXbStages, false, false, kMaxWarps, false,
                  true>(
      x, qw, meta, lut, y, M, N, K, C, group_size);
}

}  // namespace anyprec
