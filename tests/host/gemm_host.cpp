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
// (host_driver.h: the runtime's answers, SIMT_SMS and SIMT_FIT.)
#include "cuda_host_shims.h"
// (the shims, the emulator and the runtime before the kernels: they call all three)
#include "host_driver.h"

#include "fused_gemm.cuh"

#ifndef SIMT_BITS
#error "build with -DSIMT_BITS=b"
#endif

int main(int argc, char** argv) {
  const auto v = host_driver::args(
      argc, argv, 10, "gemm_host BF16 LUT M N K C N16 GROUP_SIZE META_BYTES LUT_BYTES (inputs on "
      "stdin, y on stdout)");
  anyprec::GemmArgs a = host_driver::gemm_args(v, SIMT_BITS, v[8], v[9]);
  a.group_size = (int)v[7];
  const size_t ybytes = (size_t)a.M * a.N * 2;
  host_driver::log_launches();
  return host_driver::finish(anyprec::launch_fused_bits<SIMT_BITS>(a, nullptr), a.y, ybytes);
}
