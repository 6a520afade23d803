// Host-side launch planning for the decode kernels: warps per block (the warp target, the wave
// model), the run-time switches (ANYPREC_* environment variables, read once) and the launch
// helper. Part of fused_gemm.cuh.
#pragma once

#include "decode_kernels.cuh"

namespace anyprec {

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
// LN2 (fused_gemm_lutn2_kernel): ANYPREC_LUT_NT2=0 never (default), 2 wherever the LUT register
// kernel runs at M >= 2 on single-code tables (b <= 4, no pair tables; read once).
inline int lut_nt2_mode() {
  static const int mode = env_int("ANYPREC_LUT_NT2", 0);
  return mode;
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

}  // namespace anyprec
