// One file per bit width so that the build compiles the 12 instances of each b in parallel.
#include "fused_gemm.cuh"

namespace anyprec {
template cudaError_t launch_fused_bits<6>(const GemmArgs&, cudaStream_t);
}  // namespace anyprec
