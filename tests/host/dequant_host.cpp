// The dequantize kernel of csrc/dequant.cu (the gemm op's dense path) on the CPU through the
// SIMT emulator (simt.h): one launch_dequant call, for tests/test_kernels_host.py, which
// checks the output bit for bit against reference.py.
//
// usage: dequant_host BITS BF16 LUT N K C N16 G GROUP_SIZE
//   stdin:  the tiled weights [N16, C, BITS, 32] uint4; uniform: scales and zeros [N, G] fp16;
//           lut: the tables [N, 2^BITS] in the output dtype
//   stdout: the weights [N, K] (16-bit)
#include "cuda_host_shims.h"
// (the shims, the emulator and the runtime before the kernels: they call all three)
#include "host_driver.h"

#include "dequant.cu"

namespace anyprec {
// dequant.cu's launch_fused_gemm dispatches to these (fused_gemm_bB.cu on the device); the
// dense path's test does not call it.
template <int B>
cudaError_t launch_fused_bits(const GemmArgs&, cudaStream_t) {
  return cudaErrorNotSupported;
}
}  // namespace anyprec

int main(int argc, char** argv) {
  const auto v = host_driver::args(argc, argv, 9,
                                   "dequant_host BITS BF16 LUT N K C N16 G GROUP_SIZE (weights "
                                   "and scales / zeros or tables on stdin, weights on stdout)");
  anyprec::DequantArgs a{};
  a.bits = (int)v[0];
  a.bf16 = v[1] != 0;
  a.lut_scheme = v[2] != 0;
  a.N = (int)v[3];
  a.K = (int)v[4];
  a.C = (int)v[5];
  a.N16 = (int)v[6];
  a.G = (int)v[7];
  a.group_size = (int)v[8];
  a.qw = static_cast<const uint4*>(
      host_driver::read_buf((size_t)a.N16 * a.C * a.bits * 32 * 16));
  if (a.lut_scheme) {
    a.lut = host_driver::read_buf(((size_t)a.N << a.bits) * 2);
  } else {
    a.scales = static_cast<const __half*>(host_driver::read_buf((size_t)a.N * a.G * 2));
    a.zeros = static_cast<const __half*>(host_driver::read_buf((size_t)a.N * a.G * 2));
  }
  const size_t bytes = (size_t)a.N * a.K * 2;
  a.out = host_driver::nan_buf(bytes);
  return host_driver::finish(anyprec::launch_dequant(a, nullptr), a.out, bytes);
}
