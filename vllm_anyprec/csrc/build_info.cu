// What the kernels were compiled with, for the host code that nvcc's flags do not reach
// (ops.cpp is built by the C++ compiler without ANYPREC_NVCC_FLAGS).
#include "anyprec.cuh"

namespace anyprec {

int build_packed_mask() {
  int mask = 0;
  for (int b = 2; b <= 8; ++b) mask |= packed_transposed(b) ? 1 << b : 0;
  return mask;
}

int build_meta16_mask() {
  int mask = 0;
  for (int b = 2; b <= 8; ++b) mask |= meta16(b) ? 1 << b : 0;
  return mask;
}

int build_pack_runs() { return ANYPREC_PACK_RUNS ? 1 : 0; }

}  // namespace anyprec
