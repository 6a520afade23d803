// The decode kernels of csrc/fused_gemm.cuh on the CPU: g++ compiles them with the SIMT
// emulator (simt.h), and this driver runs one launch_fused_bits<SIMT_BITS> call, i.e. the
// kernel choice, its launch rules and the kernel itself, as the gemm op's fused path does on
// the GPU. tests/test_kernels_host.py prepares the inputs with the op's own Python code
// (cuda_layout.repack_tiled, uniform_meta) and checks the output against reference.py.
//
// usage: gemm_host BF16 LUT M N K C N16 GROUP_SIZE META_BYTES LUT_BYTES
//   stdin:  x [M, K] (16-bit, K a multiple of 8), the tiled weights [N16, C, b, 32] uint4,
//           META_BYTES of fold metadata (uniform), LUT_BYTES of tables (lut)
//   stdout: y [M, N] (16-bit); stderr: with SIMT_LOG=1, one line per launched kernel
// The runtime answers as an sm_90 GPU of SIMT_SMS SMs (default 132); blocks per SM for the
// launch rules come from threads and shared memory only (SIMT_FIT overrides), as registers are
// unknown here.
#include "cuda_host_shims.h"
// (the shims and the emulator before the kernels: they call both)
#include "simt.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <string>

// The CUDA runtime's template overloads (cuda_runtime.h has them for nvcc only).
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

#include "fused_gemm.cuh"

#ifndef SIMT_BITS
#error "build with -DSIMT_BITS=b"
#endif

namespace {
int env_or(const char* name, int dflt) {
  const char* v = std::getenv(name);
  return v && v[0] ? std::atoi(v) : dflt;
}
}  // namespace

// The CUDA runtime calls of the launchers (launch.h, fused_gemm.cuh), answered on the host.
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "error"; }
cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, enum cudaDeviceAttr attr, int) {
  if (attr == cudaDevAttrComputeCapabilityMajor) *value = 9;
  else if (attr == cudaDevAttrComputeCapabilityMinor) *value = 0;
  else if (attr == cudaDevAttrMultiProcessorCount) *value = env_or("SIMT_SMS", 132);
  else return cudaErrorInvalidValue;
  return cudaSuccess;
}
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* n, const void*, int threads,
                                                          size_t smem) {
  const int fit = env_or("SIMT_FIT", 0);
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

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: gemm_host BF16 LUT M N K C N16 GROUP_SIZE META_BYTES LUT_BYTES "
                       "(inputs on stdin, y on stdout)\n");
  std::exit(2);
}

// n bytes from stdin into a 16-byte aligned buffer of exactly n bytes where n is a multiple of
// 16 (x and the weights are), so that an AddressSanitizer build sees any read past the end
void* read_buf(size_t n) {
  void* p = std::aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0 ? 16 : 0));
  if (n && std::fread(p, 1, n, stdin) != n) {
    std::fprintf(stderr, "gemm_host: expected %zu more bytes on stdin\n", n);
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
  if (argc != 11) usage();
  int v[10];
  for (int i = 0; i < 10; ++i) v[i] = std::atoi(argv[i + 1]);
  anyprec::GemmArgs a{};
  a.bf16 = v[0] != 0;
  a.lut_scheme = v[1] != 0;
  a.M = v[2];
  a.N = v[3];
  a.K = v[4];
  a.C = v[5];
  a.N16 = v[6];
  a.group_size = v[7];
  a.bits = SIMT_BITS;
  if (a.M < 1 || a.N < 1 || a.K < 8 || a.K % 8 || a.C < 1 || a.N16 < 1) usage();
  a.x = read_buf((size_t)a.M * a.K * 2);
  a.qw = static_cast<const uint4*>(read_buf((size_t)a.N16 * a.C * SIMT_BITS * 32 * 16));
  const void* meta = read_buf((size_t)v[8]);
  const void* lut = read_buf((size_t)v[9]);
  if (a.lut_scheme) a.lut = lut; else a.meta = meta;
  const size_t ybytes = (size_t)a.M * a.N * 2;
  void* y = std::aligned_alloc(16, (ybytes + 15) / 16 * 16);
  std::memset(y, 0xFF, ybytes);  // NaN in fp16 and bf16: an output never written fails the test
  a.y = y;
  if (env_or("SIMT_LOG", 0)) simt::ctx().on_launch = log_launch;
  const cudaError_t e = anyprec::launch_fused_bits<SIMT_BITS>(a, nullptr);
  if (e != cudaSuccess) {
    std::fprintf(stderr, "gemm_host: launch failed (cudaError %d)\n", (int)e);
    return 1;
  }
  if (simt::ctx().launches == 0) {
    std::fprintf(stderr, "gemm_host: no kernel launched\n");
    return 1;
  }
  std::fwrite(y, 1, ybytes, stdout);
  return 0;
}
