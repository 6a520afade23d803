// Host side of the prefill path: shared memory per block, PDL, clusters, and the launches of
// the x permute, the GEMM and the split-K reduction (launch_bits, one instance per
// prefill_wgmma_b<B>.cu). Part of prefill_wgmma.cuh.
#pragma once

#include "prefill_kernel.cuh"

namespace anyprec {
namespace prefill {

inline size_t smem_bytes(int bits, bool lut, int tok, bool lean) {
  // (The cluster reduction reuses the x buffers: 512 bytes per token, as many as they hold.)
  static_assert(red_smem_bytes(64) <= x_smem_bytes(64) && red_smem_bytes(128) <= x_smem_bytes(128)
                    && red_smem_bytes(256) <= x_smem_bytes(256),
                "the split-K partial sums must fit in the x buffers");
  if (reg_lut(lut, bits)) return x_smem_bytes(tok);  // tables in registers
  // 8 warp tables and one of alignment slack (lut_rep keeps this within kMaxSmem)
  return x_smem_bytes(tok) + (lut ? 9 * (size_t)lut_warp_bytes(bits, tok, lean) : 0);
}

// Programmatic dependent launch for the prefill path (permute_x_kernel -> prefill_kernel ->
// splitk_reduce_kernel, sm_90): each kernel may start while the one before it on the stream
// finishes. The prefill kernel issues its weight, metadata and table loads (and fills the LUT
// tables) before it waits for x's tile images, so its prologue overlaps the permute pass instead
// of following it; permute_x_kernel waits before it touches anything. ANYPREC_PREFILL_PDL (run
// time or build time): 2 = every kernel of the path (default), 1 = not permute_x_kernel (it then
// starts after the kernel before it has finished, as behind a kernel of the model that does not
// trigger its dependents: the benchmark's back-to-back GEMMs measured as in a forward pass),
// 0 = off.
#ifndef ANYPREC_PREFILL_PDL
#define ANYPREC_PREFILL_PDL 2
#endif
inline int prefill_pdl_mode() {
  static const int mode = env_int("ANYPREC_PREFILL_PDL", ANYPREC_PREFILL_PDL);
  return mode;
}


// Split K in two runs as a cluster of 2 blocks (reduced in distributed shared memory); more splits
// through the fp32 workspace. Measured on the H200 against the workspace, same forced grids
// (benchmarks/experiments/prefill_ws/README.md): clusters of 2 were faster in 93 of 96 cells
// (geometric mean 1.09x, 0.97-1.24x), clusters of 4 and 8 slower (0.89x / 0.80x, down to 0.56x):
// a cluster's blocks start together on one GPC, and with one block per SM the GPU holds fewer
// clusters of 4 or 8 at once than it holds blocks (pairs fill every SM).
// -DANYPREC_PREFILL_NO_CLUSTER: always the workspace (for A/B timings).
constexpr int kMaxClusterSplit = 2;
inline bool uses_cluster(const PrefillPlan& p) {
#ifdef ANYPREC_PREFILL_NO_CLUSTER
  return false;
#else
  return p.split_k > 1 && p.split_k <= kMaxClusterSplit;
#endif
}

template <typename T, int B, bool LUT, int TOK, bool LEAN = false>
cudaError_t launch_t(const GemmArgs& a, const PrefillPlan& p, int G, int gshift, const void* xp,
                     float* ws, cudaStream_t stream) {
  auto kernel = prefill_kernel<T, B, LUT, TOK, LEAN>;
  const size_t smem = smem_bytes(B, LUT, TOK, LEAN);
  cudaError_t e =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
  if (e != cudaSuccess) return e;
  const int cps = (a.C + p.split_k - 1) / p.split_k;
  const dim3 grid((a.N16 + 7) / 8, (a.M + TOK - 1) / TOK, p.split_k);
  const bool pdl = prefill_pdl_mode() != 0;
  const bool cluster = uses_cluster(p);
  const int dev = current_device();
  const long long blocks = (long long)grid.x * grid.y * grid.z;
  // (pdl_grid_ok: not a grid that an early start would pack onto too few SMs.)
  // ws = nullptr with gridDim.z > 1: the kernel reduces in the cluster.
  e = launch_ex(kernel, grid, 256, smem, cluster ? p.split_k : 1,
                pdl && pdl_grid_ok(reinterpret_cast<const void*>(kernel), blocks, 256, smem, dev),
                stream, static_cast<const uint8_t*>(xp), a.qw,
                reinterpret_cast<const MetaWord<B>*>(a.meta), static_cast<const T*>(a.lut),
                static_cast<T*>(a.y), p.split_k > 1 && !cluster ? ws : nullptr, a.M, a.N, a.K,
                a.C, a.N16, G, gshift, cps);
  if (e != cudaSuccess || p.split_k == 1 || cluster) return e;
  const long long mn = (long long)a.M * a.N;
  return launch_ex(splitk_reduce_kernel<T>, dim3((unsigned)((mn + 255) / 256)), 256, 0, 1, pdl,
                   stream, static_cast<const float*>(ws), static_cast<T*>(a.y), mn, p.split_k);
}

template <typename T, int B, bool LUT>
cudaError_t launch_tw(const GemmArgs& a, const PrefillPlan& p, int G, int gshift, const void* xp,
                      float* ws, cudaStream_t stream) {
  if (p.blocks_per_sm == 2) {  // the lean kernels (ops.cpp checks prefill_lean_ok before)
    if constexpr (prefill_lean_ok(LUT, B, 64)) {
      if (p.block_tokens == 64) {
        return launch_t<T, B, LUT, 64, true>(a, p, G, gshift, xp, ws, stream);
      }
    }
    return cudaErrorInvalidValue;
  }
  switch (p.block_tokens) {
    case 64: return launch_t<T, B, LUT, 64>(a, p, G, gshift, xp, ws, stream);
    case 256: return launch_t<T, B, LUT, 256>(a, p, G, gshift, xp, ws, stream);
    default: return launch_t<T, B, LUT, 128>(a, p, G, gshift, xp, ws, stream);
  }
}

template <int B>
cudaError_t launch_bits(const GemmArgs& a, const PrefillPlan& p, int G, int gshift,
                        const void* xp, float* ws, cudaStream_t stream) {
  if (a.bf16) {
    return a.lut_scheme ? launch_tw<__nv_bfloat16, B, true>(a, p, G, gshift, xp, ws, stream)
                        : launch_tw<__nv_bfloat16, B, false>(a, p, G, gshift, xp, ws, stream);
  }
  return a.lut_scheme ? launch_tw<__half, B, true>(a, p, G, gshift, xp, ws, stream)
                      : launch_tw<__half, B, false>(a, p, G, gshift, xp, ws, stream);
}

// x -> its stage-tile images in xp (tiles x 4C x 16 KB; tiles = ceil(M / 128) rounded up to the
// block's token tiles, the extra ones zero).
inline cudaError_t launch_permute(const GemmArgs& a, int tiles, void* xp, cudaStream_t stream) {
  const int S = 4 * a.C;
  const long long total = (long long)tiles * S * kTok * 8;
  const int threads = 256;
  return launch_ex(permute_x_kernel, dim3((unsigned)((total + threads - 1) / threads)), threads,
                   0, 1, prefill_pdl_mode() >= 2, stream, static_cast<const uint4*>(a.x),
                   static_cast<uint32_t*>(xp), a.M, a.K, S, total);
}

}  // namespace prefill
}  // namespace anyprec
