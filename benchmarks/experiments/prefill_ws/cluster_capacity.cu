// How many thread block clusters of 1..16 blocks an sm_90 GPU runs at once when each block takes
// a whole SM (the prefill kernel's case): cudaOccupancyMaxActiveClusters of an empty kernel with
// more than half of an SM's shared memory, configured as the prefill launcher does.
// Device, repository root:
//   nvcc -arch=sm_90a -std=c++17 -o /tmp/cc benchmarks/experiments/prefill_ws/cluster_capacity.cu
#include <cstdio>

#include "../../../vllm_anyprec/csrc/prefill_wgmma.cuh"

__global__ void one_block_per_sm() {}

int main() {
  const int smem = anyprec::prefill::kMaxSmem / 2 + 1024;  // one block per SM
  cudaFuncSetAttribute(one_block_per_sm, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
  cudaFuncSetAttribute(one_block_per_sm, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  printf("SMs %d\n", sms);
  for (int s = 1; s <= 16; ++s) {
    const anyprec::prefill::ClusterLaunch launch(dim3(1, 1, s), smem, s, nullptr);
    int n = 0;
    const cudaError_t e = cudaOccupancyMaxActiveClusters(&n, one_block_per_sm, &launch.cfg);
    printf("cluster %2d: %3d at once (%3d SMs busy) %s\n", s, n, n * s,
           e == cudaSuccess ? "" : cudaGetErrorString(e));
  }
  return 0;
}
