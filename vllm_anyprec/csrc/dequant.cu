// Tiled bitplanes -> dense [N, K] weights in the activation dtype (the prefill path feeds them to
// cuBLAS; the anyprec::dequant_* ops expose it). Same decode as the fused kernel, then the
// reference arithmetic in fp32 (s * (q - z), or lut[q]) rounded once to the output dtype, so the
// result is bit-exact against reference.py. Also holds the bit-width dispatch of the fused GEMM.
#include "anyprec.cuh"

namespace anyprec {

template <int B>
cudaError_t launch_fused_bits(const GemmArgs& a, cudaStream_t stream);

// One warp per (n-tile, 256-k chunk). Each lane owns rows g, g+8 and, per 32-k subchunk, the 8
// consecutive k at 8t: 16-byte stores when K allows.
constexpr int kDequantWarps = 8;

template <typename T, int B, bool LUT, bool VEC>
__global__ void __launch_bounds__(256)
    dequant_kernel(const uint4* __restrict__ qw, const __half* __restrict__ scales,
                   const __half* __restrict__ zeros, const T* __restrict__ lut,
                   T* __restrict__ out, int N, int K, int C, int N16, int G, int group_size) {
  const int lane = threadIdx.x & 31;
  const long long wid = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (wid >= (long long)N16 * C) return;
  const int ntile = (int)(wid / C), c = (int)(wid % C);
  const int g = lane >> 2, t = lane & 3;
  uint4 planes[B];
  const uint4* base = qw + ((size_t)ntile * C + c) * B * 32 + lane;
#pragma unroll
  for (int p = 0; p < B; ++p) planes[p] = ld_stream(base + p * 32);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    uint32_t w[8];
    decode_unit<B>(planes, i, w);
#pragma unroll
    for (int s = 0; s < 2; ++s) {
      const int k = c * kChunkK + i * 64 + s * 32 + 8 * t;
      if (k >= K) continue;
#pragma unroll
      for (int rh = 0; rh < 2; ++rh) {
        const int n = ntile * kTileN + g + 8 * rh;
        if (n >= N) continue;
        float sc = 0.f, zc = 0.f;
        if constexpr (!LUT) {
          const int grp = G == 1 ? 0 : k / group_size;
          sc = __half2float(scales[(size_t)n * G + grp]);
          zc = __half2float(zeros[(size_t)n * G + grp]);
        }
        T vals[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          const uint32_t q = code_at<B>(w, rh, s, j);
          if constexpr (LUT) {
            vals[j] = lut[((size_t)n << B) + q];
          } else {
            vals[j] = from_float<T>(__fmul_rn(sc, __fsub_rn((float)q, zc)));
          }
        }
        T* dst = out + (size_t)n * K + k;
        if (VEC) {
          *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(vals);
        } else {
#pragma unroll
          for (int j = 0; j < 8; ++j)
            if (k + j < K) dst[j] = vals[j];
        }
      }
    }
  }
}

template <typename T, int B, bool LUT>
cudaError_t launch_dequant_t(const DequantArgs& a, cudaStream_t stream) {
  const long long warps = (long long)a.N16 * a.C;
  const int grid = (int)((warps + kDequantWarps - 1) / kDequantWarps);
  return launch_plain(a.K % 8 == 0 ? dequant_kernel<T, B, LUT, true>
                                   : dequant_kernel<T, B, LUT, false>,
                      dim3(grid), 32 * kDequantWarps, 0, stream, a.qw, a.scales, a.zeros,
                      static_cast<const T*>(a.lut), static_cast<T*>(a.out), a.N, a.K, a.C, a.N16,
                      a.G, a.group_size);
}

template <int B>
cudaError_t launch_dequant_bits(const DequantArgs& a, cudaStream_t stream) {
  if (a.bf16) {
    return a.lut_scheme ? launch_dequant_t<__nv_bfloat16, B, true>(a, stream)
                        : launch_dequant_t<__nv_bfloat16, B, false>(a, stream);
  }
  return a.lut_scheme ? launch_dequant_t<__half, B, true>(a, stream)
                      : launch_dequant_t<__half, B, false>(a, stream);
}

cudaError_t launch_dequant(const DequantArgs& a, cudaStream_t stream) {
  switch (a.bits) {
    case 2: return launch_dequant_bits<2>(a, stream);
    case 3: return launch_dequant_bits<3>(a, stream);
    case 4: return launch_dequant_bits<4>(a, stream);
    case 5: return launch_dequant_bits<5>(a, stream);
    case 6: return launch_dequant_bits<6>(a, stream);
    case 7: return launch_dequant_bits<7>(a, stream);
    case 8: return launch_dequant_bits<8>(a, stream);
    default: return cudaErrorInvalidValue;
  }
}

cudaError_t launch_fused_gemm(const GemmArgs& a, cudaStream_t stream) {
  switch (a.bits) {
    case 2: return launch_fused_bits<2>(a, stream);
    case 3: return launch_fused_bits<3>(a, stream);
    case 4: return launch_fused_bits<4>(a, stream);
    case 5: return launch_fused_bits<5>(a, stream);
    case 6: return launch_fused_bits<6>(a, stream);
    case 7: return launch_fused_bits<7>(a, stream);
    case 8: return launch_fused_bits<8>(a, stream);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace anyprec
