// anyprec.cuh's integer helpers run on the CPU (g++, cuda_host_shims.h for the intrinsics), for
// tests/test_decode_host.py, which checks what they print against kernels/cuda_layout.py and
// plain lookups. The kernels call these same functions; only the inline PTX differs (each has a
// plain C++ twin under ANYPREC_PTX = 0, see anyprec.cuh). Build flags that change the layout
// (ANYPREC_PACKED_T, ANYPREC_PACK_RUNS) are given to g++ as they are to nvcc.
//
// Modes (binary int32 / uint32 on stdin and stdout, native little-endian):
//   decode B FMA NOMASK TILES CHUNKS
//       in:  tiled words [TILES, CHUNKS, B, 32 lanes, 4 units] (cuda_layout.repack_tiled)
//       out: uint8 codes [TILES, CHUNKS, 4 units, 16 rows, 64 k], each from
//            decode_unit<B, FMA, NOMASK> then code_at, as the kernels read them (unmasked:
//            with NOMASK the bits above b are the caller's to mask)
//   lutregs B FMA COUNT
//       in:  COUNT records of 9 uint32: row g's 8 fp16 values (4 words), row g + 8's (4), a
//            nibble word
//       out: COUNT x 4 uint32: the A registers p = 0..3 from reg_lut_row + reg_lut_pairs with
//            the mask of b-bit codes (the decode kernels' register tables, b <= 3)
//   pairs FMA COUNT
//       in:  COUNT records of 2 uint32: a nibble word, a base address
//       out: COUNT x 5 uint32: pair_gather<FMA>(word), then lw_addr<J>(that, base), J = 0..3
//   meta DTYPE B COUNT        (DTYPE 0: fp16 activations, 1: bf16)
//       in:  COUNT 16-bit fold words (uint2: fp16 s_g | z_g << 16, s_g8 | z_g8 << 16), as
//            uniform_meta(half=True) writes them for the widths in ANYPREC_META16_BITS
//       out: COUNT x float4: unpack_meta<T, B>, the fp32 (s, -s (z + C), ...) the fold uses
#include "cuda_host_shims.h"
// (after the shims: anyprec.cuh's helpers call them)
#include "anyprec.cuh"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace anyprec;

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: decode_host decode B FMA NOMASK TILES CHUNKS | lutregs B FMA COUNT | "
               "pairs FMA COUNT | meta DTYPE B COUNT (binary words on stdin and stdout)\n");
  std::exit(2);
}

template <typename V>
std::vector<V> read_all(size_t n) {
  std::vector<V> v(n);
  if (n && std::fread(v.data(), sizeof(V), n, stdin) != n) {
    std::fprintf(stderr, "decode_host: expected %zu values on stdin\n", n);
    std::exit(2);
  }
  return v;
}

template <typename V>
void write_all(const std::vector<V>& v) {
  std::fwrite(v.data(), sizeof(V), v.size(), stdout);
}

template <int B, bool kFma, bool kNoMask>
void decode(int tiles, int chunks) {
  const std::vector<uint32_t> in = read_all<uint32_t>((size_t)tiles * chunks * B * 32 * 4);
  std::vector<uint8_t> out((size_t)tiles * chunks * 4 * 16 * 64);
  for (size_t tc = 0; tc < (size_t)tiles * chunks; ++tc) {
    for (int lane = 0; lane < 32; ++lane) {
      // the lane's 16-byte vector of each plane, as the kernels load it
      uint4 planes[B];
      for (int j = 0; j < B; ++j) {
        const uint32_t* p = &in[((tc * B + j) * 32 + lane) * 4];
        planes[j] = make_uint4(p[0], p[1], p[2], p[3]);
      }
      const int g = lane >> 2, t = lane & 3;
      for (int i = 0; i < 4; ++i) {
        uint32_t w[8];
        decode_unit<B, kFma, kNoMask>(planes, i, w);
        // element (row half rh, subchunk s, offset j): row g + 8 rh, k 64 i + 32 s + 8 t + j
        for (int rh = 0; rh < 2; ++rh)
          for (int s = 0; s < 2; ++s)
            for (int j = 0; j < 8; ++j)
              out[((tc * 4 + i) * 16 + g + 8 * rh) * 64 + 32 * s + 8 * t + j] =
                  (uint8_t)code_at<B>(w, rh, s, j);
      }
    }
  }
  write_all(out);
}

// count records of kIn words from stdin; f writes each one's kOut values; all to stdout.
template <int kIn, int kOut, typename Out = uint32_t, typename F>
void map_records(int count, F f) {
  const std::vector<uint32_t> in = read_all<uint32_t>((size_t)count * kIn);
  std::vector<Out> out((size_t)count * kOut);
  for (int r = 0; r < count; ++r) f(&in[(size_t)r * kIn], &out[(size_t)r * kOut]);
  write_all(out);
}

template <int B, bool kFma>
void lutregs(int count) {
  map_records<9, 4>(count, [](const uint32_t* p, uint32_t* a) {
    uint32_t rt[2][4];
    reg_lut_row(make_uint4(p[0], p[1], p[2], p[3]), rt[0]);
    reg_lut_row(make_uint4(p[4], p[5], p[6], p[7]), rt[1]);
    // as the decode kernels call it: row h's registers h and h + 2
    for (int h = 0; h < 2; ++h)
      reg_lut_pairs<kFma, 0x01010101u * nib_mask<B>()>(rt[h], p[8], h, a[h], a[h + 2]);
  });
}

template <bool kFma>
void pairs(int count) {
  map_records<2, 5>(count, [](const uint32_t* p, uint32_t* o) {
    const uint32_t y = pair_gather<kFma>(p[0]), lb = p[1];
    o[0] = y;
    o[1] = lw_addr<0>(y, lb);
    o[2] = lw_addr<1>(y, lb);
    o[3] = lw_addr<2>(y, lb);
    o[4] = lw_addr<3>(y, lb);
  });
}

template <typename T, int B>
void meta(int count) {
  map_records<2, 4, float>(count, [](const uint32_t* p, float* o) {
    const float4 f = unpack_meta<T, B>(make_uint2(p[0], p[1]));
    o[0] = f.x;
    o[1] = f.y;
    o[2] = f.z;
    o[3] = f.w;
  });
}
template <typename T>
void meta_bits(int b, int count) {
  switch (b) {
    case 2: return meta<T, 2>(count);
    case 3: return meta<T, 3>(count);
    case 4: return meta<T, 4>(count);
    case 5: return meta<T, 5>(count);
    case 6: return meta<T, 6>(count);
    case 7: return meta<T, 7>(count);
    case 8: return meta<T, 8>(count);
    default: usage();
  }
}

// Runtime (b, flags) -> the template instance.
template <int B>
void decode_flags(bool fma, bool nomask, int tiles, int chunks) {
  if (fma && nomask) return decode<B, true, true>(tiles, chunks);
  if (fma) return decode<B, true, false>(tiles, chunks);
  if (nomask) return decode<B, false, true>(tiles, chunks);
  decode<B, false, false>(tiles, chunks);
}


}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const std::string mode = argv[1];
  auto arg = [&](int i) { return i < argc ? std::atoi(argv[i]) : (usage(), 0); };
  if (mode == "decode") {
    const int b = arg(2), tiles = arg(5), chunks = arg(6);
    const bool fma = arg(3), nomask = arg(4);
    if (nomask && b > 3) usage();  // (kNoMask is for the packed b = 2, 3 nibble words)
    switch (b) {
      case 2: decode_flags<2>(fma, nomask, tiles, chunks); break;
      case 3: decode_flags<3>(fma, nomask, tiles, chunks); break;
      case 4: decode_flags<4>(fma, false, tiles, chunks); break;
      case 5: decode_flags<5>(fma, false, tiles, chunks); break;
      case 6: decode_flags<6>(fma, false, tiles, chunks); break;
      case 7: decode_flags<7>(fma, false, tiles, chunks); break;
      case 8: decode_flags<8>(fma, false, tiles, chunks); break;
      default: usage();
    }
  } else if (mode == "lutregs") {
    const int b = arg(2), count = arg(4);
    const bool fma = arg(3);
    if (b == 2) fma ? lutregs<2, true>(count) : lutregs<2, false>(count);
    else if (b == 3) fma ? lutregs<3, true>(count) : lutregs<3, false>(count);
    else usage();
  } else if (mode == "meta") {
    const int b = arg(3), count = arg(4);
    arg(2) ? meta_bits<__nv_bfloat16>(b, count) : meta_bits<__half>(b, count);
  } else if (mode == "pairs") {
    const int count = arg(3);
    arg(2) ? pairs<true>(count) : pairs<false>(count);
  } else {
    usage();
  }
  return 0;
}
