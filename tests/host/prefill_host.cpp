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
// (the shims and the emulator before the kernels: they call both)
#include "simt.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <string>

#include "prefill_wgmma.cuh"

#ifndef SIMT_BITS
#error "build with -DSIMT_BITS=b"
#endif

// The CUDA runtime calls of the launchers, answered on the host (an sm_90 GPU of 132 SMs; the
// occupancy query only feeds the PDL rule, which the emulator ignores).
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int) {
  if (attr == cudaDevAttrComputeCapabilityMajor) *value = 9;
  else if (attr == cudaDevAttrComputeCapabilityMinor) *value = 0;
  else if (attr == cudaDevAttrMultiProcessorCount) *value = 132;
  else return cudaErrorInvalidValue;
  return cudaSuccess;
}
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* n, const void*, int, size_t) {
  *n = 1;
  return cudaSuccess;
}
cudaError_t cudaFuncSetAttribute(const void*, enum cudaFuncAttribute attr, int value) {
  if (attr == cudaFuncAttributeMaxDynamicSharedMemorySize && value > (int)simt::kDynBytes)
    return cudaErrorInvalidValue;
  return cudaSuccess;
}
template <typename T>
cudaError_t cudaFuncSetAttribute(T* f, enum cudaFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(f), attr, value);
}

namespace {

void* read_buf(size_t n) {
  void* p = std::aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0 ? 16 : 0));
  if (n && std::fread(p, 1, n, stdin) != n) {
    std::fprintf(stderr, "prefill_host: expected %zu more bytes on stdin\n", n);
    std::exit(2);
  }
  return p;
}

void log_launch(const void* kernel, dim3 grid, dim3 block, size_t smem) {
  Dl_info info{};
  std::string name = "?";
  if (dladdr(kernel, &info) && info.dli_sname) {
    int st = 0;
    char* d = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &st);
    name = st == 0 && d ? d : info.dli_sname;
    std::free(d);
  }
  std::fprintf(stderr, "simt launch: %s grid=(%u,%u,%u) block=%u smem=%zu\n", name.c_str(),
               grid.x, grid.y, grid.z, block.x, smem);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 15) {
    std::fprintf(stderr, "usage: prefill_host BF16 LUT M N K C N16 G GSHIFT TOKENS SPLIT_K "
                         "BLOCKS_PER_SM META_BYTES LUT_BYTES (inputs on stdin, y on stdout)\n");
    return 2;
  }
  long long v[14];
  for (int i = 0; i < 14; ++i) v[i] = std::atoll(argv[i + 1]);
  anyprec::GemmArgs a{};
  a.bf16 = v[0] != 0;
  a.lut_scheme = v[1] != 0;
  a.M = (int)v[2];
  a.N = (int)v[3];
  a.K = (int)v[4];
  a.C = (int)v[5];
  a.N16 = (int)v[6];
  a.bits = SIMT_BITS;
  const int G = (int)v[7], gshift = (int)v[8];
  anyprec::PrefillPlan plan{(int)v[9], (int)v[10], (int)v[11]};
  a.x = read_buf((size_t)a.M * a.K * 2);
  a.qw = static_cast<const uint4*>(read_buf((size_t)a.N16 * a.C * SIMT_BITS * 32 * 16));
  const void* meta = read_buf((size_t)v[12]);
  const void* lut = read_buf((size_t)v[13]);
  if (a.lut_scheme) a.lut = lut; else a.meta = meta;
  const size_t ybytes = (size_t)a.M * a.N * 2;
  void* y = std::aligned_alloc(16, (ybytes + 15) / 16 * 16);
  std::memset(y, 0xFF, ybytes);  // NaN in fp16 and bf16: an output never written fails the test
  a.y = y;
  // x's stage-tile images and, for split K without a cluster, the fp32 partial sums (ops.cpp)
  const int tiles = anyprec::prefill_x_tiles(a.M, plan);
  const size_t xp_bytes = (size_t)tiles * 4 * a.C * 16384;
  void* xp = std::aligned_alloc(1024, xp_bytes);
  std::memset(xp, 0xA5, xp_bytes);
  float* ws = nullptr;
  if (plan.split_k > 1 && !anyprec::prefill::uses_cluster(plan))
    ws = static_cast<float*>(std::calloc((size_t)plan.split_k * a.M * a.N, sizeof(float)));
  const char* log = std::getenv("SIMT_LOG");
  if (log && log[0] == '1') simt::ctx().on_launch = log_launch;
  cudaError_t e = anyprec::prefill::launch_permute(a, tiles, xp, nullptr);
  if (e == cudaSuccess)
    e = anyprec::prefill::launch_bits<SIMT_BITS>(a, plan, G, gshift, xp, ws, nullptr);
  if (e != cudaSuccess) {
    std::fprintf(stderr, "prefill_host: launch failed (cudaError %d)\n", (int)e);
    return 1;
  }
  std::fwrite(y, 1, ybytes, stdout);
  return 0;
}
