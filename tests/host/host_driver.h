// What the three emulator drivers (gemm_host.cpp, prefill_host.cpp, dequant_host.cpp) share:
// the CUDA runtime calls of the kernels' launchers answered on the host, stdin buffers, the
// launch log and the argument list. Include after simt.h, once per program.
#pragma once

#include <cxxabi.h>
#include <dlfcn.h>

#include <algorithm>
#include <string>
#include <vector>

#include "launch.h"
#include "simt.h"

namespace host_driver {
inline int env_or(const char* name, int dflt) {
  const char* v = std::getenv(name);
  return v && v[0] ? std::atoi(v) : dflt;
}
}  // namespace host_driver

// The runtime answers as an sm_90 GPU of SIMT_SMS SMs (default 132). Blocks per SM for the
// launch rules come from threads and shared memory only (SIMT_FIT overrides): registers are
// unknown here.
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int) {
  if (attr == cudaDevAttrComputeCapabilityMajor) *value = 9;
  else if (attr == cudaDevAttrComputeCapabilityMinor) *value = 0;
  else if (attr == cudaDevAttrMultiProcessorCount) *value = host_driver::env_or("SIMT_SMS", 132);
  else return cudaErrorInvalidValue;
  return cudaSuccess;
}
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* n, const void*, int threads,
                                                          size_t smem) {
  const int fit = host_driver::env_or("SIMT_FIT", 0);
  if (fit > 0) {
    *n = fit;
  } else {
    // 2048 threads and 228 KB of shared memory per SM (1 KB of it reserved per block)
    const int by_threads = 2048 / (threads > 0 ? threads : 1);
    const int by_smem = (int)(233472 / (smem + 1024));
    *n = std::min({by_threads, by_smem, 32});
  }
  return cudaSuccess;
}
cudaError_t cudaFuncSetAttribute(const void*, enum cudaFuncAttribute attr, int value) {
  if (attr == cudaFuncAttributeMaxDynamicSharedMemorySize && value > (int)simt::kDynBytes)
    return cudaErrorInvalidValue;
  return cudaSuccess;
}
cudaError_t cudaStreamIsCapturing(cudaStream_t, enum cudaStreamCaptureStatus* s) {
  *s = cudaStreamCaptureStatusNone;
  return cudaSuccess;
}
cudaError_t cudaMalloc(void** p, size_t size) {
  *p = std::calloc(1, size ? size : 1);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) {
  std::memset(p, v, n);
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
// The runtime's template overloads (cuda_runtime.h has them for nvcc only).
template <typename T>
cudaError_t cudaFuncSetAttribute(T* f, enum cudaFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(f), attr, value);
}
template <typename T>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* n, T* f, int threads,
                                                          size_t smem) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(n, reinterpret_cast<const void*>(f),
                                                       threads, smem);
}

namespace host_driver {

// argv[1..count] as integers; else the usage line and exit 2.
inline std::vector<long long> args(int argc, char** argv, int count, const char* usage) {
  if (argc != count + 1) {
    std::fprintf(stderr, "usage: %s\n", usage);
    std::exit(2);
  }
  std::vector<long long> v(count);
  for (int i = 0; i < count; ++i) v[i] = std::atoll(argv[i + 1]);
  return v;
}

// n bytes from stdin into a 16-byte aligned buffer of exactly n bytes where n is a multiple of
// 16 (x and the weights are), so that an AddressSanitizer build sees any read past the end
inline void* read_buf(size_t n) {
  void* p = std::aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0 ? 16 : 0));
  if (n && std::fread(p, 1, n, stdin) != n) {
    std::fprintf(stderr, "expected %zu more bytes on stdin\n", n);
    std::exit(2);
  }
  return p;
}

// An output buffer of n bytes filled with 0xFF (NaN in fp16 and bf16: a value the kernel never
// writes fails the test).
inline void* nan_buf(size_t n) {
  void* p = std::aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0 ? 16 : 0));
  std::memset(p, 0xFF, n);
  return p;
}

// The GEMM drivers' common arguments: v[0..6] = BF16 LUT M N K C N16; stdin: x [M, K], the
// tiled weights, meta_bytes of fold metadata, lut_bytes of tables; y filled with NaN.
inline anyprec::GemmArgs gemm_args(const std::vector<long long>& v, int bits, size_t meta_bytes,
                                   size_t lut_bytes) {
  anyprec::GemmArgs a{};
  a.bf16 = v[0] != 0;
  a.lut_scheme = v[1] != 0;
  a.M = (int)v[2];
  a.N = (int)v[3];
  a.K = (int)v[4];
  a.C = (int)v[5];
  a.N16 = (int)v[6];
  a.bits = bits;
  a.x = read_buf((size_t)a.M * a.K * 2);
  a.qw = static_cast<const uint4*>(read_buf((size_t)a.N16 * a.C * bits * 32 * 16));
  const void* meta = read_buf(meta_bytes);
  const void* lut = read_buf(lut_bytes);
  if (a.lut_scheme) a.lut = lut; else a.meta = meta;
  a.y = nan_buf((size_t)a.M * a.N * 2);
  return a;
}

// SIMT_LOG=1: one stderr line per launch, the kernel by its demangled name (-rdynamic).
inline void log_launch(const void* kernel, dim3 grid, dim3 block, size_t smem) {
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
inline void log_launches() {
  if (env_or("SIMT_LOG", 0)) simt::ctx().on_launch = log_launch;
}

// y to stdout, or the launch's error; exit status.
inline int finish(cudaError_t e, const void* out, size_t bytes) {
  if (e != cudaSuccess || simt::ctx().launches == 0) {
    std::fprintf(stderr, "launch failed (cudaError %d, %lld launches)\n", (int)e,
                 simt::ctx().launches);
    return 1;
  }
  std::fwrite(out, 1, bytes, stdout);
  return 0;
}

}  // namespace host_driver
