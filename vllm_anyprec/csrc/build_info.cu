// What the kernels were compiled with, for the host code that nvcc's flags do not reach
// (ops.cpp is built by the C++ compiler without ANYPREC_NVCC_FLAGS).
#include "anyprec.cuh"

namespace anyprec {

namespace {
// Bit b set for each width b = 2..8 that has the property (a per-width build constant).
int width_mask(bool (*has)(int)) {
  int mask = 0;
  for (int b = 2; b <= 8; ++b) mask |= has(b) ? 1 << b : 0;
  return mask;
}
}  // namespace

int build_packed_mask() { return width_mask(packed_transposed); }

int build_meta16_mask() { return width_mask(meta16); }

int build_pack_runs() { return ANYPREC_PACK_RUNS ? 1 : 0; }

}  // namespace anyprec
