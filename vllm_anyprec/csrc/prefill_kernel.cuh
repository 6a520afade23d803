// The prefill GEMM kernel (prefill_kernel: decode into wgmma's A registers, x by bulk copies)
// and the split-K workspace's reduction. Part of prefill_wgmma.cuh.
#pragma once

#include "prefill_operands.cuh"

namespace anyprec {
namespace prefill {

// Sums the split-K partials ws[z][M][N] in z order into y (deterministic).
template <typename T>
__global__ void splitk_reduce_kernel(const float* __restrict__ ws, T* __restrict__ y,
                                     long long MN, int splits) {
  pdl_wait();  // ws: the prefill kernel's partial sums
  pdl_launch_dependents();
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= MN) return;
  float v = ws[i];
  for (int z = 1; z < splits; ++z) v += ws[(long long)z * MN + i];
  y[i] = from_float<T>(v);
}

// Lean kernels (LEAN: PrefillPlan::blocks_per_sm = 2, where prefill_lean_ok: 64-token blocks,
// uniform b <= 6 or LUT b = 7, 8): at most 128 registers, so that two blocks run per SM (4 warps
// per scheduler; ncu: one block gives 2, with 0.55 eligible).
// LUT b = 7, 8 (session 48, benchmarks/experiments/prefill_lut_lean/): their full 64-token
// kernels take 136 / 144 registers and 178 KB of shared memory (4 / 2 table copies), one block
// per SM, latency-bound (ncu at M = 64: 2 warps per scheduler, 0.31-0.34 eligible). The lean
// ones keep the interleaved schedule (no metadata registers to save), take half the table copies
// (lut_rep with kMaxSmemLean: 105 KB a block) and load the next chunk's planes into cur after
// its last decode (kOrder) instead of into a second set (32 registers at b = 8): 128 registers,
// no spills (capped without kOrder, b = 8 spills 96 bytes). They gain little: b = 7 2-3% on
// (4096, 28672), b = 8 nothing, for one copy less costs a shared-memory wavefront per lookup.
// A lean block alone on an SM is slower than a full one; two per SM win where the grid has more
// blocks than SMs ((4096, 28672) at M = 17..64; benchmarks/experiments/prefill_tok64/ and
// prefill_lean/). The plan (ops.cpp prefill_plan) weighs them. What makes the uniform ones fit:
// - the plain schedule (no second set of A fragments);
// - the metadata one stage ahead (two would spill).
// Capping the interleaved 64-token kernels at 128 registers instead spilled and ran 0.58x
// (uniform) / 0.86x (LUT).
// ncu (session 29, prefill_lean/) showed the lean kernels stalled 3.2 cycles per issued
// instruction on long scoreboard (0.76 with one block per SM). Two variants aimed at it lost
// and were removed; commit 551c467 has both as build flags (prefill_lean/README.md): the
// weights through a shared-memory ring of bulk copies (-DANYPREC_PREFILL_LEAN_RING=1,
// 0.88-0.91x) and an L2 prefetch of the metadata (-DANYPREC_PREFILL_LEAN_PF=D, 0.96-0.99x).
// The cause is ptxas's one scoreboard for every load of the loop: see kOrder.

template <typename T, int B, bool LUT, int TOK, bool LEAN = false>
__global__ void __launch_bounds__(256, LEAN ? 2 : 1)
    prefill_kernel(const uint8_t* __restrict__ xp, const uint4* __restrict__ qw,
                   const MetaWord<B>* __restrict__ meta, const T* __restrict__ lut,
                   T* __restrict__ y, float* __restrict__ ws, int M, int N, int K, int C, int N16,
                   int G, int gshift, int cps) {
  static_assert(!LEAN || prefill_lean_ok(LUT, B, TOK), "lean kernels: see prefill_lean_ok");
#if (defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)) || defined(ANYPREC_HOST_SIMT)
  // Timeline (timing experiment only, -DANYPREC_EXPERIMENT_TIMELINE; y then holds timestamps,
  // not results): thread 0 of each block notes clock64 and %globaltimer at five points (entry;
  // after the prologue's x copies are issued; after the first chunk; after the main loop's last
  // wgmma; the end) and writes them, its SM and its stage count to ((long long*)y)[16 L ..],
  // L = the block's linear index (benchmarks/experiments/prefill_sol/timeline.py reads them).
#ifdef ANYPREC_EXPERIMENT_TIMELINE
  constexpr bool kTimeline = true;
#else
  constexpr bool kTimeline = false;
#endif
  long long tl_clk[5] = {}, tl_glb[5] = {};
  auto mark = [&](int k) {
    if (kTimeline && threadIdx.x == 0) {
      long long g = 0;
#ifndef ANYPREC_HOST_SIMT
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g));
#endif
      tl_clk[k] = clock64();
      tl_glb[k] = g;
    }
  };
  auto dump = [&](int stages) {
    if (kTimeline && threadIdx.x == 0) {
      uint32_t sm = 0;
#ifndef ANYPREC_HOST_SIMT
      asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
#endif
      const long long L =
          ((long long)blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
      long long* out = reinterpret_cast<long long*>(y) + 16 * L;
#pragma unroll
      for (int k = 0; k < 5; ++k) {
        out[k] = tl_clk[k];
        out[5 + k] = tl_glb[k];
      }
      out[10] = sm;
      out[11] = stages;
    }
  };
  // (The results still go to y, except where the timestamps go: the same stores as usual.)
  auto tl_slot = [&](size_t e) {
    const size_t blocks = (size_t)gridDim.x * gridDim.y * gridDim.z;
    return kTimeline && e < blocks * 16 * sizeof(long long) / sizeof(T);
  };
  mark(0);
  ANYPREC_DYNAMIC_SMEM(uint8_t, smem_raw);
  // The swizzle pattern repeats every 1024 bytes: the stage buffers start 1024-aligned.
  uint8_t* smem = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(smem_raw) + 1023) &
                                             ~static_cast<uintptr_t>(1023));
  constexpr int kN = wg_n(TOK), TW = wg_count(TOK);  // wgmma N, wgmma per k16 step
  constexpr int kBufBytes = TOK * 128;  // one stage of x: TOK token rows of 64 k
  constexpr int kWgBytes = kN * 128;    // the rows of one wgmma
  const SmemDesc desc(smem_u32(smem));  // x buffer 0, k step 0
  // One "full" mbarrier per x buffer, after the x buffers; then the LUT tables.
  const uint32_t bars = smem_u32(smem + kBufs * kBufBytes);
  constexpr bool kRegLut = reg_lut(LUT, B);
  constexpr bool kLaneTab = LUT && !kRegLut;
  // kLaneTab: warp w's table at tab_base + w kWarpTab, aligned to its size so that a code's
  // offset 32 R c is or-ed into this lane's address of code 0 (lane_tab), not added.
  constexpr uint32_t kWarpTab = lut_warp_bytes(B, TOK, LEAN);
  constexpr int kRep = lut_rep(B, TOK, LEAN);
  constexpr int kTabShift = kRep == 4 ? 7 : kRep == 2 ? 6 : 5;  // code c at byte c << kTabShift
  const uint32_t tab_base = (bars + 8 * kBufs + kWarpTab - 1) & ~(kWarpTab - 1);

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int ntile = blockIdx.x * 8 + warp;
  const bool tile_ok = ntile < N16;
  const int m0 = blockIdx.y * TOK;
  const int S = C * 4;  // 64-k stages
  // This block's chunks [cb, ce) of K (all of them without split K).
  const int cb = blockIdx.z * cps, ce = min(C, cb + cps);

  const uint32_t lane_tab = tab_base + warp * kWarpTab + 4 * (kRep * g + (t & (kRep - 1)));
  if constexpr (kLaneTab) {
    // Item (warp tile wi, row gr, codes [kE cg, kE cg + kE)): one 16-byte load (8 at b = 2) of
    // rows gr and gr + 8 each, every packed word stored to its kRep copies at once. The loads
    // of a thread's items are unrolled, so their latency is paid about once.
    constexpr int kE = B >= 3 ? 8 : 4;
    constexpr int kItems = 64 * ((1 << B) / kE);
#pragma unroll
    for (int it = 0; it < (kItems + 255) / 256; ++it) {
      const int i = tid + 256 * it;
      if (i < kItems) {
        const int wi = (i >> 3) & 7, gr = i & 7, cg = i >> 6;
        const int r = blockIdx.x * kRows + 16 * wi + gr;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 lo = r < N ? load_bytes<2 * kE>(lut + ((size_t)r << B) + kE * cg) : zero;
        const uint4 hi =
            r + 8 < N ? load_bytes<2 * kE>(lut + ((size_t)(r + 8) << B) + kE * cg) : zero;
        const uint32_t base = tab_base + wi * kWarpTab + 4 * kRep * gr;
#pragma unroll
        for (int e = 0; e < kE; ++e) {
          const uint32_t v =
              __byte_perm(comp(lo, e >> 1), comp(hi, e >> 1), e & 1 ? 0x7632 : 0x5410);
          const uint32_t at = base + ((uint32_t)(kE * cg + e) << kTabShift);
          sts32_rep<kRep>(at, v);
        }
      }
    }
    __syncthreads();  // the decode of stage 0 looks up before the first stage's barrier
  }
  // kRegLut: rt[h] = row g's (h = 0) or g + 8's (h = 1) values as reg_lut_row packs them.
  uint32_t rt[kRegLut ? 2 : 1][4] = {};
  if constexpr (kRegLut) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int r = blockIdx.x * kRows + 16 * warp + g + 8 * h;
      const uint4 v = r < N ? load_bytes<2 << B>(lut + ((size_t)r << B)) : make_uint4(0, 0, 0, 0);
      reg_lut_row(v, rt[h]);
    }
  }

  // x: TW bulk copies of kWgBytes per stage (256 tokens: tiles 2 by, 2 by + 1, 16 KB each;
  // 64 tokens: the by-odd or -even half of tile by / 2, 8 KB from its row 64 (by % 2)), issued
  // by thread 0 two stages ahead into buffer st % 4. (Rows 64..127 of a tile image start
  // 1024-aligned: the same swizzle phase as rows 0..63.)
  const uint8_t* xtile = xp + (size_t)(m0 / kTok) * S * kStageBytes + (m0 % kTok) * 128;
  auto issue_x = [&](int st) {
    const uint32_t bar = bars + 8 * (st & (kBufs - 1));
    mbar_expect_tx(bar, kBufBytes);
#pragma unroll
    for (int h = 0; h < TW; ++h)
      bulk_copy(smem_u32(smem) + (st & (kBufs - 1)) * kBufBytes + h * kWgBytes,
                xtile + ((size_t)h * S + st) * kStageBytes, kWgBytes, bar);
  };
  if (tid == 0) {
#pragma unroll
    for (int b = 0; b < kBufs; ++b) mbar_init(bars + 8 * b, 1);
    mbar_init_fence();
  }
  __syncthreads();  // barriers initialised before anyone waits on them

  // Uniform: the decode kernel's metadata (cuda_layout.uniform_meta): per group and n-tile, lane
  // g's MetaWord of rows g and g + 8 (unpack_meta). Subchunk j (32 k) is in group
  // j >> gshift (group sizes 32 * 2^gshift; one group per row: gshift 31).
  const MetaWord<B>* meta_t = meta + (size_t)(tile_ok ? ntile : 0) * 8 + g;
  auto load_meta = [&](int sub, MetaWord<B>& v) {
    int gi = sub >> gshift;
    gi = gi < G - 1 ? gi : G - 1;
    v = __ldg(meta_t + (size_t)gi * N16 * 8);
  };
  // kOrder (below): the same with dep, 0 at run time, added to the address so that the load
  // issues after whatever computed dep.
  auto load_meta_after = [&](int sub, MetaWord<B>& v, uint32_t dep) {
    int gi = sub >> gshift;
    gi = gi < G - 1 ? gi : G - 1;
    v = __ldg(meta_t + (size_t)gi * N16 * 8 + dep);
  };

  // fp16, b <= 4: one fma per A register (codes as 1 + q / 2^B; see dq_stage) instead of two
  // (code + C - C, then s q - s z). Not for bf16 (8-bit mantissa: -s (2^B + z) would be rounded
  // by up to 2^(B - 7) s) or b > 4 (the error grows as 2^B).
  constexpr bool kOneFma = std::is_same_v<T, __half> && B <= 4 && !LUT;
  // kLaneTab: the table word of code j of subchunk s (at code_pos), shifted into place and or-ed
  // into lane_tab. Not volatile, so that ptxas may
  // schedule the loads; every address depends on weights loaded after the fill's barrier.
  auto lookup = [&](const uint32_t (&w)[8], int rh, int s, int j) -> uint32_t {
    int wi, bit;
    code_pos<B>(rh, s, j, wi, bit);
    const int sh = bit - kTabShift;
    const uint32_t moved = sh >= 0 ? w[wi] >> sh : w[wi] << -sh;
#ifdef ANYPREC_HOST_SIMT
    return lds32(and_or(moved, ((1u << B) - 1) << kTabShift, lane_tab));
#else
    uint32_t v;
    asm("ld.shared.b32 %0, [%1];"
        : "=r"(v)
        : "r"(and_or(moved, ((1u << B) - 1) << kTabShift, lane_tab)));
    return v;
#endif
  };
  // The decode of one stage in two parts, so that the interleaved schedule (kIlv) can put the
  // A fragments of k16 step j between the wgmma: dq_prep (the unit's codes and the metadata as
  // packed pairs) and dq_step (the 4 A registers of subchunk s, k16 step u).
  auto dq_prep = [&](const uint4 (&cw)[B], int unit, const MetaWord<B> (&mtw)[2],
                     uint32_t (&w)[8], uint32_t (&s2)[2][2], uint32_t (&m2)[2][2]) {
    decode_unit<B>(cw, unit, w);
#pragma unroll
    for (int s = 0; s < 2; ++s) {
      s2[s][0] = s2[s][1] = m2[s][0] = m2[s][1] = 0u;
      float4 mt_s = make_float4(0.f, 0.f, 0.f, 0.f);
      if constexpr (!LUT) mt_s = unpack_meta<T, B>(mtw[s]);
      if constexpr (kOneFma) {
        // A = (1 + q / 2^B) 2^B s - s (2^B + z): 2^B s is exact; -s (2^B + z) = -s (z + C) +
        // s (C - 2^B) in fp32, then rounded once more (|error| <= 2^(B - 10) s: about one
        // rounding of A, as with -s z in the two-step form).
        constexpr float kC = magic_c<T, B>(), kP = 1 << B;
        s2[s][0] = pack2<T>(kP * mt_s.x, kP * mt_s.x);
        s2[s][1] = pack2<T>(kP * mt_s.z, kP * mt_s.z);
        const float m_lo = fmaf(mt_s.x, kC - kP, mt_s.y);
        const float m_hi = fmaf(mt_s.z, kC - kP, mt_s.w);
        m2[s][0] = pack2<T>(m_lo, m_lo);
        m2[s][1] = pack2<T>(m_hi, m_hi);
      } else if constexpr (!LUT) {
        // A = s q - s z in T (one rounding); -s z = -s (z + C) + s C, exact enough in fp32.
        constexpr float kC = magic_c<T, B>();
        s2[s][0] = pack2<T>(mt_s.x, mt_s.x);
        s2[s][1] = pack2<T>(mt_s.z, mt_s.z);
        const float m_lo = fmaf(mt_s.x, kC, mt_s.y), m_hi = fmaf(mt_s.z, kC, mt_s.w);
        m2[s][0] = pack2<T>(m_lo, m_lo);
        m2[s][1] = pack2<T>(m_hi, m_hi);
      }
    }
  };
  auto dq_step = [&](const uint32_t (&w)[8], const uint32_t (&s2)[2][2],
                     const uint32_t (&m2)[2][2], int s, int u, uint32_t (&a)[4]) {
#pragma unroll
    for (int reg = 0; reg < 4; ++reg) {
      const int rh = reg & 1, hh = reg >> 1;
#ifdef ANYPREC_EXPERIMENT_NO_DQ
      // Timing experiment only (wrong results): one and-or per A register instead of the
      // decode, still fed by the loaded planes, to time the kernel's structure (loads, waits,
      // barriers, wgmma) without the decode's work. With -DANYPREC_EXPERIMENT_NO_W the planes
      // are register values too.
      a[reg] = and_or(w[2 * s + u] >> (4 * reg), 0x000F000Fu, 0x3C003C00u);
      continue;
#endif
      if constexpr (kRegLut) {
        // Register reg = rh + 2 hh takes nibbles 2 hh + rh (code j) and 2 hh + rh + 4 (j + 1)
        // of the step's word: the even nibbles are row g's, the odd ones row g + 8's. One
        // lookup of the row's 4 codes gives both of its registers (made at reg = rh).
        if (hh == 0) reg_lut_pairs(rt[rh], w[2 * s + u], rh, a[rh], a[rh + 2]);
      } else if constexpr (kLaneTab) {
        const int j = 4 * u + 2 * hh;
        a[reg] = __byte_perm(lookup(w, rh, s, j), lookup(w, rh, s, j + 1), rh ? 0x7632 : 0x5410);
      } else if constexpr (kOneFma) {
        // The B-bit code in nibble p = 2hh + rh of both halves moved to the top of the fp16
        // mantissa (bits 10 - B .. 9): 0x3C00 | q << (10 - B) is 1 + q / 2^B, and one fma
        // gives s (q - z).
        const uint32_t v = w[2 * s + u];
        const int shift = 10 - B - 4 * (2 * hh + rh);
        const uint32_t moved = shift >= 0 ? v << shift : v >> -shift;
        constexpr uint32_t kMask = ((1u << B) - 1) << (10 - B);
        a[reg] = fma2<T>(and_or(moved, kMask | kMask << 16, 0x3C003C00u), s2[s][rh], m2[s][rh]);
      } else {
        uint32_t q = code_pair<T, B>(w, rh, s, u, hh);
        constexpr float kC = magic_c<T, B>();
        if constexpr (kC != 0.f) {
          // code + C - C: exact (both are integers the dtype holds).
          q = fma2<T>(q, pack2<T>(1.f, 1.f), pack2<T>(-kC, -kC));
        }
        a[reg] = fma2<T>(q, s2[s][rh], m2[s][rh]);
      }
    }
  };
  auto dq_stage = [&](const uint4 (&cw)[B], int unit, const MetaWord<B> (&mtw)[2],
                      uint32_t (&a)[4][4]) {
    uint32_t w[8], s2[2][2], m2[2][2];
    dq_prep(cw, unit, mtw, w, s2, m2);
#pragma unroll
    for (int j = 0; j < 4; ++j) dq_step(w, s2, m2, j >> 1, j & 1, a[j]);
  };
  // A shared-memory store that never runs (M < 0 is impossible, but ptxas cannot know) of A
  // registers: ptxas otherwise sinks the decode between (or past) the wgmma that follow and
  // then serialises every wgmma of the kernel (warning C7513); no instruction moves past a
  // barrier or a wgmma with a store in front of it.
  auto anchor = [&](const uint32_t (&a)[4]) {
#ifndef ANYPREC_HOST_SIMT
    if (M < 0)
      asm volatile("st.shared.v4.b32 [%0], {%1, %2, %3, %4};" ::"r"(smem_u32(smem)), "r"(a[0]),
                   "r"(a[1]), "r"(a[2]), "r"(a[3])
                   : "memory");
#else
    (void)a;
#endif
  };

  float acc[TW][kN / 2];
#pragma unroll
  for (int h = 0; h < TW; ++h)
#pragma unroll
    for (int i = 0; i < kN / 2; ++i) acc[h][i] = 0.f;
  uint4 cur[B], nxt[B];
  const uint4* qbase = qw + (size_t)(tile_ok ? ntile : 0) * C * B * 32 + lane;
#pragma unroll
  for (int p = 0; p < B; ++p)
    cur[p] = tile_ok ? ld_stream(qbase + ((size_t)cb * B + p) * 32) : make_uint4(0, 0, 0, 0);
#pragma unroll
  for (int p = 0; p < B; ++p) nxt[p] = cur[p];

  // Metadata two stages ahead: loaded one stage ahead, the fma that converts it was the top
  // stall (ncu source counters, long scoreboard) of the 256-token kernel. One stage ahead for
  // b = 8 with 256 tokens and in the lean kernels, where the 8 more registers would spill.
  constexpr bool kMeta2 = !(TW == 2 && B == 8) && (!LEAN || LUT);  // (LUT: no metadata)
  // The interleaved schedule for 64- and 128-token blocks (stage_ilv; -DANYPREC_PREFILL_PLAIN:
  // the plain one, for A/B timings; the lean uniform 64-token kernels take the plain one too,
  // the lean LUT ones, without metadata registers, keep the interleaved one).
  // 256-token blocks keep the plain schedule: with their 128 accumulators the decoded unit held
  // across the stage spills (uniform) or runs 10% slower (LUT; benchmarks/experiments/
  // prefill_ilv/).
#ifdef ANYPREC_PREFILL_PLAIN
  constexpr bool kIlv = false;
#else
  constexpr bool kIlv = TW == 1 && (!LEAN || LUT);
#endif
  static_assert(!kIlv || kMeta2, "the interleaved schedule keeps the metadata two stages ahead");
  // Ordered loads (kOrder; uniform, the lean and the 256-token kernels): each stage first
  // decodes (the interleaved schedule: prepares the next stage's decode), then issues its loads
  // (later stages' metadata; after a chunk's last decode, the next chunk's planes straight into
  // cur), their addresses tied to the decode's output by a run-time zero (kZero). Why: ptxas
  // puts every global load of the loop on one scoreboard (SB5; prefill_lean/README.md, session
  // 29), and an instruction that waits on it waits for all of its loads. Issued before the
  // decode, the next metadata loads sat 2 instructions ahead of the first consumer of the
  // previous ones (the FFMA of dq_prep), which then waited for them: "one / two stages ahead"
  // became none (ncu, lean kernel: 82% of the long-scoreboard samples on that FFMA, 30% of all
  // samples). The metadata of stage st lives in slot st & 3 (a constant once a chunk's four
  // stages are unrolled) instead of rotating through mt_cur / mt_next / mt_next2, whose register
  // moves also wait for the latest loads.
  // Measured (H200, session 30, prefill_lean/next_order.sh: forced grids, uniform b = 3, 4, 8,
  // M = 32..1024, the four Llama-3-8B weights, both builds in one call): the lean 64-token grids
  // 1.11x faster (1.01-1.24x over 32 cells), 256-token blocks 1.05x (1.00-1.13x over 48); the
  // full 64- and 128-token kernels slower (0.94-0.95x; b = 3 0.86-0.91x), so they keep the
  // rotations. Why (ncu, session 31, prefill_lean/runs/s31_ncu_order): in the interleaved
  // schedule cur is reloaded in place after its last use, one stage before the next chunk's
  // first decode, where the rotations load nxt three stages ahead; long-scoreboard stalls
  // doubled (b = 3, 128 tokens: 0.67 -> 1.29 cycles per issued instruction). Ordered with a
  // second plane buffer instead (three stages ahead again; commit ca72731, =3) they were still
  // 0.96x (128 tokens: b = 3, 8 0.96-1.01x, b = 4 0.89-0.93x; 64 tokens: 0.94-0.99x;
  // prefill_lean/runs/s31_order_nxt).
  // -DANYPREC_PREFILL_ORDER_LOADS=0: never (the A/B's baseline); =2: every uniform kernel
  // (session 30's A/B build).
#ifndef ANYPREC_PREFILL_ORDER_LOADS
#define ANYPREC_PREFILL_ORDER_LOADS 1
#endif
  // The lean LUT kernels are ordered so that the next chunk's planes go into cur, not into a
  // second set (b = 8: 32 registers; see the lean kernels' comment).
  constexpr bool kOrder =
      ANYPREC_PREFILL_ORDER_LOADS != 0 &&
      (LUT ? LEAN : ANYPREC_PREFILL_ORDER_LOADS == 2 || LEAN || TOK == 256);
  const uint32_t kZero = M < 0 ? 0xffffffffu : 0u;  // (M >= 0: zero, unknown to the compiler)
  MetaWord<B> mtr[4][2] = {};
  if constexpr (kOrder && !LUT) {
    load_meta(8 * cb, mtr[0][0]);
    load_meta(8 * cb + 1, mtr[0][1]);
    if constexpr (kMeta2 || kIlv) {
      load_meta(8 * cb + 2, mtr[1][0]);
      load_meta(8 * cb + 3, mtr[1][1]);
    }
    if constexpr (kIlv) {
      load_meta(8 * cb + 4, mtr[2][0]);
      load_meta(8 * cb + 5, mtr[2][1]);
    }
  }
  // kOrder: chunk cn's planes (clamped to the range: past it, values nobody uses; a tile past
  // N16 reads tile 0's) into cur, unconditionally (a conditional load keeps the old values by
  // predicated moves, which wait for the load just issued).
  auto reload_cur = [&](int cn, uint32_t dep) {
    const int c2 = cn < ce ? cn : ce - 1;
#pragma unroll
    for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)c2 * B + p) * 32 + dep);
  };
  // (Value-initialised: the LUT kernels never set them, and the shared advance() reads them.)
  MetaWord<B> mt_cur[2] = {}, mt_next[2] = {}, mt_next2[2] = {};
  if constexpr (!LUT && !kOrder) {
    load_meta(8 * cb, mt_cur[0]);
    load_meta(8 * cb + 1, mt_cur[1]);
    if constexpr (kMeta2) {
      load_meta(8 * cb + 2, mt_next[0]);
      load_meta(8 * cb + 3, mt_next[1]);
    }
  }
  // At unit 0 of chunk c: the planes of chunk c + 1, three stages before they are decoded.
  auto load_next_chunk = [&](int c, int i) {
    if (i == 0 && c + 1 < ce && tile_ok) {
#pragma unroll
      for (int p = 0; p < B; ++p) nxt[p] = ld_stream(qbase + ((size_t)(c + 1) * B + p) * 32);
    }
  };
  // After unit i's decode: the next chunk's planes become current (after unit 3), and the
  // metadata moves one stage on.
  auto advance = [&](int i) {
    if (!kOrder && i == 3) {
#pragma unroll
      for (int p = 0; p < B; ++p) cur[p] = nxt[p];
    }
    if constexpr (!LUT && !kOrder) {
      mt_cur[0] = mt_next[0];
      mt_cur[1] = mt_next[1];
      if constexpr (kMeta2) {
        mt_next[0] = mt_next2[0];
        mt_next[1] = mt_next2[1];
      }
    }
  };
  // One stage (unit i of chunk c): decode this stage's A (its previous wgmma finished: waited
  // for in the stage before), wait for this stage's x tile, barrier (buffer (st + 2) % 4 free:
  // the wgmma of stage st - 2 finished in both warpgroups), issue the copy two stages ahead,
  // issue 4 wgmma, keep one stage in flight. i is a constant after inlining, so the unit, the
  // buffer and the chunk-edge work are resolved at compile time.
  auto stage = [&](int c, int i, uint32_t (&a)[4][4]) {
    const int st = 4 * c + i;
    if constexpr (kOrder) {
      dq_stage(cur, i, mtr[i & 3], a);
      const uint32_t dep = a[3][3] & kZero;
      if (i == 3) reload_cur(c + 1, dep);
      constexpr int kAhead = kMeta2 ? 2 : 1;
      if constexpr (!LUT) {
        load_meta_after(2 * (st + kAhead), mtr[(i + kAhead) & 3][0], dep);
        load_meta_after(2 * (st + kAhead) + 1, mtr[(i + kAhead) & 3][1], dep);
      }
    } else {
      load_next_chunk(c, i);
      if constexpr (!LUT) {
        if constexpr (kMeta2) {
          load_meta(2 * st + 4, mt_next2[0]);
          load_meta(2 * st + 5, mt_next2[1]);
        } else {
          load_meta(2 * st + 2, mt_next[0]);
          load_meta(2 * st + 3, mt_next[1]);
        }
      }
      dq_stage(cur, i, mt_cur, a);
    }
    // Anchor the A values before the barrier (see anchor).
#pragma unroll
    for (int q = 0; q < 4; ++q) anchor(a[q]);
    advance(i);
    mbar_wait(bars + 8 * i, (c - cb) & 1);  // buffer i's phase c - cb: the x of stage 4c + i
    __syncthreads();  // every wgmma of stage st - 2 done: its buffer may be refilled
    if (tid == 0 && st + 2 < 4 * ce) issue_x(st + 2);
    wgmma_fence();
#pragma unroll
    for (int step = 0; step < 4; ++step)
#pragma unroll
      for (int h = 0; h < TW; ++h)
        wgmma_step<T, kN>(acc[h], a[step], desc.at(i * kBufBytes + h * kWgBytes + step * 32));
    wgmma_commit();
    wgmma_wait<1>();
  };
  // Interleaved schedule (128-token blocks): stage st issues its 4 wgmma as 4 commit groups and
  // decodes stage st + 1's A fragment j right after its wgmma j, into the registers of stage
  // st - 1's fragment j (wait_group 4: that group and the 3 before it are done). The plain
  // schedule decodes all of stage st + 1 after the stage's last wgmma, which issues only once
  // the tensor pipe takes it, so the decode barely overlaps the wgmma: 5% slower (uniform, LUT
  // 3%; benchmarks/experiments/prefill_ilv/).
  auto stage_ilv = [&](int c, int i, const uint32_t (&a)[4][4], uint32_t (&an)[4][4]) {
    const int st = 4 * c + i;
    uint32_t w[8], s2[2][2], m2[2][2];
    if constexpr (kOrder) {
      // (cur holds the next chunk's planes from stage 4c + 2 on: reloaded after unit 3's prep.)
      dq_prep(cur, (i + 1) & 3, mtr[(i + 1) & 3], w, s2, m2);
      // (LUT: the prepared unit's last code word, m2 being unset there.)
      const uint32_t dep = (LUT ? w[B >= 5 ? 7 : 3] : m2[1][1]) & kZero;
      if (i == 2) reload_cur(c + 1, dep);
      if constexpr (!LUT) {
        load_meta_after(2 * st + 6, mtr[(i + 3) & 3][0], dep);  // stage st + 3
        load_meta_after(2 * st + 7, mtr[(i + 3) & 3][1], dep);
      }
    } else {
      load_next_chunk(c, i);
      if constexpr (!LUT) {
        load_meta(2 * st + 6, mt_next2[0]);  // stage st + 3
        load_meta(2 * st + 7, mt_next2[1]);
      }
      // Stage st + 1: unit i + 1 of this chunk, or unit 0 of the next (past the range: a
      // decode of values nobody uses).
      if (i == 3) {
        dq_prep(nxt, 0, mt_cur, w, s2, m2);
      } else {
        dq_prep(cur, i + 1, mt_cur, w, s2, m2);
      }
    }
    mbar_wait(bars + 8 * i, (c - cb) & 1);
    __syncthreads();  // every wgmma of stage st - 2 done (the waits of stage st - 1)
    if (tid == 0 && st + 2 < 4 * ce) issue_x(st + 2);
    wgmma_fence();
#pragma unroll
    for (int step = 0; step < 4; ++step) {
      // (The fence orders the previous step's A writes before this wgmma; ptxas would insert
      // it anyway, with an info message, C7519.)
      if (step > 0) wgmma_fence();
      wgmma_step<T, kN>(acc[0], a[step], desc.at(i * kBufBytes + step * 32));
      wgmma_commit();
      // stage st - 1's group `step` done: its A registers are free. (ANYPREC_EXPERIMENT_ILV_WAIT:
      // timing experiment only, a looser wait that lets the decode overwrite A registers a
      // wgmma may still read: wrong results; what a third A buffer could gain at most.)
#ifdef ANYPREC_EXPERIMENT_ILV_WAIT
      wgmma_wait<ANYPREC_EXPERIMENT_ILV_WAIT>();
#else
      wgmma_wait<4>();
#endif
      dq_step(w, s2, m2, step >> 1, step & 1, an[step]);
      anchor(an[step]);
    }
    advance(i);
  };
  // PDL (prefill_pdl_mode): everything above reads only the weights, their metadata and
  // tables, which no kernel of a forward pass writes, so it overlaps permute_x_kernel; x's tile
  // images (its output) are fetched after the wait. (y and ws are written at the end, after it
  // too.)
  pdl_wait();
  if (tid == 0) {
    issue_x(4 * cb);
    issue_x(4 * cb + 1);  // every chunk has 4 stages
  }
  mark(1);
  uint32_t a0[4][4], a1[4][4];
  if constexpr (kIlv) {
    // Prologue: stage 4 cb decoded; the metadata one stage further on (mt_cur: stage 4 cb + 1).
    MetaWord<B> mt0[2] = {mt_cur[0], mt_cur[1]};
    if constexpr (!LUT && !kOrder) {
      mt_cur[0] = mt_next[0];
      mt_cur[1] = mt_next[1];
      load_meta(8 * cb + 4, mt_next[0]);
      load_meta(8 * cb + 5, mt_next[1]);
    }
    if constexpr (kOrder) {
      dq_stage(cur, 0, mtr[0], a0);
    } else {
      dq_stage(cur, 0, mt0, a0);
    }
    for (int c = cb; c < ce; ++c) {
      stage_ilv(c, 0, a0, a1);
      stage_ilv(c, 1, a1, a0);
      stage_ilv(c, 2, a0, a1);
      stage_ilv(c, 3, a1, a0);
      if (kTimeline && c == cb) mark(2);
    }
  } else {
    for (int c = cb; c < ce; ++c) {
      stage(c, 0, a0);
      stage(c, 1, a1);
      stage(c, 2, a0);
      stage(c, 3, a1);
      if (kTimeline && c == cb) mark(2);
    }
  }
  wgmma_wait<0>();
  mark(3);
  pdl_launch_dependents();  // every load of this block is done: the next kernel may start

  // D fragment: acc[h][i] is row 16 warp + g + 8 ((i >> 1) & 1), token
  // kN h + 8 (i >> 2) + 2t + (i & 1).
  // Split K over a cluster (launched with cluster dims (1, 1, splits), no workspace): each block
  // puts its partial sums in its own shared memory (the x buffers, free once every wgmma is done),
  // then block z of the cluster sums tokens z, z + splits, ... over the cluster's blocks in z
  // order (the workspace path's order: the same result, bit for bit) and writes them. Against
  // the workspace (a write and a read of splits M N fp32 through L2 / DRAM and a second kernel)
  // the partials never leave the GPC.
  const int splits = gridDim.z;
  if (splits > 1 && ws == nullptr) {
    __syncthreads();  // every warp's wgmma done: nobody reads the x buffers any more
    float* red = reinterpret_cast<float*>(smem);
#pragma unroll
    for (int h = 0; h < TW; ++h)
#pragma unroll
      for (int i = 0; i < kN / 2; ++i)
        red[red_word(kN * h + 8 * (i >> 2) + 2 * t + (i & 1),
                     warp * 16 + g + 8 * ((i >> 1) & 1))] = acc[h][i];
    cluster_sync();  // every block's partial sums written and visible to the cluster
    const int z = blockIdx.z;  // = the cluster rank (cluster dims (1, 1, splits))
    const uint32_t red_base = smem_u32(red);
    if (ANYPREC_PREFILL_PULL16 && splits == 2) {
      // Item f: token z + 2 (f >> 5), rows 4 (f & 31) .. + 3 (16 contiguous bytes of red:
      // red_word's xor moves whole groups of 8). All kBatch items' loads (the own block's by
      // ld.shared, the partner's across the cluster) are issued before the first add. At most
      // the items per thread (4 for 64-token blocks: 8 would load 4 clamped repeats each).
      constexpr int items = TOK / 2 * 32;
      constexpr int kBatch = items / 256 < 8 ? items / 256 : 8;
      static_assert(items % (256 * kBatch) == 0, "whole batches for 256 threads");
      for (int f0 = tid; f0 < items; f0 += 256 * kBatch) {
        float4 own[kBatch], other[kBatch];
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
          const int f = min(f0 + 256 * j, items - 1);  // (past the end: a repeat, not stored)
          const uint32_t at = red_base + 4 * red_word(z + 2 * (f >> 5), 4 * (f & 31));
#ifdef ANYPREC_HOST_SIMT
          own[j] = *static_cast<const float4*>(simt::shared_ptr(at));
#else
          asm volatile("ld.shared.v4.f32 {%0, %1, %2, %3}, [%4];"
                       : "=f"(own[j].x), "=f"(own[j].y), "=f"(own[j].z), "=f"(own[j].w)
                       : "r"(at)
                       : "memory");
#endif
          other[j] = ld_cluster_f4(at, z ^ 1);
        }
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
          const int f = f0 + 256 * j;
          const int m = m0 + z + 2 * (f >> 5), n = blockIdx.x * kRows + 4 * (f & 31);
          if (f >= items || m >= M || n >= N || tl_slot((size_t)m * N + n)) continue;
          // rank 0's + rank 1's, as the loop below (a + b = b + a exactly)
          const float v[4] = {own[j].x + other[j].x, own[j].y + other[j].y,
                              own[j].z + other[j].z, own[j].w + other[j].w};
          T* out = y + (size_t)m * N + n;
          if ((N & 3) == 0 && (reinterpret_cast<uintptr_t>(y) & 7) == 0) {  // 8-byte aligned
            *reinterpret_cast<uint2*>(out) =
                make_uint2(pack2<T>(from_float<T>(v[0]), from_float<T>(v[1])),
                           pack2<T>(from_float<T>(v[2]), from_float<T>(v[3])));
          } else {
            for (int k = 0; k < 4 && n + k < N; ++k) out[k] = from_float<T>(v[k]);
          }
        }
      }
      cluster_sync();  // no block leaves while the other reads its shared memory
      mark(4);
      dump(4 * (ce - cb));
      return;
    }
    // Item f: token z + splits (f >> 6), rows 2 (f & 63) and 2 (f & 63) + 1; a warp writes 64
    // consecutive outputs of one token. kBatch items per thread at once, so that their
    // distributed-shared-memory loads (splits each) are in flight together.
    constexpr int kBatch = 8;
    const int items = (TOK - z + splits - 1) / splits * 64;
    for (int f0 = tid; f0 < items; f0 += 256 * kBatch) {
      float2 v[kBatch];
      uint32_t at[kBatch];
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const int f = min(f0 + 256 * j, items - 1);  // (past the end: a repeat, not stored)
        at[j] = red_base + 4 * red_word(z + splits * (f >> 6), 2 * (f & 63));
        v[j] = ld_cluster_f2(at[j], 0);
      }
      for (int q = 1; q < splits; ++q) {
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
          const float2 u = ld_cluster_f2(at[j], q);
          v[j].x += u.x;
          v[j].y += u.y;
        }
      }
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const int f = f0 + 256 * j;
        const int tok = z + splits * (f >> 6), r = 2 * (f & 63);
        const int m = m0 + tok, n = blockIdx.x * kRows + r;
        if (f >= items || m >= M || n >= N || tl_slot((size_t)m * N + n)) continue;
        T* out = y + (size_t)m * N + n;
        if ((N & 1) == 0) {  // n even: the pair is 4-byte aligned
          *reinterpret_cast<uint32_t*>(out) =
              pack2<T>(from_float<T>(v[j].x), from_float<T>(v[j].y));
        } else {
          out[0] = from_float<T>(v[j].x);
          if (n + 1 < N) out[1] = from_float<T>(v[j].y);
        }
      }
    }
    cluster_sync();  // no block leaves while the others read its shared memory
    mark(4);
    dump(4 * (ce - cb));
    return;
  }
  // No split, 256 tokens: the results through a shared-memory tile, [TOK tokens][128 rows] in
  // T (row r of token m at byte 256 m + 16 ((r >> 3) ^ (m & 7)) + 2 (r & 7): the 16-byte chunk
  // xor-ed by the token, so the 4 lanes t of a quad (tokens 2t + c) hit 4 different bank
  // quads), then 16-byte stores of whole 8-row chunks, a warp writing two tokens' 256
  // contiguous bytes each. Stored straight from the D fragments, a warp's 2-byte stores cover 4
  // pieces of 16 bytes: the epilogue took 3.71 µs of a 256-token block's 50 µs ((4096, 4096),
  // M = 1024; timeline build, benchmarks/experiments/prefill_sol/). Measured against that
  // (benchmarks/experiments/prefill_epilogue/, H200, forced 256 x 1 grids): uniform 1.035x
  // (1.00-1.17), LUT 1.017x (0.98-1.07). The 64- and 128-token kernels keep the direct stores:
  // with the tile, ptxas allocated their main loops differently and the uniform ones ran slower
  // (64 x 1 0.92x, b = 8 down to 0.77x; 128 x 1 0.98x), the LUT ones 1.02-1.03x faster.
  if (!kOldEpilogue && (TOK == 256 || (ANYPREC_PREFILL_STAGED_LUT && LUT)) && ws == nullptr) {
    __syncthreads();  // every warp's wgmma done: nobody reads the x buffers any more
    static_assert(TOK * 256 <= kBufs * 128 * TOK, "the output tile must fit in the x buffers");
    // (32-bit shared addresses: per thread 4 bases, for the token's parity and the row half,
    // plus constants; with generic pointers the 256-token kernels spilled.)
    const uint32_t tile = smem_u32(smem);
#pragma unroll
    for (int h = 0; h < TW; ++h)
#pragma unroll
      for (int i = 0; i < kN / 2; ++i) {
        const int tok = kN * h + 8 * (i >> 2) + 2 * t + (i & 1);
        const int r = warp * 16 + g + 8 * ((i >> 1) & 1);
        const T v = from_float<T>(acc[h][i]);
        const uint32_t at = tile + 256 * tok + 16 * ((r >> 3) ^ (tok & 7)) + 2 * (r & 7);
        const uint16_t bits = *reinterpret_cast<const uint16_t*>(&v);
#ifdef ANYPREC_HOST_SIMT
        *static_cast<uint16_t*>(simt::shared_ptr(at)) = bits;
#else
        asm volatile("st.shared.b16 [%0], %1;" ::"r"(at), "h"(bits) : "memory");
#endif
      }
    __syncthreads();
    // every chunk's first output 16-byte aligned
    const bool vec = (N & 7) == 0 && (reinterpret_cast<uintptr_t>(y) & 15) == 0;
    for (int c = tid; c < TOK * 16; c += 256) {
      const int tok = c >> 4, ch = c & 15;
      const int m = m0 + tok, n = blockIdx.x * kRows + 8 * ch;
      if (m >= M || n >= N || tl_slot((size_t)m * N + n)) continue;
      const uint4 v = *reinterpret_cast<const uint4*>(smem + 256 * tok + 16 * (ch ^ (tok & 7)));
      T* out = y + (size_t)m * N + n;
      if (vec) {
        *reinterpret_cast<uint4*>(out) = v;
      } else {
        const T* e = reinterpret_cast<const T*>(&v);
        for (int k = 0; k < 8 && n + k < N; ++k) out[k] = e[k];
      }
    }
    mark(4);
    dump(4 * (ce - cb));
    return;
  }
  // Split K without a cluster (more splits than a cluster holds): fp32 partials into ws[z],
  // summed afterwards by splitk_reduce_kernel. No split (64- and 128-token blocks): the results
  // straight from the D fragments.
  float* wsz = ws ? ws + (size_t)blockIdx.z * M * N : nullptr;
#pragma unroll
  for (int h = 0; h < TW; ++h)
#pragma unroll
    for (int i = 0; i < kN / 2; ++i) {
      const int n = blockIdx.x * kRows + warp * 16 + g + 8 * ((i >> 1) & 1);
      const int m = m0 + kN * h + 8 * (i >> 2) + 2 * t + (i & 1);
      if (n < N && m < M && !tl_slot((size_t)m * N + n)) {
        if (wsz) {
          wsz[(size_t)m * N + n] = acc[h][i];
        } else {
          y[(size_t)m * N + n] = from_float<T>(acc[h][i]);
        }
      }
    }
  mark(4);
  dump(4 * (ce - cb));  // (with a workspace, splitk_reduce_kernel overwrites y: no timeline)
#else
  __trap();  // built for another architecture: the launcher refuses before this is reached
#endif
}

}  // namespace prefill
}  // namespace anyprec
