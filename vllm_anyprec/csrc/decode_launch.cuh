// The decode op's launch: picks the kernel (XS, M1, MC / MR / NT2, NT2P, plain) and its warps
// per block, per bit width and dtype (launch_fused_bits, one instance per fused_gemm_b<B>.cu).
// Part of fused_gemm.cuh.
#pragma once

#include "decode_launch_variants.cuh"

namespace anyprec {

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
  // LUT's least warps per block under the warp target (why: there, below)
  const int lut_min_warps = ptab > 48 * 1024 || B == 8 ? 8 : 4;
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
    // b = 6 0.93-1.00x there, so those stay at 4. (lut_min_warps, above: LN2 takes it too.)
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
  // LN2 where asked (ANYPREC_LUT_NT2=2): the LUT register kernel with two n-tiles per block at
  // M >= 2 where it runs on single-code tables (not LP, XS, nor the pair tables), its warps
  // planned again for the fewer blocks (the wave model, or the warp target with lut_min_warps).
  if constexpr (LUT && MT <= 2 && B <= 4) {
    if (lut_nt2_mode() == 2 && !pairs && !xs && pipe_warp_bytes == 0 && a.M >= 2) {
      kernel = fused_gemm_lutn2_kernel<T, B, MT>;
      grid.x = (a.N16 + 1) / 2;
      if (forced <= 0) {
        if (use_wave_model<MT, LUT>(a, false)) {
          static int occ_ln2[64][kMaxWarps + 1] = {};
          nwarps = wave_warps(kernel, dev, (int)(grid.x * grid.y), a.C, occ_ln2);
        } else {
          nwarps = std::max(lut_min_warps, target_warps((int)grid.x));
        }
      }
      static const bool ln2_debug = env_int("ANYPREC_PT_DEBUG", 0) != 0;
      if (ln2_debug) {
        std::fprintf(stderr, "anyprec LN2: b=%d mt=%d M=%d N16=%d C=%d warps=%d\n", B, MT, a.M,
                     a.N16, a.C, std::min({nwarps, kMaxWarps, a.C}));
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
