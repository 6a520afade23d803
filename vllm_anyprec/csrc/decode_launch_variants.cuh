// The launches of the decode variants that replace the register kernel where their rules take
// them: stream-K (SK), persistent tiles (PT), the LUT ring (LP) and pair tables, X8 and XB.
// Each returns false when its rule does not take the call. Part of fused_gemm.cuh.
#pragma once

#include "decode_plan.cuh"

namespace anyprec {

// Launches the stream-K kernel when its rule (ANYPREC_DECODE_SK, decode_plan.cuh) takes it and
// its workspace is there (err: the launch's error); false: not launched, the caller picks
// another kernel.
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

}  // namespace anyprec
