// One file per bit width so that the build compiles the prefill kernels of each b in parallel.
#include "prefill_wgmma.cuh"

namespace anyprec {
namespace prefill {
template cudaError_t launch_bits<7>(const GemmArgs&, const PrefillPlan&, int, int, const void*,
                                     float*, cudaStream_t);
}  // namespace prefill
}  // namespace anyprec
