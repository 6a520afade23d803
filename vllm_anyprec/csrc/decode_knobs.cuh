// The decode kernels' build-time knobs (ANYPREC_*: set through ANYPREC_NVCC_FLAGS for timing
// experiments; the defaults are the measured choices) and the compile-time rules that read them.
// Part of fused_gemm.cuh (see there for the decode path as a whole).
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

}  // namespace anyprec
