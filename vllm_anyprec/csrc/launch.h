// Host-side interface of the anyprec kernels (plain C++: ops.cpp includes it without nvcc).
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <mutex>
#include <unordered_map>

namespace anyprec {

// Compute capability and SM count of a device, queried once per device for every launcher and
// op (they run on every layer). A failed query counts 132 SMs, so grid sizing never divides by 0.
struct DeviceInfo {
  int major = 0, minor = 0, sms = 0;
};
inline DeviceInfo device_info(int dev) {
  static std::mutex mu;
  static std::unordered_map<int, DeviceInfo> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(dev);
  if (it != cache.end()) return it->second;
  DeviceInfo d;
  cudaDeviceGetAttribute(&d.major, cudaDevAttrComputeCapabilityMajor, dev);
  cudaDeviceGetAttribute(&d.minor, cudaDevAttrComputeCapabilityMinor, dev);
  cudaDeviceGetAttribute(&d.sms, cudaDevAttrMultiProcessorCount, dev);
  if (d.sms <= 0) d.sms = 132;
  return cache[dev] = d;
}

// Host-side launchers (defined in the .cu files, called from ops.cpp). Pointers are raw so the
// kernels compile without torch headers. Return cudaGetLastError() of the launch.
struct GemmArgs {
  const void* x;       // [M, K] activations, row-major, K % 8 == 0, 16-byte aligned
  const uint4* qw;     // tiled bitplanes [N16, C, bits, 32] uint4
  const float* meta;   // uniform: [G, N16, 8, 4] (s, -s(z+C) of rows g, g+8); else null
  const void* lut;     // lut: [N, 2^bits] in the activation dtype; else null
  void* y;             // [M, N] output, row-major
  int M, N, K, C, N16;
  int group_size;      // uniform: k per group (>= C*256 for one group per row)
  int bits;
  bool bf16;
  bool lut_scheme;
};
cudaError_t launch_fused_gemm(const GemmArgs& a, cudaStream_t stream);

struct DequantArgs {
  const uint4* qw;
  const __half* scales;  // uniform: canonical [N, G] fp16
  const __half* zeros;
  const void* lut;       // lut: [N, 2^bits] in the output dtype
  void* out;             // [N, K] row-major
  int N, K, C, N16, G, group_size, bits;
  bool bf16;
  bool lut_scheme;
};
cudaError_t launch_dequant(const DequantArgs& a, cudaStream_t stream);

// Hopper prefill GEMM (prefill_wgmma.cuh, sm_90a only; the gemm ops' middle path). Uniform:
// a.meta as for the decode kernel, subchunk (32 k) j in group min(j >> gshift, G - 1). xp:
// workspace of prefill_x_tiles(M, plan) * 4C * 16 KB for x's stage tiles; ws: split_k > 1: an
// fp32 workspace of split_k * M * N (the partial sums), else unused.
struct PrefillPlan {
  int block_tokens;  // 128 or 256 tokens per block
  int split_k;       // blocks along K (1: none), each over ceil(C / split_k) chunks
};
inline int prefill_x_tiles(int M, const PrefillPlan& p) {
  const int per_block = p.block_tokens / 128;
  return (M + p.block_tokens - 1) / p.block_tokens * per_block;
}
cudaError_t launch_prefill(const GemmArgs& a, const PrefillPlan& p, int G, int gshift, void* xp,
                           float* ws, cudaStream_t stream);

}  // namespace anyprec
