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
// two n-tiles instead, so that each load of x serves both (NT2, see nt2_takes).
//
// Uniform scheme: the A values are the codes plus a constant C (the magic offset), never scaled
// per element: sum_k s (q - z) x = s * sum (q + C) x - s (z + C) * sum x, per group. sum x comes
// from a second mma with an all-ones A, or with x itself as A (M1 at M = 1; ANYPREC_SUM_XA at
// M >= 2), so the fold costs 8 FMA per group per lane. Where the folds fall in a chunk is a
// template parameter (FOLD), so a whole chunk is one basic block.
//
// The ANYPREC_* macros below are build-time knobs for timing experiments (set through
// ANYPREC_NVCC_FLAGS, see benchmarks/experiments/*/run.sh); their defaults are the measured
// choices. tests/gpu runs with the defaults (and passed with ANYPREC_LUT_PAIRS=1 too).
#pragma once

#include <cstdio>
#include <cstdlib>

#include "anyprec.cuh"

#ifndef ANYPREC_X_CHUNK
#define ANYPREC_X_CHUNK true
#endif
// ANYPREC_X_FULL (on since session 39; benchmarks/experiments/x_full/): the register kernels
// (kXChunk: MT <= 2, not XS, not PIPE) load a whole chunk's x without bound checks, and run the
// one chunk that crosses K (K not a multiple of 256), if any, after their loop with the checks.
// A mask of the kernels that do, so that an A/B of all of them (15) can be adopted in part
// without another build to time (each kernel is its own instance): 1 uniform MT = 1 (M = 1
// fallbacks, M = 2..8), 2 uniform MT = 2 (M = 9..16: MC, MR, uncapped), 4 LUT MT = 1, 8 LUT
// MT = 2; and ANYPREC_X_FULL_BITS, a mask of the widths b (bit b; default 2..8), with
// ANYPREC_X_FULL_U2_BITS for uniform MT = 2 alone: there b = 6 ran 4-5% slower with the flag
// (session 38's H200 A/B, M = 12 / 16, 0.947 / 0.962; every other (scheme, M, b) 0.99-1.12).
// Each checked load is a predicate, a predicated LDG and two CS2R that zero its registers for
// the off case: at M = 9..16 (16 loads per chunk) ~70 of the 350 instructions of the uniform
// b = 4 g128 chunk loop. Rows past M then read row M - 1 instead of zeros: a column of B (one
// token) reaches only the same column of D, and those columns are never stored (the sums of x
// and the folds are per column too); row M - 1 is in the same warp load, so no sector more moves.
#ifndef ANYPREC_X_FULL
#define ANYPREC_X_FULL 15
#endif
#ifndef ANYPREC_X_FULL_BITS
#define ANYPREC_X_FULL_BITS 0x1FC
#endif
#ifndef ANYPREC_X_FULL_U2_BITS
#define ANYPREC_X_FULL_U2_BITS (ANYPREC_X_FULL_BITS & ~0x40)
#endif
// ANYPREC_XS=0 turns the shared-memory activation variant (XS) off; ANYPREC_MIN_BLOCKS is the
// minimum resident 256-thread blocks per SM asked of the register allocator (1: no cap).
#ifndef ANYPREC_XS
#define ANYPREC_XS 1
#endif
// Accumulator sets per sum (2: even / odd 16-k halves in separate chains) and metadata one chunk
// ahead (1) or at the chunk start (0) in the non-XS kernels: register / latency trade-offs,
// measured in benchmarks/experiments/decode_v6/.
#ifndef ANYPREC_ACC_SETS
#define ANYPREC_ACC_SETS 1
#endif
#ifndef ANYPREC_META_AHEAD
#define ANYPREC_META_AHEAD 0
#endif
#ifndef ANYPREC_XS_ALL
#define ANYPREC_XS_ALL 0
#endif
#ifndef ANYPREC_MIN_BLOCKS
#define ANYPREC_MIN_BLOCKS 1
#endif
// The same for the uniform kernel at M = 9..16 (MT = 2) at b >= 3 alone (an experiment knob;
// b = 2 and the capped kernel, fused_gemm_mt2cap_kernel, have their own). 2 (128 registers)
// spilled 72 bytes at b = 4 with the all-ones sums and lost at b >= 4
// (benchmarks/experiments/decode_x8/); with the sums of x as A b = 2..4 fit in 128 without
// spills, b = 5..8 spill 28-76 bytes and lost (benchmarks/experiments/decode_sumxa/, cap.sh).
#ifndef ANYPREC_MT2_MIN_BLOCKS
#define ANYPREC_MT2_MIN_BLOCKS ANYPREC_MIN_BLOCKS
#endif
// ANYPREC_LUT_PAIRS=1: the LUT scheme at b <= 4 looks up pairs of codes (see tab2). Off: on the
// H200 it was 5-9% faster at M = 1 on (14336, 4096), slower by up to 10% at M = 16 and on
// (4096, 6144), equal elsewhere (benchmarks/experiments/decode_v6/).
#ifndef ANYPREC_LUT_PAIRS
#define ANYPREC_LUT_PAIRS 0
#endif
// ANYPREC_LUT_LANES=1 (default): the LUT scheme at b <= 4 looks up per-lane table copies (see
// ltab). On the H200 (benchmarks/experiments/lut_lanes/): 15-28% faster at b = 4 (M = 1, 4, 16;
// (4096, 28672) M = 1 41.0 -> 34.8 us), 8-14% at b = 2, 3 (M = 1, 4; -1..7% at M = 16); 0
// restores the shared 16-row table.
// The table base is aligned at run time: a static __align__(2048) was not honoured in the shared
// window (1 KB off, which broke b = 4 on the device).
#ifndef ANYPREC_LUT_LANES
#define ANYPREC_LUT_LANES 1
#endif
// ANYPREC_LUT_PAIR_LANES=1 (default since session 35; benchmarks/experiments/lut_pair_lanes/): the
// LUT scheme at b = 4, M <= 16 looks up pairs of codes in per-lane tables (see kPairLanes): one
// shared load and ~3 integer ops per A register instead of two loads and ~5 ops. The tables
// (64 KB per block) sit in dynamic shared memory, before the LP ring. H200, M = 1: 6-33% less
// time on (4096, 6144), (4096, 4096), (14336, 4096), but 7-10% more on the many-n-tile
// (4096, 28672) and (4096, 14336) (two 64 KB blocks per SM), which lut_pairs_take (session 36)
// leaves to the single-code tables. 2: b = 2, 3 as well (16 / 30 KB), instead of the register
// tables (kRegLut); 0.89-0.92x at M = 16, so off.
#ifndef ANYPREC_LUT_PAIR_LANES
#define ANYPREC_LUT_PAIR_LANES 1
#endif
// ANYPREC_LUT_LANES_WIDE=1 (default): the same for b >= 5 (see lw_tab), where the shared 16-row
// table of 2^b entries made LUT slower than fp16 at M = 1. On the H200
// (benchmarks/experiments/lut_lanes/runs_s10_wide): 3-36% less time at M = 1, 4, 16, b = 5..8
// ((14336, 4096) b = 8 M = 1 38.6 -> 24.7 us, b = 6 32.0 -> 25.0 us); uniform unchanged; 0
// restores the shared table.
#ifndef ANYPREC_LUT_LANES_WIDE
#define ANYPREC_LUT_LANES_WIDE 1
#endif
// ANYPREC_LUT_WIDE_OR (LO; bit b for LUT b = 5, 6; 0 = off; default 0x60, both): the wide
// per-lane tables (kLanesW) at 256 bytes per code instead of 128 (the lanes' 32 words, then 128
// unused bytes), aligned at run time to their size (8 / 16 KB at b = 5 / 6, in an array twice
// that), so that one of a word's four lookups takes its address in one op instead of two
// (lw_or_addr).
// The session 45 ncu (benchmarks/experiments/record_s45/) found LUT b = 5 at M = 1 bound by
// instructions per weight (~634 per 16 x 256 chunk, as many as b = 6): this removes 32 of
// them. M <= 16 only (MT <= 2: with MT = 4's 16 KB reduction array the b = 6 block would pass
// the 48 KB of static shared memory); b = 7 would need 64 KB. H100, against 0 on one machine
// (benchmarks/experiments/lut_wide_or/, two passes, the four Llama-3-8B weights): LUT b = 5
// at M = 1 / 4 / 16 0.954 / 0.960 / 1.008 of the time ((14336, 4096) M = 1 15.9 -> 15.2 us,
// (4096, 28672) 30.7 -> 29.8), b = 6 0.986 / 0.990 / 0.980.
#ifndef ANYPREC_LUT_WIDE_OR
#define ANYPREC_LUT_WIDE_OR 0x60
#endif
// ANYPREC_LUT_REGS=1 (default): the LUT scheme at b <= 3 keeps each lane's two rows' tables in
// registers (the low and the high bytes of each row's 8 values, 8 words) and looks codes up
// with byte permutes (see kRegLut): ~3.75 integer ops per A register and no shared-memory
// table, fill, barrier or shared load, against 7 (two shared loads) for the per-lane shared
// tables (ltab); SASS chunk loop at b = 3, M = 1: 607 -> 366 instructions. H200, against
// -DANYPREC_LUT_REGS=0 in the same call (benchmarks/experiments/lut_regs/): LUT b = 2, 3 at
// M = 1, 4, 16 13-29% less time ((4096, 28672) M = 1 b = 3 32.6 -> 25.8 us, (14336, 4096)
// 17.8 -> 14.0). b = 4 stays on the shared tables: its 16 values need a second permute per
// half and a bit-3 select (~6.5 ops, 16 table registers), and measured 5-16% slower at M = 1, 4.
#ifndef ANYPREC_LUT_REGS
#define ANYPREC_LUT_REGS 1
#endif

// ANYPREC_PDL_PREFETCH=1: each block pulls its first weights into L2 before pdl_wait (see the
// body). Measured on the H100 with PDL on (benchmarks/experiments/decode_pdl/): 4% slower than
// without it (geometric mean, uniform and LUT, M = 1 and 4), so off.
#ifndef ANYPREC_PDL_PREFETCH
#define ANYPREC_PDL_PREFETCH 0
#endif
// ANYPREC_PDL_EW (early weights, default 1; benchmarks/experiments/pdl_early/): with PDL, a
// decode block issues its first weight loads (the register double buffer's first chunk and its
// metadata, or the ring's prologue stages' weights) and fills its LUT tables before pdl_wait,
// which then guards x and y alone, so the first chunk's DRAM latency overlaps the previous
// kernel's tail instead of following it. 0 off; 1 not in the PT kernels (M = 1 and X8's
// persistent tiles); 2 in those too, which timed the same as 1 (H100, pdl_early/pt.sh: 1.000
// over uniform M = 1, 4, b = 2..8 on (4096, 28672), (4096, 14336), (8192, 28672); their
// blocks start only when the previous grid has drained), so 1. Never in the XS, stream-K and
// XB kernels (XS stages x up front; the others keep their own prologues). Precondition: the
// kernel right before the gemm on the stream does not write its weights, metadata or tables
// (vLLM writes them at load time); ANYPREC_PDL=0 (plain stream order) lifts it. (Session 10's
// L2 prefetch, ANYPREC_PDL_PREFETCH, 4% slower, added instructions; EW moves loads the kernel
// makes anyway.)
// ANYPREC_PDL_ET (early trigger): pdl_launch_dependents right after pdl_wait instead of after the
// block's last load, so that the next kernel's grid is launched once every block of this one
// has started and its blocks take the SM slots as they free (and, with EW, load their first
// weights at once); 0 never, 2 in every decode kernel, 1 (default) by pdl_et_takes.
// Measured on the H100 (session 42, pdl_early/run.sh: bench_kernels, M = 1, 4, 16, b = 2..8,
// both schemes, the four Llama-3-8B weights, two passes; both-off time / variant time, 192
// cells): EW 1.025 (0.971-1.140), ET everywhere 0.991, both 1.067 (0.902-1.314): LUT M = 1
// 1.07-1.18 per width, uniform M = 1 1.06-1.09 ((14336, 4096) b = 4 13.2 -> 12.2 us). ET lost in
// the PT kernel (uniform M = 1 on (4096, 28672) b = 4 23.9 -> 25.5 us) and in the uniform
// M = 9..16 kernels (b = 2 0.90-0.97x, b = 6 0.92-0.99x), hence the rule; the defaults against
// both off on the same machine (pdl_early/confirm.sh): 1.073 (0.980-1.331). Gemms back to back;
// after a kernel that writes x and does not trigger early (a model's norm or activation;
// pdl_early/chain.py) neither flag moved the time (1.000-1.002 on the geometric mean).
#ifndef ANYPREC_PDL_EW
#define ANYPREC_PDL_EW 1
#endif
#ifndef ANYPREC_PDL_ET
#define ANYPREC_PDL_ET 1
#endif
// ANYPREC_RING_PTRS=1 (off, not yet run; benchmarks/experiments/lean_alu/): the decode rings'
// copy bookkeeping as running pointers (see kRunPtrs in the body).
#ifndef ANYPREC_RING_PTRS
#define ANYPREC_RING_PTRS 0
#endif
// ANYPREC_LUT_WIDE_ADDR (anyprec.cuh, benchmarks/experiments/lut_wide_addr/): the LUT b = 5 ..
// that value's lookups form their shared addresses in two ops (lw_addr) instead of four
// (where LO, ANYPREC_LUT_WIDE_OR, does not take them: b = 5, 6 at M <= 16 by default).
// ANYPREC_SUM_XA: at M >= 2 (uniform) the sums of x from one mma per 32-k subchunk and 8-row
// tile with the tile's x as A and all-ones B, instead of one all-ones-A mma per 16 k: lane
// (g, t)'s x registers of the subchunk are an A fragment whose rows g and g + 8 both hold
// activation row g (16 of its k each), so d0 + d2 is row g's sum over the subchunk. Half the
// sum mma per chunk; two shuffles per tile and fold hand each lane its columns' sums. 0 off,
// 2 on everywhere, 1 (default) by sum_xa_wins. Measured on the H200 against 0, same call
// (benchmarks/experiments/decode_sumxa/): M = 2..8 1-2% less time at every b; M = 9..16 5-6%
// less at b = 2, 6, 8 (b = 7 1.5%) but 3-4% more at b = 3..5; M = 17..32 2-5% less at
// b = 4..7, 2-7% more at b = 2, 3, 8 (register allocation moves with the mma count).
#ifndef ANYPREC_SUM_XA
#define ANYPREC_SUM_XA 1
#endif

namespace anyprec {

// The decode kernels ET takes by default (ANYPREC_PDL_ET=1): M <= 8 (one 8-row tile) but the
// PT kernel, and LUT at M <= 16.
constexpr bool pdl_et_takes(bool lut, int mt, bool pt) {
  return ANYPREC_PDL_ET == 2 || (ANYPREC_PDL_ET == 1 && !pt && (mt == 1 || (lut && mt <= 2)));
}

// See ANYPREC_SUM_XA above: whether the b-bit kernel for MT 8-row tiles sums x with x as A.
constexpr bool sum_xa_wins(int b, int mt) {
  return ANYPREC_SUM_XA == 2 ||
         (ANYPREC_SUM_XA == 1 &&
          (mt == 1 || (mt == 2 ? b == 2 || b >= 6 : b >= 4 && b <= 7)));
}

// The LUT pair tables (ANYPREC_LUT_PAIR_LANES; see kPairLanes in the body): entries per half,
// lo | hi << 4 for b-bit codes lo, hi (b = 4: 256; b = 3: 120; b = 2: 52), and the dynamic
// shared memory of both halves (128 bytes per entry: a word per lane), before the LP ring.
// 1: b = 4, 2: b = 2..4; M <= 16 (MT <= 2).
constexpr int lut_pair_entries(int b) { return 17 * (1 << b) - 16; }
template <int B, bool LUT, int MT>
constexpr size_t lut_pair_table_bytes() {
  return LUT && MT <= 2 && (B == 4 ? ANYPREC_LUT_PAIR_LANES >= 1 : B >= 2 && B <= 3 &&
                                                                       ANYPREC_LUT_PAIR_LANES >= 2)
             ? 2 * 128 * (size_t)lut_pair_entries(B)
             : 0;
}

// The decode kernel's body. FOLD (uniform only) = 32-k subchunks per fold of the group sums into
// the output accumulators, fixed at compile time (1, 2, 4 or 8; a group never straddles a fold,
// a fold never straddles a chunk), so that a whole 256-k chunk is one basic block: no branch per
// subchunk, no K check (x is zero past K, so the padded codes add nothing), and the scheduler
// can interleave the loads, bit transposes, conversions and mma of all eight subchunks.
// XS (decode, M = 1 and a small x): the block first copies its x row into shared memory and
// the warps read their fragments from there per 32-k subchunk: short latency without the
// chunk-wide x registers, so a register cap of 80 for b <= 4 (3 blocks of 256 threads per SM;
// 128 above, where 80 spills) fits without spills and more warps are resident.
// M1 (uniform, M == 1, not XS): the sums of x per fold come from one mma per chunk on x itself
// (see kSumMma) instead of an all-ones mma per 16 k. ST > 0 (M1 only): the loads go through a
// ring of ST cp.async stages per warp (PIPE). SK (PIPE only): stream-K, every warp of the grid
// takes sk.q consecutive chunks of the (n-tile, chunk) sequence (see SkWork). The body is shared
// by the kernels below (fused_gemm_kernel, and the M1 kernels with their own register limits).
// MW: the most warps per block the kernel launches with (sizes the block reduction).
// X8 (uniform, 2 <= M <= 8): the ring (PIPE, and PT) with all M activation rows in each stage
// (M x 512 bytes per chunk, read back as the B fragments of rows g) and the all-ones sums of x;
// see launch_x8.
// XB (uniform, M <= 8 MT): warps split N instead of K: warp w of block b owns n-tile
// b nw + w over all of K, and the block's warps walk the chunks together through one ring of
// ST stages per block, each holding the chunk's M rows of x once (shared by the nw tiles) and
// every warp's weights and metadata; a block barrier per chunk, no reduction; see launch_xb.
template <typename T, int B, int MT, bool LUT, bool XS, int FOLD, bool M1, int ST, bool SK = false,
          bool PT = false, int MW = kMaxWarps, bool X8 = false, bool XB = false,
          bool XA = false, bool NP = false, int WR = 0, int NT2 = 0, int NTL = 2>
__device__ __forceinline__ void fused_gemm_body(const T* __restrict__ x,
                                                const uint4* __restrict__ qw,
                                                const MetaWord<B>* __restrict__ meta,
                                                const T* __restrict__ lut, T* __restrict__ y,
                                                int M, int N, int K, int C, int group_size,
                                                SkWork sk = SkWork()) {
  static_assert(FOLD == 0 || FOLD == 1 || FOLD == 2 || FOLD == 4 || FOLD == 8,
                "FOLD divides a chunk");
  static_assert(!XS || MT == 1, "XS stages one 8-row activation tile");
  static_assert(!M1 || (MT == 1 && !LUT && !XS), "M1: one activation row, uniform, not XS");
  constexpr bool kPipe = ST > 0;
  static_assert(!X8 || (MT == 1 && !LUT && !XS && !M1 && !SK), "X8: uniform, one 8-row tile");
  static_assert(!XB || (!LUT && !XS && !M1 && !SK && !PT && !X8 && MT <= 2), "XB: uniform");
  // LUT through the ring (LP, see lut_pipe_enabled): M = 1, one activation row per stage.
  static_assert(!kPipe || ((M1 || X8 || XB || LUT) && ST >= 2),
                "PIPE: M1, X8, XB or LUT, >= 2 stages");
  static_assert(!(LUT && kPipe) || (MT == 1 && !XS && !SK && !PT && !X8 && !XB),
                "LP: M = 1, the ring only");
  static_assert(lut_pair_table_bytes<B, LUT, MT>() == 0 || !XS,
                "the LUT pair tables take the dynamic shared memory XS would use");
  static_assert(WR == 0 || (WR >= 2 && !kPipe && !XS && !LUT && !M1 && ANYPREC_META_AHEAD == 0),
                "WR: the uniform register kernels, metadata at the chunk start");
  static_assert(!NT2 || (!kPipe && !XS && !LUT && !M1 && WR == 0 && ANYPREC_META_AHEAD == 0),
                "NT2: the uniform register kernels, metadata at the chunk start");
  static_assert(NTL >= 2 && NTL <= 4, "NT2: 2..4 tiles per block");
  static_assert(!SK || kPipe, "SK: the pipelined M1 kernel");
  static_assert(!PT || (kPipe && !SK), "PT: the pipelined M1 kernel, not stream-K");
  // PT (persistent tiles): block b runs n-tiles b, b + gridDim.x, ... one after another, its
  // warps' rings running on across the tile ends (see the PIPE loop).
  const int n16 = (N + kTileN - 1) / kTileN;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int nwarps = blockDim.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  // XB: a tile per warp; NT2: NTL tiles per block (two but in NT2P's NT4 form), ntile, ntile + 1,
  // ... (see the NT2 loop)
  const int ntile = XB ? blockIdx.x * nwarps + warp : NT2 ? NTL * blockIdx.x : blockIdx.x;
  const int n0 = ntile * kTileN;
  const int mbase = blockIdx.y * 8 * MT;
  // PDL (launch_decode): x may be written by the kernel before this one and y read by it, so
  // neither is touched before pdl_wait. ANYPREC_PDL_PREFETCH: this block's first weights (each
  // warp's first two chunks, one line per lane) and LUT rows are pulled into L2 meanwhile.
  // kEarlyW (ANYPREC_PDL_EW): the wait moves below the first weight loads (wait_prev).
  constexpr bool kEarlyW = ANYPREC_PDL_EW && !XS && !SK && !XB && (!PT || ANYPREC_PDL_EW == 2);
  constexpr bool kEarlyTrigger = pdl_et_takes(LUT, MT, PT);
  auto wait_prev = [&]() {
    pdl_wait();
    if constexpr (kEarlyTrigger) pdl_launch_dependents();
  };
  if constexpr (!SK && !XB && ANYPREC_PDL_PREFETCH) {
    const char* q0 = reinterpret_cast<const char*>(qw + (size_t)ntile * C * B * 32);
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const int c = warp + j * nwarps;
      if (c < C && lane < 4 * B) prefetch_l2(q0 + ((size_t)c * B * 32) * 16 + lane * 128);
    }
    if constexpr (LUT) {
      const int rows = min(kTileN, N - n0);
      const char* l0 = reinterpret_cast<const char*>(lut + ((size_t)n0 << B));
      for (int i = threadIdx.x; i * 128 < (rows << B) * 2; i += blockDim.x)
        prefetch_l2(l0 + i * 128);
    }
  }
  if constexpr (!kEarlyW) wait_prev();
  // Activations of a whole chunk are loaded up front (one latency per chunk, not per 32 k).
  // (Loading them one chunk ahead, like the weights, measured 5-30% slower: 32 more registers.)
  constexpr bool kXChunk = !XS && ANYPREC_X_CHUNK && MT <= 2;
  // Dynamic shared memory: XS: x as [rows][K / 8], rows = min(8, M - mbase); PIPE: the warps'
  // stage rings.
  ANYPREC_DYNAMIC_SMEM(uint4, xs_tile);
  const int xs_rows = XS ? min(8, M - mbase) : 0;
  if constexpr (XS) {
    const int kv = K >> 3;
    for (int i = threadIdx.x; i < xs_rows * kv; i += blockDim.x) {
      const int r = i / kv;
      xs_tile[i] = *reinterpret_cast<const uint4*>(x + (size_t)(mbase + r) * K + (i - r * kv) * 8);
    }
    if constexpr (!LUT) __syncthreads();  // LUT: the table fill below syncs once for both
  }
  constexpr bool kNibbles = B <= 4;  // 4-bit codes: see the two layouts in cuda_layout.py
  // fp16, b <= 4: the codes of rows g + 8 are converted in place as 16q (nibble 1 of a byte:
  // 0x6400 | q << 4 = 1024 + 16q, exact), which saves a shift per A register; the fold divides
  // those rows' scale by 16 (exact) and moves their offset to match.
  constexpr bool kNib16 = std::is_same_v<T, __half> && kNibbles && !LUT;
  // In the M = 1 uniform and the b <= 4 LUT kernels: ANYPREC_LEAN_MASK (anyprec.cuh, on) the
  // packed b = 2, 3 nibble words masked by their consumer (kNibMask bits: fp16 uniform's
  // A-register and-or, the LUT register tables' selectors) instead of in decode_unit;
  // ANYPREC_LEAN_ALU (off) that and the shifts on the FMA pipe.
  constexpr bool kRegLut =
      LUT && B <= 3 && ANYPREC_LUT_REGS && (lut_pair_table_bytes<B, LUT, MT>() == 0 || NP);
  constexpr bool kLeanScope = M1 || (LUT && kNibbles);
  constexpr bool kLeanFma = ANYPREC_LEAN_ALU && kLeanScope;
  constexpr bool kLeanMask = (ANYPREC_LEAN_ALU || ANYPREC_LEAN_MASK) && kLeanScope &&
                             (kNib16 || kRegLut) && packed_transposed(B);
  constexpr uint32_t kNibMask = kLeanMask ? nib_mask<B>() : 0xFu;

  __shared__ float red[SK || PT || XB ? 1 : MW][MT * 4][32];  // (SK, PT, XB: not this one)
  // PT's per-tile reduction (X8: the 8 activation rows' sums, [row m][n] per warp)
  __shared__ float pred[PT ? 2 : 1][PT ? kMaxWarps : 1][X8 ? 8 * kTileN : kTileN];
  // LUT: the 16 rows' tables, as 16-bit values, loaded once per block.
  // LUT, b >= 5: per-lane tables instead (kLanesW, see lw_tab below).
  constexpr bool kLanesW = LUT && B >= 5 && ANYPREC_LUT_LANES_WIDE && (B <= 7 || MT <= 2);
  // LUT, b <= 3: the tables in registers instead (kRegLut above, rt below).
  __shared__ uint16_t tab[LUT && !kLanesW && !kRegLut ? (kTileN << B) : 1];
  // LUT, b <= 4: pair tables, entry (lo | hi << b) of a row = its values of codes lo and hi
  // packed as one A register (4^b entries per row, 16 KB per block at b = 4): one 32-bit lookup
  // per two weights instead of two 16-bit lookups and a byte permute.
  constexpr bool kPairs = LUT && B <= 4 && ANYPREC_LUT_PAIRS;
  __shared__ uint32_t tab2[kPairs ? (kTileN << (2 * B)) : 1];
  // LUT, b <= 4: one table copy per lane, entry c of lane l's row (g, or g + 8 for half 1) at
  // word [half][c][l], so every lane reads its own bank: a conflict-free lookup. With the
  // shared 16-row table the 8 rows a warp reads at once sit in 4 bank sets, so rows g and g + 4
  // (and the 4 lanes of a row reading different codes) collide: ~3 wavefronts per lookup.
  // 2 x 2^b x 32 words (4 KB per block at b = 4), each half aligned to its size kLtAlign, so
  // that a code's byte offset 128 c (< kLtAlign) is or-ed into the address, not added. The
  // alignment is made at run time in an array with kLtAlign bytes of slack: a static __align__
  // did not give it (wrong results at b = 4 on the H200, where a half is 2 KB; the static
  // shared addresses seem to start past the 1 KB that sm_80+ reserves per block).
  // LUT, b = 4 (b = 2..4 with ANYPREC_LUT_PAIR_LANES=2): per-lane tables of code pairs instead.
  // Entry lo | hi << 4 of a half (rows g: half 0, g + 8: half 1) holds the row's values of codes
  // lo and hi as one A register; word [half][entry][lane] (b = 4: 2 x 256 x 128 bytes = 64 KB, in
  // dynamic shared memory at xs_tile), so every lane reads its own bank. A nibble word's four A
  // registers' code pairs are gathered into the four bytes of one word (two shifts, two bit
  // selects), and each byte becomes its entry's address in two ops (lw_addr): per A register
  // one shared load and ~3 integer ops, where kLanes takes two loads, ~5 ops and a byte
  // permute (and kRegLut ~4 ops on the ALU pipe).
  // MT <= 2 (M <= 16): at MT = 4 the kernel took 182 registers instead of 150.
  // NP: the instance without them, for the weights lut_pairs_take leaves out.
  constexpr bool kPairLanes = lut_pair_table_bytes<B, LUT, MT>() > 0 && !kPairs && !NP;
  constexpr uint32_t kPtabHalf = 128u * lut_pair_entries(B);  // bytes per half
  constexpr int kPtabU4 = kPairLanes ? (int)(2 * kPtabHalf / 16) : 0;
  const uint32_t pt0 = (uint32_t)__cvta_generic_to_shared(xs_tile) + 4 * lane;
  constexpr bool kLanes = LUT && B <= 4 && !kPairs && !kRegLut && !kPairLanes && ANYPREC_LUT_LANES;
  constexpr uint32_t kLtAlign = 128u << B;
  __shared__ uint32_t ltab[kLanes ? (3 * kLtAlign / 4) : 1];
  const uint32_t lt_base =
      ((uint32_t)__cvta_generic_to_shared(ltab) + kLtAlign - 1) & ~(kLtAlign - 1);
  // kLanes: shared addresses of this lane's word for code 0 in the two halves
  const uint32_t lt0 = lt_base + 4 * lane, lt1 = lt0 + kLtAlign;
  // LUT, b >= 5 (kLanesW): one table copy per lane as well, the values of rows g (low half)
  // and g + 8 (high half) packed in one word: word [c][lane], 2^b x 128 bytes (32 KB at b = 8,
  // so not with the 16 KB reduction array of MT = 4), at any base (lane l's word sits in bank
  // base + l for every code). A lookup is the code shifted to 32 c words and a 32-bit load; a
  // byte permute then takes the low or the high halves of two lookups.
  // LO (ANYPREC_LUT_WIDE_OR, lw_or_addr): 64 words per code instead of 32, the table at
  // lw_base, aligned to its size kLwOrBytes inside an array of twice that.
  constexpr bool kLwOr = kLanesW && B <= 6 && MT <= 2 && ((ANYPREC_LUT_WIDE_OR >> B) & 1);
  constexpr uint32_t kLwOrBytes = 256u << B;
  __shared__ __align__(16) uint32_t lw_tab[kLanesW ? (kLwOr ? kLwOrBytes / 2 : 32 << B) : 1];
  const uint32_t* const lw = lw_tab + lane;
  const uint32_t lw_base =
      kLwOr ? ((uint32_t)__cvta_generic_to_shared(lw_tab) + kLwOrBytes - 1) & ~(kLwOrBytes - 1)
            : (uint32_t)__cvta_generic_to_shared(lw_tab);
  // ANYPREC_LUT_WIDE_ADDR (anyprec.cuh, lw_addr): the lookups by shared address, from lwb =
  // this lane's word of code 0.
  constexpr bool kLwAddr = kLanesW && !kLwOr && B <= ANYPREC_LUT_WIDE_ADDR;
  const uint32_t lwb = lw_base + 4 * lane;
  // Builds the LUT tables of this block's n-tile (then a barrier); called once the first weight
  // loads are in flight, so their latency and the table's overlap. The per-lane tables are
  // filled from 16-byte loads (8 codes of a row; 8 bytes at b = 2), each value stored to its
  // row's four lanes with one 16-byte store: the load latency is paid about once per block (the
  // element-wise fill paid it once per 2 to 64 values per thread at b = 2..8, before any weight
  // load of the block was issued). check_lut makes the rows' alignment a precondition. (LP
  // calls it once its ring's first stages are issued.)
  // kRegLut: rt[h] = row g's (h = 0) or g + 8's (h = 1) values as reg_lut_row packs them.
  uint32_t rt[kRegLut ? 2 : 1][4];
  auto fill_tables = [&]() {
    if constexpr (kRegLut) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int r = n0 + g + 8 * h;
        const uint4 v =
            r < N ? load_bytes<2 << B>(lut + ((size_t)r << B)) : make_uint4(0, 0, 0, 0);
        reg_lut_row(v, rt[h]);
      }
    } else if constexpr (kLanesW) {
      // Item (row g, codes [8 cg, 8 cg + 8)): rows n0 + g (low halves) and n0 + g + 8 (high).
      const uint4* lut4 = reinterpret_cast<const uint4*>(lut);
      const uint32_t lw0 = lw_base;
      constexpr int kCodeShift = kLwOr ? 6 : 5;  // log2 of the words per code
      for (int i = threadIdx.x; i < (1 << B); i += blockDim.x) {
        const int gr = i & 7, cg = i >> 3, r = n0 + gr;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 lo = r < N ? lut4[((size_t)r << (B - 3)) + cg] : zero;
        const uint4 hi = r + 8 < N ? lut4[((size_t)(r + 8) << (B - 3)) + cg] : zero;
        // word [c][4 g .. 4 g + 3] = value(g, c) | value(g + 8, c) << 16
#pragma unroll
        for (int e = 0; e < 8; ++e)
          sts32x4(lw0 + 4 * (((8 * cg + e) << kCodeShift) + 4 * gr),
                  __byte_perm(comp(lo, e >> 1), comp(hi, e >> 1), e & 1 ? 0x7632 : 0x5410));
      }
      __syncthreads();
    } else if constexpr (kPairLanes) {
      // Item (half h, row gr of 8, high code ch): row r = n0 + gr + 8 h's entries lo | ch << 4,
      // lo < 2^b, each stored to the row's four lanes with one 16-byte store. (b < 4: the
      // entries with a code bit above b set are never read, and not written.) gr varies
      // fastest: a warp's eight rows fill one 128-byte line of banks, so each 16-byte store
      // instruction takes the 4 wavefronts its 512 bytes need (with ch fastest, all 32 threads
      // hit the same 8 banks: 16 wavefronts at b = 4, found by review in session 35).
      constexpr int kCodes = 1 << B;
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      const uint32_t pbase = (uint32_t)__cvta_generic_to_shared(xs_tile);
      for (int i = threadIdx.x; i < 16 * kCodes; i += blockDim.x) {
        const int gr = i & 7, ch = (i >> 3) & (kCodes - 1), h = i >> (B + 3);
        const int r = n0 + gr + 8 * h;
        const bool ok = r < N;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 v0 = ok ? load_bytes<(2 << B) < 16 ? 8 : 16>(lut16 + ((size_t)r << B)) : zero;
        const uint4 v1 = ok && B == 4 ? load_bytes<16>(lut16 + ((size_t)r << B) + 8) : zero;
        const uint32_t hi = ok ? (uint32_t)lut16[((size_t)r << B) + ch] << 16 : 0u;
        const uint32_t base = pbase + h * kPtabHalf + (uint32_t)ch * (16 * 128) + 16 * gr;
#pragma unroll
        for (int lo = 0; lo < kCodes; ++lo) {
          const uint32_t v = comp(lo < 8 ? v0 : v1, (lo & 7) >> 1);
          sts32x4(base + 128 * lo, (lo & 1 ? v >> 16 : v & 0xFFFFu) | hi);
        }
      }
      __syncthreads();
    } else if constexpr (kLanes) {
      // Item (row rr of 16, codes [kE cg, kE cg + kE)); the value in the word's low half.
      constexpr int kE = B >= 3 ? 8 : 4;
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      for (int i = threadIdx.x; i < (16 << B) / kE; i += blockDim.x) {
        const int rr = i & 15, cg = i >> 4, r = n0 + rr;
        const uint4 v = r < N ? load_bytes<2 * kE>(lut16 + ((size_t)r << B) + cg * kE)
                              : make_uint4(0, 0, 0, 0);
        const uint32_t base = lt_base + (rr >> 3) * kLtAlign + 16 * (rr & 7);
#pragma unroll
        for (int e = 0; e < kE; ++e)
          sts32x4(base + 128 * (cg * kE + e), (comp(v, e >> 1) >> (16 * (e & 1))) & 0xFFFFu);
      }
      __syncthreads();
    } else if constexpr (LUT) {
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      for (int i = threadIdx.x; i < (kTileN << B); i += blockDim.x) {
        const int r = n0 + (i >> B);
        tab[i] = r < N ? lut16[((size_t)r << B) + (i & ((1 << B) - 1))] : uint16_t(0);
      }
      __syncthreads();
      if constexpr (kPairs) {
        constexpr int kMask = (1 << B) - 1;
        for (int i = threadIdx.x; i < (kTileN << (2 * B)); i += blockDim.x) {
          const uint16_t* tr = tab + ((i >> (2 * B)) << B);
          tab2[i] = (uint32_t)tr[i & kMask] | ((uint32_t)tr[(i >> B) & kMask] << 16);
        }
        __syncthreads();
      }
    }
  };

  // ANYPREC_X_FULL (kXFull): whole chunks load x unchecked; rows past M then point at row M - 1
  // (see the macro). LUT, and uniform groups of 128 and of whole chunks (FOLD 4, 8), the
  // benchmarks' widths: at groups of 32 or irregular sizes (FOLD 1, 0) ptxas gave the b = 4
  // kernels 11-27 more registers, at 64 (FOLD 2) b = 2 M = 9..16 spilled 12-24 bytes.
  // (bit (LUT ? 2 : 0) + MT - 1 of the mask; MT <= 2 by kXChunk)
  constexpr int kXFullBits = (!LUT && MT == 2) ? ANYPREC_X_FULL_U2_BITS : ANYPREC_X_FULL_BITS;
  constexpr bool kXFull = ((ANYPREC_X_FULL >> ((LUT ? 2 : 0) + MT - 1)) & 1) &&
                          ((kXFullBits >> B) & 1) && kXChunk && !kPipe &&
                          (LUT || FOLD >= 4);
  const T* xrow[MT];
  bool xok[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    const int m = mbase + mt * 8 + g;
    xok[mt] = m < M;
    xrow[mt] = x + (size_t)(xok[mt] ? m : (kXFull ? M - 1 : 0)) * K;
  }
  auto load_x = [&](int kx, int mt) -> uint4 {
#ifdef ANYPREC_EXPERIMENT_NO_X  // timing experiment only: wrong results
    return make_uint4(kx, mt, lane, 0x3C003C00u);
#endif
    if constexpr (XS) {
      return (g < xs_rows && kx < K) ? xs_tile[g * (K >> 3) + (kx >> 3)] : make_uint4(0, 0, 0, 0);
    }
    return (xok[mt] && kx < K) ? *reinterpret_cast<const uint4*>(xrow[mt] + kx)
                               : make_uint4(0, 0, 0, 0);
  };

  // Two accumulator sets (even / odd k-tile) halve the chain of dependent mma.
  // Accumulator sets per sum: 2 splits each mma chain in two (even / odd 16-k halves); 1 saves
  // 8 registers and the adds of the fold. Measured (benchmarks/experiments/decode_v6/, s1m0): 1
  // with the metadata loaded at the chunk start is 4-17% faster at M = 1..16 except in the XS
  // kernels (b >= 7 at M = 1: 10-15% slower), which keep 2 and the metadata one chunk ahead.
  constexpr int kSets = XS ? 2 : ANYPREC_ACC_SETS;
  float acc[MT][4], gacc[kSets][MT][4], sx[kSets][MT][4];
  // kSumXA (see ANYPREC_SUM_XA): tile mt's sums of x in sxa[mt], d0 + d2 = activation row g
  // (columns 2t, 2t + 1 repeat them).
  // (XA: the capped M = 9..16 kernel, which takes them at every b it runs at.)
  constexpr bool kSumXA = !LUT && !M1 && (XA || sum_xa_wins(B, MT));
  float sxa[kSumXA ? MT : 1][4] = {};
  // NT2: the output sums of tiles B, ... (the chunk math runs on acc, swapped with these around
  // each of their calls; the group sums gacc / sx / sxa are zero at every chunk's end, a fold
  // never straddling a chunk, so they need no second set).
  constexpr int kNtX = NT2 ? NTL - 1 : 1;  // the tiles after tile A (arrays' extent)
  float acc2[kNtX][NT2 ? MT : 1][4] = {};
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      acc[mt][j] = 0.f;
#pragma unroll
      for (int e = 0; e < kSets; ++e) gacc[e][mt][j] = sx[e][mt][j] = 0.f;
    }

  // The fold metadata of rows g and g+8 (a MetaWord per fold, fold_meta); one chunk ahead
  // (with the weights) where that costs at most 8 registers, else at the start of the chunk.
  // The group of a fold: for
  // FOLD = 1, 2, 4 (group = FOLD subchunks) fold f of chunk c is group 8c/FOLD + f; for FOLD = 8
  // (groups of whole chunks) c / cpg, cpg = chunks per group, tracked by a running quotient and
  // remainder so no division is left in the loop; FOLD = 0 (any other multiple of 32) divides
  // per subchunk. Groups past K (padding) are clamped to the last one, harmlessly: their x is 0.
  constexpr int kFoldSubs = FOLD == 0 ? 1 : FOLD;  // subchunks per fold
  constexpr int kFolds = LUT ? 1 : folds_per_chunk(FOLD);
  constexpr bool kMetaAhead = (XS || ANYPREC_META_AHEAD) && kFolds <= 2;
  // M1: with one activation row, sum x per subchunk is one mma per chunk with x as A (lane l
  // loads x[8l, 8l + 8) of the chunk into its four A registers, so row g of A holds halves
  // {0, 1, 4, 5} and row g + 8 halves {2, 3, 6, 7} of subchunk g) and all-ones B: d0 + d2 of lane
  // (g, t) is the sum of subchunk g, which shuffles turn into each fold's sum in every lane.
  // 1 mma instead of the 16 all-ones mma per chunk (half the tensor-pipe work at M = 1).
  constexpr bool kSumMma = M1;
  const int gsub = group_size >> 5;
  // (LUT: no groups, and group_size is 0: no division, which a host build would trap on)
  const int G = LUT ? 1 : (K + group_size - 1) / group_size;
  const MetaWord<B>* mbase_ptr = meta + (size_t)ntile * 8 + g;
  const int mstride = (SK || PT || XB || NT2 ? n16 : gridDim.x) * 8;
  const int cpg = FOLD == 8 ? gsub >> 3 : 1;
  int gq = 0, gr = 0, dq = 0, dr = 0;  // FOLD = 8: the next chunk to load is gq * cpg + gr
  if constexpr (FOLD == 8 && !LUT) {
    gq = warp / cpg;
    gr = warp - gq * cpg;
    dq = nwarps / cpg;
    dr = nwarps - dq * cpg;
  }
  // Group of fold f of chunk cc, then the step to the warp's next chunk (chunks are visited in
  // order: warp, warp + nwarps, ...; SK: a division per chunk instead, its chunks run across
  // tiles).
  auto group_of = [&](int cc, int f) {
    int gi;
    if constexpr (FOLD == 8) {
      gi = SK || PT || XB ? cc / cpg : gq;
    } else if constexpr (FOLD == 0) {
      gi = (cc * 8 + f) / gsub;
    } else {
      gi = cc * kFolds + f;
    }
    return gi < G - 1 ? gi : G - 1;
  };
  auto next_chunk_groups = [&]() {
    if constexpr (FOLD == 8 && !SK && !PT && !XB) {
      gq += dq;
      gr += dr;
      if (gr >= cpg) {
        gr -= cpg;
        ++gq;
      }
    }
  };
  // Loads the metadata of chunk cc.
  auto load_meta = [&](int cc, MetaWord<B> (&m)[kFolds]) {
    if constexpr (!LUT) {
#pragma unroll
      for (int f = 0; f < kFolds; ++f) m[f] = mbase_ptr[group_of(cc, f) * mstride];
      next_chunk_groups();
    }
  };

  const uint4* qbase = qw + (size_t)ntile * C * B * 32 + lane;
  // NT2: tile u + 1 = ntile + u + 1, if the weight has it (else tile A's words again, never
  // stored)
  bool has2[kNtX];
  const uint4* qbase2[kNtX];
  const MetaWord<B>* mbase2[kNtX];
#pragma unroll
  for (int u = 0; u < kNtX; ++u) {
    has2[u] = NT2 && ntile + u + 1 < n16;
    qbase2[u] = has2[u] ? qbase + (size_t)(u + 1) * C * B * 32 : qbase;
    mbase2[u] = mbase_ptr + (has2[u] ? 8 * (u + 1) : 0);
  }
  uint4 xc[kXChunk ? 8 : 1][MT];  // (not PIPE) x of the chunk, see kXChunk
  // The math of chunk cc: cw = its B plane vectors of this lane, mc = its folds' metadata, xa =
  // x[8 lane, 8 lane + 8) of the chunk (M1 sums); PIPE: xsm = the chunk's x in shared memory.
  // role (a constant at every call, so that the inlined copies fold their branches; a generic
  // lambda with an integral_constant crashed cicc 13.0): 0 the plain chunk; NT2 = 2's tile A
  // (1: its folds' sums of x kept in ssum) and tile B (2: ssum taken instead of the sums' mma
  // and shuffles).
  static_assert(NT2 != 2 || kSumXA, "NT2 = 2 shares the sums of x as A");
  constexpr int kSsumFolds = NT2 == 2 ? kFolds : 1;
  float ssum[kSsumFolds][MT][2];
  auto chunk_r = [&](const uint4 (&cw)[B], const MetaWord<B> (&mc)[kFolds], uint4 xa, int cc,
                     const uint4* xsm, const int role) {
    float fsum[kSumMma ? kFolds : 1];
    if constexpr (kSumMma) {
      const uint32_t xa4[4] = {xa.x, xa.y, xa.z, xa.w};
      float d[4] = {0.f, 0.f, 0.f, 0.f};
      mma16816<T>(d, xa4, Magic<T>::kOnes, Magic<T>::kOnes);
      float v = d[0] + d[2];  // subchunk g
      // Subchunk g is lane bits 2..4: add over the fold's subchunks, then take fold f's sum
      // from its first lane (every lane already has it when the fold is the whole chunk).
#pragma unroll
      for (int o = 4; o < 4 * kFoldSubs; o <<= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
#pragma unroll
      for (int f = 0; f < kFolds; ++f)
        fsum[f] = kFolds == 1 ? v : __shfl_sync(0xFFFFFFFFu, v, 4 * kFoldSubs * f);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint32_t w[8];
      decode_unit<B, kLeanFma, kLeanMask>(cw, i, w);
#pragma unroll
      for (int s = 0; s < 2; ++s) {
        const int q = 2 * i + s;  // subchunk in the chunk
        uint4 xv[MT];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          if constexpr (X8 || XB) {
            // row 8 mt + g's piece (4q + t) of the chunk, stored at (4q + t) ^ 4 in odd rows (see
            // issue)
            xv[mt] = xok[mt] ? xsm[32 * (8 * mt + g) + ((4 * q + t) ^ ((g & 1) << 2))]
                             : make_uint4(0, 0, 0, 0);
          } else {
            xv[mt] = kPipe     ? xsm[4 * q + t]
                    : kXChunk ? xc[kXChunk ? q : 0][mt]
                              : load_x(cc * kChunkK + q * 32 + 8 * t, mt);
          }
        }
        if constexpr (kSumXA) {
          if (role != 2) {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              const uint32_t xa4[4] = {xv[mt].x, xv[mt].y, xv[mt].z, xv[mt].w};
              mma16816<T>(sxa[mt], xa4, Magic<T>::kOnes, Magic<T>::kOnes);
            }
          }
        }
#pragma unroll
        for (int u = 0; u < 2; ++u) {
          uint32_t a[4];
          if constexpr (kNib16) {
            // nibbles (p, p + 4) of the word, p = 0..3 -> A register p; odd p are rows g + 8,
            // taken in place as 16q.
            constexpr uint32_t kMagic = 0x64006400u;
            constexpr uint32_t kLo = 0x00010001u * kNibMask, kHi = kLo << 4;
            const uint32_t wv = w[2 * s + u], hv = shr<kLeanFma>(wv, 8);
            a[0] = and_or(wv, kLo, kMagic);
            a[1] = and_or(wv, kHi, kMagic);
            a[2] = and_or(hv, kLo, kMagic);
            a[3] = and_or(hv, kHi, kMagic);
          } else if constexpr (kNibbles) {
            // b <= 4: word kt holds nibble codes; A register p = nibbles (p, p + 4).
            const uint32_t wv = w[2 * s + u];
            if constexpr (kPairLanes) {
              // y's bytes: the pair indices of A registers 0, 2, 1, 3 (pair_gather)
              const uint32_t y = pair_gather<kLeanFma>(wv);
              const uint32_t pt1 = pt0 + kPtabHalf;
              a[0] = lds32(lw_addr<0>(y, pt0));
              a[2] = lds32(lw_addr<1>(y, pt0));
              a[1] = lds32(lw_addr<2>(y, pt1));
              a[3] = lds32(lw_addr<3>(y, pt1));
            } else if constexpr (kRegLut) {
              // Rows g (even nibbles) and g + 8 (odd): the row's four codes as a selector
              // (nibbles 0, 4, 2, 6 of wv, or 1, 5, 3, 7), then the four values' low and high
              // bytes, then A registers (p, p + 4) = bytes (0, 1) and (2, 3) of both.
#pragma unroll
              for (int h = 0; h < 2; ++h)
                reg_lut_pairs<kLeanFma, 0x01010101u * kNibMask>(rt[h], wv, h, a[h], a[h + 2]);
            } else {
#pragma unroll
              for (int p = 0; p < 4; ++p) {
                if constexpr (kPairs) {
                  // codes of nibbles p (low half) and p + 4 (high half) -> index lo | hi << b
                  constexpr uint32_t kM = (1u << B) - 1;
                  const uint32_t v = (wv >> (4 * p)) & (kM | kM << 16);
                  const uint32_t e = (v | (v >> (16 - B))) & ((1u << (2 * B)) - 1);
                  a[p] = tab2[((g + 8 * (p & 1)) << (2 * B)) + e];
                } else if constexpr (kLanes) {
                  // code c at byte 128 c of the lane's column: one shift and one and-or each
                  const uint32_t lt = p & 1 ? lt1 : lt0;
                  const uint32_t lo =
                      (4 * p >= 7 ? shr<kLeanFma>(wv, 4 * p - 7) : wv << (7 - 4 * p));
                  const uint32_t hi = shr<kLeanFma>(wv, 4 * p + 9);
                  a[p] = __byte_perm(lds32(and_or(lo, 0x780u, lt)), lds32(and_or(hi, 0x780u, lt)),
                                     0x5410);
                } else if constexpr (LUT) {
                  const uint16_t* tr = tab + ((g + 8 * (p & 1)) << B);
                  a[p] = __byte_perm(tr[(wv >> (4 * p)) & 0xF], tr[(wv >> (4 * p + 16)) & 0xF],
                                     0x5410);
                } else {
                  a[p] = nibbles_to_pair<T>(shr<kLeanFma>(wv, 4 * p));
                }
              }
            }
          } else if constexpr (kLanesW) {
            const int ow = 4 * s + 2 * u;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const uint32_t wv = w[ow + h];  // bytes 0, 1: rows g; bytes 2, 3: rows g + 8
              uint32_t v0, v1, v2, v3;
              if constexpr (kLwOr) {
                v0 = lds32(lw_or_addr<0>(wv, lwb));
                v1 = lds32(lw_or_addr<1>(wv, lwb));
                v2 = lds32(lw_or_addr<2>(wv, lwb));
                v3 = lds32(lw_or_addr<3>(wv, lwb));
              } else if constexpr (kLwAddr) {
                v0 = lds32(lw_addr<0>(wv, lwb));
                v1 = lds32(lw_addr<1>(wv, lwb));
                v2 = lds32(lw_addr<2>(wv, lwb));
                v3 = lds32(lw_addr<3>(wv, lwb));
              } else {
                v0 = lw[(wv & 0xFFu) << 5];
                v1 = lw[((wv >> 8) & 0xFFu) << 5];
                v2 = lw[((wv >> 16) & 0xFFu) << 5];
                v3 = lw[(wv >> 24) << 5];
              }
              a[2 * h] = __byte_perm(v0, v1, 0x5410);
              a[2 * h + 1] = __byte_perm(v2, v3, 0x7632);
            }
          } else if constexpr (LUT) {
            const int ow = 4 * s + 2 * u;
            const uint16_t* t0 = tab + (g << B);
            const uint16_t* t8 = t0 + (8 << B);
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const uint32_t wv = w[ow + h];
              const uint32_t v0 = t0[wv & 0xFF], v1 = t0[(wv >> 8) & 0xFF];
              const uint32_t v2 = t8[(wv >> 16) & 0xFF], v3 = t8[wv >> 24];
              a[2 * h] = __byte_perm(v0, v1, 0x5410);
              a[2 * h + 1] = __byte_perm(v2, v3, 0x5410);
            }
          } else {
            const int ow = 4 * s + 2 * u;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              a[2 * h] = codes_to_pair<T, B>(w[ow + h], 0);
              a[2 * h + 1] = codes_to_pair<T, B>(w[ow + h], 2);
            }
          }
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
            const uint32_t b0 = u == 0 ? xv[mt].x : xv[mt].z;
            const uint32_t b1 = u == 0 ? xv[mt].y : xv[mt].w;
            mma16816<T>(gacc[u % kSets][mt], a, b0, b1);
            if constexpr (!LUT && !kSumMma && !kSumXA) {
              const uint32_t ones[4] = {Magic<T>::kOnes, Magic<T>::kOnes, Magic<T>::kOnes,
                                        Magic<T>::kOnes};
              mma16816<T>(sx[u % kSets][mt], ones, b0, b1);
            }
          }
        }
        if constexpr (!LUT) {
          // Fold this group's sums (a constant condition once unrolled).
          if ((q + 1) % kFoldSubs == 0) {
            const float4 m = fold_meta<T, B, MT>(mc[q / kFoldSubs]);
            float s8 = m.z, u8 = m.w;
            if constexpr (kNib16) {  // rows g + 8 summed (1024 + 16q) x: s/16 and u to match
              u8 = fold_u_nib16<B, MT>(s8, u8);
              s8 *= 0.0625f;
            }
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              float gs[4], s0 = sx[0][mt][0], s1 = sx[0][mt][1];
#pragma unroll
              for (int j = 0; j < 4; ++j) gs[j] = gacc[0][mt][j];
#pragma unroll
              for (int e = 1; e < kSets; ++e) {
                s0 += sx[e][mt][0];
                s1 += sx[e][mt][1];
#pragma unroll
                for (int j = 0; j < 4; ++j) gs[j] += gacc[e][mt][j];
              }
              if constexpr (kSumMma) s0 = s1 = fsum[q / kFoldSubs];  // (column 1: not stored)
              if constexpr (kSumXA) {
                float (&sv)[2] = ssum[NT2 == 2 ? q / kFoldSubs : 0][mt];
                if (role == 2) {
                  s0 = sv[0];
                  s1 = sv[1];
                } else {
                  // columns 2t, 2t + 1 of tile mt = activation rows 2t, 2t + 1: lanes 8t, 8t + 4
                  const float v = sxa[mt][0] + sxa[mt][2];
                  s0 = __shfl_sync(0xFFFFFFFFu, v, 8 * t);
                  s1 = __shfl_sync(0xFFFFFFFFu, v, 8 * t + 4);
                  if (role == 1) {
                    sv[0] = s0;
                    sv[1] = s1;
                  }
                }
              }
              acc[mt][0] = fold_acc<B, MT>(acc[mt][0], m.x, m.y, gs[0], s0);
              acc[mt][1] = fold_acc<B, MT>(acc[mt][1], m.x, m.y, gs[1], s1);
              acc[mt][2] = fold_acc<B, MT>(acc[mt][2], s8, u8, gs[2], s0);
              acc[mt][3] = fold_acc<B, MT>(acc[mt][3], s8, u8, gs[3], s1);
#pragma unroll
              for (int j = 0; j < 4; ++j) {
#pragma unroll
                for (int e = 0; e < kSets; ++e) {
                  gacc[e][mt][j] = 0.f;
                  if constexpr (!kSumMma) sx[e][mt][j] = 0.f;
                }
                if constexpr (kSumXA) {
                  if (role != 2) sxa[mt][j] = 0.f;
                }
              }
            }
          }
        }
      }
    }
  };
  auto chunk = [&](const uint4 (&cw)[B], const MetaWord<B> (&mc)[kFolds], uint4 xa, int cc,
                   const uint4* xsm) {
    chunk_r(cw, mc, xa, cc, xsm, 0);
  };

  if constexpr (XB) {
    // One ring per block: stage j holds chunk j's x (M rows, as X8 lays them out) and each
    // warp's weights and fold metadata. Per chunk: wait for this thread's copies of the chunk,
    // a block barrier (every thread's copies have landed, and every warp is done with the stage
    // the next copies overwrite), issue the chunk ST - 1 ahead, then the math. Warps past the
    // last n-tile copy x and keep the barriers, nothing else.
    const bool wact = ntile < n16;
    constexpr int wsu = pipe_stage_uint4(B, kFolds, 0);  // uint4 per warp per stage
    const int su = xb_stage_uint4(B, kFolds, M, nwarps);  // uint4 per stage
    constexpr int kPieceLanes = kMetaU4<B> == 8 ? 7 : 0;
    constexpr int kPieceShift = kMetaU4<B> == 8 ? 3 : 2;
    const MetaWord<B>* mlane = meta + (size_t)ntile * 8 + (lane & kPieceLanes);
    auto issue = [&](int cc) {
      if (cc < C) {
        uint4* s = xs_tile + (cc % ST) * su;
        const int kx = cc * kChunkK + 8 * lane;
        const T* xs0 = x + (kx < K ? kx : 0);
        for (int r = warp; r < M; r += nwarps)
          cp_async_keep(s + 32 * r + (lane ^ ((r & 1) << 2)), xs0 + (size_t)r * K, kx < K);
        if (wact) {
          uint4* sw = s + 32 * M + warp * wsu;
#pragma unroll
          for (int p = 0; p < B; ++p)
            cp_async_stream(sw + p * 32 + lane, qbase + ((size_t)cc * B + p) * 32);
#pragma unroll
          for (int e = lane; e < kMetaU4<B> * kFolds; e += 32) {
            const int gi = group_of(cc, e >> kPieceShift);
            cp_async_keep(sw + B * 32 + e,
                          reinterpret_cast<const uint4*>(mlane + (size_t)gi * mstride) +
                              (kMetaU4<B> == 8 ? 0 : (e & 3)),
                          true);
          }
        }
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the count uniform)
    };
#pragma unroll
    for (int j = 0; j < ST - 1; ++j) issue(j);
    for (int c = 0; c < C; ++c) {
      cp_async_wait<ST - 2>();
      __syncthreads();
      issue(c + ST - 1);
      if (wact) {
        const uint4* s = xs_tile + (c % ST) * su;
        const uint4* sw = s + 32 * M + warp * wsu;
        uint4 cw[B];
#pragma unroll
        for (int p = 0; p < B; ++p) cw[p] = sw[p * 32 + lane];
        const MetaWord<B>* sm = reinterpret_cast<const MetaWord<B>*>(sw + B * 32);
        MetaWord<B> mc[kFolds];
#pragma unroll
        for (int f = 0; f < kFolds; ++f) mc[f] = sm[f * 8 + g];
        chunk(cw, mc, make_uint4(0, 0, 0, 0), c, s);
      }
    }
    // The warp holds all of K for its tile: y straight from the C fragments.
    if (wact) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int n = n0 + g + 8 * (j >> 1), m = 8 * mt + 2 * t + (j & 1);
          if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(acc[mt][j]);
        }
    }
  } else if constexpr (!kPipe) {
    uint4 cur[B], nxt[B];
    MetaWord<B> mcur[kFolds], mnxt[kFolds];
    uint4 wb[kNtX][NT2 ? B : 1];  // NT2: the weights of tiles B, ... (see the NT2 loop)
    MetaWord<B> mb[kNtX][NT2 ? kFolds : 1];
    // (kXFull: `whole` = chunk cc lies inside K, so no load is checked)
    auto load_xc = [&](int cc, uint4 (&dst)[kXChunk ? 8 : 1][MT], bool whole) {
      if (kXFull && whole) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          const uint4* xp = reinterpret_cast<const uint4*>(xrow[mt] + cc * kChunkK + 8 * t);
#pragma unroll
          for (int q = 0; q < 8; ++q) dst[q][mt] = xp[4 * q];  // k = 32 q + 8 t
        }
        return;
      }
#pragma unroll
      for (int q = 0; q < 8; ++q)
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) dst[q][mt] = load_x(cc * kChunkK + q * 32 + 8 * t, mt);
    };
    int c = warp;
    if (WR == 0 && c < C) {
#pragma unroll
      for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)c * B + p) * 32);
      if constexpr (kMetaAhead) load_meta(c, mcur);
      if constexpr (NT2) {
#pragma unroll
        for (int u = 0; u < kNtX; ++u)
#pragma unroll
          for (int p = 0; p < B; ++p)
            wb[u][p] = ld_stream(qbase2[u] + ((size_t)c * B + p) * 32);
      }
    }
    // WR: this warp's weight ring in the dynamic shared memory, WR stages of one chunk's B x 512
    // bytes; chunk j of the warp (c = warp + j nwarps) goes to stage j % WR. Each lane copies
    // its own 16 bytes per plane and reads back only those, so its own cp.async wait is the
    // only synchronization.
    uint4* const wring = xs_tile + (size_t)warp * (WR > 0 ? WR : 1) * B * 32 + lane;
    auto wissue = [&](int j) {
      const int cc = warp + j * nwarps;
      if (cc < C) {
        uint4* s = wring + (j % WR) * B * 32;
#pragma unroll
        for (int p = 0; p < B; ++p) cp_async_stream(s + p * 32, qbase + ((size_t)cc * B + p) * 32);
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the wait counts)
    };
    if constexpr (WR > 0) {
#pragma unroll
      for (int j = 0; j < WR - 1; ++j) wissue(j);
    }
    fill_tables();
    if constexpr (kEarlyW) wait_prev();  // (x is first read in the first trip)
    // Swap (kSwap): two chunks per trip with cur / nxt swapping roles, instead of copying nxt
    // into cur after each chunk. ptxas puts the copy at the end of the trip, where it waits for
    // the next chunk's loads issued at its start (SASS, b = 4, MT = 2, FOLD = 4: `IMAD.MOV`
    // waiting on the weights' scoreboard 186 instructions after their loads;
    // benchmarks/experiments/sass/scoreboards.py), so the "double buffer" hides one chunk's
    // math, not a chunk's time. Swapped, the first wait on the next chunk's words is its own
    // math, a whole trip later. It costs registers (MT = 2 g128 b = 4: 146 -> 172), and it is
    // taken only where it measured faster (H200, session 30, bench_kernels, the four
    // Llama-3-8B weights, two passes each; benchmarks/experiments/decode_swap/runs/s30 and
    // h200_record_s30/runs): LUT b = 6, 8 (1.00-1.11x; b = 7 between them); uniform M <= 8
    // (MT = 1) at b >= 4 (b = 4 M = 8 0.99-1.11x, b = 8 1.00-1.04x); uniform M = 9..16 (MT = 2)
    // at b = 8 only (1.00-1.12x; b = 4..6 0.81-1.04x). Not at b = 3 (0.92-1.00x), LUT b = 5
    // (0.91-1.00x), nor in the capped MC kernel (XA: it spills, 0.79-0.97x). Nor where it was not
    // measured and ptxas spills or grows it a lot: the M1 kernels (b = 4 m1cap spills 28-228
    // bytes, b = 8 128 -> 174 registers), MT = 4, and uniform groups of 256 / per row
    // (FOLD 1 / 0: MT = 2 spills 100 bytes). -DANYPREC_DECODE_SWAP=0: never (the A/Bs' baseline);
    // =2: everywhere (session 30's first A/B, decode_swap/run.sh).
#ifndef ANYPREC_DECODE_SWAP
#define ANYPREC_DECODE_SWAP 1
#endif
    constexpr bool kSwap =
        ANYPREC_DECODE_SWAP == 2 ||
        (ANYPREC_DECODE_SWAP != 0 && !M1 && !XA && !NT2 &&
         (LUT ? MT <= 2 && B >= 6 : FOLD >= 2 && (MT == 1 ? B >= 4 : MT == 2 && B == 8)));
    // One chunk's trip: the loads of chunk cc + nwarps into nw / mn (double buffer in
    // registers: in flight during this chunk's math), then chunk cc's math from cw / mw.
    // (kXFull: `whole`, a compile-time constant at each call, as in load_xc; false otherwise)
    auto trip = [&](int cc, uint4 (&cw)[B], MetaWord<B> (&mw)[kFolds], uint4 (&nw)[B],
                    MetaWord<B> (&mn)[kFolds], bool whole) {
      const int cn = cc + nwarps;
      if ((!kXFull || whole) && cn < C) {  // (kXFull: the crossing chunk is the last one)
#pragma unroll
        for (int p = 0; p < B; ++p) nw[p] = ld_stream(qbase + ((size_t)cn * B + p) * 32);
        if constexpr (kMetaAhead) load_meta(cn, mn);
      }
      if constexpr (!kMetaAhead) load_meta(cc, mw);
      if constexpr (kXChunk) load_xc(cc, xc, whole);
      uint4 xa = make_uint4(0, 0, 0, 0);
      if constexpr (kSumMma) {
        const int kx = cc * kChunkK + 8 * lane;
        if ((kXFull && whole) || kx < K) xa = *reinterpret_cast<const uint4*>(x + kx);
      }
      chunk(cw, mw, xa, cc, nullptr);
    };
    // kXFull: the loops run the whole chunks (the first cend), unchecked; this warp's chunk that
    // crosses K, if it has it (the last chunk, C - 1, when K % 256 != 0), runs after them,
    // checked, so the loop keeps the register allocation of the check-free body.
    const int cend = kXFull ? K / kChunkK : C;
    if constexpr (NT2) {
      // NT2 (fused_gemm_mt2n2_kernel): each warp runs its chunks of both of the block's tiles,
      // so one load of a chunk's x (8 KB per warp at M = 16) serves 32 rows of weights instead
      // of 16. Each tile's weights have one register buffer, and the two take turns as the
      // double buffer: tile A's next chunk is loaded right after A's math and lands during B's,
      // B's during the next chunk's x loads and A's math. (NTL > 2, NT2P's NT4 form: tiles B,
      // C, ... in turn after A, the same way.)
      auto trip2 = [&](int cc, bool whole) {
        const int cn = cc + nwarps;
#pragma unroll
        for (int u = 0; u < kNtX; ++u)
#pragma unroll
          for (int f = 0; f < kFolds; ++f) mb[u][f] = mbase2[u][group_of(cc, f) * mstride];
        load_meta(cc, mcur);  // (after tile B's: it steps FOLD = 8's group counter)
        if constexpr (kXChunk) load_xc(cc, xc, whole);
        chunk_r(cur, mcur, make_uint4(0, 0, 0, 0), cc, nullptr, NT2 == 2 ? 1 : 0);
        if (cn < C) {
#pragma unroll
          for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)cn * B + p) * 32);
        }
        auto swap_acc = [&](float (&other)[NT2 ? MT : 1][4]) {
#pragma unroll
          for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              const float v = acc[mt][j];
              acc[mt][j] = other[mt][j];
              other[mt][j] = v;
            }
        };
#pragma unroll
        for (int u = 0; u < kNtX; ++u) {
          swap_acc(acc2[u]);
          chunk_r(wb[u], mb[u], make_uint4(0, 0, 0, 0), cc, nullptr, NT2 == 2 ? 2 : 0);
          swap_acc(acc2[u]);
          if (cn < C) {
#pragma unroll
            for (int p = 0; p < B; ++p)
              wb[u][p] = ld_stream(qbase2[u] + ((size_t)cn * B + p) * 32);
          }
        }
      };
      for (; c < cend; c += nwarps) trip2(c, kXFull);
      if constexpr (kXFull) {
        if (c < C) trip2(c, false);  // the chunk that crosses K, checked
      }
    } else if constexpr (WR > 0) {
      // Weight ring (MC3, see fused_gemm_mt2cap3_kernel): WR - 1 chunks' weights in flight per
      // warp during each chunk's math, in shared memory instead of registers (the register
      // double buffer above holds one, and its copy waits at each trip's end for the loads
      // issued at its start). x and the metadata load as in the register kernel.
      auto wtrip = [&](int j, int cc, bool whole) {
        cp_async_wait<WR - 2>();  // this lane's copies of chunk j have landed
        uint4 cw[B];
        const uint4* s = wring + (j % WR) * B * 32;
#pragma unroll
        for (int p = 0; p < B; ++p) cw[p] = s[p * 32];
        wissue(j + WR - 1);  // (into the stage chunk j - 1 was read from, a trip ago)
        load_meta(cc, mcur);
        if constexpr (kXChunk) load_xc(cc, xc, whole);
        chunk(cw, mcur, make_uint4(0, 0, 0, 0), cc, nullptr);
      };
      int j = 0;
      for (; c < cend; c += nwarps, ++j) wtrip(j, c, kXFull);
      if constexpr (kXFull) {
        if (c < C) wtrip(j, c, false);  // the chunk that crosses K, checked
      }
    } else if constexpr (kSwap) {
      for (; c < cend; c += 2 * nwarps) {
        trip(c, cur, mcur, nxt, mnxt, kXFull);
        if (c + nwarps < cend) {
          trip(c + nwarps, nxt, mnxt, cur, mcur, kXFull);
        } else if (kXFull) {
          break;  // this warp's next chunk, if any, crosses K: its weights are in nxt
        }
      }
      if constexpr (kXFull) {
        if (c < cend) {
          if (c + nwarps < C) trip(c + nwarps, nxt, mnxt, cur, mcur, false);
        } else if (c < C) {
          trip(c, cur, mcur, nxt, mnxt, false);  // (weights in cur)
        }
      }
    } else {
      for (; c < cend; c += nwarps) {
        trip(c, cur, mcur, nxt, mnxt, kXFull);
#pragma unroll
        for (int p = 0; p < B; ++p) cur[p] = nxt[p];
        if constexpr (kMetaAhead) {
#pragma unroll
          for (int f = 0; f < kFolds; ++f) mcur[f] = mnxt[f];
        }
      }
      if constexpr (kXFull) {
        if (c < C) trip(c, cur, mcur, nxt, mnxt, false);
      }
    }
  } else {
    // Pipelined (PIPE): each warp streams its chunks through a ring of ST stages in shared
    // memory with cp.async (weights, the chunk's x and its folds' metadata), ST - 1 chunks
    // ahead of the math: more bytes in flight per warp than the register double buffer, none
    // of them in registers, and x / metadata at shared-memory latency. Each warp owns its ring,
    // so a __syncwarp (after the wait for this lane's copies) is the only barrier. (The same
    // ring for M <= 8 with the all-ones sums was slower at M = 8 and for LUT: NOTES_kernels.md,
    // session 4; at M = 1 with the M1 sums it is faster, session 8; for LUT at M = 1, b <= 4 on
    // large weights 1-14% faster, session 20, LP.)
    // X8: the stage holds M rows of x (M <= 8: one block row, mbase = 0).
    const int xrows = X8 ? M : 1;
    constexpr int kMetaFolds = LUT ? 0 : kFolds;  // (LP: no fold metadata in the stage)
    const int kSU = pipe_stage_uint4(B, kMetaFolds, xrows);
    uint4* const ring = xs_tile + kPtabU4 + (size_t)warp * ST * kSU;  // (after the pair tables)
    // SK: this warp's chunks are [i0, i0 + nj) of the grid's (tile, chunk) sequence, whose
    // tiles are contiguous in qw, so chunk i's words start at qw + i * B * 32. (it, ic): tile
    // and chunk of the next copy; (ct, ccur): of the next math.
    const int gw = blockIdx.x * nwarps + warp;
    const long long i0 = SK ? (long long)gw * sk.q : 0;
    // per: this warp's chunks of one n-tile; ntl: PT, this block's n-tiles.
    const int per = warp < C ? (C - warp + nwarps - 1) / nwarps : 0;
    // PT: tiles tile0, tile0 + tstep, ...: strided over the grid, or (sk.q > 0) a contiguous
    // range of sk.q tiles per block.
    const int tstep = PT && sk.q == 0 ? gridDim.x : 1;
    const int tile0 = PT && sk.q > 0 ? ntile * sk.q : ntile;
    const int ntl = !PT ? 1
                    : sk.q > 0 ? max(0, min(sk.q, n16 - tile0))
                               : (n16 - ntile + gridDim.x - 1) / gridDim.x;
    int nj;
    if constexpr (SK) {
      const long long left = (long long)sk.n16 * C - i0;
      nj = left <= 0 ? 0 : left < sk.q ? (int)left : sk.q;
    } else {
      nj = per * ntl;
    }
    int it = SK ? (int)(i0 / C) : tile0, ic = SK ? (int)(i0 - (long long)it * C) : 0;
    int ct = it, ccur = ic;
    bool whole = ic == 0;  // SK: the current tile's segment started at its chunk 0
    // The lane's first 16-byte piece of the tile's metadata (group 0): fp32, one word per
    // piece (lane row g = lane & 7); META16, two words per piece (pieces e & 3 of each fold).
    constexpr int kPieceLanes = kMetaU4<B> == 8 ? 7 : 0;
    const MetaWord<B>* mlane = meta + (size_t)ntile * 8 + (lane & kPieceLanes);
    int ws = 0, rs = 0;  // stage written next / read next
    // ANYPREC_RING_PTRS (the M1 ring, PT and LP; not SK or X8): the next copy's weight source
    // and chunk, and the stages written / read next, as running values advanced by constants,
    // instead of recomputed per chunk from (it, ic), ws and rs (~60 integer instructions per
    // chunk in the PT kernel's copy block, b = 2). PT: set again at each tile switch. Not in
    // the wide ring (MW > kMaxWarps): at b = 3 it spilled in the loop under its 64 registers.
    constexpr bool kRunPtrs = ANYPREC_RING_PTRS && !SK && !X8 && MW <= kMaxWarps;
    const uint4* q_next =
        PT ? qw + ((size_t)tile0 * C + warp) * B * 32 + lane : qbase + (size_t)warp * B * 32;
    int cc_next = warp;
    uint4* s_w = ring;
    const uint4* s_r = ring;
    if constexpr (kRunPtrs && PT) mlane = meta + (size_t)tile0 * 8 + (lane & kPieceLanes);
    // SK: the end of this warp's segment of tile tl (rows g, g + 8 of y's one row in acc[0][0]
    // and acc[0][2] of the lanes t = 0). whole: the warp ran all of the tile's chunks, so it
    // writes y itself; else it leaves its sums in its slot (first: the slot of its first tile)
    // and the last of the tile's warps to count itself adds every slot in warp order.
    auto sk_flush = [&](int tl, bool whole_tile, bool first) {
      const int r = tl * kTileN + g;
      if (whole_tile) {
        if (t == 0) {
          if (r < N) y[r] = from_float<T>(acc[0][0]);
          if (r + 8 < N) y[r + 8] = from_float<T>(acc[0][2]);
        }
      } else {
        float* slot = sk.slots + ((size_t)gw * 2 + (first ? 0 : 1)) * kTileN;
        if (t == 0) {
          slot[g] = acc[0][0];
          slot[g + 8] = acc[0][2];
        }
        __threadfence();  // the slot is visible before the count (threadFenceReduction order)
        __syncwarp();
        int old = 0;
        if (lane == 0) old = atomicAdd(sk.cnt + tl, 1);
        old = __shfl_sync(0xFFFFFFFFu, old, 0);
        const long long c0 = (long long)tl * C;
        const int wlo = (int)(c0 / sk.q), whi = (int)((c0 + C - 1) / sk.q);
        if (old == whi - wlo) {
          __threadfence();
          if (lane < kTileN) {
            float v = 0.f;
            for (int w = wlo; w <= whi; ++w) {
              const bool wfirst = (long long)w * sk.q / C == tl;
              v += __ldcg(sk.slots + ((size_t)w * 2 + (wfirst ? 0 : 1)) * kTileN + lane);
            }
            if (tl * kTileN + lane < N) y[tl * kTileN + lane] = from_float<T>(v);
          }
          if (lane == 0) sk.cnt[tl] = 0;  // zero again for the next launch
        }
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) acc[0][j] = 0.f;
    };
    // copy_w: false for the prologue's stages under kEarlyW, whose weights are in flight.
    auto issue = [&](int j, bool copy_w) {
      if (j < nj) {
        int cc;
        const uint4* qsrc;
        const MetaWord<B>* ml = mlane;  // this copy's metadata (SK, PT: of its tile)
        if constexpr (kRunPtrs) {
          cc = cc_next;
          qsrc = q_next;
          if (PT && ++ic == per) {  // (warp-uniform: a branch, skipped but once per tile)
            ic = 0;
            it += tstep;
            cc_next = warp;
            q_next = qw + ((size_t)it * C + warp) * B * 32 + lane;
            mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          } else {
            cc_next += nwarps;
            q_next += (size_t)nwarps * B * 32;
          }
        } else if constexpr (SK) {
          cc = ic;
          qsrc = qw + (size_t)(i0 + j) * B * 32 + lane;
          ml = mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          if (++ic == C) {
            ic = 0;
            ++it;
          }
        } else if constexpr (PT) {  // (it, ic): n-tile and the warp's chunk number in it
          cc = warp + ic * nwarps;
          qsrc = qw + ((size_t)it * C + cc) * B * 32 + lane;
          ml = mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          if (++ic == per) {
            ic = 0;
            it += tstep;
          }
        } else {
          cc = warp + j * nwarps;
          qsrc = qbase + (size_t)cc * B * 32;
        }
        uint4* s = kRunPtrs ? s_w : ring + ws * kSU;
        if (copy_w) {
#pragma unroll
          for (int p = 0; p < B; ++p) cp_async_stream(s + p * 32 + lane, qsrc + p * 32);
        }
        const int kx = cc * kChunkK + 8 * lane;
        if constexpr (X8) {
          // Row r's 16 bytes of lane l at 32 r + (l ^ 4 (r & 1)): the B-fragment reads (rows g
          // and g + 1 of a quarter warp at the same piece) then fall in different bank halves.
          const T* xs0 = x + (kx < K ? kx : 0);
#pragma unroll
          for (int r = 0; r < 8; ++r)
            if (r < M)
              cp_async_keep(s + B * 32 + 32 * r + (lane ^ ((r & 1) << 2)), xs0 + (size_t)r * K,
                            kx < K);
        } else {
          cp_async_keep(s + B * 32 + lane, x + (kx < K ? kx : 0), kx < K);  // zeros past K
        }
        constexpr int kPieceShift = kMetaU4<B> == 8 ? 3 : 2;  // e = kMetaU4<B> f + piece of fold f
#pragma unroll
        for (int e = lane; e < kMetaU4<B> * kMetaFolds; e += 32) {
          const int gi = group_of(cc, e >> kPieceShift);
          cp_async_keep(s + B * 32 + 32 * xrows + e,
                        reinterpret_cast<const uint4*>(ml + (size_t)gi * mstride) +
                            (kMetaU4<B> == 8 ? 0 : (e & 3)),
                        true);
        }
        next_chunk_groups();
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the count uniform)
      if constexpr (kRunPtrs) {
        s_w = s_w == ring + (ST - 1) * kSU ? ring : s_w + kSU;
      } else {
        ws = ws + 1 == ST ? 0 : ws + 1;
      }
    };
    if constexpr (kEarlyW) {
      // The prologue's weights (chunk warp + j nwarps of the tile into stage j; PT: the warp's
      // j-th chunk of its tile sequence, per chunks a tile), then the LP tables, before the
      // wait; x and metadata after it, in the stages' commit groups (the first group then also
      // holds every early copy: the first wait is for all of them, the later ones as before).
#pragma unroll
      for (int j = 0; j < ST - 1; ++j) {
        if (j < nj) {  // (PT: per >= 1 here)
          const int cc = warp + (PT ? j % per : j) * nwarps;
          const uint4* q0 =
              PT ? qw + (size_t)(tile0 + (j / per) * tstep) * C * B * 32 + lane : qbase;
          uint4* s = ring + j * kSU;
#pragma unroll
          for (int p = 0; p < B; ++p)
            cp_async_stream(s + p * 32 + lane, q0 + ((size_t)cc * B + p) * 32);
        }
      }
      if constexpr (LUT) fill_tables();
      wait_prev();
    }
#pragma unroll
    for (int j = 0; j < ST - 1; ++j) issue(j, !kEarlyW);
    // LP: the tables once the first stages are in flight
    if constexpr (LUT && !kEarlyW) fill_tables();
    auto step = [&](int j) {
      cp_async_wait<ST - 2>();  // chunk j's copies by this lane have landed
      __syncwarp();             // ... and every lane's; stage j - 1 is read by all lanes
      issue(j + ST - 1, true);
      const uint4* s = kRunPtrs ? s_r : ring + rs * kSU;
      uint4 cw[B];
#pragma unroll
      for (int p = 0; p < B; ++p) cw[p] = s[p * 32 + lane];
      const uint4* xsm = s + B * 32;
      const MetaWord<B>* sm = reinterpret_cast<const MetaWord<B>*>(xsm + 32 * xrows);
      MetaWord<B> mc[kFolds];
#pragma unroll
      for (int f = 0; f < kMetaFolds; ++f) mc[f] = sm[f * 8 + g];
      chunk(cw, mc, X8 || LUT ? make_uint4(0, 0, 0, 0) : xsm[lane], 0, xsm);
      if constexpr (kRunPtrs) {
        s_r = s_r == ring + (ST - 1) * kSU ? ring : s_r + kSU;
      } else {
        rs = rs + 1 == ST ? 0 : rs + 1;
      }
      if constexpr (SK) {
        const bool tile_end = ccur == C - 1;
        if (tile_end || j == nj - 1) {
          sk_flush(ct, whole && tile_end, ct == (int)(i0 / C));
          whole = true;
        }
        if (tile_end) {
          ccur = 0;
          ++ct;
        } else {
          ++ccur;
        }
      }
    };
    if constexpr (PT) {
      // Each n-tile ends with the block's reduction: the warps' sums of rows g, g + 8 (lanes
      // t = 0 hold y's one row) go to one of two buffers, one barrier, and the first 16 threads
      // add them in warp order (deterministic). Two buffers: a warp can only write a buffer
      // again after the next tile's barrier, which the readers of this one pass after reading.
      // Meanwhile the rings already hold the next tile's first chunks.
      int tile = tile0, par = 0, j = 0;
      for (int tl = 0; tl < ntl; ++tl, tile += tstep, par ^= 1) {
        for (int k = 0; k < per; ++k, ++j) step(j);
        if constexpr (X8) {
          // lane (g, t): rows g, g + 8 of y's rows 2t, 2t + 1 (the mma's C fragment)
          float* pw = pred[par][warp];
          pw[2 * t * kTileN + g] = acc[0][0];
          pw[(2 * t + 1) * kTileN + g] = acc[0][1];
          pw[2 * t * kTileN + g + 8] = acc[0][2];
          pw[(2 * t + 1) * kTileN + g + 8] = acc[0][3];
        } else if (t == 0) {
          pred[par][warp][g] = acc[0][0];
          pred[par][warp][g + 8] = acc[0][2];
        }
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[0][e] = 0.f;
        __syncthreads();
        if constexpr (X8) {
          for (int e = threadIdx.x; e < M * kTileN; e += blockDim.x) {
            float v = 0.f;
            for (int wi = 0; wi < nwarps; ++wi) v += pred[par][wi][e];
            const int n = tile * kTileN + (e & (kTileN - 1));
            if (n < N) y[(size_t)(e / kTileN) * N + n] = from_float<T>(v);
          }
        } else if (threadIdx.x < kTileN) {
          float v = 0.f;
          for (int wi = 0; wi < nwarps; ++wi) v += pred[par][wi][threadIdx.x];
          const int n = tile * kTileN + threadIdx.x;
          if (n < N) y[n] = from_float<T>(v);
        }
      }
    } else {
      for (int j = 0; j < nj; ++j) step(j);
    }
  }
  // every load of this block is issued (see launch_decode; ET: at the wait instead)
  if constexpr (!kEarlyTrigger) pdl_launch_dependents();
  if constexpr (!SK && !PT && !XB) {  // (SK: written by sk_flush; PT: per tile; XB: above)
    if constexpr (LUT) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int j = 0; j < 4; ++j)  // (the + 0.f of one set is the measured code generation)
          acc[mt][j] = gacc[0][mt][j] + (kSets == 2 ? gacc[kSets - 1][mt][j] : 0.f);
    }

    // Block reduction over the warps' K slices.
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int j = 0; j < 4; ++j) red[warp][mt * 4 + j][lane] = acc[mt][j];
    __syncthreads();
    for (int e = threadIdx.x; e < MT * 4 * 32; e += blockDim.x) {
      const int l = e & 31, mj = e >> 5, mt = mj >> 2, j = mj & 3;
      float v = 0.f;
      for (int wi = 0; wi < nwarps; ++wi) v += red[wi][mj][l];
      const int n = n0 + (l >> 2) + 8 * (j >> 1);
      const int m = mbase + mt * 8 + 2 * (l & 3) + (j & 1);
      if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(v);
    }
    if constexpr (NT2) {  // tile B's the same way, once every thread has read tile A's (C, ...)
#pragma unroll
      for (int u = 0; u < kNtX; ++u) {
        __syncthreads();
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int j = 0; j < 4; ++j) red[warp][mt * 4 + j][lane] = acc2[u][mt][j];
        __syncthreads();
        if (has2[u]) {
          for (int e = threadIdx.x; e < MT * 4 * 32; e += blockDim.x) {
            const int l = e & 31, mj = e >> 5, mt = mj >> 2, j = mj & 3;
            float v = 0.f;
            for (int wi = 0; wi < nwarps; ++wi) v += red[wi][mj][l];
            const int n = n0 + (u + 1) * kTileN + (l >> 2) + 8 * (j >> 1);
            const int m = mbase + mt * 8 + 2 * (l & 3) + (j & 1);
            if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(v);
          }
        }
      }
    }
  }
}

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

// Warps aimed at per SM when splitting K over a block's warps (a build-time knob for
// experiments: -DANYPREC_WARPS_PER_SM=...). More than fit at once (~16 at ~120 registers): the
// extra blocks start as others finish.
#ifndef ANYPREC_WARPS_PER_SM
#define ANYPREC_WARPS_PER_SM 24
#endif
// Warps per block from the wave model (wave_warps) instead of the warps-per-SM target:
// ANYPREC_WAVE_MODEL = 0 never, 1 for the classes where it measured faster (use_wave_model),
// 2 always. ANYPREC_WAVE_FILL is the model's start-up cost per warp in chunks;
// ANYPREC_DECODE_WARPS > 0 forces the warps per block (timing experiments; clamped to kMaxWarps
// like every rule's choice: 12 and 16 were launch errors in session 14's sweep).
#ifndef ANYPREC_WAVE_MODEL
#define ANYPREC_WAVE_MODEL 1
#endif
#ifndef ANYPREC_WAVE_FILL
#define ANYPREC_WAVE_FILL 1
#endif
#ifndef ANYPREC_DECODE_WARPS
#define ANYPREC_DECODE_WARPS 0
#endif

// Dynamic shared memory of the pipelined kernels' ring, per warp: `stages` stages of chunk
// weights, x and the folds' metadata (pipe_stage_uint4; LUT: no metadata, as kMetaFolds in the
// body).
template <int B, int FOLD, bool LUT = false>
constexpr size_t ring_warp_bytes(int stages, int xrows = 1) {
  return (size_t)stages * pipe_stage_uint4(B, LUT ? 0 : folds_per_chunk(FOLD), xrows) * 16;
}

// Lets kernel take up to `bytes` of dynamic shared memory (above 48 KB a block needs the
// opt-in); callers keep the result in a static, so it is set once per kernel.
template <typename Kern>
bool opt_in_smem(Kern kernel, size_t bytes) {
  return cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes) ==
         cudaSuccess;
}

// Wave model: every block runs ceil(C / nw) chunks per warp (plus a start-up cost), and blocks
// run in waves of (resident blocks per SM) x SMs, so the time goes as waves x (chunks per warp +
// fill). The smallest cost wins; ties go to fewer warps per block (longer-lived warps). The
// warp-target rule ignores the last, partial wave: at M = 16 on (14336, 4096) it launched 2
// waves of 8-warp blocks where one wave of 6-warp blocks fits (24.6 -> 18.5 us, H200).
// occ caches the resident blocks per SM of this kernel by device and warps per block (its width
// W: warp counts 1 .. W - 1 are tried);
// smem_per_warp: the kernel's dynamic shared memory per warp of a block (bytes); cost_out (if
// given) receives the winner's cost (-1: no warp count fits).
template <typename Kern, int W>
int wave_warps(Kern kernel, int dev, int blocks, int C, int (&occ)[64][W],
               size_t smem_per_warp = 0, long long* cost_out = nullptr, size_t smem_fixed = 0) {
  const long long sms = device_info(dev).sms;
  int best = 1;
  long long best_cost = -1;
  for (int nw = 1; nw < W && nw <= C; ++nw) {  // (occ has a slot per warp count up to W - 1)
    const int per_sm =
        resident_blocks(kernel, nw * 32, smem_fixed + nw * smem_per_warp, occ[dev][nw]);
    if (per_sm < 1) continue;
    const long long waves = (blocks + per_sm * sms - 1) / (per_sm * sms);
    const long long cost = waves * ((C + nw - 1) / nw + ANYPREC_WAVE_FILL);
    if (best_cost < 0 || cost < best_cost) {
      best = nw;
      best_cost = cost;
    }
  }
  if (cost_out) *cost_out = best_cost;
  return best;
}

// Shared memory the XS variant may take for x: with the static arrays (<= 12 KB) it stays under
// the 48 KB a block gets without an opt-in.
constexpr size_t kXsMaxBytes = 32 * 1024;

// Where XS was faster, measured on the H100 at M = 1 over the Llama-3-8B shapes (session 2,
// benchmarks/NOTES_kernels.md, "XS"): the widths whose default kernel needs the most registers.
// No longer true: off by default at run time (xs_enabled).
// b <= 5 lose (up to 30% slower: the x tile prologue, more blocks to fill), at M >= 2 it does not
// help (M = 4 was up to 2x slower).
template <int B, bool LUT>
constexpr bool xs_wins() {
#if ANYPREC_XS_ALL  // experiment: XS at M = 1 for every b and both schemes
  return true;
#else
  // (LUT with the wide per-lane tables: their 32 KB and XS's x would pass the 48 KB a block
  // gets without an opt-in.)
  return LUT ? B >= 8 && !ANYPREC_LUT_LANES_WIDE : B >= 7;
#endif
}

// XS only when asked (ANYPREC_DECODE_XS=1, read once). The H100 measurement above predates the
// M1 ring kernel, PT and the packed words; on the H200 with those (session 14,
// benchmarks/experiments/decode_xs/, same build, same call) XS was the slowest M = 1 kernel at
// b = 7, 8 on every Llama-3-8B weight: the M1 ring (and PT by its rule) took (14336, 4096)
// b = 8 19.4 -> 15.6 us, (4096, 28672) b = 8 36.3 -> 29.8, b = 7 33.9 -> 26.9, (4096, 6144)
// b = 7 11.5 -> 7.5.
inline bool xs_enabled() {
  static const bool on = env_int("ANYPREC_DECODE_XS", 0) != 0;
  return on;
}

// Where the wave model beat the warp target (H200, same call, M = 1, 4, 16, b = 3, 4, 8;
// benchmarks/experiments/decode_v7/table_wave.txt): weights of fewer than 16 Ki tile-chunks
// (N/16 x K/256: (4096, 4096), (4096, 6144), (14336, 4096)) at M <= 16, up to 25% faster, and
// the uniform scheme at M = 9..16 on any weight. On (4096, 28672) at M <= 8 and for LUT at
// M = 9..16 it was up to 16% slower; M > 16 was not measured. The M1 kernels (96 registers for
// b <= 4) take it on every weight: on (4096, 28672) 4-9% faster than the warp target at M = 1
// (benchmarks/experiments/decode_m1/runs/launch_table.txt), while at M = 2..8 it stays slower.
// (the tile-chunk count below which the wave model plans, shared with X8's rule)
constexpr long long kWaveModelMaxWork = 16384;
template <int MT, bool LUT>
bool use_wave_model(const GemmArgs& a, bool m1) {
  static const int mode = env_int("ANYPREC_DECODE_WAVE", ANYPREC_WAVE_MODEL);
  if (mode == 2) return true;
  if (mode == 0 || MT > 2) return false;
  return m1 || (long long)a.N16 * a.C < kWaveModelMaxWork || (!LUT && MT == 2);
}

// MC, the capped kernel at M = 9..16 (fused_gemm_mt2cap_kernel, b = 3, 4): ANYPREC_MT2_CAP=0
// never, 1 (default) where mt2_cap_wins, 2 always (read once).
inline int mt2_cap_mode() {
  static const int mode = env_int("ANYPREC_MT2_CAP", 1);
  return mode;
}
// The cap pays where its extra resident warps let the wave model split K wider: a strictly
// cheaper plan for the capped kernel than for the uncapped one (until session 52 also with at
// least as many warps per block). On the H200 (benchmarks/experiments/decode_sumxa/, cap.sh
// and mc.sh, M = 9, 12, 16):
// (4096, 4096) and (14336, 4096) (6 or 7 warps per block -> 8, one wave) 4-12% less time at
// b = 3, 4 (fp16; bf16 b = 4 0-4%). Where the cheaper plan is fewer warps per block in fewer
// waves ((4096, 28672): 4 -> 1) the cap lost at b = 3 and bf16 b = 4 (2% and 4% over M = 9, 12,
// 16) and won 2% at fp16 b = 4, and where the plans cost the same ((4096, 6144)) it lost up to
// 7% (cap.sh): both stay uncapped.
// Session 52 (H100, benchmarks/experiments/decode_switches_s52/, two passes): on (4096, 28672)
// the capped kernel (ANYPREC_MT2_CAP=2) took 0.86-0.95 of the rule's time at b = 3, 4, M = 9,
// 12, 16, fp16 and bf16 (b = 4 M = 16 fp16 30.7 -> 27.4 us): the cheaper plan in fewer warps per
// block now wins there too, so for MC (b = 3, 4: any_warps) the rule is a strictly cheaper plan
// alone; the plans of equal cost ((4096, 6144)) stay uncapped. MR (b = 7) keeps the warp
// condition: its capped kernel was level with the rule on that weight and was not timed on
// the others under the looser rule.
// WR (fused_gemm_wr_kernel): ANYPREC_WR=0 never (default), 2 wherever it can run (read once).
inline int wr_mode() {
  static const int mode = env_int("ANYPREC_WR", 0);
  return mode;
}
// MC3 (fused_gemm_mt2cap3_kernel) in place of MC: ANYPREC_MC3=0 never (default), 2 wherever MC
// runs, its warps per block planned again by the wave model for its own residency and ring;
// ANYPREC_MC3_STAGES its stages, 2..4 (default 3; read once).
inline int mc3_mode() {
  static const int mode = env_int("ANYPREC_MC3", 0);
  return mode;
}
inline int mc3_stages() {
  static const int st = env_int("ANYPREC_MC3_STAGES", 3);
  return st;
}
// NT2 (fused_gemm_mt2n2_kernel) in place of MC, on half the blocks, its warps per block planned
// again by the wave model: ANYPREC_NT2=0 never, 1 by nt2_takes (default), 2 wherever MC runs
// (read once).
inline int nt2_mode() {
  static const int mode = env_int("ANYPREC_NT2", 1);
  return mode;
}
// NT2's rule (ANYPREC_NT2=1): the widths of ANYPREC_NT2_BITS (a mask, bit b; default b = 3, 4),
// the activation types of ANYPREC_NT2_DTYPES (1 fp16, 2 bf16; default both), on weights of at
// least ANYPREC_NT2_MIN_TILES n-tiles per SM (default 6). Measured on the H100 (session 56,
// benchmarks/experiments/nt2_s56/, two passes, against MC): uncapped with the sums shared, 1.06-
// 1.15x at b = 3, 4 fp16 and 1.01-1.05x bf16 on (4096, 28672) (13.6 n-tiles per SM; b = 4 M = 16
// fp16 27.6 -> 25.6 us) and (4096, 14336) (6.8). On the weights of 1.9-2.9 per SM ((4096, 6144),
// (4096, 4096), (14336, 4096)) the three forms the first call timed (168 registers with its own
// sums or the shared ones, uncapped with its own) took 0.68-1.02x (half the blocks leave too
// few warps); the threshold sits between the two measured sides.
template <typename T, int B>
bool nt2_takes(int n16, int sms) {
  static const int bits = env_int("ANYPREC_NT2_BITS", 0x18);
  static const int dtypes = env_int("ANYPREC_NT2_DTYPES", 3);
  static const int min_tiles = env_int("ANYPREC_NT2_MIN_TILES", 6);
  constexpr int kDtype = std::is_same_v<T, __half> ? 1 : 2;
  return ((bits >> B) & 1) && (dtypes & kDtype) && (long long)n16 >= (long long)min_tiles * sms;
}
// Its register cap (ANYPREC_NT2_REGS: 168, 184, 192, 200 or 255 = none, the default; groups of
// 128 and whole chunks, the others always 255) and whether tile B takes tile A's sums of x
// (ANYPREC_NT2_SUMS=1, the default; those groups only) (read once). Session 56 on the two
// weights above: no cap with the shared sums best or within 2% of the best cap everywhere but
// b = 3 on (4096, 14336) (168: 12.6 against 13.4 us at M = 9), and its own sums lost 13-17% at
// b = 3 (the spills and the second set of x sums' mma).
inline int nt2_regs() {
  static const int regs = env_int("ANYPREC_NT2_REGS", 255);
  return regs;
}
inline bool nt2_sums() {
  static const bool on = env_int("ANYPREC_NT2_SUMS", 1) != 0;
  return on;
}
// NT2P (fused_gemm_n2_kernel): ANYPREC_NT2P=0 never (default), 2 wherever the plain uniform
// register kernel runs at M >= 2 with g128 or whole-chunk groups; ANYPREC_NT2P_TILES its tiles
// per block at M <= 8, 2 (default) or 4 (read once).
inline int nt2p_mode() {
  static const int mode = env_int("ANYPREC_NT2P", 0);
  return mode;
}
inline int nt2p_tiles() {
  static const int tiles = env_int("ANYPREC_NT2P_TILES", 2) == 4 ? 4 : 2;
  return tiles;
}
inline bool mt2_cap_wins(long long cost, int nw, long long cost_cap, int nw_cap, bool any_warps) {
  return cost_cap >= 0 && (cost < 0 || (cost_cap < cost && (any_warps || nw_cap >= nw)));
}

// The M1 kernels (sum of x by one mma per chunk at M = 1) unless ANYPREC_DECODE_SUM_MMA=0
// (read once; for timing against the all-ones mma on the same build).
inline bool sum_mma_enabled() {
  static const bool on = env_int("ANYPREC_DECODE_SUM_MMA", 1) != 0;
  return on;
}
// The pipelined M1 kernel unless ANYPREC_DECODE_PIPE=0 (read once, as above).
inline bool pipe_enabled() {
  static const bool on = env_int("ANYPREC_DECODE_PIPE", 1) != 0;
  return on;
}

// Stream-K at M = 1 (fused_gemm_m1sk_kernel): ANYPREC_DECODE_SK = 0 never (default), 1 where
// every warp gets at least ANYPREC_SK_MIN_CHUNKS chunks, 2 always. ANYPREC_SK_WARPS: warps per
// block (they share nothing but the SM); ANYPREC_SK_BLOCKS > 0 caps the resident blocks per SM.
// Off by default: on the H200 (benchmarks/experiments/decode_sk/) it was slower than the ring
// kernel at b <= 6 on every Llama-3-8B weight, by a near-constant 3.6-6 us ((4096, 28672) b = 4
// 20.1 -> 22.3 us, (14336, 4096) 10.6 -> 15.4 us), and faster only at b = 8 over XS on (4096,
// 28672) (37.3 -> 34.2 us). The constant is the fix-up's serial chain at the end of each warp
// (slot store, __threadfence, atomic round trip, the last warp's fence and loads), which the
// ring kernel's shared-memory reduction does not have; see NOTES_kernels.md, session 9.
#ifndef ANYPREC_SK_MIN_CHUNKS
#define ANYPREC_SK_MIN_CHUNKS 4
#endif
// Programmatic dependent launch for the decode kernels (sm_90+): lets a decode kernel start
// while the kernel before it on the stream finishes, so its launch and prologue overlap that
// kernel's tail instead of following it; the body waits (pdl_wait) before it reads x (EW: its
// first weights are in flight by then) and lets the next kernel start once its loads are
// issued, or right after the wait (ET; pdl_launch_dependents; see ANYPREC_PDL_EW). Captured
// CUDA graphs keep the dependency as a programmatic edge. Measured on the H100 against plain
// stream order (benchmarks/experiments/decode_pdl/, same build, run-time switch): uniform 4-5%
// faster (geometric mean over the Llama-3-8B weights, b = 2..8, M = 1 and 4; -12% .. +7% per
// cell; (14336, 4096) b = 4 M = 1 13.3 -> 12.7 us); LUT unchanged on the mean but up to 25%
// slower on (14336, 4096) b = 3, 4. Those LUT grids (fewer blocks than fit on the GPU at once)
// had their blocks packed onto too few SMs by the early start: with launch.h's pdl_grid_ok they
// launch in stream order, and LUT with PDL by that rule is 1.028-1.043x faster than without
// (geometric means at M = 1 / 4 / 16, worst cell 0.997x; H200, session 31,
// benchmarks/experiments/prefill_pdl/README.md), so both schemes take it.
// ANYPREC_PDL (run time or build time): 2 = both schemes (default), 1 = uniform, 0 = off.
#ifndef ANYPREC_PDL
#define ANYPREC_PDL 2
#endif
inline bool pdl_enabled(int dev, bool lut) {
  static const int mode = env_int("ANYPREC_PDL", ANYPREC_PDL);
  return (mode == 2 || (mode == 1 && !lut)) && device_info(dev).major >= 9;
}
template <typename... KArgs, typename... Args>
cudaError_t launch_decode(void (*kernel)(KArgs...), bool pdl, dim3 grid, int threads,
                          size_t smem, cudaStream_t stream, Args... args) {
  return launch_ex(kernel, grid, threads, smem, 1, pdl, stream, args...);
}

// Launches the stream-K kernel when the rule above takes it and its workspace is there (err:
// the launch's error); false: not launched, the caller picks another kernel.
template <typename T, int B, int FOLD>
bool launch_sk(const GemmArgs& a, cudaStream_t stream, cudaError_t& err) {
  static const int mode = env_int("ANYPREC_DECODE_SK", 0);
  static const int min_chunks = env_int("ANYPREC_SK_MIN_CHUNKS", ANYPREC_SK_MIN_CHUNKS);
  static const int nw = std::min(std::max(env_int("ANYPREC_SK_WARPS", 4), 1), kMaxWarps);
  static const int cap = env_int("ANYPREC_SK_BLOCKS", 0);
  if (mode == 0) return false;
  auto kernel = fused_gemm_m1sk_kernel<T, B, FOLD>;
  constexpr size_t kWarpBytes = ring_warp_bytes<B, FOLD>(ANYPREC_SK_STAGES);
  static const bool opted = opt_in_smem(kernel, kMaxWarps * kWarpBytes);
  if (!opted) return false;
  const int dev = current_device();
  static int occ[64] = {};  // resident blocks per SM, by device
  const int fit = resident_blocks(kernel, nw * 32, nw * kWarpBytes, occ[dev]);
  if (fit < 1) return false;
  const int per_sm = cap > 0 ? std::min(cap, fit) : fit;
  const long long work = (long long)a.N16 * a.C;
  const long long resident = (long long)per_sm * device_info(dev).sms * nw;
  const long long q = (work + resident - 1) / resident;
  if (mode == 1 && q < min_chunks) return false;
  const long long warps = (work + q - 1) / q;
  SkWork w;
  if (!sk_workspace(dev, stream, (int)warps, a.N16, w)) return false;
  w.q = (int)q;
  w.n16 = a.N16;
  const int blocks = (int)((warps + nw - 1) / nw);
  err = launch_plain(kernel, dim3(blocks), nw * 32, nw * kWarpBytes, stream,
                     static_cast<const T*>(a.x), a.qw, reinterpret_cast<const MetaWord<B>*>(a.meta),
                     static_cast<T*>(a.y), a.N, a.K, a.C, a.group_size, w);
  return true;
}

// Persistent tiles at M = 1 (fused_gemm_m1pt_kernel): ANYPREC_DECODE_PT = 0 never, 1 by the
// rule below (default), 2 always. Why: on (4096, 28672) the ring kernel runs ~2.7 waves of
// blocks whose warps stream 4 chunks each, so every block pays its ring's fill, its reduction
// and the block switch, and the last wave runs part-full. Here at most the resident blocks run,
// each over the same number of n-tiles (balanced: ceil(N16 / rounds) blocks), and a warp's ring
// keeps streaming across its tile ends.
// The rule, from a sweep on the H200 (benchmarks/experiments/decode_pt/: 2 / 4 / 8 warps, 2 / 3
// stages, balanced or all resident blocks, uniform b = 2..6 on (4096, 28672), (4096, 14336),
// (8192, 28672), against the ring kernel in the same call): 4 warps per block, balanced, and
//  - b <= 3: 3 stages, where the tiles fill at least 90% of the resident blocks: 3-11% less time
//    ((4096, 14336) b = 2 9.8 -> 8.8 us, (4096, 28672) b = 2 16.1 -> 15.0 us);
//  - b >= 4: 2 stages, where the tiles make at least two rounds of the resident blocks:
//    4-10% less ((4096, 28672) b = 4 19.6 -> 17.7 us, b = 6 26.2 -> 25.0 us; bf16 b = 4 20.1 ->
//    19.1 us); at 1.1 rounds ((4096, 14336)) balancing halves the blocks and it lost 4%. b = 7,
//    8 (session 14, experiments/decode_xs/, against the ring kernel): (4096, 28672) 27.7 ->
//    26.9 us and 30.6 -> 29.8 with 2 stages (3 stages: 29.1, 30.8); equal on (4096, 14336);
//  - b = 5: 2 stages by the same rule since the runs words (session 14,
//    experiments/pack_runs/pt5.sh): (4096, 28672) 22.9 -> 21.9 us, (8192, 28672) 41.5 -> 40.2;
//    with session 12's words no setting had won on all three weights (-2 .. +12%).
// Overrides (experiments): ANYPREC_PT_WARPS, ANYPREC_PT_STAGES (2 or 3, every width),
// ANYPREC_PT_STAGES3_BITS (the widths b, bit b, whose ring has 3 stages, the others 2; default
// b = 2, 3 as above), ANYPREC_PT_BALANCE=0 (all resident blocks, the last round part-full),
// ANYPREC_PT_CONTIG=1 (each block a contiguous range of tiles instead of every blocks-th),
// ANYPREC_PT_GRID > 0 (caps the blocks: tests run several tiles per block on small weights),
// ANYPREC_PT_DEBUG=1 (prints every launch). 2 stages at b = 3 (mask 0x4) won 3% on one H100
// weight ((4096, 28672) 20.4 -> 19.8 us, session 39, experiments/record_s39/) and lost 3% (up
// to 11%) on the H200 (session 40, record_s40/): the default stays.
#ifndef ANYPREC_PT_STAGES3_BITS
#define ANYPREC_PT_STAGES3_BITS 0x0C
#endif
template <int B>
inline int pt_stages() {
  static const int mask = env_int("ANYPREC_PT_STAGES3_BITS", ANYPREC_PT_STAGES3_BITS);
  return ((mask >> B) & 1) ? 3 : 2;
}
// PT's grid for n16 tiles with fit resident blocks per SM: false where the rule above declines
// (mode 1); else at most the resident blocks (and at most grid_cap > 0), with per_block =
// ceil(n16 / blocks) tiles each, and, balanced, the fewest blocks that give every block that
// many. Shared by launch_pt_st (M = 1) and launch_x8.
template <int B>
bool pt_grid(int n16, int fit, long long sms, int mode, int grid_cap, bool balance,
             long long& blocks, long long& per_block) {
  const long long resident = (long long)fit * sms;
  if (mode == 1 && (B <= 3 ? 10LL * n16 < 9 * resident : n16 < 2 * resident)) return false;
  blocks = std::min<long long>(n16, resident);
  if (grid_cap > 0) blocks = std::min<long long>(blocks, grid_cap);
  per_block = (n16 + blocks - 1) / blocks;
  if (balance) blocks = (n16 + per_block - 1) / per_block;
  return true;
}
template <typename T, int B, int FOLD, int ST>
bool launch_pt_st(const GemmArgs& a, cudaStream_t stream, int mode, cudaError_t& err) {
  static const int nw_env = env_int("ANYPREC_PT_WARPS", 4);
  static const bool balance = env_int("ANYPREC_PT_BALANCE", 1) != 0;
  static const bool contig = env_int("ANYPREC_PT_CONTIG", 0) != 0;
  static const int grid_cap = env_int("ANYPREC_PT_GRID", 0);
  auto kernel = fused_gemm_m1pt_kernel<T, B, FOLD, ST>;
  constexpr size_t kWarpBytes = ring_warp_bytes<B, FOLD>(ST);
  static const bool opted = opt_in_smem(kernel, kMaxWarps * kWarpBytes);
  if (!opted) return false;
  const int dev = current_device();
  const int nw = std::max(1, std::min({nw_env, kMaxWarps, a.C}));
  static int occ[64][kMaxWarps + 1] = {};
  const int fit = resident_blocks(kernel, nw * 32, nw * kWarpBytes, occ[dev][nw]);
  if (fit < 1) return false;
  long long blocks, per_block;
  if (!pt_grid<B>(a.N16, fit, device_info(dev).sms, mode, grid_cap, balance || contig, blocks,
                  per_block))
    return false;
  SkWork order;  // (PT reads only q: tiles per block when contiguous, 0 = strided)
  order.q = contig ? (int)per_block : 0;
  static const bool debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
  if (debug) {
    std::fprintf(stderr, "anyprec PT: b=%d fold=%d st=%d N16=%d C=%d warps=%d fit=%d blocks=%lld "
                 "tiles/block<=%lld\n", B, FOLD, ST, a.N16, a.C, nw, fit, blocks, per_block);
  }
  err = launch_decode(kernel, pdl_enabled(dev, false), dim3((unsigned)blocks), nw * 32,
                      nw * kWarpBytes, stream, static_cast<const T*>(a.x), a.qw,
                      reinterpret_cast<const MetaWord<B>*>(a.meta), static_cast<const T*>(a.lut),
                      static_cast<T*>(a.y), a.M, a.N, a.K, a.C, a.group_size, order);
  return true;
}
// ANYPREC_PT_BITS: the widths b (bit b) PT's rule (mode 1) takes; the others run the ring
// kernel. Default b = 2, 3: once the ring kernels issue their first weight loads before the PDL
// wait and trigger early (ANYPREC_PDL_EW / ET, session 42), the ring beat PT at every b >= 4 on
// (4096, 28672), the one Llama-3-8B weight PT's rule takes (H100, two passes, session 43,
// benchmarks/experiments/record_s43/: b = 4 23.8 -> 23.7 us (bf16 24.3 -> 23.8), b = 5 29.0 ->
// 28.2, b = 6 33.6 -> 32.2, b = 7 38.6 -> 36.7, b = 8 43.0 -> 42.7), while PT still won at b = 2
// (15.5 against 16.0-16.3) and b = 3 (20.3 against 20.3-20.5). PT's blocks start only when the
// previous grid has drained, so EW does not shorten them (pdl_early/README.md).
#ifndef ANYPREC_PT_BITS
#define ANYPREC_PT_BITS 0x0C
#endif
template <typename T, int B, int FOLD>
bool launch_pt(const GemmArgs& a, cudaStream_t stream, cudaError_t& err) {
  static const int mode = env_int("ANYPREC_DECODE_PT", 1);
  static const int stages = env_int("ANYPREC_PT_STAGES", pt_stages<B>());
  static const int widths = env_int("ANYPREC_PT_BITS", ANYPREC_PT_BITS);
  if (mode == 0 || (mode == 1 && !((widths >> B) & 1))) return false;
  return stages == 3 ? launch_pt_st<T, B, FOLD, 3>(a, stream, mode, err)
                     : launch_pt_st<T, B, FOLD, 2>(a, stream, mode, err);
}

// LP: the LUT scheme at M = 1, b <= 4, through the ring (fused_gemm_lutpipe_kernel: 2 stages
// per warp of the chunk's weights and x, no metadata) instead of the register double buffer of
// fused_gemm_kernel, on weights of at least ANYPREC_LUT_PIPE_MIN_WORK tile-chunks (N/16 x
// K/256). Why: LUT b = 2 / 3 / 4 took about the same time on (4096, 28672) (session 19's
// record: 24.9 / 26.0 / 30.1 us, the uniform ring 15.3 / 17.2 / 17.8), which looked like one
// chunk in flight per warp holding it back. Measured on the H200 against ANYPREC_LUT_PIPE=0, same
// build (benchmarks/experiments/lut_pipe/, two passes each): (4096, 14336) b = 3 16.3 -> 14.2
// us, b = 4 19.1 -> 16.7; (4096, 28672) b = 2 24.4 -> 23.5, b = 3 25.7 -> 24.9, b = 4 30.0 ->
// 29.1; (14336, 4096) 1-3% less; (4096, 6144) equal; (4096, 4096) (4096 tile-chunks) 2-7%
// more, so the rule leaves weights that small out. The gain is small because the LUT kernel is
// bound by its ALU pipe, not by its loads (ncu at b = 2: "math-pipe throttle" first, 25% of
// DRAM peak, the same instructions with the ring). At b >= 5 the ring was 12-25% slower
// everywhere ((4096, 28672) b = 5 36.7 -> 45.6 us, b = 8 44.7 -> 50.1; not profiled); 3 stages
// were slower than 2, and a persistent form (PT) for the register tables (b <= 3) slower than
// the ring ((4096, 28672) b = 3 28.8 us with 3 stages, 26.4 with 2, ring 24.8): none of those is
// built. Switches (read once): ANYPREC_LUT_PIPE = 0 off, 1 by the rule (default
// ANYPREC_LUT_PIPE), 2 on every weight (b <= 4); ANYPREC_LUT_PIPE_BITS, the widths b (bit b)
// the rule takes (default b = 4 alone, 0x10: without LP b = 2, 3 ran 3-9% faster on the
// targets' weights on the H100 (session 39, experiments/record_s39/) and 2-3% faster on the
// H200 (session 40, record_s40/); b = 4 without LP ran 2% slower on the H100, 1% faster on the
// H200: LP kept there); ANYPREC_RING_DEBUG=1 prints each launch.
#ifndef ANYPREC_LUT_PIPE
#define ANYPREC_LUT_PIPE 1
#endif
#ifndef ANYPREC_LUT_PIPE_MIN_WORK
#define ANYPREC_LUT_PIPE_MIN_WORK 8192
#endif
#ifndef ANYPREC_LUT_PIPE_BITS
#define ANYPREC_LUT_PIPE_BITS 0x10
#endif
// (b <= 4 is launch_fold's: only those widths instantiate the kernel.)
template <int B>
inline bool lut_pipe_enabled(const GemmArgs& a) {
  static const int mode = env_int("ANYPREC_LUT_PIPE", ANYPREC_LUT_PIPE);
  static const int min_work = env_int("ANYPREC_LUT_PIPE_MIN_WORK", ANYPREC_LUT_PIPE_MIN_WORK);
  static const int widths = env_int("ANYPREC_LUT_PIPE_BITS", ANYPREC_LUT_PIPE_BITS);
  if (mode == 0 || a.M != 1) return false;
  return mode == 2 || (((widths >> B) & 1) && (long long)a.N16 * a.C >= min_work);
}

// The LUT pair tables (ANYPREC_LUT_PAIR_LANES) where they pay: on weights of at least
// ANYPREC_LUT_PAIR_MIN_CHUNKS chunks per row (K / 256), or of at most a bound of n-tiles per SM,
// by M (M = 1: the LP ring or fused_gemm_kernel; M = 2..8 and 9..16: the 8- and 16-row tiles of
// fused_gemm_kernel). A block fills 64 KB of tables (b = 4) before its lookups and only two
// such blocks fit on an SM, so a weight of many n-tiles runs several waves of 8-warp blocks
// that each pay the fill, where the single-code tables (4 KB) let more, smaller blocks
// overlap; longer rows (more chunks per block) pay the fill back. H200, session 36,
// LUT b = 4 with and without them over 11 weights (benchmarks/experiments/h200_record_s36/ab/,
// rule.txt): M = 1, K = 4096: 256 / 384 / 512 n-tiles 1.09 / 1.13 / 1.03x, 640 / 896 / 1792
// 0.92 / 0.90 / 0.93x; K = 8192, 14336 (32, 56 chunks) 1.03-1.35x at every width and M
// ((8192, 28672), 1792 n-tiles: 1.16 / 1.10 / 1.03-1.06x at M = 1 / 4 / 16), hence the chunks.
// The bounds are the smallest with the least cost given the chunks rule (pair_rule.py): 4
// n-tiles per SM at M = 1, 7 at M = 2..8, 2 at M = 9..16, 0.0 / 0.3 / 0.0% above the better
// form of each cell on the geometric mean (worst cell 1.04x, M = 4).
// M = 9..16 is 3 since session 54 (H100, session 52's code, two passes, never / always / rule
// over the Llama-3-8B weights, benchmarks/experiments/lut_rules_s53/): (4096, 6144) (384
// n-tiles, 2.9 per SM) now wins with the pair tables at M = 9 / 12 / 16, 10.6 -> 8.0, 10.9 ->
// 8.8, 11.3 -> 10.0 us (the H200 in session 36: 0.98x at M = 16), and 3 is the smallest bound
// of no cost there at every M; (4096, 28672) still loses (0.90-0.93x). M = 1 is 6 since
// session 54: over twelve weights on two H100s (record_s54/runs/pairs_wide/, h200_rules_s54/ run
// on an H100), 640 and 768 n-tiles ((4096, 10240), (4096, 12288)) win with the pair tables at
// M = 1 (1.04-1.06x, 1.10-1.11x) and 896 loses (0.85x): 6 was the least-cost bound on both
// (1.002-1.003 of the better form against 4's 1.016-1.020). (The H200 in session 36, older code:
// 640 lost there, 0.92x.) The M = 2..8 bound (7) is within 1% of the best (4) on both. Switches
// (read once):
// ANYPREC_LUT_PAIR = 0 never, 1 the rule (default), 2 always; ANYPREC_LUT_PAIR_TILES_PER_SM, if
// set, the bound at every M.
#ifndef ANYPREC_LUT_PAIR_MIN_CHUNKS
#define ANYPREC_LUT_PAIR_MIN_CHUNKS 32
#endif
#ifndef ANYPREC_LUT_PAIR_TILES_PER_SM_M1
#define ANYPREC_LUT_PAIR_TILES_PER_SM_M1 6
#endif
#ifndef ANYPREC_LUT_PAIR_TILES_PER_SM_M8
#define ANYPREC_LUT_PAIR_TILES_PER_SM_M8 7
#endif
#ifndef ANYPREC_LUT_PAIR_TILES_PER_SM_M16
#define ANYPREC_LUT_PAIR_TILES_PER_SM_M16 3
#endif
inline bool lut_pairs_take(const GemmArgs& a, int sms) {
  static const int mode = env_int("ANYPREC_LUT_PAIR", 1);
  static const int all = env_int("ANYPREC_LUT_PAIR_TILES_PER_SM", 0);
  static const int bound[3] = {all > 0 ? all : ANYPREC_LUT_PAIR_TILES_PER_SM_M1,
                               all > 0 ? all : ANYPREC_LUT_PAIR_TILES_PER_SM_M8,
                               all > 0 ? all : ANYPREC_LUT_PAIR_TILES_PER_SM_M16};
  static const bool debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
  const int per_sm = bound[a.M == 1 ? 0 : a.M <= 8 ? 1 : 2];
  const bool take = mode == 2 || (mode == 1 && (a.C >= ANYPREC_LUT_PAIR_MIN_CHUNKS ||
                                                (long long)a.N16 <= (long long)per_sm * sms));
  if (debug) {
    std::fprintf(stderr, "anyprec LUT pairs: M=%d N16=%d C=%d sms=%d take=%d\n", a.M, a.N16, a.C,
                 sms, (int)take);
  }
  return take;
}

// X8 at 2 <= M <= 8 (uniform): the ring kernel with the M activation rows in each stage
// (fused_gemm_x8pipe_kernel), or its persistent form (fused_gemm_x8pt_kernel), in place of the
// register double buffer of fused_gemm_kernel (which at M = 2..8 ran 20-25% slower than the
// M = 1 ring on (4096, 28672)). Two stages; per warp a stage is b x 512 + M x 512 bytes +
// metadata. Measured on the H200 against X8 off, same build (benchmarks/experiments/decode_x8/):
// the ring wins at b >= 4 and M <= 4: 3-7% less time on the geometric mean of every weight and
// M, (4096, 28672) b = 4 M = 2 22.4 -> 20.9 us, b = 8 35.0 -> 31.8, (4096, 14336) b = 8 18.9 ->
// 16.8; worst cell +4.6% ((4096, 6144) b = 8 M = 4). At b = 2, 3 it is equal or up to 7% slower,
// at M = 8 up to 17% slower (the stage's x: 4 KB per chunk against 2 KB of b = 4 weights), so
// the rule leaves those to fused_gemm_kernel; the persistent form lost to the ring in most cells
// (on (4096, 28672) at b = 2..5 by 15-20%: 4 resident blocks of 4 warps per SM), so it is off.
// Session 52 (H100, benchmarks/experiments/decode_switches_s52/, two passes, one build): since
// EW / ET, LM, META16 and the two-fma fold sped the register kernel up, X8 off (the register
// kernel) took 0.89-0.99 of X8's time at b = 4, 5 on all four Llama-3-8B weights at M = 2..4
// ((4096, 28672) b = 4 M = 2 24.1 -> 22.0 us) and 0.90-0.99 at b = 6..8 on the three weights
// the wave model plans, while on (4096, 28672) at b = 6..8 X8 stayed 2-4% faster. At b = 2 X8
// (forced) took 0.91-0.98 of the register kernel's time on three weights, 1.00 on (14336, 4096);
// at b = 3 1.02-1.12 but on the wide weight (0.98-0.99). Hence the rule: M <= ANYPREC_X8_MAX_M
// and b in ANYPREC_X8_BITS (any weight; default b = 2) or in ANYPREC_X8_WIDE_BITS (default
// b = 6..8) on a weight of at least kWaveModelMaxWork tile-chunks (the register kernel's
// warp-target class). The H200 has not re-timed it.
// Switches (read once): ANYPREC_DECODE_X8 = 0 off, 1 by the rule (default ANYPREC_X8), 2 at
// every b, M = 2..8 and weight; ANYPREC_X8_BITS / ANYPREC_X8_WIDE_BITS (masks of b, hex);
// ANYPREC_X8_MIN_WORK, the rule's bound on the tile-chunks (lowered by the tests to reach the
// rule on small weights); ANYPREC_X8_PT = 0 never PT (default), 1 by PT's M = 1 rule, 2 always;
// ANYPREC_X8_WAVE: the ring's warps per block from the wave model on small weights (1, the
// decode kernels' rule, default), always (2) or never (0: the warp target).
// ANYPREC_PT_WARPS / _GRID / _DEBUG and ANYPREC_DECODE_WARPS apply as at M = 1.
#ifndef ANYPREC_X8
#define ANYPREC_X8 1
#endif
#ifndef ANYPREC_X8_MAX_M
#define ANYPREC_X8_MAX_M 4
#endif
#ifndef ANYPREC_X8_BITS
#define ANYPREC_X8_BITS 0x4
#endif
#ifndef ANYPREC_X8_WIDE_BITS
#define ANYPREC_X8_WIDE_BITS 0x1C0
#endif
template <typename T, int B, int FOLD>
bool launch_x8(const GemmArgs& a, cudaStream_t stream, cudaError_t& err) {
  static const int mode = env_int("ANYPREC_DECODE_X8", ANYPREC_X8);
  static const int max_m = env_int("ANYPREC_X8_MAX_M", ANYPREC_X8_MAX_M);
  static const int bits_any = env_int("ANYPREC_X8_BITS", ANYPREC_X8_BITS);
  static const int bits_wide = env_int("ANYPREC_X8_WIDE_BITS", ANYPREC_X8_WIDE_BITS);
  static const long long min_work = env_int("ANYPREC_X8_MIN_WORK", (int)kWaveModelMaxWork);
  static const int pt_mode = env_int("ANYPREC_X8_PT", 0);
  static const int wave_mode = env_int("ANYPREC_X8_WAVE", 1);
  static const int nw_pt = env_int("ANYPREC_PT_WARPS", 4);
  static const int grid_cap = env_int("ANYPREC_PT_GRID", 0);
  static const int forced = env_int("ANYPREC_DECODE_WARPS", ANYPREC_DECODE_WARPS);
  static const bool debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
  if (mode == 0 || a.M < 2 || a.M > 8) return false;
  if (mode == 1) {
    const bool wide = (long long)a.N16 * a.C >= min_work;
    if (a.M > max_m || ((bits_any >> B & 1) == 0 && (!wide || (bits_wide >> B & 1) == 0))) {
      return false;
    }
  }
  const int dev = current_device();
  const long long sms = device_info(dev).sms;
  const size_t wb = ring_warp_bytes<B, FOLD>(2, a.M);  // per warp at this M
  constexpr size_t kWarpMax = ring_warp_bytes<B, FOLD>(2, 8);
  const T* x = static_cast<const T*>(a.x);
  const MetaWord<B>* meta = reinterpret_cast<const MetaWord<B>*>(a.meta);
  const T* lut = static_cast<const T*>(a.lut);
  T* y = static_cast<T*>(a.y);
  if (pt_mode > 0) {
    auto kernel = fused_gemm_x8pt_kernel<T, B, FOLD>;
    static const bool opted = opt_in_smem(kernel, kMaxWarps * kWarpMax);
    static int occ[9][64][kMaxWarps + 1] = {};  // resident blocks by M, device, warps
    const int nw = std::max(1, std::min({nw_pt, kMaxWarps, a.C}));
    const int fit = opted ? resident_blocks(kernel, nw * 32, nw * wb, occ[a.M][dev][nw]) : -1;
    long long blocks, per_block;  // balanced: the same tiles per block
    if (fit > 0 && pt_grid<B>(a.N16, fit, sms, pt_mode, grid_cap, true, blocks, per_block)) {
      if (debug) {
        std::fprintf(stderr, "anyprec PT x8: b=%d fold=%d M=%d N16=%d C=%d warps=%d fit=%d "
                     "blocks=%lld tiles/block<=%lld\n", B, FOLD, a.M, a.N16, a.C, nw, fit,
                     blocks, per_block);
      }
      SkWork order;  // (strided tiles: q = 0)
      order.q = 0;
      err = launch_decode(kernel, pdl_enabled(dev, false), dim3((unsigned)blocks), nw * 32,
                          nw * wb, stream, x, a.qw, meta, lut, y, a.M, a.N, a.K, a.C,
                          a.group_size, order);
      return true;
    }
  }
  auto kernel = fused_gemm_x8pipe_kernel<T, B, FOLD>;
  static const bool opted = opt_in_smem(kernel, kMaxWarps * kWarpMax);
  if (!opted) return false;
  static int occ[9][64][kMaxWarps + 1] = {};
  int nw;
  if (forced > 0) {
    nw = forced;
  } else if (wave_mode == 2 || (wave_mode == 1 && (long long)a.N16 * a.C < kWaveModelMaxWork)) {
    nw = wave_warps(kernel, dev, a.N16, a.C, occ[a.M], wb);
  } else {
    nw = (int)((sms * ANYPREC_WARPS_PER_SM + a.N16 - 1) / a.N16);
  }
  nw = std::max(1, std::min({nw, kMaxWarps, a.C}));
  if (debug) {
    std::fprintf(stderr, "anyprec ring x8: b=%d fold=%d M=%d N16=%d C=%d warps=%d\n", B, FOLD,
                 a.M, a.N16, a.C, nw);
  }
  err = launch_decode(kernel, pdl_enabled(dev, false), dim3(a.N16), nw * 32, nw * wb, stream, x,
                      a.qw, meta, lut, y, a.M, a.N, a.K, a.C, a.group_size);
  return true;
}

// XB: at M = 5..16 the per-warp x copies of fused_gemm_kernel and X8 move M x 512 bytes of x per
// 256-k chunk of a 16-row tile, 2-4x the tile's b = 4 weights (X8 lost up to 17% at M = 8 for it);
// XB copies x once per block of nw tiles, but has no K split, so it needs many tiles. Rule,
// measured on the H200 (session 19, benchmarks/experiments/decode_xb/): uniform, b >= 7, M >= 8,
// and at least one block per SM (N16 >= nw x SMs). There (4096, 28672) at M = 8 / 12 / 16 ran,
// b = 8: 35.5 / 45.4 / 48.7 -> 34.0 / 41.0 / 42.8 us; b = 7:
// 33.1 / 44.4 / 48.1 -> 30.3 / 42.2 / 43.7. At b = 6 it was 18% slower at M = 12, 16, at b <= 5
// within +-6% either way, and on weights of 256 or 384 n-tiles (32 or 48 blocks) up to 3.4x slower.
// Off by default since session 40: after MR (b = 7 under a register cap, session 36) and X_FULL
// (session 39) the rule's weights ran faster without XB on both cards, over 72 cells (b = 6..8,
// M = 8..16) 1.04x on the H200 (up to 1.24x, record_s40/) and 3-6% per M at b = 7, 8 on the H100
// (up to 22% on (4096, 22016), record_s39/); XB won only (8192, 28672) b = 8 on the H100 (2%) and
// M = 8 b = 7 on one H200 weight (8%).
// On again since session 54 for b = 6 alone, at M >= 9 (ANYPREC_XB_BITS, a mask of widths, and
// ANYPREC_XB_MIN_M): on two H100s (sessions 52 and 54, benchmarks/experiments/
// decode_switches_s52/ and h200_rules_s54/, the rule at b >= 3 against off, two passes each)
// (4096, 28672) at b = 6, M = 9 / 12 / 16 ran 38.4 / 38.7 / 39.5 -> 36.7 / 36.6 / 36.9 us
// (1.045-1.07x; 7% in session 52), while b = 3, 4, 7, 8 lost 4-19% there. The blocks bound keeps
// it off the weights below 132 x 8 n-tiles. (The H200 had b = 6 18% slower in session 19, on
// older code; not re-asked.)
// Switches (read once): ANYPREC_DECODE_XB = 0 off, 1 the rule (default ANYPREC_XB), 2 at every
// M >= 2 and any weight; ANYPREC_XB_MIN_BITS > 0: the rule at every b >= it instead of the mask;
// ANYPREC_XB_WARPS: tiles (warps) per block (default 8; 4 and 2 were slower).
// ANYPREC_PT_DEBUG=1 prints each launch.
#ifndef ANYPREC_XB
#define ANYPREC_XB 1
#endif
#ifndef ANYPREC_XB_BITS
#define ANYPREC_XB_BITS 0x40
#endif
#ifndef ANYPREC_XB_MIN_M
#define ANYPREC_XB_MIN_M 9
#endif
template <typename T, int B, int MT, int FOLD>
bool launch_xb(const GemmArgs& a, cudaStream_t stream, cudaError_t& err) {
  static const int mode = env_int("ANYPREC_DECODE_XB", ANYPREC_XB);
  static const int min_m = env_int("ANYPREC_XB_MIN_M", ANYPREC_XB_MIN_M);
  // the rule's widths as one mask (ANYPREC_XB_MIN_BITS, if set, as every b >= it)
  static const int min_bits = env_int("ANYPREC_XB_MIN_BITS", 0);
  static const int bits_mask =
      min_bits > 0 ? ~((1 << min_bits) - 1) : env_int("ANYPREC_XB_BITS", ANYPREC_XB_BITS);
  static const int nw_env = env_int("ANYPREC_XB_WARPS", 8);
  static const bool debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
  if (mode == 0 || a.M > 8 * MT || a.M < (mode == 2 ? 2 : min_m)) return false;
  if (mode == 1 && !((bits_mask >> B) & 1)) return false;
  constexpr int kFolds = folds_per_chunk(FOLD);
  const int nw = std::max(1, std::min(nw_env, kMaxWarps));
  const size_t smem = (size_t)kXbStages * xb_stage_uint4(B, kFolds, a.M, nw) * 16;
  auto kernel = fused_gemm_xb_kernel<T, B, MT, FOLD>;
  static const bool opted =
      opt_in_smem(kernel, (size_t)kXbStages * xb_stage_uint4(B, kFolds, 8 * MT, kMaxWarps) * 16);
  if (!opted) return false;
  const int dev = current_device();
  static int occ[17][64][kMaxWarps + 1] = {};  // resident blocks by M, device, warps
  const int fit = resident_blocks(kernel, nw * 32, smem, occ[a.M][dev][nw]);
  if (fit < 1) return false;
  const int blocks = (a.N16 + nw - 1) / nw;
  // (no K split: with fewer blocks than SMs part of the GPU would idle)
  if (mode == 1 && blocks < device_info(dev).sms) return false;
  if (debug) {
    std::fprintf(stderr, "anyprec XB: b=%d fold=%d M=%d N16=%d C=%d warps=%d fit=%d blocks=%d "
                 "smem=%zu\n", B, FOLD, a.M, a.N16, a.C, nw, fit, blocks, smem);
  }
  err = launch_decode(kernel, pdl_enabled(dev, false), dim3(blocks), nw * 32, smem, stream,
                      static_cast<const T*>(a.x), a.qw, reinterpret_cast<const MetaWord<B>*>(a.meta),
                      static_cast<const T*>(a.lut), static_cast<T*>(a.y), a.M, a.N, a.K, a.C,
                      a.group_size);
  return true;
}

// The capped M = 9..16 uniform kernel of width B: MC at b <= 4, MR above.
template <typename T, int B, int FOLD>
constexpr auto mt2_capped_kernel() {
  if constexpr (B <= 4) {
    return fused_gemm_mt2cap_kernel<T, B, FOLD>;
  } else {
    return fused_gemm_mt2reg_kernel<T, B, FOLD>;
  }
}

// NT2's register caps (see nt2_regs; FOLD 4, 8): the index of a cap (an unknown one: 255's),
// and the instance of the cap at that index.
inline int nt2_cap_index(int regs) {
  return regs == 168 ? 0 : regs == 184 ? 1 : regs == 192 ? 2 : regs == 200 ? 3 : 4;
}
template <typename T, int B, int FOLD, int NT>
constexpr auto nt2_kernel_for(int cap) {
  return cap == 0   ? fused_gemm_mt2n2_kernel<T, B, FOLD, 168, NT>
         : cap == 1 ? fused_gemm_mt2n2_kernel<T, B, FOLD, 184, NT>
         : cap == 2 ? fused_gemm_mt2n2_kernel<T, B, FOLD, 192, NT>
         : cap == 3 ? fused_gemm_mt2n2_kernel<T, B, FOLD, 200, NT>
                    : fused_gemm_mt2n2_kernel<T, B, FOLD, 255, NT>;
}

// Picks the kernel (XS, M1 or plain) and its warps per block (the K split), then launches.
template <typename T, int B, int MT, bool LUT, int FOLD>
cudaError_t launch_fold(const GemmArgs& a, dim3 grid, bool xs, size_t xs_bytes,
                        cudaStream_t stream) {
  auto kernel = fused_gemm_kernel<T, B, MT, LUT, false, FOLD>;
  if constexpr (MT == 1 && xs_wins<B, LUT>()) {
    if (xs) kernel = fused_gemm_kernel<T, B, MT, LUT, true, FOLD>;
  }
  const int dev = current_device();
  // M1 at M = 1 except where XS runs (when asked; the M1 sums made XS 10-12% slower).
  bool m1 = false;
  size_t pipe_warp_bytes = 0;  // PIPE: dynamic shared memory per warp
  bool wide = false;           // the ring kernel's instance with up to kRingWideWarps warps
  if constexpr (MT <= 2 && !LUT) {  // XB where it is on (launch_xb)
    cudaError_t err;
    if (launch_xb<T, B, MT, FOLD>(a, stream, err)) return err;
  }
  // LUT with ANYPREC_LUT_PAIR_LANES (b = 4, or 2..4; M <= 16): the pair tables' dynamic shared
  // memory, before any ring (no XS for LUT at b <= 4: xs_wins), on the weights lut_pairs_take
  // gives them to; the others run the NP instances (the per-lane tables of single codes).
  constexpr size_t kPtabMax = lut_pair_table_bytes<B, LUT, MT>();
  const bool pairs = kPtabMax > 0 && lut_pairs_take(a, device_info(dev).sms);
  const size_t ptab = pairs ? kPtabMax : 0;
  if constexpr (kPtabMax > 0) {
    static const bool opted = opt_in_smem(kernel, kPtabMax);
    if (!opted) return cudaErrorInvalidConfiguration;
    if (!pairs) kernel = fused_gemm_kernel<T, B, MT, LUT, false, FOLD, true>;
  }
  if constexpr (MT == 1 && LUT && B <= 4) {  // LP where its rule takes it (lut_pipe_enabled)
    if (!xs && lut_pipe_enabled<B>(a)) {
      pipe_warp_bytes = ring_warp_bytes<B, FOLD, true>(kLutPipeStages);
      if (pairs) {
        kernel = fused_gemm_lutpipe_kernel<T, B>;
        static const bool opted = opt_in_smem(kernel, kPtabMax + kMaxWarps * pipe_warp_bytes);
        if (!opted) return cudaErrorInvalidConfiguration;
      } else {
        kernel = fused_gemm_lutpipe_kernel<T, B, kPtabMax != 0>;
        static const bool opted = opt_in_smem(kernel, kMaxWarps * pipe_warp_bytes);
        if (!opted) return cudaErrorInvalidConfiguration;
      }
    }
  }
  if constexpr (MT == 1 && LUT && B >= 5 && ANYPREC_LUT_CAP) {  // LC, when asked (see there)
    static const int cap = env_int("ANYPREC_LUT_CAP_REGS", 0);
    if (!xs && (cap == 96 || cap == 80)) {
      kernel = cap == 96 ? fused_gemm_lutcap_kernel<T, B, 96> : fused_gemm_lutcap_kernel<T, B, 80>;
      static bool told = false;  // (the A/B's proof that LC ran: once per instance)
      if (!told) {
        told = true;
        std::fprintf(stderr, "anyprec LC: b=%d cap=%d M=%d N=%d K=%d\n", B, cap, a.M, a.N, a.K);
      }
    }
  }
  if constexpr (MT == 1 && !LUT) {
    if (a.M >= 2 && pipe_enabled()) {  // X8 where it is on (launch_x8)
      cudaError_t err;
      if (launch_x8<T, B, FOLD>(a, stream, err)) return err;
    }
    m1 = a.M == 1 && !xs && sum_mma_enabled();
    // Stream-K first where its rule takes it (over XS only when asked: ANYPREC_SK_OVER_XS=1).
    static const bool sk_over_xs = env_int("ANYPREC_SK_OVER_XS", 0) != 0;
    if (a.M == 1 && sum_mma_enabled() && pipe_enabled() && (!xs || sk_over_xs)) {
      cudaError_t err;
      if (launch_sk<T, B, FOLD>(a, stream, err)) return err;
    }
    // Persistent tiles where their rule takes them (not over XS).
    if (a.M == 1 && sum_mma_enabled() && pipe_enabled() && !xs) {
      cudaError_t err;
      if (launch_pt<T, B, FOLD>(a, stream, err)) return err;
    }
    if (m1 && pipe_enabled()) {
      constexpr size_t kWarpBytes = ring_warp_bytes<B, FOLD>(ANYPREC_M1_STAGES);
      static const bool wide_on = env_int("ANYPREC_RING_WIDE", 1) != 0;
      wide = wide_on && a.C >= ANYPREC_RING_WIDE_MIN_CHUNKS &&
             (long long)a.N16 * kMaxWarps <
                 (long long)ANYPREC_WARPS_PER_SM * device_info(dev).sms;
      if (wide) {
        kernel = fused_gemm_m1pipe_kernel<T, B, FOLD, kRingWideWarps>;
        static const bool opted = opt_in_smem(kernel, kRingWideWarps * kWarpBytes);
        if (!opted) return cudaErrorInvalidConfiguration;
      } else {
        kernel = fused_gemm_m1pipe_kernel<T, B, FOLD>;
        static const bool opted = opt_in_smem(kernel, kMaxWarps * kWarpBytes);
        if (!opted) return cudaErrorInvalidConfiguration;
      }
      pipe_warp_bytes = kWarpBytes;
    } else if (m1) {
      if constexpr (B <= 4) {
        kernel = fused_gemm_m1cap_kernel<T, B, FOLD>;
      } else {
        kernel = fused_gemm_m1_kernel<T, B, FOLD>;
      }
    }
  }
  // MC (uniform, M = 9..16, b = 3, 4) and MR (b >= 5 where built with a cap, groups of 128 or
  // more: mt2_reg_folds): the capped kernel everywhere when asked, else where mt2_cap_wins
  // takes it below.
  constexpr bool kHasMc =
      MT == 2 && !LUT && (B == 3 || B == 4 || (mt2_reg_cap(B) > 0 && mt2_reg_folds(FOLD)));
  bool mc = false;
  [[maybe_unused]] const int mc_mode = kHasMc ? mt2_cap_mode() : 0;
  if constexpr (kHasMc) {
    if (mc_mode == 2) {
      kernel = mt2_capped_kernel<T, B, FOLD>();
      mc = true;
    }
  }
  int nwarps;
  // The warp target's warps per block over `blocks` blocks (the rule where the wave model does
  // not plan; see its use below).
  auto target_warps = [&](int blocks) {
    const int target = device_info(dev).sms * (xs ? 24 : ANYPREC_WARPS_PER_SM);
    return (target + blocks - 1) / blocks;
  };
  static const int forced = env_int("ANYPREC_DECODE_WARPS", ANYPREC_DECODE_WARPS);
  if (forced > 0) {
    nwarps = forced;
  } else if (use_wave_model<MT, LUT>(a, m1) && !xs) {
    // Resident blocks per kernel instance (XS never gets here; M1 has its own registers).
    // (by pairs as well: the NP instances are other kernels with other residencies)
    static int occ[2][4][64][kMaxWarps + 1] = {};
    static int occ_wide[64][kRingWideWarps + 1] = {};
    const int blocks = (int)(grid.x * grid.y);
    long long cost = -1;
    nwarps = wide ? wave_warps(kernel, dev, blocks, a.C, occ_wide, pipe_warp_bytes)
                  : wave_warps(kernel, dev, blocks, a.C,
                               occ[pairs][mc ? 3 : pipe_warp_bytes ? 2 : m1 ? 1 : 0],
                               pipe_warp_bytes, &cost, ptab);
    if constexpr (kHasMc) {
      if (mc_mode == 1) {
        auto capped = mt2_capped_kernel<T, B, FOLD>();
        long long cost_cap = -1;
        const int nw_cap = wave_warps(capped, dev, blocks, a.C, occ[0][3], 0, &cost_cap);
        if (mt2_cap_wins(cost, nwarps, cost_cap, nw_cap, B <= 4)) {
          kernel = capped;
          nwarps = nw_cap;
          mc = true;
        }
      }
      if constexpr (B <= 4) {
        const int st = mc3_stages();
        if (mc && mc3_mode() == 2 && st >= 2 && st <= 4) {
          static int occ3[3][64][kMaxWarps + 1] = {};
          static const bool opted =
              opt_in_smem(fused_gemm_mt2cap3_kernel<T, B, FOLD, 2>, kMaxWarps * 2 * B * 512) &&
              opt_in_smem(fused_gemm_mt2cap3_kernel<T, B, FOLD, 3>, kMaxWarps * 3 * B * 512) &&
              opt_in_smem(fused_gemm_mt2cap3_kernel<T, B, FOLD, 4>, kMaxWarps * 4 * B * 512);
          if (!opted) return cudaErrorInvalidConfiguration;
          kernel = st == 2   ? fused_gemm_mt2cap3_kernel<T, B, FOLD, 2>
                   : st == 3 ? fused_gemm_mt2cap3_kernel<T, B, FOLD, 3>
                             : fused_gemm_mt2cap3_kernel<T, B, FOLD, 4>;
          pipe_warp_bytes = (size_t)st * B * 512;
          nwarps = wave_warps(kernel, dev, blocks, a.C, occ3[st - 2], pipe_warp_bytes);
        }
      }
    }
  } else {
    // Warp target: enough warps in flight to cover DRAM latency (24 per SM: measured on the
    // H200 against 8 and 16, equal or faster nearly everywhere at M <= 16), but as few per
    // n-tile as that allows, so each warp streams several chunks through its double buffer.
    nwarps = target_warps(a.N16);
    // LUT: at least 4 warps per block. A block builds its n-tile's tables in shared memory (up
    // to 36 KB at b = 8), which caps the resident blocks per SM, and more warps share the build:
    // H200, (4096, 28672), against the 2 warps this rule gives there (session 12,
    // experiments/decode_launch/run_lut.sh): LUT b = 4 34.9 -> 31.1 us and b = 8 86.8 -> 74.4 at
    // M = 1, b = 8 99.7 -> 83.9 at M = 16, every other b and M within 0.5%. (The wave model,
    // ANYPREC_DECODE_WAVE=2, lost up to 25% at b = 6 there.)
    // With the b = 4 pair tables (64 KB per block) at least 8: two blocks fit per SM, so 4-warp
    // blocks would leave 8 warps per SM.
    // LUT b = 8 at M = 1 (32 KB of per-lane tables per block): at least 8 as well. H100, two
    // passes, session 43 (benchmarks/experiments/record_s43/, ANYPREC_DECODE_WARPS=8 against
    // this rule): (4096, 28672) 49.3 -> 43.7 us; b = 2..6 took 1-13% longer with 8 there (b = 7
    // tied), and the weights the wave model plans ((4096, 6144), (4096, 4096), (14336, 4096)) do
    // not come here. At M = 2..16 too since session 54 (H100, two passes, the same switch
    // against the rule, benchmarks/experiments/lut_rules_s53/): (4096, 28672) b = 8 M = 2 / 4 /
    // 8 / 16 49.5 -> 44.6, 51.2 -> 45.1, 53.1 -> 48.9, 59.2 -> 57.6 us; b = 7 0.97-1.05x and
    // b = 6 0.93-1.00x there, so those stay at 4.
    const int lut_min_warps = ptab > 48 * 1024 || B == 8 ? 8 : 4;
    if (LUT && nwarps < lut_min_warps) nwarps = lut_min_warps;
    nwarps = nwarps < 1 ? 1 : nwarps;
  }
  // NT2 where its rule takes it or where asked (ANYPREC_NT2): MC with two n-tiles per block.
  bool nt2 = false;
  if constexpr (kHasMc && B <= 4) {
    const int nt2m = nt2_mode();
    if (mc && pipe_warp_bytes == 0 &&
        (nt2m == 2 || (nt2m == 1 && nt2_takes<T, B>(a.N16, device_info(dev).sms)))) {
      int slot = 4;  // the instance's residency cache: its cap's index, + 5 with the sums shared
      kernel = fused_gemm_mt2n2_kernel<T, B, FOLD, 255>;
      if constexpr (mt2_reg_folds(FOLD)) {
        const int cap = nt2_cap_index(nt2_regs());
        const bool sums = nt2_sums();
        slot = cap + 5 * sums;
        kernel = sums ? nt2_kernel_for<T, B, FOLD, 2>(cap) : nt2_kernel_for<T, B, FOLD, 1>(cap);
      }
      nt2 = true;
      grid.x = (a.N16 + 1) / 2;
      if (forced <= 0 && use_wave_model<MT, LUT>(a, false)) {
        static int occ_nt2[10][64][kMaxWarps + 1] = {};
        nwarps = wave_warps(kernel, dev, (int)(grid.x * grid.y), a.C, occ_nt2[slot]);
      }
    }
  }
  // NT2P where asked (ANYPREC_NT2P=2): the plain uniform register kernel with two n-tiles per
  // block (four at M <= 8 with ANYPREC_NT2P_TILES=4), its warps planned again for the fewer
  // blocks (the wave model, or the warp target).
  bool nt2p = false;
  if constexpr (!LUT && MT <= 2 && mt2_reg_folds(FOLD)) {
    if (nt2p_mode() == 2 && !nt2 && !mc && !m1 && !xs && pipe_warp_bytes == 0 && a.M >= 2) {
      const int tiles = MT == 1 ? nt2p_tiles() : 2;  // (NT4 at MT = 2 spills: see the kernel)
      kernel = fused_gemm_n2_kernel<T, B, MT, FOLD, 2>;
      if constexpr (MT == 1) {
        if (tiles == 4) kernel = fused_gemm_n2_kernel<T, B, MT, FOLD, 4>;
      }
      nt2p = true;
      grid.x = (a.N16 + tiles - 1) / tiles;
      if (forced <= 0) {
        if (use_wave_model<MT, LUT>(a, false)) {
          static int occ_nt2p[2][64][kMaxWarps + 1] = {};
          nwarps = wave_warps(kernel, dev, (int)(grid.x * grid.y), a.C, occ_nt2p[tiles == 4]);
        } else {
          nwarps = std::max(1, target_warps((int)grid.x));
        }
      }
      static const bool nt2p_debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
      if (nt2p_debug) {
        std::fprintf(stderr,
                     "anyprec NT2P: b=%d mt=%d fold=%d tiles=%d M=%d N16=%d C=%d warps=%d\n", B,
                     MT, FOLD, tiles, a.M, a.N16, a.C, std::min({nwarps, kMaxWarps, a.C}));
      }
    }
  }
  // WR where asked (ANYPREC_WR=2): the plain uniform register kernel at M >= 2 (not MC, X8, XB,
  // which returned above, M1 or XS) through the weight ring, its warps planned again where the
  // wave model plans.
  if constexpr (!LUT && MT <= 2) {
    if (wr_mode() == 2 && !mc && !nt2p && !m1 && !xs && pipe_warp_bytes == 0 && a.M >= 2) {
      kernel = fused_gemm_wr_kernel<T, B, MT, FOLD>;
      constexpr size_t kWrWarpBytes = (size_t)ANYPREC_WR_STAGES * B * 512;
      static const bool opted = opt_in_smem(kernel, kMaxWarps * kWrWarpBytes);
      if (!opted) return cudaErrorInvalidConfiguration;
      pipe_warp_bytes = kWrWarpBytes;
      if (forced <= 0 && use_wave_model<MT, LUT>(a, false)) {
        static int occ_wr[64][kMaxWarps + 1] = {};
        nwarps = wave_warps(kernel, dev, (int)(grid.x * grid.y), a.C, occ_wr, pipe_warp_bytes);
      }
      static const bool wr_debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
      if (wr_debug) {
        std::fprintf(stderr, "anyprec WR: b=%d mt=%d fold=%d M=%d N16=%d C=%d warps=%d\n", B, MT,
                     FOLD, a.M, a.N16, a.C, nwarps);
      }
    }
  }
  // Every rule and the override: at most the kernel's warps (kMaxWarps, or kRingWideWarps for
  // the wide ring: they size the reduction arrays and the rings' shared-memory opt-in) and at
  // most one warp per chunk.
  nwarps = std::min({nwarps, wide ? kRingWideWarps : kMaxWarps, a.C});
  static const bool ring_debug = env_int("ANYPREC_RING_DEBUG", 0) != 0;
  if (ring_debug && pipe_warp_bytes) {
    std::fprintf(stderr, "anyprec ring: b=%d lut=%d fold=%d wide=%d N16=%d C=%d warps=%d\n", B,
                 (int)LUT, FOLD, (int)wide, a.N16, a.C, nwarps);
  }
  static const bool mc_debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
  if (mc_debug && mc) {  // (MC3: MC with the weight ring, pipe_warp_bytes per warp)
    std::fprintf(stderr, "anyprec MC%s: b=%d fold=%d M=%d N16=%d C=%d warps=%d\n",
                 pipe_warp_bytes ? "3" : nt2 ? " NT2" : "", B, FOLD, a.M, a.N16, a.C, nwarps);
  }
  const size_t smem = xs ? xs_bytes : ptab + nwarps * pipe_warp_bytes;
  // LUT: not a grid that an early start would pack onto too few SMs (pdl_grid_ok). Uniform
  // grids keep PDL whatever their size: the rule cost them 6-12% at M = 1 and 4 on (4096, 4096)
  // and (4096, 6144) (H200, benchmarks/experiments/prefill_pdl/README.md).
  const bool pdl = pdl_enabled(dev, LUT) &&
                   (!LUT || pdl_grid_ok(reinterpret_cast<const void*>(kernel),
                                        (long long)grid.x * grid.y * grid.z, nwarps * 32, smem,
                                        dev));
  return launch_decode(kernel, pdl, grid, nwarps * 32, smem, stream,
                       static_cast<const T*>(a.x), a.qw, reinterpret_cast<const MetaWord<B>*>(a.meta),
                       static_cast<const T*>(a.lut), static_cast<T*>(a.y), a.M, a.N, a.K, a.C,
                       a.group_size);
}

template <typename T, int B, int MT, bool LUT>
cudaError_t launch_fused_t(const GemmArgs& a, cudaStream_t stream) {
  const size_t xs_bytes = (size_t)(a.M < 8 ? a.M : 8) * a.K * sizeof(T);
  const bool xs = MT == 1 && ANYPREC_XS && xs_wins<B, LUT>() && a.M == 1 &&
                  xs_bytes <= kXsMaxBytes && xs_enabled();
  dim3 grid(a.N16, (a.M + 8 * MT - 1) / (8 * MT));
  if constexpr (LUT) {
    return launch_fold<T, B, MT, LUT, 8>(a, grid, xs, xs_bytes, stream);
  } else {
    // Subchunks per fold: the whole chunk when groups span whole chunks (group sizes that are
    // multiples of 256, one group per row), the group itself for 32 / 64 / 128, else every
    // subchunk with a division (FOLD = 0: any other multiple of 32).
    const int gsub = a.group_size >> 5;
    if (gsub % 8 == 0) return launch_fold<T, B, MT, LUT, 8>(a, grid, xs, xs_bytes, stream);
    if (gsub == 4) return launch_fold<T, B, MT, LUT, 4>(a, grid, xs, xs_bytes, stream);
    if (gsub == 2) return launch_fold<T, B, MT, LUT, 2>(a, grid, xs, xs_bytes, stream);
    if (gsub == 1) return launch_fold<T, B, MT, LUT, 1>(a, grid, xs, xs_bytes, stream);
    return launch_fold<T, B, MT, LUT, 0>(a, grid, xs, xs_bytes, stream);
  }
}

template <int B>
cudaError_t launch_fused_bits(const GemmArgs& a, cudaStream_t stream) {
  const int mt = a.M <= 8 ? 1 : a.M <= 16 ? 2 : 4;
#define ANYPREC_LAUNCH(T, MT)                                                         \
  return a.lut_scheme ? launch_fused_t<T, B, MT, true>(a, stream)                     \
                      : launch_fused_t<T, B, MT, false>(a, stream)
  if (a.bf16) {
    if (mt == 1) ANYPREC_LAUNCH(__nv_bfloat16, 1);
    if (mt == 2) ANYPREC_LAUNCH(__nv_bfloat16, 2);
    ANYPREC_LAUNCH(__nv_bfloat16, 4);
  } else {
    if (mt == 1) ANYPREC_LAUNCH(__half, 1);
    if (mt == 2) ANYPREC_LAUNCH(__half, 2);
    ANYPREC_LAUNCH(__half, 4);
  }
#undef ANYPREC_LAUNCH
}

}  // namespace anyprec
