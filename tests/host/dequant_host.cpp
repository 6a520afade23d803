// The dequantize kernel of csrc/dequant.cu (the gemm op's dense path) on the CPU through the
// SIMT emulator (simt.h): one launch_dequant call, for tests/test_kernels_host.py, which
// checks the output bit for bit against reference.py.
//
// usage: dequant_host BITS BF16 LUT N K C N16 G GROUP_SIZE
//   stdin:  the tiled weights [N16, C, BITS, 32] uint4; uniform: scales and zeros [N, G] fp16;
//           lut: the tables [N, 2^BITS] in the output dtype
//   stdout: the weights [N, K] (16-bit)
#include "cuda_host_shims.h"
// (the shims and the emulator before the kernels: they call both)
#include "simt.h"

#include "dequant.cu"

namespace anyprec {
// dequant.cu's launch_fused_gemm dispatches to these (fused_gemm_bB.cu on the device); the
// dense path's test does not call it.
template <int B>
cudaError_t launch_fused_bits(const GemmArgs&, cudaStream_t) {
  return cudaErrorNotSupported;
}
}  // namespace anyprec

namespace {
void* read_buf(size_t n) {
  void* p = std::aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0 ? 16 : 0));
  if (n && std::fread(p, 1, n, stdin) != n) {
    std::fprintf(stderr, "dequant_host: expected %zu more bytes on stdin\n", n);
    std::exit(2);
  }
  return p;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::fprintf(stderr, "usage: dequant_host BITS BF16 LUT N K C N16 G GROUP_SIZE (weights "
                         "and scales / zeros or tables on stdin, the weights on stdout)\n");
    return 2;
  }
  int v[9];
  for (int i = 0; i < 9; ++i) v[i] = std::atoi(argv[i + 1]);
  anyprec::DequantArgs a{};
  a.bits = v[0];
  a.bf16 = v[1] != 0;
  a.lut_scheme = v[2] != 0;
  a.N = v[3];
  a.K = v[4];
  a.C = v[5];
  a.N16 = v[6];
  a.G = v[7];
  a.group_size = v[8];
  a.qw = static_cast<const uint4*>(read_buf((size_t)a.N16 * a.C * a.bits * 32 * 16));
  if (a.lut_scheme) {
    a.lut = read_buf(((size_t)a.N << a.bits) * 2);
  } else {
    a.scales = static_cast<const __half*>(read_buf((size_t)a.N * a.G * 2));
    a.zeros = static_cast<const __half*>(read_buf((size_t)a.N * a.G * 2));
  }
  const size_t bytes = (size_t)a.N * a.K * 2;
  void* out = std::aligned_alloc(16, (bytes + 15) / 16 * 16);
  std::memset(out, 0xFF, bytes);  // NaN: a weight never written fails the comparison
  a.out = out;
  const cudaError_t e = anyprec::launch_dequant(a, nullptr);
  if (e != cudaSuccess || simt::ctx().launches == 0) {
    std::fprintf(stderr, "dequant_host: launch failed (cudaError %d)\n", (int)e);
    return 1;
  }
  std::fwrite(out, 1, bytes, stdout);
  return 0;
}
