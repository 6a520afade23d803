// How many thread block clusters of 1..8 blocks an sm_90 GPU runs at once when each block takes
// a whole SM (the prefill kernel's case): cudaOccupancyMaxActiveClusters of an empty kernel with
// more than half of an SM's shared memory. Device: nvcc -arch=sm_90a -o /tmp/cc cluster_capacity.cu
#include <cstdio>

__global__ void one_block_per_sm() {}

int main() {
  const int smem = 232448 / 2 + 1024;
  cudaFuncSetAttribute(one_block_per_sm, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
  cudaFuncSetAttribute(one_block_per_sm, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  printf("SMs %d\n", sms);
  for (int s = 1; s <= 16; ++s) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(1, 1, s);
    cfg.blockDim = dim3(256);
    cfg.dynamicSmemBytes = smem;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = 1;
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = s;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    int n = 0;
    const cudaError_t e = cudaOccupancyMaxActiveClusters(&n, one_block_per_sm, &cfg);
    printf("cluster %2d: %3d at once (%3d SMs busy) %s\n", s, n, n * s,
           e == cudaSuccess ? "" : cudaGetErrorString(e));
  }
  return 0;
}
