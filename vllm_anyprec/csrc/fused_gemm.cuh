// Fused bitplane unpack + dequant + skinny GEMM (decode path, M <= 32 per block row).
//
// One block owns one 16-row n-tile and all of K; its W warps split K by 256-k chunks (warp w
// takes chunks w, w+W, ...) and add their partial sums in shared memory at the end (no atomics,
// deterministic). Per chunk a lane loads b x 16 bytes of weights (one pass over the weights,
// streamed past L1), turns them into mma A fragments in registers (transpose8 + int->float
// magic, or a shared-memory table lookup for the LUT scheme) and multiplies them with the
// activations on the tensor cores: mma.m16n8k16 with weights as A (16 rows) and activations as B
// (8 columns = 8 rows of x), fp32 accumulation. Tensor cores are mostly idle at M <= 16, but they
// take the multiply-add off the ALUs, which the unpacking needs.
//
// Uniform scheme: the A values are the codes plus a constant C (the magic offset), never scaled
// per element: sum_k s (q - z) x = s * sum (q + C) x - s (z + C) * sum x, per group. sum x comes
// from a second mma with an all-ones A, so the fold costs 8 FMA per group per lane.
#pragma once

#include "anyprec.cuh"

namespace anyprec {

template <typename T, int B, int MT, bool LUT>
__global__ void __launch_bounds__(kMaxWarps * 32)
    fused_gemm_kernel(const T* __restrict__ x, const uint4* __restrict__ qw,
                      const float2* __restrict__ meta, const T* __restrict__ lut,
                      T* __restrict__ y, int M, int N, int K, int C, int group_size) {
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int nwarps = blockDim.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int ntile = blockIdx.x;
  const int n0 = ntile * kTileN;
  const int Npad = gridDim.x * kTileN;
  const int mbase = blockIdx.y * 8 * MT;

  __shared__ float red[kMaxWarps][MT * 4][32];
  // LUT: the 16 rows' tables, as 16-bit values, loaded once per block.
  __shared__ uint16_t tab[LUT ? (kTileN << B) : 1];
  if constexpr (LUT) {
    const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
    for (int i = threadIdx.x; i < (kTileN << B); i += blockDim.x) {
      const int r = n0 + (i >> B);
      tab[i] = r < N ? lut16[((size_t)r << B) + (i & ((1 << B) - 1))] : uint16_t(0);
    }
    __syncthreads();
  }

  const T* xrow[MT];
  bool xok[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    const int m = mbase + mt * 8 + g;
    xok[mt] = m < M;
    xrow[mt] = x + (size_t)(xok[mt] ? m : 0) * K;
  }

  float acc[MT][4], gacc[MT][4], sx[MT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[mt][j] = gacc[mt][j] = sx[mt][j] = 0.f;

  const uint4* qbase = qw + (size_t)ntile * C * B * 32 + lane;
  uint4 cur[B], nxt[B];
  int c = warp;
  if (c < C) {
#pragma unroll
    for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)c * B + p) * 32);
  }
  for (; c < C; c += nwarps) {
    // Double-buffer in registers: the next chunk's loads are in flight during this one's math.
    if (c + nwarps < C) {
#pragma unroll
      for (int p = 0; p < B; ++p) nxt[p] = ld_stream(qbase + ((size_t)(c + nwarps) * B + p) * 32);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint32_t w[8];
      decode_unit<B>(cur, i, w);
#pragma unroll
      for (int s = 0; s < 2; ++s) {
        const int k0 = c * kChunkK + i * 64 + s * 32;
        const int kx = k0 + 8 * t;
        uint4 xv[MT];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
          xv[mt] = (xok[mt] && kx < K) ? *reinterpret_cast<const uint4*>(xrow[mt] + kx)
                                       : make_uint4(0, 0, 0, 0);
        float2 m0 = make_float2(0.f, 0.f), m1 = m0;
        const int grp = k0 / group_size;
        const bool fold = !LUT && (((k0 + 32) % group_size) == 0 || (i == 3 && s == 1));
        if constexpr (!LUT) {
          if (fold) {
            m0 = meta[(size_t)grp * Npad + n0 + g];
            m1 = meta[(size_t)grp * Npad + n0 + g + 8];
          }
        }
#pragma unroll
        for (int u = 0; u < 2; ++u) {
          const int ow = 4 * s + 2 * u;
          uint32_t a[4];
          if constexpr (LUT) {
            const uint16_t* t0 = tab + (g << B);
            const uint16_t* t8 = t0 + (8 << B);
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const uint32_t wv = w[ow + h];
              const uint32_t v0 = t0[wv & 0xFF], v1 = t0[(wv >> 8) & 0xFF];
              const uint32_t v2 = t8[(wv >> 16) & 0xFF], v3 = t8[wv >> 24];
              a[2 * h] = __byte_perm(v0, v1, 0x5410);
              a[2 * h + 1] = __byte_perm(v2, v3, 0x5410);
            }
          } else {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              a[2 * h] = codes_to_pair<T, B>(w[ow + h], 0);
              a[2 * h + 1] = codes_to_pair<T, B>(w[ow + h], 2);
            }
          }
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
            const uint32_t b0 = u == 0 ? xv[mt].x : xv[mt].z;
            const uint32_t b1 = u == 0 ? xv[mt].y : xv[mt].w;
            if constexpr (LUT) {
              mma16816<T>(acc[mt], a, b0, b1);
            } else {
              mma16816<T>(gacc[mt], a, b0, b1);
              const uint32_t ones[4] = {Magic<T>::kOnes, Magic<T>::kOnes, Magic<T>::kOnes,
                                        Magic<T>::kOnes};
              mma16816<T>(sx[mt], ones, b0, b1);
            }
          }
        }
        if constexpr (!LUT) {
          if (fold) {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              acc[mt][0] += m0.x * gacc[mt][0] + m0.y * sx[mt][0];
              acc[mt][1] += m0.x * gacc[mt][1] + m0.y * sx[mt][1];
              acc[mt][2] += m1.x * gacc[mt][2] + m1.y * sx[mt][0];
              acc[mt][3] += m1.x * gacc[mt][3] + m1.y * sx[mt][1];
#pragma unroll
              for (int j = 0; j < 4; ++j) gacc[mt][j] = sx[mt][j] = 0.f;
            }
          }
        }
      }
    }
#pragma unroll
    for (int p = 0; p < B; ++p) cur[p] = nxt[p];
  }

  // Block reduction over the warps' K slices.
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int j = 0; j < 4; ++j) red[warp][mt * 4 + j][lane] = acc[mt][j];
  __syncthreads();
  for (int e = threadIdx.x; e < MT * 4 * 32; e += blockDim.x) {
    const int l = e & 31, mj = e >> 5, mt = mj >> 2, j = mj & 3;
    float v = 0.f;
    for (int wi = 0; wi < nwarps; ++wi) v += red[wi][mj][l];
    const int n = n0 + (l >> 2) + 8 * (j >> 1);
    const int m = mbase + mt * 8 + 2 * (l & 3) + (j & 1);
    if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(v);
  }
}

template <typename T, int B, int MT, bool LUT>
cudaError_t launch_fused_t(const GemmArgs& a, cudaStream_t stream) {
  const int nwarps = a.C < kMaxWarps ? a.C : kMaxWarps;
  dim3 grid(a.N16, (a.M + 8 * MT - 1) / (8 * MT));
  fused_gemm_kernel<T, B, MT, LUT><<<grid, nwarps * 32, 0, stream>>>(
      static_cast<const T*>(a.x), a.qw, a.meta, static_cast<const T*>(a.lut),
      static_cast<T*>(a.y), a.M, a.N, a.K, a.C, a.group_size);
  return cudaGetLastError();
}

template <int B>
cudaError_t launch_fused_bits(const GemmArgs& a, cudaStream_t stream) {
  const int mt = a.M <= 8 ? 1 : a.M <= 16 ? 2 : 4;
#define ANYPREC_LAUNCH(T, MT)                                                         \
  return a.lut_scheme ? launch_fused_t<T, B, MT, true>(a, stream)                     \
                      : launch_fused_t<T, B, MT, false>(a, stream)
  if (a.bf16) {
    if (mt == 1) ANYPREC_LAUNCH(__nv_bfloat16, 1);
    if (mt == 2) ANYPREC_LAUNCH(__nv_bfloat16, 2);
    ANYPREC_LAUNCH(__nv_bfloat16, 4);
  } else {
    if (mt == 1) ANYPREC_LAUNCH(__half, 1);
    if (mt == 2) ANYPREC_LAUNCH(__half, 2);
    ANYPREC_LAUNCH(__half, 4);
  }
#undef ANYPREC_LAUNCH
}

}  // namespace anyprec
