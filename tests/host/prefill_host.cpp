// The Hopper prefill GEMM of csrc/prefill_wgmma.cuh on the CPU through the SIMT emulator
// (simt.h: wgmma, mbarriers with bulk copies, thread block clusters): the permute pass and one
// launch_bits<SIMT_BITS> call on a forced plan, as the prefill op runs them with a grid given
// (prefill_uniform / prefill_lut with block_tokens and split_k). For
// tests/test_kernels_host.py, which checks y against reference.py.
//
// usage: prefill_host BF16 LUT M N K C N16 G GSHIFT TOKENS SPLIT_K BLOCKS_PER_SM META_BYTES
//        LUT_BYTES
//   stdin:  x [M, K] (16-bit, K a multiple of 8), the tiled weights [N16, C, b, 32] uint4,
//           META_BYTES of fold metadata (uniform), LUT_BYTES of tables (lut)
//   stdout: y [M, N] (16-bit); stderr: with SIMT_LOG=1, one line per launched kernel
#include "cuda_host_shims.h"
// (the shims, the emulator and the runtime before the kernels: they call all three)
#include "host_driver.h"

#include "prefill_wgmma.cuh"

#ifndef SIMT_BITS
#error "build with -DSIMT_BITS=b"
#endif

int main(int argc, char** argv) {
  const auto v = host_driver::args(
      argc, argv, 14, "prefill_host BF16 LUT M N K C N16 G GSHIFT TOKENS SPLIT_K BLOCKS_PER_SM "
      "META_BYTES LUT_BYTES (inputs on stdin, y on stdout)");
  const anyprec::GemmArgs a = host_driver::gemm_args(v, SIMT_BITS, v[12], v[13]);
  const int G = (int)v[7], gshift = (int)v[8];
  const anyprec::PrefillPlan plan{(int)v[9], (int)v[10], (int)v[11]};
  const size_t ybytes = (size_t)a.M * a.N * 2;
  // x's stage-tile images and, for split K without a cluster, the fp32 partial sums, as the
  // prefill op (ops.cpp prefill_run) allocates them
  const int tiles = anyprec::prefill_x_tiles(a.M, plan);
  const size_t xp_bytes = (size_t)tiles * 4 * a.C * 16384;
  void* xp = std::aligned_alloc(1024, xp_bytes);
  std::memset(xp, 0xA5, xp_bytes);
  float* ws = nullptr;
  if (plan.split_k > 1 && !anyprec::prefill::uses_cluster(plan))
    ws = static_cast<float*>(std::calloc((size_t)plan.split_k * a.M * a.N, sizeof(float)));
  host_driver::log_launches();
  cudaError_t e = anyprec::prefill::launch_permute(a, tiles, xp, nullptr);
  if (e == cudaSuccess)
    e = anyprec::prefill::launch_bits<SIMT_BITS>(a, plan, G, gshift, xp, ws, nullptr);
  return host_driver::finish(e, a.y, ybytes);
}
