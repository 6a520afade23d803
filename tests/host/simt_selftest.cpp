// Checks of the SIMT emulator itself (simt.h), for tests/test_kernels_host.py: what the decode
// kernels' results cannot show, namely that the emulator exposes the mistakes it is there to
// catch. Each mode runs one small kernel and prints one line; the test reads it.
//   async    a cp.async read before its wait_group sees the old bytes, after it the copy
//   order    a thread reads a word that a later thread writes, without a barrier: the old value
//   barrier  the same read after __syncthreads: the new value
//   shfl     __shfl_sync / __shfl_xor_sync of every lane
//   deadlock a warp's lanes wait at different barriers: the emulator aborts (exit 3)
//   misalign a cp.async to an address not 16-byte aligned: the emulator aborts (exit 3)
#include "cuda_host_shims.h"
#include "simt.h"

#include <string>

namespace {

int g_out[64];

void async_kernel(const uint4* src) {
  uint4* stage = static_cast<uint4*>(simt::dynamic_smem());
  const int t = threadIdx.x;
  simt::cp_async(stage + t, src + t, 16);
  simt::cp_async_commit();
  g_out[t] = (int)stage[t].x;  // before the wait: the poison (0xA5A5A5A5)
  simt::cp_async_wait(0);
  g_out[32 + t] = (int)stage[t].x;
}

void order_kernel(bool sync) {
  __shared__ int word;
  if (threadIdx.x == 0) word = 0;
  __syncthreads();
  if (threadIdx.x == 31) word = 7;
  if (sync) __syncthreads();
  if (threadIdx.x == 0) g_out[0] = word;
}

void shfl_kernel() {
  const int lane = threadIdx.x & 31;
  g_out[lane] = __shfl_sync(0xFFFFFFFFu, lane * 3, (lane + 5) & 31);
  g_out[32 + lane] = __shfl_xor_sync(0xFFFFFFFFu, lane * 3, 6);
}

void deadlock_kernel() {
  if (threadIdx.x < 16)
    g_out[0] = __shfl_sync(0xFFFFFFFFu, 1, 0);
  else
    __syncthreads();
}

void misalign_kernel(const uint4* src) {
  char* stage = static_cast<char*>(simt::dynamic_smem());
  simt::cp_async(stage + 8, src, 16);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  alignas(16) static uint4 src[32];
  for (int i = 0; i < 32; ++i) src[i] = make_uint4(100 + i, 0, 0, 0);
  if (mode == "async") {
    simt::launch(async_kernel, dim3(1), dim3(32), 512, static_cast<const uint4*>(src));
    int before = 0, after = 0;
    for (int i = 0; i < 32; ++i) {
      before += g_out[i] == (int)0xA5A5A5A5u;
      after += g_out[32 + i] == 100 + i;
    }
    std::printf("async before=%d after=%d\n", before, after);
  } else if (mode == "order" || mode == "barrier") {
    simt::launch(order_kernel, dim3(1), dim3(32), 0, mode == "barrier");
    std::printf("%s word=%d\n", mode.c_str(), g_out[0]);
  } else if (mode == "shfl") {
    simt::launch(shfl_kernel, dim3(1), dim3(64), 0);
    int ok = 0;
    for (int l = 0; l < 32; ++l) ok += g_out[l] == ((l + 5) & 31) * 3 && g_out[32 + l] == (l ^ 6) * 3;
    std::printf("shfl ok=%d\n", ok);
  } else if (mode == "deadlock") {
    simt::launch(deadlock_kernel, dim3(1), dim3(32), 0);
    std::printf("deadlock not seen\n");
  } else if (mode == "misalign") {
    simt::launch(misalign_kernel, dim3(1), dim3(32), 64, static_cast<const uint4*>(src));
    std::printf("misalign not seen\n");
  } else {
    std::fprintf(stderr, "usage: simt_selftest async|order|barrier|shfl|deadlock|misalign\n");
    return 2;
  }
  return 0;
}
