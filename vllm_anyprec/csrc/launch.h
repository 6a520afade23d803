// Host-side interface of the anyprec kernels (plain C++: ops.cpp includes it without nvcc).
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

namespace anyprec {

// Bit b set: the kernels read b-bit tiled words packed-transposed (packed_transposed in
// anyprec.cuh). Defined in build_info.cu, i.e. compiled by nvcc with the kernels' flags
// (ANYPREC_NVCC_FLAGS do not reach this header's plain C++ users).
int build_packed_mask();
int build_meta16_mask();  // bit b: b-bit fold metadata in float16 (ANYPREC_META16_BITS), else fp32
int build_pack_runs();  // 1: b >= 5 packed words keep their upper outputs in runs (ANYPREC_PACK_RUNS)

// An integer from the environment, read where a launch rule is set up (timing experiments
// override the build-time choices without a rebuild); dflt when unset or empty. Base 0, so
// the width masks read as hex too (ANYPREC_LUT_PIPE_BITS=0x10).
inline int env_int(const char* name, int dflt) {
  const char* v = std::getenv(name);
  return v && v[0] ? (int)std::strtol(v, nullptr, 0) : dflt;
}

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

// The current device, clamped to the caches' 64 slots.
inline int current_device() {
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) return 0;
  return dev;
}

// Resident blocks per SM of kernel with `threads` threads and `smem` bytes of dynamic shared
// memory, queried once into the caller's cache slot (0: not asked yet; -1: the query failed).
template <typename Kern>
int resident_blocks(Kern kernel, int threads, size_t smem, int& slot) {
  if (slot == 0) {
    int n = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, kernel, threads, smem) != cudaSuccess) {
      cudaGetLastError();  // a failed query leaves no error behind for the launch
      n = 0;
    }
    slot = n < 1 ? -1 : n;
  }
  return slot;
}

// A launch of `grid` (threads per block, smem bytes of dynamic shared memory, on stream) for
// cudaLaunchKernelEx, optionally as thread block clusters of (1, 1, splits) (the prefill
// kernel's K splits; splits <= 1: no cluster) and with a programmatic dependency on the kernel
// before it (pdl; see pdl_grid_ok).
// (cfg points at attr: use it where it was made.)
struct LaunchConfig {
  cudaLaunchAttribute attr[2];
  cudaLaunchConfig_t cfg;
  LaunchConfig(dim3 grid, size_t smem, int splits, cudaStream_t stream, bool pdl = false,
               int threads = 256)
      : attr{}, cfg{} {
    int n = 0;
    if (splits > 1) {
      attr[n].id = cudaLaunchAttributeClusterDimension;
      attr[n].val.clusterDim.x = 1;
      attr[n].val.clusterDim.y = 1;
      attr[n].val.clusterDim.z = splits;
      ++n;
    }
    if (pdl) {
      attr[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
      attr[n].val.programmaticStreamSerializationAllowed = 1;
      ++n;
    }
    cfg.gridDim = grid;
    cfg.blockDim = dim3(threads);
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cfg.attrs = attr;
    cfg.numAttrs = n;
  }
  LaunchConfig(const LaunchConfig&) = delete;
};

// Whether a grid of `blocks` blocks may launch programmatically (PDL: its blocks start while the
// kernel before it on the stream finishes) without losing SMs. Such a grid starts while the
// previous one still holds SMs, and its blocks were then packed as many to an SM as fit, with
// other SMs idle: a prefill grid of 128 blocks fitting two per SM (LUT b = 4, 64 tokens) took
// 33.5 -> 45.0 µs on the H200's 132 SMs (benchmarks/experiments/prefill_pdl/README.md). With
// more than (fit - 1) x SMs blocks the busiest SM runs `fit` blocks packed or spread, so those
// grids (and kernels of one block per SM) launch programmatically; the others in stream order.
// ANYPREC_PDL_RULE=0 (run time): programmatic whatever the grid (for A/B timings).
// (The launchers pick among kernels at run time, so resident_blocks' cache slot is keyed here by
// kernel, shape and device; a failed query counts 2 blocks per SM: small grids stay in order.)
inline bool pdl_grid_ok(const void* kernel, long long blocks, int threads, size_t smem, int dev) {
  static const int rule = env_int("ANYPREC_PDL_RULE", 1);
  if (rule == 0) return true;
  static std::mutex mu;
  static std::map<std::tuple<const void*, int, size_t, int>, int> slots;
  int fit;
  {
    const std::lock_guard<std::mutex> lock(mu);
    int& slot = slots[std::make_tuple(kernel, threads, smem, dev)];
    fit = resident_blocks(kernel, threads, smem, slot);
  }
  if (fit < 0) fit = 2;
  return fit <= 1 || blocks > (long long)(fit - 1) * device_info(dev).sms;
}

// Stream-K decode at M = 1 (fused_gemm_m1sk_kernel): every warp takes q consecutive chunks of
// the (n-tile, chunk) sequence, so a tile may be split over a few warps. Each of those leaves its
// 16 partial sums in slots[warp][0 or 1] (its first or last tile) and counts itself in cnt[tile];
// the last to arrive adds the slots in warp order (deterministic), writes y and sets cnt[tile]
// back to 0, so the counters are all zero between launches.
struct SkWork {
  float* slots = nullptr;  // [warps][2][16] fp32
  int* cnt = nullptr;      // [N16] int32, zero between launches
  int q = 0;               // chunks per warp (PT: n-tiles per block if contiguous, else 0)
  int n16 = 0;             // n-tiles
};

// The stream-K workspace of a device: one per device for the whole process (the kernels of a
// stream run one after another, so they share it; two streams running M = 1 anyprec GEMMs at
// once would not, and vLLM runs a model's layers on one stream). Allocated and zeroed on first
// use outside a CUDA graph capture (cudaMalloc is not capturable), sized for `warps` warps and
// `n16` tiles, regrown (outside a capture) if a launch needs more; the old buffers are kept, as
// a launch in flight may use them. Returns false when it cannot serve the launch (then the
// caller takes another kernel): during a capture before any eager call, or on an error.
inline bool sk_workspace(int dev, cudaStream_t stream, int warps, int n16, SkWork& w) {
  struct Buf {
    float* slots = nullptr;
    int* cnt = nullptr;
    size_t nslots = 0, ncnt = 0;
  };
  static std::mutex mu;
  static std::unordered_map<int, Buf> bufs;
  const std::lock_guard<std::mutex> lock(mu);
  Buf& b = bufs[dev];
  const size_t need_s = (size_t)warps * 32, need_c = (size_t)n16;
  if (b.nslots < need_s || b.ncnt < need_c) {
    cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(stream, &st) != cudaSuccess || st != cudaStreamCaptureStatusNone) {
      cudaGetLastError();
      return false;
    }
    // Room for 64 warps per SM (the most an SM holds) and 16 Ki tiles (N = 256 Ki) up front, so
    // that regrowing is rare.
    const size_t ns = std::max(need_s, (size_t)device_info(dev).sms * 64 * 32);
    const size_t nc = std::max(need_c, (size_t)16384);
    Buf nb;
    if (cudaMalloc(&nb.slots, ns * sizeof(float)) != cudaSuccess ||
        cudaMalloc(&nb.cnt, nc * sizeof(int)) != cudaSuccess ||
        cudaMemsetAsync(nb.cnt, 0, nc * sizeof(int), stream) != cudaSuccess ||
        cudaStreamSynchronize(stream) != cudaSuccess) {
      cudaGetLastError();
      if (nb.slots) cudaFree(nb.slots);
      if (nb.cnt) cudaFree(nb.cnt);
      return false;
    }
    nb.nslots = ns;
    nb.ncnt = nc;
    b = nb;
  }
  w.slots = b.slots;
  w.cnt = b.cnt;
  return true;
}

// Host-side launchers (defined in the .cu files, called from ops.cpp). Pointers are raw so the
// kernels compile without torch headers. Return cudaGetLastError() of the launch.
struct GemmArgs {
  const void* x;       // [M, K] activations, row-major, K % 8 == 0, 16-byte aligned
  const uint4* qw;     // tiled bitplanes [N16, C, bits, 32] uint4
  const void* meta;    // uniform: [G, N16, 8, 4] MetaWord (anyprec.cuh); else null
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
// workspace of prefill_x_tiles(M, plan) * 4C * 16 KB for x's stage tiles; ws: split_k > 1 and no
// cluster (prefill_uses_cluster): an fp32 workspace of split_k * M * N (the partial sums), else
// unused.
struct PrefillPlan {
  int block_tokens;       // 64, 128 or 256 tokens per block
  int split_k;            // blocks along K (1: none), each over ceil(C / split_k) chunks
  int blocks_per_sm = 1;  // 2: the lean kernels (prefill_lean_ok), two blocks per SM
};
// Where the lean kernels exist: 64-token blocks, uniform b <= 6 or LUT b >= 7 (registers and
// shared memory: prefill_wgmma.cuh; the full LUT 64-token kernels of b <= 6 already run two
// blocks per SM).
constexpr bool prefill_lean_ok(bool lut, int bits, int block_tokens) {
  return block_tokens == 64 && (lut ? bits >= 7 : bits <= 6);
}
// x's 128-token tile images: a 256-token block reads two, a 64-token block half of one.
inline int prefill_x_tiles(int M, const PrefillPlan& p) {
  const int span = p.block_tokens > 128 ? p.block_tokens : 128;
  return (M + span - 1) / span * (span / 128);
}
cudaError_t launch_prefill(const GemmArgs& a, const PrefillPlan& p, int G, int gshift, void* xp,
                           float* ws, cudaStream_t stream);
// Whether plan p reduces its split K in a thread block cluster (then ws is unused: pass null).
bool prefill_uses_cluster(const PrefillPlan& p);
// How many clusters of split_k prefill blocks the current GPU runs at once (blocks_per_sm
// blocks per SM, 1 or 2; a cluster's blocks start together on one GPC): the plan's clusters per
// wave. 0 where none fits or the query failed. Cached per device.
int prefill_cluster_capacity(int split_k, int blocks_per_sm = 1);

}  // namespace anyprec
