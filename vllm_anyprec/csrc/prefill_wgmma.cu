// The Hopper prefill kernel (prefill_wgmma.cuh): the dispatch over bit widths. Each width's
// kernels are compiled in prefill_wgmma_b<B>.cu, in parallel.
#include "prefill_wgmma.cuh"

namespace anyprec {
namespace prefill {
#define ANYPREC_PREFILL_EXTERN(B)                                                              \
  extern template cudaError_t launch_bits<B>(const GemmArgs&, const PrefillPlan&, int, int,   \
                                             const void*, float*, cudaStream_t);
ANYPREC_PREFILL_EXTERN(2)
ANYPREC_PREFILL_EXTERN(3)
ANYPREC_PREFILL_EXTERN(4)
ANYPREC_PREFILL_EXTERN(5)
ANYPREC_PREFILL_EXTERN(6)
ANYPREC_PREFILL_EXTERN(7)
ANYPREC_PREFILL_EXTERN(8)
#undef ANYPREC_PREFILL_EXTERN
}  // namespace prefill

cudaError_t launch_prefill(const GemmArgs& a, const PrefillPlan& p, int G, int gshift, void* xp,
                           float* ws, cudaStream_t stream) {
  const cudaError_t e = prefill::launch_permute(a, prefill_x_tiles(a.M, p), xp, stream);
  if (e != cudaSuccess) return e;
  switch (a.bits) {
    case 2: return prefill::launch_bits<2>(a, p, G, gshift, xp, ws, stream);
    case 3: return prefill::launch_bits<3>(a, p, G, gshift, xp, ws, stream);
    case 4: return prefill::launch_bits<4>(a, p, G, gshift, xp, ws, stream);
    case 5: return prefill::launch_bits<5>(a, p, G, gshift, xp, ws, stream);
    case 6: return prefill::launch_bits<6>(a, p, G, gshift, xp, ws, stream);
    case 7: return prefill::launch_bits<7>(a, p, G, gshift, xp, ws, stream);
    case 8: return prefill::launch_bits<8>(a, p, G, gshift, xp, ws, stream);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace anyprec
