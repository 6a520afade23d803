// The Hopper prefill kernel (prefill_wgmma.cuh): the dispatch over bit widths. Each width's
// kernels are compiled in prefill_wgmma_b<B>.cu, in parallel.
#include <atomic>

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
// The cluster capacity probe (prefill_cluster_capacity): occupies a share of an SM per block
// through its shared memory, does nothing.
__global__ void smem_share_per_block() {}
}  // namespace prefill

bool prefill_uses_cluster(const PrefillPlan& p) { return prefill::uses_cluster(p); }

int prefill_cluster_capacity(int split_k, int blocks_per_sm) {
  if (split_k < 2 || split_k > prefill::kMaxClusterSplit) return 0;
  if (blocks_per_sm < 1 || blocks_per_sm > 2) return 0;
  constexpr int kDevices = 64;
  // value + 1; 0: unknown
  static std::atomic<int> cache[kDevices][2][prefill::kMaxClusterSplit + 1];
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return 0;
  std::atomic<int>* slot = dev < kDevices ? &cache[dev][blocks_per_sm - 1][split_k] : nullptr;
  if (slot) {
    const int c = slot->load(std::memory_order_relaxed);
    if (c > 0) return c - 1;
  }
  // The prefill kernels run one block per SM (registers and shared memory), the lean ones two
  // (registers): an empty kernel with more than a half (a third) of an SM's shared memory per
  // block stands for them.
  auto kernel = prefill::smem_share_per_block;
  const size_t smem = prefill::kMaxSmem / (blocks_per_sm + 1) + 1024;
  // (A host-side computation, no stream work: callable while a graph is being captured. An
  // error is cleared, not cached: a sticky one shows up again at the next launch's check.)
  int n = 0;
  bool ok = false;
  if (cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem) ==
      cudaSuccess) {
    const LaunchConfig launch(dim3(1, 1, split_k), smem, split_k, nullptr);
    ok = cudaOccupancyMaxActiveClusters(&n, kernel, &launch.cfg) == cudaSuccess;
  }
  if (!ok) {
    (void)cudaGetLastError();
    return 0;
  }
  if (slot) slot->store(n + 1, std::memory_order_relaxed);
  return n;
}

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
