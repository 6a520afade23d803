// Device helpers shared by the anyprec kernels: the tiled-bitplane decode and the mma wrapper.
// The weight layout is documented in vllm_anyprec/kernels/cuda_layout.py (the one place).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>  // fmaf (the fold; host builds of this header, tests/host)
#include <cstdint>
#include <type_traits>

#include "launch.h"

namespace anyprec {

constexpr int kTileN = 16;    // weight rows per warp tile (the m16 of mma.m16n8k16)
constexpr int kChunkK = 256;  // k per warp iteration: 4 units of 64 k, one uint4 per plane
// Most warps per block of the decode kernels: sizes their reduction arrays, the rings'
// shared-memory opt-in and the launch bounds (so the register caps). Build flag for an
// experiment (benchmarks/experiments/decode_few_tiles/): on weights with few n-tiles
// ((14336, 4096): 256 tiles, ~2 blocks per SM) the ring kernel runs at this cap with SM room
// to spare (16 of ~24 warps). Larger values also tighten the register caps of the M > 1
// kernels (512 threads x their minimum blocks), so such a build is for M = 1 timing only.
#ifndef ANYPREC_MAX_WARPS
#define ANYPREC_MAX_WARPS 8
#endif
constexpr int kMaxWarps = ANYPREC_MAX_WARPS;

// Programmatic dependent launch (sm_90+; see launch_decode in decode_plan.cuh). pdl_wait: returns
// once the previous kernel on the stream has finished and its writes are visible (at once when
// the launch had no programmatic dependency); pdl_launch_dependents: lets the next kernel's
// blocks start while this grid finishes (they still wait for it in their pdl_wait).
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
// Pulls the 128-byte line at p into L2 (no register, no wait). Safe before pdl_wait even for
// memory the previous kernel writes: L2 is the point of coherence, so a later write updates the
// line and the loads after pdl_wait see it.
__device__ __forceinline__ void prefetch_l2(const void* p) {
#ifndef ANYPREC_HOST_SIMT
  asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
#endif
}

// 16-byte streaming load: weights are read once, so keep them out of L1 (activations live there).
__device__ __forceinline__ uint4 ld_stream(const uint4* p) {
#ifdef ANYPREC_EXPERIMENT_NO_W  // timing experiment only: wrong results
  const uint32_t a = (uint32_t)(size_t)p;
  return make_uint4(a, a * 3u, a ^ 0x5555u, a + 7u);
#endif
#ifdef ANYPREC_HOST_SIMT
  return *p;
#else
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
#endif
}

// cp.async (sm_80+), 16 bytes global -> shared. _stream: weights (L2 only, like ld_stream);
// _keep: x and metadata, cached in L1 (every warp of the SM reads them), zero-filled when !pred.
__device__ __forceinline__ void cp_async_stream(void* dst, const void* src) {
#ifdef ANYPREC_HOST_SIMT
  simt::cp_async(dst, src, 16);
#else
  const uint32_t d = (uint32_t)__cvta_generic_to_shared(dst);
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(d), "l"(src));
#endif
}
__device__ __forceinline__ void cp_async_keep(void* dst, const void* src, bool pred) {
#ifdef ANYPREC_HOST_SIMT
  simt::cp_async(dst, src, pred ? 16 : 0);
#else
  const uint32_t d = (uint32_t)__cvta_generic_to_shared(dst);
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;" ::"r"(d), "l"(src),
               "r"(pred ? 16 : 0));
#endif
}
// kBytes (16 or 8) bytes from p in one load; an 8-byte load leaves the last two words zero.
template <int kBytes>
__device__ __forceinline__ uint4 load_bytes(const void* p) {
  static_assert(kBytes == 16 || kBytes == 8, "a 16- or an 8-byte load");
  if constexpr (kBytes == 16) {
    return *reinterpret_cast<const uint4*>(p);
  } else {
    const uint2 v = *reinterpret_cast<const uint2*>(p);
    return make_uint4(v.x, v.y, 0, 0);
  }
}
// Shared-memory store of the same word to four consecutive words (one 16-byte store; addr
// 16-byte aligned) and 32-bit load (volatile: they keep their order around the barrier between
// the table fill and the lookups).
__device__ __forceinline__ void sts32x4(uint32_t addr, uint32_t v) {
#ifdef ANYPREC_HOST_SIMT
  if (addr % 16) simt::fail("st.shared.v4 to an address not 16-byte aligned");
  *static_cast<uint4*>(simt::shared_ptr(addr)) = make_uint4(v, v, v, v);
#else
  asm volatile("st.shared.v4.b32 [%0], {%1, %1, %1, %1};" ::"r"(addr), "r"(v) : "memory");
#endif
}
// The same word to R = 4, 2 or 1 consecutive words (addr aligned to 4 R bytes).
template <int R>
__device__ __forceinline__ void sts32_rep(uint32_t addr, uint32_t v) {
  static_assert(R == 4 || R == 2 || R == 1, "4, 2 or 1 copies");
  if constexpr (R == 4) {
    sts32x4(addr, v);
  } else {
#ifdef ANYPREC_HOST_SIMT
    if (addr % (4 * R)) simt::fail("st.shared to a misaligned address");
    uint32_t* p = static_cast<uint32_t*>(simt::shared_ptr(addr));
    for (int i = 0; i < R; ++i) p[i] = v;
#else
    if constexpr (R == 2) {
      asm volatile("st.shared.v2.b32 [%0], {%1, %1};" ::"r"(addr), "r"(v) : "memory");
    } else {
      asm volatile("st.shared.b32 [%0], %1;" ::"r"(addr), "r"(v) : "memory");
    }
#endif
  }
}
__device__ __forceinline__ uint32_t lds32(uint32_t addr) {
#ifdef ANYPREC_HOST_SIMT
  if (addr % 4) simt::fail("ld.shared from a misaligned address");
  return *static_cast<const uint32_t*>(simt::shared_ptr(addr));
#else
  uint32_t v;
  asm volatile("ld.shared.b32 %0, [%1];" : "=r"(v) : "r"(addr));
  return v;
#endif
}
__device__ __forceinline__ void cp_async_commit() {
#ifdef ANYPREC_HOST_SIMT
  simt::cp_async_commit();
#else
  asm volatile("cp.async.commit_group;");
#endif
}
// Waits until at most N of this thread's committed groups are pending.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#ifdef ANYPREC_HOST_SIMT
  simt::cp_async_wait(N);
#else
  asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
#endif
}

// The kernels' dynamic shared memory: an unsized extern array on the device, the emulator's
// buffer in the CPU tests' host builds (tests/host/simt.h).
#ifdef ANYPREC_HOST_SIMT
#define ANYPREC_DYNAMIC_SMEM(T, name) T* const name = static_cast<T*>(simt::dynamic_smem())
#else
#define ANYPREC_DYNAMIC_SMEM(T, name) extern __shared__ T name[]
#endif

// kernel<<<grid, threads, smem, stream>>>(args...): the launch of kernels that take no launch
// attributes; in the CPU tests' host builds, the emulator's (tests/host/simt.h).
template <typename... KArgs, typename... Args>
cudaError_t launch_plain(void (*kernel)(KArgs...), dim3 grid, int threads, size_t smem,
                         cudaStream_t stream, Args... args) {
#if defined(ANYPREC_HOST_SIMT)
  (void)stream;
  return simt::launch(kernel, grid, dim3(threads), smem, args...);
#elif defined(__CUDACC__)
  kernel<<<grid, threads, smem, stream>>>(args...);
  return cudaGetLastError();
#else  // (g++ without the emulator: tests/host/decode_host.cpp parses this header, never launches)
  return cudaErrorNotSupported;
#endif
}

// The same with launch attributes (launch.h LaunchConfig): as clusters of (1, 1, cluster_z)
// blocks (1: none) and with a programmatic dependency on the kernel before it (pdl).
template <typename... KArgs, typename... Args>
cudaError_t launch_ex(void (*kernel)(KArgs...), dim3 grid, int threads, size_t smem,
                      int cluster_z, bool pdl, cudaStream_t stream, Args... args) {
#ifdef ANYPREC_HOST_SIMT
  (void)pdl;
  (void)stream;
  return simt::launch_cluster(kernel, grid, dim3(threads), smem, cluster_z, args...);
#else
  const LaunchConfig launch(grid, smem, cluster_z, stream, pdl, threads);
  return cudaLaunchKernelEx(&launch.cfg, kernel, args...);
#endif
}

// The uniform scheme's fold metadata (cuda_layout.uniform_meta), one word per group, n-tile and
// lane row g, for rows g and g + 8, in one of two widths chosen per bit width b:
// - 32 (default): float4 (s_g, -s_g (z_g + C), s_g8, -s_g8 (z_g8 + C)) in fp32, used as it is;
// - 16 (b in ANYPREC_META16_BITS, a mask of 1 << b): uint2 = the checkpoint's float16 (s_g, z_g,
//   s_g8, z_g8), half the bytes (the fp32 table is 12.5% of what the M = 1 kernel streams at
//   b = 4, g128, 25% at b = 2), expanded by unpack_meta at the cost of a few FMA-pipe
//   instructions per fold (benchmarks/experiments/meta16_bits/README.md: the A/B per b and M).
// Per b, because the trade differs by b: the bytes saved are a larger share of the stream at
// small b, while the expansion's instructions cost most where the loop is ALU-bound.
// ANYPREC_META16=1 (the experiments' older flag) means every width. The extension reports the
// mask (_C.META16_MASK) so that uniform_meta writes the matching table for each b.
#ifndef ANYPREC_META16
#define ANYPREC_META16 0
#endif
#ifndef ANYPREC_META16_BITS
#define ANYPREC_META16_BITS (ANYPREC_META16 != 0 ? 0x1FC : 0x178)
#endif
constexpr bool meta16(int bits) { return ((ANYPREC_META16_BITS) >> bits & 1) != 0; }
template <int B>
using MetaWord = std::conditional_t<meta16(B), uint2, float4>;
constexpr int meta_u4(int bits) { return meta16(bits) ? 4 : 8; }  // uint4 per fold (8 words)
template <int B>
constexpr int kMetaU4 = meta_u4(B);

// uint4 per stage of the pipelined decode kernel (PIPE): a chunk's weights (b x 32), its x (256
// halves: 32 per activation row; X8 holds M rows) and the metadata of its folds (8 words per
// fold).
// Folds per 256-k chunk of a decode kernel built for FOLD (32-k subchunks per fold; 0: any other
// group size, folded per subchunk).
constexpr int folds_per_chunk(int fold) { return 8 / (fold == 0 ? 1 : fold); }
constexpr int pipe_stage_uint4(int bits, int folds, int xrows = 1) {
  return bits * 32 + 32 * xrows + folds * meta_u4(bits);
}
// uint4 per stage of XB's block ring: the chunk's x once (32 per activation row) and each of the
// block's nw warps' weights and fold metadata.
constexpr int xb_stage_uint4(int bits, int folds, int m, int nw) {
  return 32 * m + nw * pipe_stage_uint4(bits, folds, 0);
}

__device__ __forceinline__ uint32_t comp(const uint4& v, int i) {
  return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

// 8x8 bit-matrix transpose of 4 byte columns at once (three masked delta-swap rounds, ~5 integer
// ops per word pair). Afterwards byte c of w[r] holds at bit j what bit 8c+r of w[j] held. With
// w[j] = plane b-1-j (and zero words above b, folded away at compile time), byte c of w[r] is the
// b-bit code of element 8c+r: one byte per weight for ~2 ops, instead of ~2b ops of shift/and.
template <int B>
__device__ __forceinline__ void transpose8(uint32_t (&w)[8]) {
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    uint32_t t = ((w[r] >> 4) ^ w[r + 4]) & 0x0F0F0F0Fu;
    w[r + 4] ^= t;
    w[r] ^= t << 4;
  }
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const int r = (q & 1) + (q >> 1) * 4;
    uint32_t t = ((w[r] >> 2) ^ w[r + 2]) & 0x33333333u;
    w[r + 2] ^= t;
    w[r] ^= t << 2;
  }
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const int r = 2 * q;
    uint32_t t = ((w[r] >> 1) ^ w[r + 1]) & 0x55555555u;
    w[r + 1] ^= t;
    w[r] ^= t << 1;
  }
}

// b <= 4: the 4x4 version (two rounds on 4 words): nibble c of w[r] holds at bit j what bit
// 4c+r of w[j] held, so nibble c of w[r] is the code of element 4c+r. Half the work of bytes.
__device__ __forceinline__ void transpose4(uint32_t (&w)[8]) {
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    uint32_t t = ((w[r] >> 2) ^ w[r + 2]) & 0x33333333u;
    w[r + 2] ^= t;
    w[r] ^= t << 2;
  }
#pragma unroll
  for (int r = 0; r < 4; r += 2) {
    uint32_t t = ((w[r] >> 1) ^ w[r + 1]) & 0x55555555u;
    w[r + 1] ^= t;
    w[r] ^= t << 1;
  }
}

// b = 4 and 8: the tiled layout stores the plane words already transposed (done once at load by
// cuda_layout.repack_tiled, PRETRANSPOSED_BITS there): the transpose's output is as dense as its
// input only when b fills the nibble / byte, and it is ~40% of the decode's integer work.
constexpr bool pretransposed(int b) { return b == 4 || b == 8; }

// b = 2, 3, 5, 6, 7: the tiled words hold the bit transpose's output packed into b words (see
// decode_unit and kernels/cuda_layout.py, PACKED_BITS): its nibbles / bytes carry b bits, so
// the words above b go into the others' free high bits, and unpacking costs 6, 9, 35, 30, 21
// integer ops per unit (b = 2, 3, 5, 6, 7) instead of the transpose (~17, ~19, ~60). Build flag,
// on (-DANYPREC_PACKED_T=0 builds the plain planes): on the H200, 8-12% less time at M = 1 for
// uniform b = 2, 3, 5, 6, 7 and LUT b = 5, 6, 7, even elsewhere except uniform b = 2 at M = 16
// (+5%) (benchmarks/experiments/packed/).
// The extension reports it to Python (build_packed_mask, module constant PACKED_MASK), which
// repacks to match.
#ifndef ANYPREC_PACKED_T
#define ANYPREC_PACKED_T 1
#endif
constexpr bool packed_transposed(int b) {
  return ANYPREC_PACKED_T && (b == 2 || b == 3 || b == 5 || b == 6 || b == 7);
}
// Where the b >= 5 packed words keep the outputs above b (each needs b bits per byte, and each
// of the b words has 8 - b free bits per byte):
//  - runs (ANYPREC_PACK_RUNS=1, default since session 14): the free bits of a byte, word 0
//    first, are one stream; out_{b+e}'s bits i = 0..b-1 sit at stream positions e*b + i, so each
//    output is gathered from a few runs of adjacent bits (b = 5: 2, 3, 2 runs; b = 6: 3, 3)
//    with one shift per run: 19 / 18 integer ops per unit at b = 5 / 6 instead of 35 / 30 (b = 5
//    ran at the instruction rate: 11.3 M instructions for (4096, 28672) against b = 7's 9.2 M,
//    benchmarks/experiments/h200_record_s14/). b = 7 is the same layout either way.
//  - bits (=0, session 12's): bit k of each byte of out_{b+e} in bit b + e of word k.
// Reported to Python as PACK_RUNS (build_pack_runs; kernels/cuda_layout.py writes to match).
#ifndef ANYPREC_PACK_RUNS
#define ANYPREC_PACK_RUNS 1
#endif
// Bit o of out_{b+e} (b >= 5) lives in word upper_word at bit o + upper_shift; a run is a
// stretch of o with the same word and shift (one shift and one bit-select each). The same table
// as kernels/cuda_layout.upper_runs. Runs: stream position e*b + o is bit b + f of word k,
// f = position % (8 - b); bits: word o, bit b + e.
template <int B>
__host__ __device__ constexpr int upper_word(int e, int o) {
  return ANYPREC_PACK_RUNS ? (e * B + o) / (8 - B) : o;
}
template <int B>
__host__ __device__ constexpr int upper_shift(int e, int o) {
  return ANYPREC_PACK_RUNS ? B + (e * B + o) % (8 - B) - o : B + e - o;
}
template <int B>
__host__ __device__ constexpr bool upper_run_starts(int e, int o) {
  return o == 0 || upper_word<B>(e, o) != upper_word<B>(e, o - 1) ||
         upper_shift<B>(e, o) != upper_shift<B>(e, o - 1);
}
// The run's output bits, o up to its end, in every byte.
template <int B>
__host__ __device__ constexpr uint32_t upper_run_mask(int e, int o) {
  uint32_t m = 1u << o;
  for (int i = o + 1; i < B && !upper_run_starts<B>(e, i); ++i) m |= 1u << i;
  return 0x01010101u * m;
}

// The integer helpers from here to nibbles_to_pair also compile as host C++ (g++ with
// tests/host/cuda_host_shims.h): tests/test_decode_host.py runs them on the CPU against
// kernels/cuda_layout.py. Their inline PTX has a plain C++ twin for that, under ANYPREC_PTX = 0;
// the device compilation sees only the PTX (the SASS is the same as without the twins).
#ifdef __CUDA_ARCH__
#define ANYPREC_PTX 1
#else
#define ANYPREC_PTX 0
#endif

// Bit select in one instruction: bits of b where m is set, of a elsewhere.
__device__ __forceinline__ uint32_t bit_select(uint32_t a, uint32_t b, uint32_t m) {
#if ANYPREC_PTX
  uint32_t r;
  asm("lop3.b32 %0, %1, %2, %3, 0xD8;" : "=r"(r) : "r"(a), "r"(b), "r"(m));
  return r;
#else
  return (a & ~m) | (b & m);
#endif
}

// Right shift by a constant k on the FMA pipe: the high word of x * 2^(32 - k) (IMAD.HI.U32)
// instead of SHF. A Hopper sub-partition runs shifts and logic on its 16-lane ALU pipe, and the
// M = 1 uniform decode loops at b = 2, 3, 5, 6, 7 and the LUT ones at b <= 4 need more ALU cycles
// than they have instructions (benchmarks/experiments/sass/pipes.py), while the FMA pipe is a
// quarter busy; ptxas keeps the multiply (checked in the SASS). k is a constant once unrolled;
// "r" lets ptxas fold it.
__device__ __forceinline__ uint32_t shr_fma(uint32_t x, int k) {
  if (k == 0) return x;
#if ANYPREC_PTX
  uint32_t r;
  asm("mul.hi.u32 %0, %1, %2;" : "=r"(r) : "r"(x), "r"(1u << (32 - k)));
  return r;
#else
  return (uint32_t)(((uint64_t)x << (32 - k)) >> 32);
#endif
}
template <bool kFma>
__device__ __forceinline__ uint32_t shr(uint32_t x, int k) {
  return kFma ? shr_fma(x, k) : x >> k;
}

// The LUT per-lane tables (decode_body.cuh; kLanesW at b >= 5, and the pair tables kPairLanes):
// the shared address of the table word of index byte J of wv, 128 c + lb, where lb is the
// lane's word of index 0 and c the byte (b >= 5: a code whose bits above b decode_unit zeroed;
// pair tables: two codes, lo | hi << 4). Two integer ops per address, one on the ALU pipe and
// one on the FMA pipe (the C index form took four: shift, shift by 5, or with the lane,
// multiply-add by 4; ~half on the ALU pipe): the byte moved to the bottom (byte 0: a mask;
// 1, 2: a byte permute; 3: hi(wv 2^8), on the FMA pipe), then c 128 + lb in one IMAD.
// The multipliers come from constant memory: given as immediates, ptxas turns the multiply-add
// into LEA / SHF on the ALU pipe, which the lookup loops fill already. (The high-word forms
// hi(x 2^k) + lb take one op fewer per byte but need lb in a 64-bit register pair, which ptxas
// rebuilt with ~40 moves per chunk.) ANYPREC_LUT_WIDE_ADDR: the largest b whose b >= 5
// lookups go through it (0: none). In session 35's H200 A/B (lean_alu/) it took LUT M = 1
// b = 5 / 6 7-8% less time on the five weights (geomean); b = 7 / 8 were even (1.00 / 1.00
// geomean, 0.92-1.05x per weight), and a second A/B of 6 (the C index form at b = 7, 8)
// against 8 was even too (base / 6: 0.997 over 40 cells, M = 1 and 16). On for every b (8),
// the build the record measured (benchmarks/experiments/lut_wide_addr/,
// benchmarks/experiments/h200_record_s35/w6/).
#ifndef ANYPREC_LUT_WIDE_ADDR
#define ANYPREC_LUT_WIDE_ADDR 8
#endif
// 128, 2^8 (static: one copy per translation unit, no host symbol shared between the
// fused_gemm_bX.cu files)
static __constant__ uint32_t kLwMul[2] = {128u, 1u << 8};
// S: the stride, kLwMul[S] bytes per code (0: 128, these tables; 1: 256, LO's below).
template <int J, int S = 0>
__device__ __forceinline__ uint32_t lw_addr(uint32_t wv, uint32_t lb) {
  static_assert(J >= 0 && J < 4, "a byte of the word");
  static_assert(S == 0 || S == 1, "an entry of kLwMul");
  const uint32_t c = J == 0   ? wv & 0xFFu
                     : J == 3 ? __umulhi(wv, kLwMul[1])
                              : __byte_perm(wv, 0u, 0x4440u + J);
#if ANYPREC_PTX
  uint32_t r;
  asm("mad.lo.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(c), "r"(kLwMul[S]), "r"(lb));
  return r;
#else
  return c * kLwMul[S] + lb;
#endif
}

// LO (decode_knobs.cuh, ANYPREC_LUT_WIDE_OR): the address of code byte J of wv in per-lane
// tables of 256 bytes per code whose base is aligned to the table's size (2^(b + 8) bytes), so
// that lb = base + 4 lane has zeros where c << 8 goes. Byte 1 is already in place: its address
// is one and-or, (wv & 0xFF00) | lb (LOP3), where lw_addr takes two ops for every byte. The
// other bytes keep lw_addr's form, c brought to the bottom and then c * 256 + lb as one IMAD
// (FMA pipe: the ALU pipe is the busier). (The base cannot be an immediate of the load: on
// sm_90 a shared address carries the block's cluster rank from bit 24, read at run time from
// SR_CgaCtaId, so ptxas keeps it in a register and adds it per lookup; session 45 compiled
// that form, one byte permute plus the base, and got more instructions, not fewer.)
template <int J>
__device__ __forceinline__ uint32_t lw_or_addr(uint32_t wv, uint32_t lb) {
  if constexpr (J == 1) {
    return (wv & 0xFF00u) | lb;
  } else {
    return lw_addr<J, 1>(wv, lb);
  }
}

// The bits of a b-bit code in its nibble (b <= 4): the mask a consumer of decode_unit's nibble
// words applies when decode_unit left the bits above b in place (kNoMask).
template <int B>
__host__ __device__ constexpr uint32_t nib_mask() {
  return B <= 4 ? (1u << B) - 1 : 0xFu;
}

// Lean integer work in the decode kernels whose loops are ALU-bound (decode_body.cuh: the M = 1
// uniform kernels, and the LUT kernels at b <= 4), build flag, off by default
// (benchmarks/experiments/lean_alu/): their right shifts on the FMA pipe (shr_fma); the packed
// b = 2, 3 nibble words left unmasked where the consumer masks anyway (fp16 uniform's A-register
// and-or, the LUT register tables' selectors), with b bits instead of 4; the LUT selectors'
// or of two nibble halves as one mad.hi. Other kernels (the prefill ones too) are built as
// before.
#ifndef ANYPREC_LEAN_ALU
#define ANYPREC_LEAN_ALU 0
#endif
// ANYPREC_LEAN_MASK (LM, on since session 49; benchmarks/experiments/lean_mask/): the second of
// those alone, the packed b = 2, 3 nibble words unmasked, with the shifts left on the ALU pipe
// (16 fewer ALU instructions per chunk loop trip of the M = 1 uniform ring / PT kernels, 4-7%).
// Session 35 timed LEAN_ALU's parts together (0.94-0.97x at uniform b = 2..4, M = 1); LM alone,
// H100, two alternating passes against 0 on one machine: uniform M = 1 b = 2 0.956 of the
// time, b = 3 0.985, LUT M = 16 b = 3 0.973, every other cell 0.99-1.01. 0 restores the masks.
#ifndef ANYPREC_LEAN_MASK
#define ANYPREC_LEAN_MASK 1
#endif

// Gather unit i of the b plane vectors into the transpose input (plane b-1-j -> word j) and
// transpose: b <= 4 gives nibble codes in w[0..3], else byte codes in w[0..7]. Pretransposed
// widths read the transposed words as they are (word j at "plane" j), packed-transposed widths
// unpack them. kFma: their right shifts by shr_fma. kNoMask (b = 2, 3): the nibble words keep
// the bits above b, for a consumer that masks with nib_mask<B>().
template <int B, bool kFma = false, bool kNoMask = false>
__device__ __forceinline__ void decode_unit(const uint4 (&planes)[B], int i, uint32_t (&w)[8]) {
  if constexpr (packed_transposed(B) && B >= 5) {
    // Byte codes: word j < b holds out_j in its bytes' low b bits, and the outputs above b in
    // the free high bits (ANYPREC_PACK_RUNS above).
    constexpr uint32_t kLow = 0x01010101u * ((1u << B) - 1);
    // (The words above b first, then the masks in place: fewer registers live at once.)
#pragma unroll
    for (int j = 0; j < B; ++j) w[j] = comp(planes[j], i);
    // out_{b+e} = OR over its runs of (w[k] >> shift) & run mask (upper_* above).
#pragma unroll
    for (int e = 0; e < 8 - B; ++e) {
      uint32_t x = 0;
#pragma unroll
      for (int o = 0; o < B; ++o) {
        if (upper_run_starts<B>(e, o)) {
          const uint32_t v = shr<kFma>(w[upper_word<B>(e, o)], upper_shift<B>(e, o));
          x = o == 0 ? v : bit_select(x, v, upper_run_mask<B>(e, o));
        }
      }
      w[B + e] = x & kLow;
    }
#pragma unroll
    for (int j = 0; j < B; ++j) w[j] &= kLow;
  } else if constexpr (packed_transposed(B)) {
    // Nibble codes. b = 2: word 0 = out0 | out1 << 2, word 1 = out2 | out3 << 2 (the nibbles'
    // bits 2, 3 are free). b = 3: word j = out_j | bit j of every nibble of out3, moved to the
    // nibble's bit 3.
    constexpr uint32_t kLow = kNoMask ? 0xFFFFFFFFu : B == 2 ? 0x33333333u : 0x77777777u;
    const uint32_t s0 = comp(planes[0], i), s1 = comp(planes[1], i);
    if constexpr (B == 2) {
      w[0] = s0 & kLow;
      w[1] = shr<kFma>(s0, 2) & kLow;
      w[2] = s1 & kLow;
      w[3] = shr<kFma>(s1, 2) & kLow;
    } else {
      const uint32_t s2 = comp(planes[B - 1], i);
      w[0] = s0 & kLow;
      w[1] = s1 & kLow;
      w[2] = s2 & kLow;
      if constexpr (kNoMask) {
        // bits 0, 1, 2 of each nibble from bit 3 of s0's, s1's, s2's (bit 3: don't care)
        w[3] = bit_select(bit_select(shr<kFma>(s0, 3), shr<kFma>(s1, 2), 0x22222222u),
                          shr<kFma>(s2, 1), 0x44444444u);
      } else {
        w[3] = (shr<kFma>(s0, 3) & 0x11111111u) | (shr<kFma>(s1, 2) & 0x22222222u) |
               (shr<kFma>(s2, 1) & 0x44444444u);
      }
    }
#pragma unroll
    for (int j = 4; j < 8; ++j) w[j] = 0u;
  } else if constexpr (pretransposed(B)) {
#pragma unroll
    for (int j = 0; j < 8; ++j) w[j] = j < B ? comp(planes[j], i) : 0u;
  } else {
#pragma unroll
    for (int j = 0; j < 8; ++j) w[j] = j < B ? comp(planes[B - 1 - j], i) : 0u;
    if constexpr (B <= 4) {
      transpose4(w);
    } else {
      transpose8<B>(w);
    }
  }
}

// Where the code of element (row half rh, subchunk s, offset j in the lane's 8 consecutive k)
// of a decoded unit sits, for both layouts (see cuda_layout.py): word w[word], from bit bit
// (a nibble for b <= 4, a byte above).
template <int B>
__device__ __forceinline__ void code_pos(int rh, int s, int j, int& word, int& bit) {
  const int u = j >> 2;
  if constexpr (B <= 4) {
    const int p = 2 * ((j >> 1) & 1) + rh, h = j & 1;
    word = 2 * s + u;
    bit = 4 * (p + 4 * h);
  } else {
    const int h = (j >> 1) & 1, e = j & 1;
    word = 4 * s + 2 * u + h;
    bit = 8 * (2 * rh + e);
  }
}
template <int B>
__device__ __forceinline__ uint32_t code_at(const uint32_t (&w)[8], int rh, int s, int j) {
  int word, bit;
  code_pos<B>(rh, s, j, word, bit);
  return (w[word] >> bit) & (B <= 4 ? 0xFu : 0xFFu);
}

// LUT tables in registers for b <= 3 (the decode and prefill kernels' kRegLut): rt = the low
// bytes (words 0, 1) and the high bytes (words 2, 3) of a row's values of codes 0..7 (v: the 8
// values as loaded; b = 2 uses codes 0..3 of words 0 and 2). A byte permute of two of them
// with four codes as selector looks up four at once (codes < 8: a selector nibble's bit 3,
// prmt's sign mode, stays clear).
__device__ __forceinline__ void reg_lut_row(const uint4& v, uint32_t (&rt)[4]) {
  rt[0] = __byte_perm(v.x, v.y, 0x6420);
  rt[1] = __byte_perm(v.z, v.w, 0x6420);
  rt[2] = __byte_perm(v.x, v.y, 0x7531);
  rt[3] = __byte_perm(v.z, v.w, 0x7531);
}
// Row h's two A registers from a nibble word wv whose even nibbles hold row g's codes and odd
// ones row g + 8's (h = 0, 1): the row's four codes as a selector (nibbles h, h + 4, h + 2,
// h + 6), the four values' low and high bytes, then lo_pair = the values of nibbles (h, h + 4)
// and hi_pair = those of (h + 2, h + 6). kFma (ANYPREC_LEAN_ALU): the shift by shr_fma and the
// selector c | c >> 12 as c + c >> 12 in one mad.hi (the two have no bit in common: c keeps
// bits 0-3 of each byte); kMask: the code bits of each byte (4, or b where decode_unit left the
// bits above b).
template <bool kFma = false, uint32_t kMask = 0x0F0F0F0Fu>
__device__ __forceinline__ void reg_lut_pairs(const uint32_t (&rt)[4], uint32_t wv, int h,
                                              uint32_t& lo_pair, uint32_t& hi_pair) {
  const uint32_t c = (h ? shr<kFma>(wv, 4) : wv) & kMask;
  uint32_t sel;
  if constexpr (kFma) {
#if ANYPREC_PTX
    asm("mad.hi.u32 %0, %1, %2, %1;" : "=r"(sel) : "r"(c), "r"(1u << 20));
#else
    sel = (uint32_t)(((uint64_t)c << 20) >> 32) + c;
#endif
  } else {
    sel = c | (c >> 12);
  }
  const uint32_t lo = __byte_perm(rt[0], rt[1], sel);
  const uint32_t hi = __byte_perm(rt[2], rt[3], sel);
  lo_pair = __byte_perm(lo, hi, 0x5140);
  hi_pair = __byte_perm(lo, hi, 0x7362);
}

// The LUT pair tables' indices (decode_body.cuh, kPairLanes): a nibble word's eight codes
// n0..n7 -> one word whose bytes are n0 | n4 << 4, n2 | n6 << 4, n1 | n5 << 4, n3 | n7 << 4, the
// code pairs of A registers 0, 2, 1, 3 (register p = nibbles (p, p + 4)). Two shifts and two
// bit selects for four indices; kFma: the right shift by shr_fma.
template <bool kFma = false>
__device__ __forceinline__ uint32_t pair_gather(uint32_t wv) {
  const uint32_t u = bit_select(wv, wv << 12, 0x0F0F0000u);
  return bit_select(u, shr<kFma>(wv, 12), 0x0000F0F0u);
}

// And-or in one instruction: (w & mask) | magic. (Written in C, nvcc emits an AND and an OR for
// most of the calls: 276 instead of 213 instructions per chunk in the b = 4 M1 loop.)
__device__ __forceinline__ uint32_t and_or(uint32_t w, uint32_t mask, uint32_t magic) {
#if ANYPREC_PTX
  uint32_t r;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(r) : "r"(w), "r"(mask), "r"(magic));
  return r;
#else
  return (w & mask) | magic;
#endif
}

// Nibbles 0 and 4 of w (bits 0-3, 16-19) -> two 16-bit values code + C (fp16 C = 1024, bf16 128).
template <typename T>
__device__ __forceinline__ uint32_t nibbles_to_pair(uint32_t w) {
  constexpr uint32_t kMagic = std::is_same_v<T, __half> ? 0x64006400u : 0x43004300u;
  return and_or(w, 0x000F000Fu, kMagic);
}

template <typename T>
struct Magic;
// fp16: 0x6400 | q is exactly 1024 + q for q < 1024 (spacing 1 in [1024, 2048)).
template <>
struct Magic<__half> {
  static constexpr uint32_t kOnes = 0x3C003C00u;
};
// bf16: 0x4300 | q is exactly 128 + q for q < 128 (spacing 1 in [128, 256)); b = 8 codes need a
// detour through fp32 (see codes_to_pair).
template <>
struct Magic<__nv_bfloat16> {
  static constexpr uint32_t kOnes = 0x3F803F80u;
};

// The offset C the int->float magic leaves in a code (0 where the conversion is exact without
// one): 1024 for fp16, 128 for bf16 at b <= 7, 0 for bf16 at b = 8.
template <typename T, int B>
constexpr float magic_c() {
  return std::is_same_v<T, __half> ? 1024.f : (B <= 7 ? 128.f : 0.f);
}

// A MetaWord as the fp32 (s_g, -s_g (z_g + C), s_g8, -s_g8 (z_g8 + C)) the fold uses. For the
// 16-bit table z + C is exact in fp32, so -s (z + C) is one rounding, as uniform_meta computes
// the fp32 table.
template <typename T, int B>
__device__ __forceinline__ float4 unpack_meta(float4 v) {
  return v;
}
// The float16 table's word as fp32 (s_g, z_g, s_g8, z_g8), exact.
__device__ __forceinline__ float4 meta_halves(uint2 v) {
  __half2 h0, h1;
  // (through void*: the host emulator's g++ -Werror rejects a memcpy into a class type)
  memcpy(static_cast<void*>(&h0), &v.x, 4);
  memcpy(static_cast<void*>(&h1), &v.y, 4);
  const float2 a = __half22float2(h0), b = __half22float2(h1);
  return make_float4(a.x, a.y, b.x, b.y);
}
template <typename T, int B>
__device__ __forceinline__ float4 unpack_meta(uint2 v) {
  const float4 m = meta_halves(v);
  constexpr float kC = magic_c<T, B>();
  return make_float4(m.x, -(m.x * (m.y + kC)), m.z, -(m.z * (m.w + kC)));
}

// The decode kernels' fold of a group, acc += s sum_k (q_k - z) x_k from gs = sum_k (q_k + C) x_k
// and sx = sum_k x_k, in two fmas per accumulator (written as acc += s gs + u sx it took three:
// fp contraction cannot reassociate the final add). The MetaWord as fold_meta leaves it:
// - fp32 table: (s, u = -s (z + C)) as stored; acc = fma(s, gs, fma(u, sx, acc));
// - float16 table: (s, v = -(z + C)) in fp32, one add per row where forming u took an add and
//   a multiply; acc = fma(s, fma(v, sx, gs), acc), which also cancels the C terms in one fma.
// (SASS, fused_gemm_b8, fp16 g128, fp32 table: 32 FMA-pipe instructions fewer per chunk-loop
// trip at MT = 2, 16 at MT = 1.) Where (benchmarks/experiments/fold_fma2/README.md, H100):
// - MT = 1 (M <= 8): every width (0.98-1.00 of the three-op fold's time);
// - MT = 2 (M = 9..16): the widths in ANYPREC_FOLD_FMA2_MT2_BITS, default b = 3..8
//   (0.98-0.99). b = 6 on the fp32 table went from 168 to 174 registers at g128, a block fewer
//   per SM (1.10-1.16x the time); on the float16 table (its default since session 51) it takes
//   154 (158 on the three-op fold) and 0.98-0.99 of the time at M = 9..16 (session 52,
//   fold_fma2/final.sh). Not b = 2 (1.01-1.05x);
// - not MT = 4 (M = 17..32): ptxas spilled hundreds of bytes more with it (b = 2, 7, 8 at g32 /
//   g64), at 255 registers already.
// -DANYPREC_FOLD_FMA2=0: the three-op fold everywhere, for A/B runs.
#ifndef ANYPREC_FOLD_FMA2
#define ANYPREC_FOLD_FMA2 1
#endif
#ifndef ANYPREC_FOLD_FMA2_MT2_BITS
#define ANYPREC_FOLD_FMA2_MT2_BITS 0x1F8
#endif
constexpr bool fold_fma2(int bits, int mt) {
  return ANYPREC_FOLD_FMA2 != 0 &&
         (mt == 1 || (mt == 2 && ((ANYPREC_FOLD_FMA2_MT2_BITS) >> bits & 1) != 0));
}
template <typename T, int B, int MT>
__device__ __forceinline__ float4 fold_meta(float4 v) {
  return v;
}
template <typename T, int B, int MT>
__device__ __forceinline__ float4 fold_meta(uint2 v) {
  if constexpr (!fold_fma2(B, MT)) return unpack_meta<T, B>(v);
  const float4 m = meta_halves(v);
  constexpr float kC = magic_c<T, B>();
  return make_float4(m.x, -m.y - kC, m.z, -m.w - kC);
}
// fold_meta's u at rows whose codes were converted as 16 q (decode_body.cuh kNib16: fp16,
// C = 1024, scale s / 16): fp32 table -s (z + 64) = u + 960 s; float16 -(16 z + 1024) =
// 16 v + 15360.
template <int B, int MT>
__device__ __forceinline__ float fold_u_nib16(float s, float u) {
  return meta16(B) && fold_fma2(B, MT) ? fmaf(16.f, u, 15360.f) : fmaf(960.f, s, u);
}
template <int B, int MT>
__device__ __forceinline__ float fold_acc(float acc, float s, float u, float gs, float sx) {
  if constexpr (!fold_fma2(B, MT)) {
    return acc + (s * gs + u * sx);
  } else if constexpr (meta16(B)) {
    return fmaf(s, fmaf(u, sx, gs), acc);
  } else {
    return fmaf(s, gs, fmaf(u, sx, acc));
  }
}

// Two codes (bytes c, c+1 of w; c = 0 or 2) -> two 16-bit values (code + C) packed low/high.
template <typename T, int B>
__device__ __forceinline__ uint32_t codes_to_pair(uint32_t w, int c) {
  if constexpr (std::is_same_v<T, __half>) {
    return __byte_perm(w, 0x64646464u, c == 0 ? 0x4140 : 0x4342);
  } else if constexpr (B <= 7) {
    return __byte_perm(w, 0x43434343u, c == 0 ? 0x4140 : 0x4342);
  } else {
    // 0x4B000000 | q = 2^23 + q as fp32; subtract exactly, convert exactly (q <= 255 fits bf16).
    float lo = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7440 + c)) - 8388608.f;
    float hi = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7441 + c)) - 8388608.f;
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
}

// D += A * B, m16n8k16, fp32 accumulate.
template <typename T>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                         uint32_t b1) {
#ifdef ANYPREC_HOST_SIMT
  simt::mma16816<T>(d, a, b0, b1);
#else
  if constexpr (std::is_same_v<T, __half>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
#endif
}

template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

}  // namespace anyprec
