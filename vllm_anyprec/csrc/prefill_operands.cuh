// wgmma and its operands: fence / commit / wait, the swizzled shared-memory descriptor of B (x),
// the register-A wgmma, packed pair arithmetic, the codes as A values, and permute_x_kernel
// (x as its stage tiles' shared-memory images). Part of prefill_wgmma.cuh.
#pragma once

#include "prefill_smem.cuh"

namespace anyprec {
namespace prefill {

// (The CPU tests' emulator runs each wgmma at once: these have nothing to order there.)
__device__ __forceinline__ void wgmma_fence() {
#ifndef ANYPREC_HOST_SIMT
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#endif
}
__device__ __forceinline__ void wgmma_commit() {
#ifndef ANYPREC_HOST_SIMT
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
#endif
}
template <int N>
__device__ __forceinline__ void wgmma_wait() {
#ifndef ANYPREC_HOST_SIMT
  asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
#endif
}

// Shared-memory matrix descriptor, K-major with the 128-byte swizzle: start address >> 4 (bits
// 0-13), leading byte offset unused (1), stride byte offset 1024 (8 token rows of 128 B) >> 4,
// swizzle mode 1. The k16 steps of a stage start 32 bytes apart inside the 128-byte rows.
// Built once as two words; a buffer / token-half / k-step offset is then one 32-bit add to the
// low word (shared addresses < 256 KB: no carry out of the address field). Computing the full
// descriptor per wgmma cost ~40 uniform-datapath instructions per stage.
struct SmemDesc {
  uint32_t lo, hi;
  __device__ __forceinline__ explicit SmemDesc(uint32_t addr)
      : lo(((addr & 0x3FFFF) >> 4) | (1u << 16)), hi((1024 >> 4) | (1u << 30)) {}
  __device__ __forceinline__ uint64_t at(uint32_t byte_offset) const {
    return (static_cast<uint64_t>(hi) << 32) | (lo + (byte_offset >> 4));
  }
};

// One register-A wgmma m64n128k16 with fp32 accumulators d[0..63] (ATYPE: f16 or bf16).
#define ANYPREC_WGMMA_M64N128K16_RS(ATYPE) \
  asm volatile( \
      "{\n" \
      "wgmma.mma_async.sync.aligned.m64n128k16.f32." #ATYPE "." #ATYPE " " \
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, " \
      "{%64, %65, %66, %67}, %68, 1, 1, 1, 0;\n" \
      "}\n" \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]) \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc))

// The same with N = 64 (64-token blocks): d[0..31].
#define ANYPREC_WGMMA_M64N64K16_RS(ATYPE) \
  asm volatile( \
      "{\n" \
      "wgmma.mma_async.sync.aligned.m64n64k16.f32." #ATYPE "." #ATYPE " " \
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, " \
      "{%32, %33, %34, %35}, %36, 1, 1, 1, 0;\n" \
      "}\n" \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]) \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc))

// One k16 step of NT tokens (64 or 128) into d[0 .. NT / 2).
template <typename T, int NT>
__device__ __forceinline__ void wgmma_step(float (&d)[NT / 2], const uint32_t (&a)[4],
                                           uint64_t desc) {
  static_assert(NT == 64 || NT == 128, "wgmma N: 64 or 128 tokens");
#ifdef ANYPREC_HOST_SIMT
  simt::wgmma<T, NT>(d, a, desc);
#else
  if constexpr (NT == 128 && std::is_same_v<T, __half>) {
    ANYPREC_WGMMA_M64N128K16_RS(f16);
  } else if constexpr (NT == 128) {
    ANYPREC_WGMMA_M64N128K16_RS(bf16);
  } else if constexpr (std::is_same_v<T, __half>) {
    ANYPREC_WGMMA_M64N64K16_RS(f16);
  } else {
    ANYPREC_WGMMA_M64N64K16_RS(bf16);
  }
#endif
}

template <typename T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  if constexpr (std::is_same_v<T, __half>) {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  } else {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
}
template <typename T>
__device__ __forceinline__ uint32_t pack2(T lo, T hi) {
  return (uint32_t)*reinterpret_cast<const uint16_t*>(&lo) |
         ((uint32_t)*reinterpret_cast<const uint16_t*>(&hi) << 16);
}

// Packed pair arithmetic in the activation dtype (inline PTX: torch builds with the half
// operators off). fma(a, b, c) rounds once.
template <typename T>
__device__ __forceinline__ uint32_t fma2(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t d;
#ifdef ANYPREC_HOST_SIMT
  d = simt::fma2<T>(a, b, c);
#else
  if constexpr (std::is_same_v<T, __half>) {
    asm("fma.rn.f16x2 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  } else {
    asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  }
#endif
  return d;
}


// Codes (rh, subchunk s, k16 step u, k half hh) of a decoded unit as a pair code + C in T.
template <typename T, int B>
__device__ __forceinline__ uint32_t code_pair(const uint32_t (&w)[8], int rh, int s, int u,
                                              int hh) {
  if constexpr (B <= 4) {
    // Elements j = 4u + 2hh + {0, 1}: nibbles p and p + 4 of w[2s + u], p = 2hh + rh.
    return nibbles_to_pair<T>(w[2 * s + u] >> (4 * (2 * hh + rh)));
  } else {
    // Bytes 2rh, 2rh + 1 of w[4s + 2u + hh].
    return codes_to_pair<T, B>(w[4 * s + 2 * u + hh], 2 * rh);
  }
}

// x [M, K8] -> the shared-memory images of its stage tiles, [ceil(M / 128)][4C][128 x 64] in the
// tiled format's k order with the 128-byte swizzle applied (row r at 128 r bytes, 16-byte chunk c
// at c ^ (r mod 8)), zero past M and K: the GEMM copies each 16 KB tile with one bulk copy.
// Thread (tile, stage, row r, s, t') reads the 8 consecutive k at 32 s + 8 t' (16 bytes; a warp
// reads 4 whole 128-byte rows) and writes them as four 4-byte pieces (u, h) to
// P = 16 (2s + u) + 8h + 2t'. Element-size agnostic (pairs of 16-bit values). Static: every
// prefill_wgmma*.cu includes this file (through prefill_wgmma.cuh), and only prefill_wgmma.cu
// launches it.
static __global__ void permute_x_kernel(const uint4* __restrict__ x, uint32_t* __restrict__ xp,
                                        int M, int K8, int S, long long total) {
  // PDL (prefill_pdl_mode): x is the previous kernel's output and xp may still be read by the one
  // before (the allocator hands the same buffer to the next call): wait for both, then let the
  // prefill kernel start its prologue (weights, metadata, tables) while this grid runs.
  pdl_wait();
  pdl_launch_dependents();
  const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= total) return;
  const int sidx = (int)(idx & 7), s = sidx >> 2, tp = sidx & 3;
  const long long rs = idx >> 3;  // (tile * S + stage) * 128 + r
  const int r = (int)(rs & 127);
  const long long ts = rs >> 7;
  const int st = (int)(ts % S);
  const long long mt = ts / S;
  const long long m = mt * kTok + r;
  const int k = st * kStageK + 32 * s + 8 * tp;
  uint4 v = make_uint4(0, 0, 0, 0);
  if (m < M && k < K8) v = x[(m * K8 + k) >> 3];
  uint32_t* row = xp + ts * (kStageBytes / 4) + r * 32;
  const int r7 = r & 7;
  row[((2 * (2 * s) + 0) ^ r7) * 4 + tp] = v.x;      // u = 0, h = 0
  row[((2 * (2 * s) + 1) ^ r7) * 4 + tp] = v.y;      // u = 0, h = 1
  row[((2 * (2 * s + 1) + 0) ^ r7) * 4 + tp] = v.z;  // u = 1, h = 0
  row[((2 * (2 * s + 1) + 1) ^ r7) * 4 + tp] = v.w;  // u = 1, h = 1
}

}  // namespace prefill
}  // namespace anyprec
