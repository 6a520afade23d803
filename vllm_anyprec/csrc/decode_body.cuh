// The decode kernels' shared body (fused_gemm_body): one block's walk over its n-tile(s) and K.
// Part of fused_gemm.cuh; every __global__ decode kernel (decode_kernels.cuh) is an instance of it.
#pragma once

#include "decode_knobs.cuh"

namespace anyprec {

// The decode kernel's body. FOLD (uniform only) = 32-k subchunks per fold of the group sums into
// the output accumulators, fixed at compile time (1, 2, 4 or 8; a group never straddles a fold,
// a fold never straddles a chunk), so that a whole 256-k chunk is one basic block: no branch per
// subchunk, no K check (x is zero past K, so the padded codes add nothing), and the scheduler
// can interleave the loads, bit transposes, conversions and mma of all eight subchunks.
// XS (decode, M = 1 and a small x): the block first copies its x row into shared memory and
// the warps read their fragments from there per 32-k subchunk: short latency without the
// chunk-wide x registers, so a register cap of 80 for b <= 4 (3 blocks of 256 threads per SM;
// 128 above, where 80 spills) fits without spills and more warps are resident.
// M1 (uniform, M == 1, not XS): the sums of x per fold come from one mma per chunk on x itself
// (see kSumMma) instead of an all-ones mma per 16 k. ST > 0 (M1 only): the loads go through a
// ring of ST cp.async stages per warp (PIPE). SK (PIPE only): stream-K, every warp of the grid
// takes sk.q consecutive chunks of the (n-tile, chunk) sequence (see SkWork). The body is shared
// by the kernels of decode_kernels.cuh (fused_gemm_kernel, and the M1 kernels with their own
// register limits).
// MW: the most warps per block the kernel launches with (sizes the block reduction).
// X8 (uniform, 2 <= M <= 8): the ring (PIPE, and PT) with all M activation rows in each stage
// (M x 512 bytes per chunk, read back as the B fragments of rows g) and the all-ones sums of x;
// see launch_x8.
// XB (uniform, M <= 8 MT): warps split N instead of K: warp w of block b owns n-tile
// b nw + w over all of K, and the block's warps walk the chunks together through one ring of
// ST stages per block, each holding the chunk's M rows of x once (shared by the nw tiles) and
// every warp's weights and metadata; a block barrier per chunk, no reduction; see launch_xb.
template <typename T, int B, int MT, bool LUT, bool XS, int FOLD, bool M1, int ST, bool SK = false,
          bool PT = false, int MW = kMaxWarps, bool X8 = false, bool XB = false,
          bool XA = false, bool NP = false, int WR = 0, int NT2 = 0, int NTL = 2>
__device__ __forceinline__ void fused_gemm_body(const T* __restrict__ x,
                                                const uint4* __restrict__ qw,
                                                const MetaWord<B>* __restrict__ meta,
                                                const T* __restrict__ lut, T* __restrict__ y,
                                                int M, int N, int K, int C, int group_size,
                                                SkWork sk = SkWork()) {
  static_assert(FOLD == 0 || FOLD == 1 || FOLD == 2 || FOLD == 4 || FOLD == 8,
                "FOLD divides a chunk");
  static_assert(!XS || MT == 1, "XS stages one 8-row activation tile");
  static_assert(!M1 || (MT == 1 && !LUT && !XS), "M1: one activation row, uniform, not XS");
  constexpr bool kPipe = ST > 0;
  static_assert(!X8 || (MT == 1 && !LUT && !XS && !M1 && !SK), "X8: uniform, one 8-row tile");
  static_assert(!XB || (!LUT && !XS && !M1 && !SK && !PT && !X8 && MT <= 2), "XB: uniform");
  // LUT through the ring (LP, see lut_pipe_enabled): M = 1, one activation row per stage.
  static_assert(!kPipe || ((M1 || X8 || XB || LUT) && ST >= 2),
                "PIPE: M1, X8, XB or LUT, >= 2 stages");
  static_assert(!(LUT && kPipe) || (MT == 1 && !XS && !SK && !PT && !X8 && !XB),
                "LP: M = 1, the ring only");
  static_assert(lut_pair_table_bytes<B, LUT, MT>() == 0 || !XS,
                "the LUT pair tables take the dynamic shared memory XS would use");
  static_assert(WR == 0 || (WR >= 2 && !kPipe && !XS && !LUT && !M1 && ANYPREC_META_AHEAD == 0),
                "WR: the uniform register kernels, metadata at the chunk start");
  static_assert(!NT2 || (!kPipe && !XS && !M1 && WR == 0 && ANYPREC_META_AHEAD == 0),
                "NT2: the register kernels, metadata at the chunk start");
  static_assert(!NT2 || !LUT || (NT2 == 1 && MT <= 2 && B <= 4),
                "LN2: the LUT register kernels' single-code tables (b <= 4), M <= 16");
  static_assert(NTL >= 2 && NTL <= 4, "NT2: 2..4 tiles per block");
  static_assert(!SK || kPipe, "SK: the pipelined M1 kernel");
  static_assert(!PT || (kPipe && !SK), "PT: the pipelined M1 kernel, not stream-K");
  // PT (persistent tiles): block b runs n-tiles b, b + gridDim.x, ... one after another, its
  // warps' rings running on across the tile ends (see the PIPE loop).
  const int n16 = (N + kTileN - 1) / kTileN;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int nwarps = blockDim.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  // XB: a tile per warp; NT2: NTL tiles per block (two but in NT2P's NT4 form), ntile, ntile + 1,
  // ... (see the NT2 loop)
  const int ntile = XB ? blockIdx.x * nwarps + warp : NT2 ? NTL * blockIdx.x : blockIdx.x;
  const int n0 = ntile * kTileN;
  const int mbase = blockIdx.y * 8 * MT;
  // PDL (launch_decode): x may be written by the kernel before this one and y read by it, so
  // neither is touched before pdl_wait. ANYPREC_PDL_PREFETCH: this block's first weights (each
  // warp's first two chunks, one line per lane) and LUT rows are pulled into L2 meanwhile.
  // kEarlyW (ANYPREC_PDL_EW): the wait moves below the first weight loads (wait_prev).
  constexpr bool kEarlyW = ANYPREC_PDL_EW && !XS && !SK && !XB && (!PT || ANYPREC_PDL_EW == 2);
  constexpr bool kEarlyTrigger = pdl_et_takes(LUT, MT, PT);
  auto wait_prev = [&]() {
    pdl_wait();
    if constexpr (kEarlyTrigger) pdl_launch_dependents();
  };
  if constexpr (!SK && !XB && ANYPREC_PDL_PREFETCH) {
    const char* q0 = reinterpret_cast<const char*>(qw + (size_t)ntile * C * B * 32);
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const int c = warp + j * nwarps;
      if (c < C && lane < 4 * B) prefetch_l2(q0 + ((size_t)c * B * 32) * 16 + lane * 128);
    }
    if constexpr (LUT) {
      const int rows = min(kTileN, N - n0);
      const char* l0 = reinterpret_cast<const char*>(lut + ((size_t)n0 << B));
      for (int i = threadIdx.x; i * 128 < (rows << B) * 2; i += blockDim.x)
        prefetch_l2(l0 + i * 128);
    }
  }
  if constexpr (!kEarlyW) wait_prev();
  // Activations of a whole chunk are loaded up front (one latency per chunk, not per 32 k).
  // (Loading them one chunk ahead, like the weights, measured 5-30% slower: 32 more registers.)
  constexpr bool kXChunk = !XS && ANYPREC_X_CHUNK && MT <= 2;
  // Dynamic shared memory: XS: x as [rows][K / 8], rows = min(8, M - mbase); PIPE: the warps'
  // stage rings.
  ANYPREC_DYNAMIC_SMEM(uint4, xs_tile);
  const int xs_rows = XS ? min(8, M - mbase) : 0;
  if constexpr (XS) {
    const int kv = K >> 3;
    for (int i = threadIdx.x; i < xs_rows * kv; i += blockDim.x) {
      const int r = i / kv;
      xs_tile[i] = *reinterpret_cast<const uint4*>(x + (size_t)(mbase + r) * K + (i - r * kv) * 8);
    }
    if constexpr (!LUT) __syncthreads();  // LUT: the table fill below syncs once for both
  }
  constexpr bool kNibbles = B <= 4;  // 4-bit codes: see the two layouts in cuda_layout.py
  // fp16, b <= 4: the codes of rows g + 8 are converted in place as 16q (nibble 1 of a byte:
  // 0x6400 | q << 4 = 1024 + 16q, exact), which saves a shift per A register; the fold divides
  // those rows' scale by 16 (exact) and moves their offset to match.
  constexpr bool kNib16 = std::is_same_v<T, __half> && kNibbles && !LUT;
  // In the M = 1 uniform and the b <= 4 LUT kernels: ANYPREC_LEAN_MASK (anyprec.cuh, on) the
  // packed b = 2, 3 nibble words masked by their consumer (kNibMask bits: fp16 uniform's
  // A-register and-or, the LUT register tables' selectors) instead of in decode_unit;
  // ANYPREC_LEAN_ALU (off) that and the shifts on the FMA pipe.
  constexpr bool kRegLut =
      LUT && B <= 3 && ANYPREC_LUT_REGS && (lut_pair_table_bytes<B, LUT, MT>() == 0 || NP);
  constexpr bool kLeanScope = M1 || (LUT && kNibbles);
  constexpr bool kLeanFma = ANYPREC_LEAN_ALU && kLeanScope;
  constexpr bool kLeanMask = (ANYPREC_LEAN_ALU || ANYPREC_LEAN_MASK) && kLeanScope &&
                             (kNib16 || kRegLut) && packed_transposed(B);
  constexpr uint32_t kNibMask = kLeanMask ? nib_mask<B>() : 0xFu;

  __shared__ float red[SK || PT || XB ? 1 : MW][MT * 4][32];  // (SK, PT, XB: not this one)
  // PT's per-tile reduction (X8: the 8 activation rows' sums, [row m][n] per warp)
  __shared__ float pred[PT ? 2 : 1][PT ? kMaxWarps : 1][X8 ? 8 * kTileN : kTileN];
  // LUT: the 16 rows' tables, as 16-bit values, loaded once per block.
  // LUT, b >= 5: per-lane tables instead (kLanesW, see lw_tab below).
  constexpr bool kLanesW = LUT && B >= 5 && ANYPREC_LUT_LANES_WIDE && (B <= 7 || MT <= 2);
  // LUT, b <= 3: the tables in registers instead (kRegLut above, rt below).
  __shared__ uint16_t tab[LUT && !kLanesW && !kRegLut ? (kTileN << B) : 1];
  // LUT, b <= 4: pair tables, entry (lo | hi << b) of a row = its values of codes lo and hi
  // packed as one A register (4^b entries per row, 16 KB per block at b = 4): one 32-bit lookup
  // per two weights instead of two 16-bit lookups and a byte permute.
  constexpr bool kPairs = LUT && B <= 4 && ANYPREC_LUT_PAIRS;
  __shared__ uint32_t tab2[kPairs ? (kTileN << (2 * B)) : 1];
  // LUT, b <= 4: one table copy per lane, entry c of lane l's row (g, or g + 8 for half 1) at
  // word [half][c][l], so every lane reads its own bank: a conflict-free lookup. With the
  // shared 16-row table the 8 rows a warp reads at once sit in 4 bank sets, so rows g and g + 4
  // (and the 4 lanes of a row reading different codes) collide: ~3 wavefronts per lookup.
  // 2 x 2^b x 32 words (4 KB per block at b = 4), each half aligned to its size kLtAlign, so
  // that a code's byte offset 128 c (< kLtAlign) is or-ed into the address, not added. The
  // alignment is made at run time in an array with kLtAlign bytes of slack: a static __align__
  // did not give it (wrong results at b = 4 on the H200, where a half is 2 KB; the static
  // shared addresses seem to start past the 1 KB that sm_80+ reserves per block).
  // LUT, b = 4 (b = 2..4 with ANYPREC_LUT_PAIR_LANES=2): per-lane tables of code pairs instead.
  // Entry lo | hi << 4 of a half (rows g: half 0, g + 8: half 1) holds the row's values of codes
  // lo and hi as one A register; word [half][entry][lane] (b = 4: 2 x 256 x 128 bytes = 64 KB, in
  // dynamic shared memory at xs_tile), so every lane reads its own bank. A nibble word's four A
  // registers' code pairs are gathered into the four bytes of one word (two shifts, two bit
  // selects), and each byte becomes its entry's address in two ops (lw_addr): per A register
  // one shared load and ~3 integer ops, where kLanes takes two loads, ~5 ops and a byte
  // permute (and kRegLut ~4 ops on the ALU pipe).
  // MT <= 2 (M <= 16): at MT = 4 the kernel took 182 registers instead of 150.
  // NP: the instance without them, for the weights lut_pairs_take leaves out.
  constexpr bool kPairLanes = lut_pair_table_bytes<B, LUT, MT>() > 0 && !kPairs && !NP;
  constexpr uint32_t kPtabHalf = 128u * lut_pair_entries(B);  // bytes per half
  constexpr int kPtabU4 = kPairLanes ? (int)(2 * kPtabHalf / 16) : 0;
  const uint32_t pt0 = (uint32_t)__cvta_generic_to_shared(xs_tile) + 4 * lane;
  constexpr bool kLanes = LUT && B <= 4 && !kPairs && !kRegLut && !kPairLanes && ANYPREC_LUT_LANES;
  constexpr uint32_t kLtAlign = 128u << B;
  // LN2 (NT2 for LUT): kLutTiles tiles' tables, tile u's two halves 2 u kLtAlign bytes on.
  constexpr int kLutTiles = LUT && NT2 ? NTL : 1;
  static_assert(!(LUT && NT2) || kLanes || kRegLut, "LN2: the per-lane or register tables");
  __shared__ uint32_t ltab[kLanes ? ((2 * kLutTiles + 1) * kLtAlign / 4) : 1];
  const uint32_t lt_base =
      ((uint32_t)__cvta_generic_to_shared(ltab) + kLtAlign - 1) & ~(kLtAlign - 1);
  // kLanes: shared addresses of this lane's word for code 0 in the two halves
  const uint32_t lt0 = lt_base + 4 * lane, lt1 = lt0 + kLtAlign;
  // LUT, b >= 5 (kLanesW): one table copy per lane as well, the values of rows g (low half)
  // and g + 8 (high half) packed in one word: word [c][lane], 2^b x 128 bytes (32 KB at b = 8,
  // so not with the 16 KB reduction array of MT = 4), at any base (lane l's word sits in bank
  // base + l for every code). A lookup is the code shifted to 32 c words and a 32-bit load; a
  // byte permute then takes the low or the high halves of two lookups.
  // LO (ANYPREC_LUT_WIDE_OR, lw_or_addr): 64 words per code instead of 32, the table at
  // lw_base, aligned to its size kLwOrBytes inside an array of twice that.
  constexpr bool kLwOr = kLanesW && B <= 6 && MT <= 2 && ((ANYPREC_LUT_WIDE_OR >> B) & 1);
  constexpr uint32_t kLwOrBytes = 256u << B;
  __shared__ __align__(16) uint32_t lw_tab[kLanesW ? (kLwOr ? kLwOrBytes / 2 : 32 << B) : 1];
  const uint32_t* const lw = lw_tab + lane;
  const uint32_t lw_base =
      kLwOr ? ((uint32_t)__cvta_generic_to_shared(lw_tab) + kLwOrBytes - 1) & ~(kLwOrBytes - 1)
            : (uint32_t)__cvta_generic_to_shared(lw_tab);
  // ANYPREC_LUT_WIDE_ADDR (anyprec.cuh, lw_addr): the lookups by shared address, from lwb =
  // this lane's word of code 0.
  constexpr bool kLwAddr = kLanesW && !kLwOr && B <= ANYPREC_LUT_WIDE_ADDR;
  const uint32_t lwb = lw_base + 4 * lane;
  // Builds the LUT tables of this block's n-tile (then a barrier); called once the first weight
  // loads are in flight, so their latency and the table's overlap. The per-lane tables are
  // filled from 16-byte loads (8 codes of a row; 8 bytes at b = 2), each value stored to its
  // row's four lanes with one 16-byte store: the load latency is paid about once per block (the
  // element-wise fill paid it once per 2 to 64 values per thread at b = 2..8, before any weight
  // load of the block was issued). check_lut makes the rows' alignment a precondition. (LP
  // calls it once its ring's first stages are issued.)
  // kRegLut: rt[h] = row g's (h = 0) or g + 8's (h = 1) values as reg_lut_row packs them.
  uint32_t rt[kRegLut ? 2 : 1][4];
  // LN2: rtx[u] the same for tile u + 1 (rows 16 (u + 1) on).
  uint32_t rtx[kRegLut && NT2 ? kLutTiles - 1 : 1][kRegLut ? 2 : 1][4];
  auto fill_tables = [&]() {
    if constexpr (kRegLut) {
      auto reg_row = [&](int r, uint32_t (&dst)[4]) {  // row r's table (zeros past N)
        const uint4 v =
            r < N ? load_bytes<2 << B>(lut + ((size_t)r << B)) : make_uint4(0, 0, 0, 0);
        reg_lut_row(v, dst);
      };
#pragma unroll
      for (int h = 0; h < 2; ++h) reg_row(n0 + g + 8 * h, rt[h]);
      if constexpr (NT2) {
#pragma unroll
        for (int u = 0; u < kLutTiles - 1; ++u)
#pragma unroll
          for (int h = 0; h < 2; ++h) reg_row(n0 + (u + 1) * kTileN + g + 8 * h, rtx[u][h]);
      }
    } else if constexpr (kLanesW) {
      // Item (row g, codes [8 cg, 8 cg + 8)): rows n0 + g (low halves) and n0 + g + 8 (high).
      const uint4* lut4 = reinterpret_cast<const uint4*>(lut);
      const uint32_t lw0 = lw_base;
      constexpr int kCodeShift = kLwOr ? 6 : 5;  // log2 of the words per code
      for (int i = threadIdx.x; i < (1 << B); i += blockDim.x) {
        const int gr = i & 7, cg = i >> 3, r = n0 + gr;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 lo = r < N ? lut4[((size_t)r << (B - 3)) + cg] : zero;
        const uint4 hi = r + 8 < N ? lut4[((size_t)(r + 8) << (B - 3)) + cg] : zero;
        // word [c][4 g .. 4 g + 3] = value(g, c) | value(g + 8, c) << 16
#pragma unroll
        for (int e = 0; e < 8; ++e)
          sts32x4(lw0 + 4 * (((8 * cg + e) << kCodeShift) + 4 * gr),
                  __byte_perm(comp(lo, e >> 1), comp(hi, e >> 1), e & 1 ? 0x7632 : 0x5410));
      }
      __syncthreads();
    } else if constexpr (kPairLanes) {
      // Item (half h, row gr of 8, high code ch): row r = n0 + gr + 8 h's entries lo | ch << 4,
      // lo < 2^b, each stored to the row's four lanes with one 16-byte store. (b < 4: the
      // entries with a code bit above b set are never read, and not written.) gr varies
      // fastest: a warp's eight rows fill one 128-byte line of banks, so each 16-byte store
      // instruction takes the 4 wavefronts its 512 bytes need (with ch fastest, all 32 threads
      // hit the same 8 banks: 16 wavefronts at b = 4, found by review in session 35).
      constexpr int kCodes = 1 << B;
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      const uint32_t pbase = (uint32_t)__cvta_generic_to_shared(xs_tile);
      for (int i = threadIdx.x; i < 16 * kCodes; i += blockDim.x) {
        const int gr = i & 7, ch = (i >> 3) & (kCodes - 1), h = i >> (B + 3);
        const int r = n0 + gr + 8 * h;
        const bool ok = r < N;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 v0 = ok ? load_bytes<(2 << B) < 16 ? 8 : 16>(lut16 + ((size_t)r << B)) : zero;
        const uint4 v1 = ok && B == 4 ? load_bytes<16>(lut16 + ((size_t)r << B) + 8) : zero;
        const uint32_t hi = ok ? (uint32_t)lut16[((size_t)r << B) + ch] << 16 : 0u;
        const uint32_t base = pbase + h * kPtabHalf + (uint32_t)ch * (16 * 128) + 16 * gr;
#pragma unroll
        for (int lo = 0; lo < kCodes; ++lo) {
          const uint32_t v = comp(lo < 8 ? v0 : v1, (lo & 7) >> 1);
          sts32x4(base + 128 * lo, (lo & 1 ? v >> 16 : v & 0xFFFFu) | hi);
        }
      }
      __syncthreads();
    } else if constexpr (kLanes) {
      // Item (row rr of 16, codes [kE cg, kE cg + kE)); the value in the word's low half.
      constexpr int kE = B >= 3 ? 8 : 4;
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      // (LN2: rows rr of 16 kLutTiles, tile rr / 16's table)
      constexpr int kRowShift = kLutTiles == 4 ? 6 : kLutTiles == 2 ? 5 : 4;
      static_assert(16 * kLutTiles == 1 << kRowShift, "LN2: 1, 2 or 4 tiles' tables");
      for (int i = threadIdx.x; i < (16 * kLutTiles << B) / kE; i += blockDim.x) {
        const int rr = i & (16 * kLutTiles - 1), cg = i >> kRowShift, r = n0 + rr;
        const uint4 v = r < N ? load_bytes<2 * kE>(lut16 + ((size_t)r << B) + cg * kE)
                              : make_uint4(0, 0, 0, 0);
        const uint32_t base = lt_base + (rr >> 3) * kLtAlign + 16 * (rr & 7);
#pragma unroll
        for (int e = 0; e < kE; ++e)
          sts32x4(base + 128 * (cg * kE + e), (comp(v, e >> 1) >> (16 * (e & 1))) & 0xFFFFu);
      }
      __syncthreads();
    } else if constexpr (LUT) {
      const uint16_t* lut16 = reinterpret_cast<const uint16_t*>(lut);
      for (int i = threadIdx.x; i < (kTileN << B); i += blockDim.x) {
        const int r = n0 + (i >> B);
        tab[i] = r < N ? lut16[((size_t)r << B) + (i & ((1 << B) - 1))] : uint16_t(0);
      }
      __syncthreads();
      if constexpr (kPairs) {
        constexpr int kMask = (1 << B) - 1;
        for (int i = threadIdx.x; i < (kTileN << (2 * B)); i += blockDim.x) {
          const uint16_t* tr = tab + ((i >> (2 * B)) << B);
          tab2[i] = (uint32_t)tr[i & kMask] | ((uint32_t)tr[(i >> B) & kMask] << 16);
        }
        __syncthreads();
      }
    }
  };

  // ANYPREC_X_FULL (kXFull): whole chunks load x unchecked; rows past M then point at row M - 1
  // (see the macro). LUT, and uniform groups of 128 and of whole chunks (FOLD 4, 8), the
  // benchmarks' widths: at groups of 32 or irregular sizes (FOLD 1, 0) ptxas gave the b = 4
  // kernels 11-27 more registers, at 64 (FOLD 2) b = 2 M = 9..16 spilled 12-24 bytes.
  // (bit (LUT ? 2 : 0) + MT - 1 of the mask; MT <= 2 by kXChunk)
  constexpr int kXFullBits = (!LUT && MT == 2) ? ANYPREC_X_FULL_U2_BITS : ANYPREC_X_FULL_BITS;
  constexpr bool kXFull = ((ANYPREC_X_FULL >> ((LUT ? 2 : 0) + MT - 1)) & 1) &&
                          ((kXFullBits >> B) & 1) && kXChunk && !kPipe &&
                          (LUT || FOLD >= 4);
  const T* xrow[MT];
  bool xok[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    const int m = mbase + mt * 8 + g;
    xok[mt] = m < M;
    xrow[mt] = x + (size_t)(xok[mt] ? m : (kXFull ? M - 1 : 0)) * K;
  }
  auto load_x = [&](int kx, int mt) -> uint4 {
#ifdef ANYPREC_EXPERIMENT_NO_X  // timing experiment only: wrong results
    return make_uint4(kx, mt, lane, 0x3C003C00u);
#endif
    if constexpr (XS) {
      return (g < xs_rows && kx < K) ? xs_tile[g * (K >> 3) + (kx >> 3)] : make_uint4(0, 0, 0, 0);
    }
    return (xok[mt] && kx < K) ? *reinterpret_cast<const uint4*>(xrow[mt] + kx)
                               : make_uint4(0, 0, 0, 0);
  };

  // Two accumulator sets (even / odd k-tile) halve the chain of dependent mma.
  // Accumulator sets per sum: 2 splits each mma chain in two (even / odd 16-k halves); 1 saves
  // 8 registers and the adds of the fold. Measured (benchmarks/experiments/decode_v6/, s1m0): 1
  // with the metadata loaded at the chunk start is 4-17% faster at M = 1..16 except in the XS
  // kernels (b >= 7 at M = 1: 10-15% slower), which keep 2 and the metadata one chunk ahead.
  constexpr int kSets = XS ? 2 : ANYPREC_ACC_SETS;
  float acc[MT][4], gacc[kSets][MT][4], sx[kSets][MT][4];
  // kSumXA (see ANYPREC_SUM_XA): tile mt's sums of x in sxa[mt], d0 + d2 = activation row g
  // (columns 2t, 2t + 1 repeat them).
  // (XA: the capped M = 9..16 kernel, which takes them at every b it runs at.)
  constexpr bool kSumXA = !LUT && !M1 && (XA || sum_xa_wins(B, MT));
  float sxa[kSumXA ? MT : 1][4] = {};
  // NT2: the output sums of tiles B, ... (the chunk math runs on acc, swapped with these around
  // each of their calls; the group sums gacc / sx / sxa are zero at every chunk's end, a fold
  // never straddling a chunk, so they need no second set).
  constexpr int kNtX = NT2 ? NTL - 1 : 1;  // the tiles after tile A (arrays' extent)
  float acc2[kNtX][NT2 ? MT : 1][4] = {};
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      acc[mt][j] = 0.f;
#pragma unroll
      for (int e = 0; e < kSets; ++e) gacc[e][mt][j] = sx[e][mt][j] = 0.f;
    }

  // The fold metadata of rows g and g+8 (a MetaWord per fold, fold_meta); one chunk ahead
  // (with the weights) where that costs at most 8 registers, else at the start of the chunk.
  // The group of a fold: for
  // FOLD = 1, 2, 4 (group = FOLD subchunks) fold f of chunk c is group 8c/FOLD + f; for FOLD = 8
  // (groups of whole chunks) c / cpg, cpg = chunks per group, tracked by a running quotient and
  // remainder so no division is left in the loop; FOLD = 0 (any other multiple of 32) divides
  // per subchunk. Groups past K (padding) are clamped to the last one, harmlessly: their x is 0.
  constexpr int kFoldSubs = FOLD == 0 ? 1 : FOLD;  // subchunks per fold
  constexpr int kFolds = LUT ? 1 : folds_per_chunk(FOLD);
  constexpr bool kMetaAhead = (XS || ANYPREC_META_AHEAD) && kFolds <= 2;
  // M1: with one activation row, sum x per subchunk is one mma per chunk with x as A (lane l
  // loads x[8l, 8l + 8) of the chunk into its four A registers, so row g of A holds halves
  // {0, 1, 4, 5} and row g + 8 halves {2, 3, 6, 7} of subchunk g) and all-ones B: d0 + d2 of lane
  // (g, t) is the sum of subchunk g, which shuffles turn into each fold's sum in every lane.
  // 1 mma instead of the 16 all-ones mma per chunk (half the tensor-pipe work at M = 1).
  constexpr bool kSumMma = M1;
  const int gsub = group_size >> 5;
  // (LUT: no groups, and group_size is 0: no division, which a host build would trap on)
  const int G = LUT ? 1 : (K + group_size - 1) / group_size;
  const MetaWord<B>* mbase_ptr = meta + (size_t)ntile * 8 + g;
  const int mstride = (SK || PT || XB || NT2 ? n16 : gridDim.x) * 8;
  const int cpg = FOLD == 8 ? gsub >> 3 : 1;
  int gq = 0, gr = 0, dq = 0, dr = 0;  // FOLD = 8: the next chunk to load is gq * cpg + gr
  if constexpr (FOLD == 8 && !LUT) {
    gq = warp / cpg;
    gr = warp - gq * cpg;
    dq = nwarps / cpg;
    dr = nwarps - dq * cpg;
  }
  // Group of fold f of chunk cc, then the step to the warp's next chunk (chunks are visited in
  // order: warp, warp + nwarps, ...; SK: a division per chunk instead, its chunks run across
  // tiles).
  auto group_of = [&](int cc, int f) {
    int gi;
    if constexpr (FOLD == 8) {
      gi = SK || PT || XB ? cc / cpg : gq;
    } else if constexpr (FOLD == 0) {
      gi = (cc * 8 + f) / gsub;
    } else {
      gi = cc * kFolds + f;
    }
    return gi < G - 1 ? gi : G - 1;
  };
  auto next_chunk_groups = [&]() {
    if constexpr (FOLD == 8 && !SK && !PT && !XB) {
      gq += dq;
      gr += dr;
      if (gr >= cpg) {
        gr -= cpg;
        ++gq;
      }
    }
  };
  // Loads the metadata of chunk cc.
  auto load_meta = [&](int cc, MetaWord<B> (&m)[kFolds]) {
    if constexpr (!LUT) {
#pragma unroll
      for (int f = 0; f < kFolds; ++f) m[f] = mbase_ptr[group_of(cc, f) * mstride];
      next_chunk_groups();
    }
  };

  const uint4* qbase = qw + (size_t)ntile * C * B * 32 + lane;
  // NT2: tile u + 1 = ntile + u + 1, if the weight has it (else tile A's words again, never
  // stored)
  bool has2[kNtX];
  const uint4* qbase2[kNtX];
  const MetaWord<B>* mbase2[kNtX];
#pragma unroll
  for (int u = 0; u < kNtX; ++u) {
    has2[u] = NT2 && ntile + u + 1 < n16;
    qbase2[u] = has2[u] ? qbase + (size_t)(u + 1) * C * B * 32 : qbase;
    mbase2[u] = mbase_ptr + (has2[u] ? 8 * (u + 1) : 0);
  }
  uint4 xc[kXChunk ? 8 : 1][MT];  // (not PIPE) x of the chunk, see kXChunk
  // The math of chunk cc: cw = its B plane vectors of this lane, mc = its folds' metadata, xa =
  // x[8 lane, 8 lane + 8) of the chunk (M1 sums); PIPE: xsm = the chunk's x in shared memory.
  // role (a constant at every call, so that the inlined copies fold their branches; a generic
  // lambda with an integral_constant crashed cicc 13.0): 0 the plain chunk; NT2 = 2's tile A
  // (1: its folds' sums of x kept in ssum) and tile B (2: ssum taken instead of the sums' mma
  // and shuffles); LN2 (LUT): 3 + u for tile u + 1 (its tables).
  static_assert(NT2 != 2 || kSumXA, "NT2 = 2 shares the sums of x as A");
  constexpr int kSsumFolds = NT2 == 2 ? kFolds : 1;
  float ssum[kSsumFolds][MT][2];
  auto chunk_r = [&](const uint4 (&cw)[B], const MetaWord<B> (&mc)[kFolds], uint4 xa, int cc,
                     const uint4* xsm, const int role) {
    // LN2: tile role - 2's tables at roles 3, 4, ... (tiles B, C, ...); tile A's otherwise
    [[maybe_unused]] const int lt_tile = role >= 3 ? role - 3 : 0;
    [[maybe_unused]] const uint32_t lt_off = role >= 3 ? 2u * (role - 2) * kLtAlign : 0u;
    float fsum[kSumMma ? kFolds : 1];
    if constexpr (kSumMma) {
      const uint32_t xa4[4] = {xa.x, xa.y, xa.z, xa.w};
      float d[4] = {0.f, 0.f, 0.f, 0.f};
      mma16816<T>(d, xa4, Magic<T>::kOnes, Magic<T>::kOnes);
      float v = d[0] + d[2];  // subchunk g
      // Subchunk g is lane bits 2..4: add over the fold's subchunks, then take fold f's sum
      // from its first lane (every lane already has it when the fold is the whole chunk).
#pragma unroll
      for (int o = 4; o < 4 * kFoldSubs; o <<= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
#pragma unroll
      for (int f = 0; f < kFolds; ++f)
        fsum[f] = kFolds == 1 ? v : __shfl_sync(0xFFFFFFFFu, v, 4 * kFoldSubs * f);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint32_t w[8];
      decode_unit<B, kLeanFma, kLeanMask>(cw, i, w);
#pragma unroll
      for (int s = 0; s < 2; ++s) {
        const int q = 2 * i + s;  // subchunk in the chunk
        uint4 xv[MT];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          if constexpr (X8 || XB) {
            // row 8 mt + g's piece (4q + t) of the chunk, stored at (4q + t) ^ 4 in odd rows (see
            // issue)
            xv[mt] = xok[mt] ? xsm[32 * (8 * mt + g) + ((4 * q + t) ^ ((g & 1) << 2))]
                             : make_uint4(0, 0, 0, 0);
          } else {
            xv[mt] = kPipe     ? xsm[4 * q + t]
                    : kXChunk ? xc[kXChunk ? q : 0][mt]
                              : load_x(cc * kChunkK + q * 32 + 8 * t, mt);
          }
        }
        if constexpr (kSumXA) {
          if (role != 2) {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              const uint32_t xa4[4] = {xv[mt].x, xv[mt].y, xv[mt].z, xv[mt].w};
              mma16816<T>(sxa[mt], xa4, Magic<T>::kOnes, Magic<T>::kOnes);
            }
          }
        }
#pragma unroll
        for (int u = 0; u < 2; ++u) {
          uint32_t a[4];
          if constexpr (kNib16) {
            // nibbles (p, p + 4) of the word, p = 0..3 -> A register p; odd p are rows g + 8,
            // taken in place as 16q.
            constexpr uint32_t kMagic = 0x64006400u;
            constexpr uint32_t kLo = 0x00010001u * kNibMask, kHi = kLo << 4;
            const uint32_t wv = w[2 * s + u], hv = shr<kLeanFma>(wv, 8);
            a[0] = and_or(wv, kLo, kMagic);
            a[1] = and_or(wv, kHi, kMagic);
            a[2] = and_or(hv, kLo, kMagic);
            a[3] = and_or(hv, kHi, kMagic);
          } else if constexpr (kNibbles) {
            // b <= 4: word kt holds nibble codes; A register p = nibbles (p, p + 4).
            const uint32_t wv = w[2 * s + u];
            if constexpr (kPairLanes) {
              // y's bytes: the pair indices of A registers 0, 2, 1, 3 (pair_gather)
              const uint32_t y = pair_gather<kLeanFma>(wv);
              const uint32_t pt1 = pt0 + kPtabHalf;
              a[0] = lds32(lw_addr<0>(y, pt0));
              a[2] = lds32(lw_addr<1>(y, pt0));
              a[1] = lds32(lw_addr<2>(y, pt1));
              a[3] = lds32(lw_addr<3>(y, pt1));
            } else if constexpr (kRegLut) {
              // Rows g (even nibbles) and g + 8 (odd): the row's four codes as a selector
              // (nibbles 0, 4, 2, 6 of wv, or 1, 5, 3, 7), then the four values' low and high
              // bytes, then A registers (p, p + 4) = bytes (0, 1) and (2, 3) of both.
#pragma unroll
              for (int h = 0; h < 2; ++h)
                reg_lut_pairs<kLeanFma, 0x01010101u * kNibMask>(
                    role >= 3 ? rtx[lt_tile][h] : rt[h], wv, h, a[h], a[h + 2]);
            } else {
#pragma unroll
              for (int p = 0; p < 4; ++p) {
                if constexpr (kPairs) {
                  // codes of nibbles p (low half) and p + 4 (high half) -> index lo | hi << b
                  constexpr uint32_t kM = (1u << B) - 1;
                  const uint32_t v = (wv >> (4 * p)) & (kM | kM << 16);
                  const uint32_t e = (v | (v >> (16 - B))) & ((1u << (2 * B)) - 1);
                  a[p] = tab2[((g + 8 * (p & 1)) << (2 * B)) + e];
                } else if constexpr (kLanes) {
                  // code c at byte 128 c of the lane's column: one shift and one and-or each
                  const uint32_t lt = (p & 1 ? lt1 : lt0) + (role >= 3 ? lt_off : 0u);
                  const uint32_t lo =
                      (4 * p >= 7 ? shr<kLeanFma>(wv, 4 * p - 7) : wv << (7 - 4 * p));
                  const uint32_t hi = shr<kLeanFma>(wv, 4 * p + 9);
                  a[p] = __byte_perm(lds32(and_or(lo, 0x780u, lt)), lds32(and_or(hi, 0x780u, lt)),
                                     0x5410);
                } else if constexpr (LUT) {
                  const uint16_t* tr = tab + ((g + 8 * (p & 1)) << B);
                  a[p] = __byte_perm(tr[(wv >> (4 * p)) & 0xF], tr[(wv >> (4 * p + 16)) & 0xF],
                                     0x5410);
                } else {
                  a[p] = nibbles_to_pair<T>(shr<kLeanFma>(wv, 4 * p));
                }
              }
            }
          } else if constexpr (kLanesW) {
            const int ow = 4 * s + 2 * u;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const uint32_t wv = w[ow + h];  // bytes 0, 1: rows g; bytes 2, 3: rows g + 8
              uint32_t v0, v1, v2, v3;
              if constexpr (kLwOr) {
                v0 = lds32(lw_or_addr<0>(wv, lwb));
                v1 = lds32(lw_or_addr<1>(wv, lwb));
                v2 = lds32(lw_or_addr<2>(wv, lwb));
                v3 = lds32(lw_or_addr<3>(wv, lwb));
              } else if constexpr (kLwAddr) {
                v0 = lds32(lw_addr<0>(wv, lwb));
                v1 = lds32(lw_addr<1>(wv, lwb));
                v2 = lds32(lw_addr<2>(wv, lwb));
                v3 = lds32(lw_addr<3>(wv, lwb));
              } else {
                v0 = lw[(wv & 0xFFu) << 5];
                v1 = lw[((wv >> 8) & 0xFFu) << 5];
                v2 = lw[((wv >> 16) & 0xFFu) << 5];
                v3 = lw[(wv >> 24) << 5];
              }
              a[2 * h] = __byte_perm(v0, v1, 0x5410);
              a[2 * h + 1] = __byte_perm(v2, v3, 0x7632);
            }
          } else if constexpr (LUT) {
            const int ow = 4 * s + 2 * u;
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
            const int ow = 4 * s + 2 * u;
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
            mma16816<T>(gacc[u % kSets][mt], a, b0, b1);
            if constexpr (!LUT && !kSumMma && !kSumXA) {
              const uint32_t ones[4] = {Magic<T>::kOnes, Magic<T>::kOnes, Magic<T>::kOnes,
                                        Magic<T>::kOnes};
              mma16816<T>(sx[u % kSets][mt], ones, b0, b1);
            }
          }
        }
        if constexpr (!LUT) {
          // Fold this group's sums (a constant condition once unrolled).
          if ((q + 1) % kFoldSubs == 0) {
            const float4 m = fold_meta<T, B, MT>(mc[q / kFoldSubs]);
            float s8 = m.z, u8 = m.w;
            if constexpr (kNib16) {  // rows g + 8 summed (1024 + 16q) x: s/16 and u to match
              u8 = fold_u_nib16<B, MT>(s8, u8);
              s8 *= 0.0625f;
            }
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              float gs[4], s0 = sx[0][mt][0], s1 = sx[0][mt][1];
#pragma unroll
              for (int j = 0; j < 4; ++j) gs[j] = gacc[0][mt][j];
#pragma unroll
              for (int e = 1; e < kSets; ++e) {
                s0 += sx[e][mt][0];
                s1 += sx[e][mt][1];
#pragma unroll
                for (int j = 0; j < 4; ++j) gs[j] += gacc[e][mt][j];
              }
              if constexpr (kSumMma) s0 = s1 = fsum[q / kFoldSubs];  // (column 1: not stored)
              if constexpr (kSumXA) {
                float (&sv)[2] = ssum[NT2 == 2 ? q / kFoldSubs : 0][mt];
                if (role == 2) {
                  s0 = sv[0];
                  s1 = sv[1];
                } else {
                  // columns 2t, 2t + 1 of tile mt = activation rows 2t, 2t + 1: lanes 8t, 8t + 4
                  const float v = sxa[mt][0] + sxa[mt][2];
                  s0 = __shfl_sync(0xFFFFFFFFu, v, 8 * t);
                  s1 = __shfl_sync(0xFFFFFFFFu, v, 8 * t + 4);
                  if (role == 1) {
                    sv[0] = s0;
                    sv[1] = s1;
                  }
                }
              }
              acc[mt][0] = fold_acc<B, MT>(acc[mt][0], m.x, m.y, gs[0], s0);
              acc[mt][1] = fold_acc<B, MT>(acc[mt][1], m.x, m.y, gs[1], s1);
              acc[mt][2] = fold_acc<B, MT>(acc[mt][2], s8, u8, gs[2], s0);
              acc[mt][3] = fold_acc<B, MT>(acc[mt][3], s8, u8, gs[3], s1);
#pragma unroll
              for (int j = 0; j < 4; ++j) {
#pragma unroll
                for (int e = 0; e < kSets; ++e) {
                  gacc[e][mt][j] = 0.f;
                  if constexpr (!kSumMma) sx[e][mt][j] = 0.f;
                }
                if constexpr (kSumXA) {
                  if (role != 2) sxa[mt][j] = 0.f;
                }
              }
            }
          }
        }
      }
    }
  };
  auto chunk = [&](const uint4 (&cw)[B], const MetaWord<B> (&mc)[kFolds], uint4 xa, int cc,
                   const uint4* xsm) {
    chunk_r(cw, mc, xa, cc, xsm, 0);
  };

  if constexpr (XB) {
    // One ring per block: stage j holds chunk j's x (M rows, as X8 lays them out) and each
    // warp's weights and fold metadata. Per chunk: wait for this thread's copies of the chunk,
    // a block barrier (every thread's copies have landed, and every warp is done with the stage
    // the next copies overwrite), issue the chunk ST - 1 ahead, then the math. Warps past the
    // last n-tile copy x and keep the barriers, nothing else.
    const bool wact = ntile < n16;
    constexpr int wsu = pipe_stage_uint4(B, kFolds, 0);  // uint4 per warp per stage
    const int su = xb_stage_uint4(B, kFolds, M, nwarps);  // uint4 per stage
    constexpr int kPieceLanes = kMetaU4<B> == 8 ? 7 : 0;
    constexpr int kPieceShift = kMetaU4<B> == 8 ? 3 : 2;
    const MetaWord<B>* mlane = meta + (size_t)ntile * 8 + (lane & kPieceLanes);
    auto issue = [&](int cc) {
      if (cc < C) {
        uint4* s = xs_tile + (cc % ST) * su;
        const int kx = cc * kChunkK + 8 * lane;
        const T* xs0 = x + (kx < K ? kx : 0);
        for (int r = warp; r < M; r += nwarps)
          cp_async_keep(s + 32 * r + (lane ^ ((r & 1) << 2)), xs0 + (size_t)r * K, kx < K);
        if (wact) {
          uint4* sw = s + 32 * M + warp * wsu;
#pragma unroll
          for (int p = 0; p < B; ++p)
            cp_async_stream(sw + p * 32 + lane, qbase + ((size_t)cc * B + p) * 32);
#pragma unroll
          for (int e = lane; e < kMetaU4<B> * kFolds; e += 32) {
            const int gi = group_of(cc, e >> kPieceShift);
            cp_async_keep(sw + B * 32 + e,
                          reinterpret_cast<const uint4*>(mlane + (size_t)gi * mstride) +
                              (kMetaU4<B> == 8 ? 0 : (e & 3)),
                          true);
          }
        }
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the count uniform)
    };
#pragma unroll
    for (int j = 0; j < ST - 1; ++j) issue(j);
    for (int c = 0; c < C; ++c) {
      cp_async_wait<ST - 2>();
      __syncthreads();
      issue(c + ST - 1);
      if (wact) {
        const uint4* s = xs_tile + (c % ST) * su;
        const uint4* sw = s + 32 * M + warp * wsu;
        uint4 cw[B];
#pragma unroll
        for (int p = 0; p < B; ++p) cw[p] = sw[p * 32 + lane];
        const MetaWord<B>* sm = reinterpret_cast<const MetaWord<B>*>(sw + B * 32);
        MetaWord<B> mc[kFolds];
#pragma unroll
        for (int f = 0; f < kFolds; ++f) mc[f] = sm[f * 8 + g];
        chunk(cw, mc, make_uint4(0, 0, 0, 0), c, s);
      }
    }
    // The warp holds all of K for its tile: y straight from the C fragments.
    if (wact) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int n = n0 + g + 8 * (j >> 1), m = 8 * mt + 2 * t + (j & 1);
          if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(acc[mt][j]);
        }
    }
  } else if constexpr (!kPipe) {
    uint4 cur[B], nxt[B];
    MetaWord<B> mcur[kFolds], mnxt[kFolds];
    uint4 wb[kNtX][NT2 ? B : 1];  // NT2: the weights of tiles B, ... (see the NT2 loop)
    MetaWord<B> mb[kNtX][NT2 ? kFolds : 1];
    // (kXFull: `whole` = chunk cc lies inside K, so no load is checked)
    auto load_xc = [&](int cc, uint4 (&dst)[kXChunk ? 8 : 1][MT], bool whole) {
      if (kXFull && whole) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          const uint4* xp = reinterpret_cast<const uint4*>(xrow[mt] + cc * kChunkK + 8 * t);
#pragma unroll
          for (int q = 0; q < 8; ++q) dst[q][mt] = xp[4 * q];  // k = 32 q + 8 t
        }
        return;
      }
#pragma unroll
      for (int q = 0; q < 8; ++q)
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) dst[q][mt] = load_x(cc * kChunkK + q * 32 + 8 * t, mt);
    };
    int c = warp;
    if (WR == 0 && c < C) {
#pragma unroll
      for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)c * B + p) * 32);
      if constexpr (kMetaAhead) load_meta(c, mcur);
      if constexpr (NT2) {
#pragma unroll
        for (int u = 0; u < kNtX; ++u)
#pragma unroll
          for (int p = 0; p < B; ++p)
            wb[u][p] = ld_stream(qbase2[u] + ((size_t)c * B + p) * 32);
      }
    }
    // WR: this warp's weight ring in the dynamic shared memory, WR stages of one chunk's B x 512
    // bytes; chunk j of the warp (c = warp + j nwarps) goes to stage j % WR. Each lane copies
    // its own 16 bytes per plane and reads back only those, so its own cp.async wait is the
    // only synchronization.
    uint4* const wring = xs_tile + (size_t)warp * (WR > 0 ? WR : 1) * B * 32 + lane;
    auto wissue = [&](int j) {
      const int cc = warp + j * nwarps;
      if (cc < C) {
        uint4* s = wring + (j % WR) * B * 32;
#pragma unroll
        for (int p = 0; p < B; ++p) cp_async_stream(s + p * 32, qbase + ((size_t)cc * B + p) * 32);
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the wait counts)
    };
    if constexpr (WR > 0) {
#pragma unroll
      for (int j = 0; j < WR - 1; ++j) wissue(j);
    }
    fill_tables();
    if constexpr (kEarlyW) wait_prev();  // (x is first read in the first trip)
    // Swap (kSwap): two chunks per trip with cur / nxt swapping roles, instead of copying nxt
    // into cur after each chunk. ptxas puts the copy at the end of the trip, where it waits for
    // the next chunk's loads issued at its start (SASS, b = 4, MT = 2, FOLD = 4: `IMAD.MOV`
    // waiting on the weights' scoreboard 186 instructions after their loads;
    // benchmarks/experiments/sass/scoreboards.py), so the "double buffer" hides one chunk's
    // math, not a chunk's time. Swapped, the first wait on the next chunk's words is its own
    // math, a whole trip later. It costs registers (MT = 2 g128 b = 4: 146 -> 172), and it is
    // taken only where it measured faster (H200, session 30, bench_kernels, the four
    // Llama-3-8B weights, two passes each; benchmarks/experiments/decode_swap/runs/s30 and
    // h200_record_s30/runs): LUT b = 6, 8 (1.00-1.11x; b = 7 between them); uniform M <= 8
    // (MT = 1) at b >= 4 (b = 4 M = 8 0.99-1.11x, b = 8 1.00-1.04x); uniform M = 9..16 (MT = 2)
    // at b = 8 only (1.00-1.12x; b = 4..6 0.81-1.04x). Not at b = 3 (0.92-1.00x), LUT b = 5
    // (0.91-1.00x), nor in the capped MC kernel (XA: it spills, 0.79-0.97x). Nor where it was not
    // measured and ptxas spills or grows it a lot: the M1 kernels (b = 4 m1cap spills 28-228
    // bytes, b = 8 128 -> 174 registers), MT = 4, and uniform groups of 256 / per row
    // (FOLD 1 / 0: MT = 2 spills 100 bytes). -DANYPREC_DECODE_SWAP=0: never (the A/Bs' baseline);
    // =2: everywhere (session 30's first A/B, decode_swap/run.sh).
#ifndef ANYPREC_DECODE_SWAP
#define ANYPREC_DECODE_SWAP 1
#endif
    constexpr bool kSwap =
        ANYPREC_DECODE_SWAP == 2 ||
        (ANYPREC_DECODE_SWAP != 0 && !M1 && !XA && !NT2 &&
         (LUT ? MT <= 2 && B >= 6 : FOLD >= 2 && (MT == 1 ? B >= 4 : MT == 2 && B == 8)));
    // One chunk's trip: the loads of chunk cc + nwarps into nw / mn (double buffer in
    // registers: in flight during this chunk's math), then chunk cc's math from cw / mw.
    // (kXFull: `whole`, a compile-time constant at each call, as in load_xc; false otherwise)
    auto trip = [&](int cc, uint4 (&cw)[B], MetaWord<B> (&mw)[kFolds], uint4 (&nw)[B],
                    MetaWord<B> (&mn)[kFolds], bool whole) {
      const int cn = cc + nwarps;
      if ((!kXFull || whole) && cn < C) {  // (kXFull: the crossing chunk is the last one)
#pragma unroll
        for (int p = 0; p < B; ++p) nw[p] = ld_stream(qbase + ((size_t)cn * B + p) * 32);
        if constexpr (kMetaAhead) load_meta(cn, mn);
      }
      if constexpr (!kMetaAhead) load_meta(cc, mw);
      if constexpr (kXChunk) load_xc(cc, xc, whole);
      uint4 xa = make_uint4(0, 0, 0, 0);
      if constexpr (kSumMma) {
        const int kx = cc * kChunkK + 8 * lane;
        if ((kXFull && whole) || kx < K) xa = *reinterpret_cast<const uint4*>(x + kx);
      }
      chunk(cw, mw, xa, cc, nullptr);
    };
    // kXFull: the loops run the whole chunks (the first cend), unchecked; this warp's chunk that
    // crosses K, if it has it (the last chunk, C - 1, when K % 256 != 0), runs after them,
    // checked, so the loop keeps the register allocation of the check-free body.
    const int cend = kXFull ? K / kChunkK : C;
    if constexpr (NT2) {
      // NT2 (fused_gemm_mt2n2_kernel): each warp runs its chunks of both of the block's tiles,
      // so one load of a chunk's x (8 KB per warp at M = 16) serves 32 rows of weights instead
      // of 16. Each tile's weights have one register buffer, and the two take turns as the
      // double buffer: tile A's next chunk is loaded right after A's math and lands during B's,
      // B's during the next chunk's x loads and A's math. (NTL > 2, NT2P's NT4 form: tiles B,
      // C, ... in turn after A, the same way.)
      // LN2 (LUT): the same without metadata; the chunk math sums into gacc (no folds), so
      // that is what trades places with each later tile's sums.
      auto trip2 = [&](int cc, bool whole) {
        const int cn = cc + nwarps;
        if constexpr (!LUT) {
#pragma unroll
          for (int u = 0; u < kNtX; ++u)
#pragma unroll
            for (int f = 0; f < kFolds; ++f) mb[u][f] = mbase2[u][group_of(cc, f) * mstride];
        }
        load_meta(cc, mcur);  // (after tile B's: it steps FOLD = 8's group counter)
        if constexpr (kXChunk) load_xc(cc, xc, whole);
        chunk_r(cur, mcur, make_uint4(0, 0, 0, 0), cc, nullptr, NT2 == 2 ? 1 : 0);
        if (cn < C) {
#pragma unroll
          for (int p = 0; p < B; ++p) cur[p] = ld_stream(qbase + ((size_t)cn * B + p) * 32);
        }
        auto swap_acc = [&](float (&other)[NT2 ? MT : 1][4]) {
          static_assert(!LUT || kSets == 1, "LN2: one accumulator set");
          float (&run)[MT][4] = LUT ? gacc[0] : acc;
#pragma unroll
          for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              const float v = run[mt][j];
              run[mt][j] = other[mt][j];
              other[mt][j] = v;
            }
        };
#pragma unroll
        for (int u = 0; u < kNtX; ++u) {
          swap_acc(acc2[u]);
          chunk_r(wb[u], mb[u], make_uint4(0, 0, 0, 0), cc, nullptr,
                  LUT ? 3 + u : NT2 == 2 ? 2 : 0);
          swap_acc(acc2[u]);
          if (cn < C) {
#pragma unroll
            for (int p = 0; p < B; ++p)
              wb[u][p] = ld_stream(qbase2[u] + ((size_t)cn * B + p) * 32);
          }
        }
      };
      for (; c < cend; c += nwarps) trip2(c, kXFull);
      if constexpr (kXFull) {
        if (c < C) trip2(c, false);  // the chunk that crosses K, checked
      }
    } else if constexpr (WR > 0) {
      // Weight ring (MC3, see fused_gemm_mt2cap3_kernel): WR - 1 chunks' weights in flight per
      // warp during each chunk's math, in shared memory instead of registers (the register
      // double buffer above holds one, and its copy waits at each trip's end for the loads
      // issued at its start). x and the metadata load as in the register kernel.
      auto wtrip = [&](int j, int cc, bool whole) {
        cp_async_wait<WR - 2>();  // this lane's copies of chunk j have landed
        uint4 cw[B];
        const uint4* s = wring + (j % WR) * B * 32;
#pragma unroll
        for (int p = 0; p < B; ++p) cw[p] = s[p * 32];
        wissue(j + WR - 1);  // (into the stage chunk j - 1 was read from, a trip ago)
        load_meta(cc, mcur);
        if constexpr (kXChunk) load_xc(cc, xc, whole);
        chunk(cw, mcur, make_uint4(0, 0, 0, 0), cc, nullptr);
      };
      int j = 0;
      for (; c < cend; c += nwarps, ++j) wtrip(j, c, kXFull);
      if constexpr (kXFull) {
        if (c < C) wtrip(j, c, false);  // the chunk that crosses K, checked
      }
    } else if constexpr (kSwap) {
      for (; c < cend; c += 2 * nwarps) {
        trip(c, cur, mcur, nxt, mnxt, kXFull);
        if (c + nwarps < cend) {
          trip(c + nwarps, nxt, mnxt, cur, mcur, kXFull);
        } else if (kXFull) {
          break;  // this warp's next chunk, if any, crosses K: its weights are in nxt
        }
      }
      if constexpr (kXFull) {
        if (c < cend) {
          if (c + nwarps < C) trip(c + nwarps, nxt, mnxt, cur, mcur, false);
        } else if (c < C) {
          trip(c, cur, mcur, nxt, mnxt, false);  // (weights in cur)
        }
      }
    } else {
      for (; c < cend; c += nwarps) {
        trip(c, cur, mcur, nxt, mnxt, kXFull);
#pragma unroll
        for (int p = 0; p < B; ++p) cur[p] = nxt[p];
        if constexpr (kMetaAhead) {
#pragma unroll
          for (int f = 0; f < kFolds; ++f) mcur[f] = mnxt[f];
        }
      }
      if constexpr (kXFull) {
        if (c < C) trip(c, cur, mcur, nxt, mnxt, false);
      }
    }
  } else {
    // Pipelined (PIPE): each warp streams its chunks through a ring of ST stages in shared
    // memory with cp.async (weights, the chunk's x and its folds' metadata), ST - 1 chunks
    // ahead of the math: more bytes in flight per warp than the register double buffer, none
    // of them in registers, and x / metadata at shared-memory latency. Each warp owns its ring,
    // so a __syncwarp (after the wait for this lane's copies) is the only barrier. (The same
    // ring for M <= 8 with the all-ones sums was slower at M = 8 and for LUT: NOTES_kernels.md,
    // session 4; at M = 1 with the M1 sums it is faster, session 8; for LUT at M = 1, b <= 4 on
    // large weights 1-14% faster, session 20, LP.)
    // X8: the stage holds M rows of x (M <= 8: one block row, mbase = 0).
    const int xrows = X8 ? M : 1;
    constexpr int kMetaFolds = LUT ? 0 : kFolds;  // (LP: no fold metadata in the stage)
    const int kSU = pipe_stage_uint4(B, kMetaFolds, xrows);
    uint4* const ring = xs_tile + kPtabU4 + (size_t)warp * ST * kSU;  // (after the pair tables)
    // SK: this warp's chunks are [i0, i0 + nj) of the grid's (tile, chunk) sequence, whose
    // tiles are contiguous in qw, so chunk i's words start at qw + i * B * 32. (it, ic): tile
    // and chunk of the next copy; (ct, ccur): of the next math.
    const int gw = blockIdx.x * nwarps + warp;
    const long long i0 = SK ? (long long)gw * sk.q : 0;
    // per: this warp's chunks of one n-tile; ntl: PT, this block's n-tiles.
    const int per = warp < C ? (C - warp + nwarps - 1) / nwarps : 0;
    // PT: tiles tile0, tile0 + tstep, ...: strided over the grid, or (sk.q > 0) a contiguous
    // range of sk.q tiles per block.
    const int tstep = PT && sk.q == 0 ? gridDim.x : 1;
    const int tile0 = PT && sk.q > 0 ? ntile * sk.q : ntile;
    const int ntl = !PT ? 1
                    : sk.q > 0 ? max(0, min(sk.q, n16 - tile0))
                               : (n16 - ntile + gridDim.x - 1) / gridDim.x;
    int nj;
    if constexpr (SK) {
      const long long left = (long long)sk.n16 * C - i0;
      nj = left <= 0 ? 0 : left < sk.q ? (int)left : sk.q;
    } else {
      nj = per * ntl;
    }
    int it = SK ? (int)(i0 / C) : tile0, ic = SK ? (int)(i0 - (long long)it * C) : 0;
    int ct = it, ccur = ic;
    bool whole = ic == 0;  // SK: the current tile's segment started at its chunk 0
    // The lane's first 16-byte piece of the tile's metadata (group 0): fp32, one word per
    // piece (lane row g = lane & 7); META16, two words per piece (pieces e & 3 of each fold).
    constexpr int kPieceLanes = kMetaU4<B> == 8 ? 7 : 0;
    const MetaWord<B>* mlane = meta + (size_t)ntile * 8 + (lane & kPieceLanes);
    int ws = 0, rs = 0;  // stage written next / read next
    // ANYPREC_RING_PTRS (the M1 ring, PT and LP; not SK or X8): the next copy's weight source
    // and chunk, and the stages written / read next, as running values advanced by constants,
    // instead of recomputed per chunk from (it, ic), ws and rs (~60 integer instructions per
    // chunk in the PT kernel's copy block, b = 2). PT: set again at each tile switch. Not in
    // the wide ring (MW > kMaxWarps): at b = 3 it spilled in the loop under its 64 registers.
    constexpr bool kRunPtrs = ANYPREC_RING_PTRS && !SK && !X8 && MW <= kMaxWarps;
    const uint4* q_next =
        PT ? qw + ((size_t)tile0 * C + warp) * B * 32 + lane : qbase + (size_t)warp * B * 32;
    int cc_next = warp;
    uint4* s_w = ring;
    const uint4* s_r = ring;
    if constexpr (kRunPtrs && PT) mlane = meta + (size_t)tile0 * 8 + (lane & kPieceLanes);
    // SK: the end of this warp's segment of tile tl (rows g, g + 8 of y's one row in acc[0][0]
    // and acc[0][2] of the lanes t = 0). whole: the warp ran all of the tile's chunks, so it
    // writes y itself; else it leaves its sums in its slot (first: the slot of its first tile)
    // and the last of the tile's warps to count itself adds every slot in warp order.
    auto sk_flush = [&](int tl, bool whole_tile, bool first) {
      const int r = tl * kTileN + g;
      if (whole_tile) {
        if (t == 0) {
          if (r < N) y[r] = from_float<T>(acc[0][0]);
          if (r + 8 < N) y[r + 8] = from_float<T>(acc[0][2]);
        }
      } else {
        float* slot = sk.slots + ((size_t)gw * 2 + (first ? 0 : 1)) * kTileN;
        if (t == 0) {
          slot[g] = acc[0][0];
          slot[g + 8] = acc[0][2];
        }
        __threadfence();  // the slot is visible before the count (threadFenceReduction order)
        __syncwarp();
        int old = 0;
        if (lane == 0) old = atomicAdd(sk.cnt + tl, 1);
        old = __shfl_sync(0xFFFFFFFFu, old, 0);
        const long long c0 = (long long)tl * C;
        const int wlo = (int)(c0 / sk.q), whi = (int)((c0 + C - 1) / sk.q);
        if (old == whi - wlo) {
          __threadfence();
          if (lane < kTileN) {
            float v = 0.f;
            for (int w = wlo; w <= whi; ++w) {
              const bool wfirst = (long long)w * sk.q / C == tl;
              v += __ldcg(sk.slots + ((size_t)w * 2 + (wfirst ? 0 : 1)) * kTileN + lane);
            }
            if (tl * kTileN + lane < N) y[tl * kTileN + lane] = from_float<T>(v);
          }
          if (lane == 0) sk.cnt[tl] = 0;  // zero again for the next launch
        }
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) acc[0][j] = 0.f;
    };
    // copy_w: false for the prologue's stages under kEarlyW, whose weights are in flight.
    auto issue = [&](int j, bool copy_w) {
      if (j < nj) {
        int cc;
        const uint4* qsrc;
        const MetaWord<B>* ml = mlane;  // this copy's metadata (SK, PT: of its tile)
        if constexpr (kRunPtrs) {
          cc = cc_next;
          qsrc = q_next;
          if (PT && ++ic == per) {  // (warp-uniform: a branch, skipped but once per tile)
            ic = 0;
            it += tstep;
            cc_next = warp;
            q_next = qw + ((size_t)it * C + warp) * B * 32 + lane;
            mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          } else {
            cc_next += nwarps;
            q_next += (size_t)nwarps * B * 32;
          }
        } else if constexpr (SK) {
          cc = ic;
          qsrc = qw + (size_t)(i0 + j) * B * 32 + lane;
          ml = mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          if (++ic == C) {
            ic = 0;
            ++it;
          }
        } else if constexpr (PT) {  // (it, ic): n-tile and the warp's chunk number in it
          cc = warp + ic * nwarps;
          qsrc = qw + ((size_t)it * C + cc) * B * 32 + lane;
          ml = mlane = meta + (size_t)it * 8 + (lane & kPieceLanes);
          if (++ic == per) {
            ic = 0;
            it += tstep;
          }
        } else {
          cc = warp + j * nwarps;
          qsrc = qbase + (size_t)cc * B * 32;
        }
        uint4* s = kRunPtrs ? s_w : ring + ws * kSU;
        if (copy_w) {
#pragma unroll
          for (int p = 0; p < B; ++p) cp_async_stream(s + p * 32 + lane, qsrc + p * 32);
        }
        const int kx = cc * kChunkK + 8 * lane;
        if constexpr (X8) {
          // Row r's 16 bytes of lane l at 32 r + (l ^ 4 (r & 1)): the B-fragment reads (rows g
          // and g + 1 of a quarter warp at the same piece) then fall in different bank halves.
          const T* xs0 = x + (kx < K ? kx : 0);
#pragma unroll
          for (int r = 0; r < 8; ++r)
            if (r < M)
              cp_async_keep(s + B * 32 + 32 * r + (lane ^ ((r & 1) << 2)), xs0 + (size_t)r * K,
                            kx < K);
        } else {
          cp_async_keep(s + B * 32 + lane, x + (kx < K ? kx : 0), kx < K);  // zeros past K
        }
        constexpr int kPieceShift = kMetaU4<B> == 8 ? 3 : 2;  // e = kMetaU4<B> f + piece of fold f
#pragma unroll
        for (int e = lane; e < kMetaU4<B> * kMetaFolds; e += 32) {
          const int gi = group_of(cc, e >> kPieceShift);
          cp_async_keep(s + B * 32 + 32 * xrows + e,
                        reinterpret_cast<const uint4*>(ml + (size_t)gi * mstride) +
                            (kMetaU4<B> == 8 ? 0 : (e & 3)),
                        true);
        }
        next_chunk_groups();
      }
      cp_async_commit();  // (an empty group past the last chunk keeps the count uniform)
      if constexpr (kRunPtrs) {
        s_w = s_w == ring + (ST - 1) * kSU ? ring : s_w + kSU;
      } else {
        ws = ws + 1 == ST ? 0 : ws + 1;
      }
    };
    if constexpr (kEarlyW) {
      // The prologue's weights (chunk warp + j nwarps of the tile into stage j; PT: the warp's
      // j-th chunk of its tile sequence, per chunks a tile), then the LP tables, before the
      // wait; x and metadata after it, in the stages' commit groups (the first group then also
      // holds every early copy: the first wait is for all of them, the later ones as before).
#pragma unroll
      for (int j = 0; j < ST - 1; ++j) {
        if (j < nj) {  // (PT: per >= 1 here)
          const int cc = warp + (PT ? j % per : j) * nwarps;
          const uint4* q0 =
              PT ? qw + (size_t)(tile0 + (j / per) * tstep) * C * B * 32 + lane : qbase;
          uint4* s = ring + j * kSU;
#pragma unroll
          for (int p = 0; p < B; ++p)
            cp_async_stream(s + p * 32 + lane, q0 + ((size_t)cc * B + p) * 32);
        }
      }
      if constexpr (LUT) fill_tables();
      wait_prev();
    }
#pragma unroll
    for (int j = 0; j < ST - 1; ++j) issue(j, !kEarlyW);
    // LP: the tables once the first stages are in flight
    if constexpr (LUT && !kEarlyW) fill_tables();
    auto step = [&](int j) {
      cp_async_wait<ST - 2>();  // chunk j's copies by this lane have landed
      __syncwarp();             // ... and every lane's; stage j - 1 is read by all lanes
      issue(j + ST - 1, true);
      const uint4* s = kRunPtrs ? s_r : ring + rs * kSU;
      uint4 cw[B];
#pragma unroll
      for (int p = 0; p < B; ++p) cw[p] = s[p * 32 + lane];
      const uint4* xsm = s + B * 32;
      const MetaWord<B>* sm = reinterpret_cast<const MetaWord<B>*>(xsm + 32 * xrows);
      MetaWord<B> mc[kFolds];
#pragma unroll
      for (int f = 0; f < kMetaFolds; ++f) mc[f] = sm[f * 8 + g];
      chunk(cw, mc, X8 || LUT ? make_uint4(0, 0, 0, 0) : xsm[lane], 0, xsm);
      if constexpr (kRunPtrs) {
        s_r = s_r == ring + (ST - 1) * kSU ? ring : s_r + kSU;
      } else {
        rs = rs + 1 == ST ? 0 : rs + 1;
      }
      if constexpr (SK) {
        const bool tile_end = ccur == C - 1;
        if (tile_end || j == nj - 1) {
          sk_flush(ct, whole && tile_end, ct == (int)(i0 / C));
          whole = true;
        }
        if (tile_end) {
          ccur = 0;
          ++ct;
        } else {
          ++ccur;
        }
      }
    };
    if constexpr (PT) {
      // Each n-tile ends with the block's reduction: the warps' sums of rows g, g + 8 (lanes
      // t = 0 hold y's one row) go to one of two buffers, one barrier, and the first 16 threads
      // add them in warp order (deterministic). Two buffers: a warp can only write a buffer
      // again after the next tile's barrier, which the readers of this one pass after reading.
      // Meanwhile the rings already hold the next tile's first chunks.
      int tile = tile0, par = 0, j = 0;
      for (int tl = 0; tl < ntl; ++tl, tile += tstep, par ^= 1) {
        for (int k = 0; k < per; ++k, ++j) step(j);
        if constexpr (X8) {
          // lane (g, t): rows g, g + 8 of y's rows 2t, 2t + 1 (the mma's C fragment)
          float* pw = pred[par][warp];
          pw[2 * t * kTileN + g] = acc[0][0];
          pw[(2 * t + 1) * kTileN + g] = acc[0][1];
          pw[2 * t * kTileN + g + 8] = acc[0][2];
          pw[(2 * t + 1) * kTileN + g + 8] = acc[0][3];
        } else if (t == 0) {
          pred[par][warp][g] = acc[0][0];
          pred[par][warp][g + 8] = acc[0][2];
        }
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[0][e] = 0.f;
        __syncthreads();
        if constexpr (X8) {
          for (int e = threadIdx.x; e < M * kTileN; e += blockDim.x) {
            float v = 0.f;
            for (int wi = 0; wi < nwarps; ++wi) v += pred[par][wi][e];
            const int n = tile * kTileN + (e & (kTileN - 1));
            if (n < N) y[(size_t)(e / kTileN) * N + n] = from_float<T>(v);
          }
        } else if (threadIdx.x < kTileN) {
          float v = 0.f;
          for (int wi = 0; wi < nwarps; ++wi) v += pred[par][wi][threadIdx.x];
          const int n = tile * kTileN + threadIdx.x;
          if (n < N) y[n] = from_float<T>(v);
        }
      }
    } else {
      for (int j = 0; j < nj; ++j) step(j);
    }
  }
  // every load of this block is issued (see launch_decode; ET: at the wait instead)
  if constexpr (!kEarlyTrigger) pdl_launch_dependents();
  if constexpr (!SK && !PT && !XB) {  // (SK: written by sk_flush; PT: per tile; XB: above)
    if constexpr (LUT) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int j = 0; j < 4; ++j)  // (the + 0.f of one set is the measured code generation)
          acc[mt][j] = gacc[0][mt][j] + (kSets == 2 ? gacc[kSets - 1][mt][j] : 0.f);
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
    if constexpr (NT2) {  // tile B's the same way, once every thread has read tile A's (C, ...)
#pragma unroll
      for (int u = 0; u < kNtX; ++u) {
        __syncthreads();
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int j = 0; j < 4; ++j) red[warp][mt * 4 + j][lane] = acc2[u][mt][j];
        __syncthreads();
        if (has2[u]) {
          for (int e = threadIdx.x; e < MT * 4 * 32; e += blockDim.x) {
            const int l = e & 31, mj = e >> 5, mt = mj >> 2, j = mj & 3;
            float v = 0.f;
            for (int wi = 0; wi < nwarps; ++wi) v += red[wi][mj][l];
            const int n = n0 + (u + 1) * kTileN + (l >> 2) + 8 * (j >> 1);
            const int m = mbase + mt * 8 + 2 * (l & 3) + (j & 1);
            if (n < N && m < M) y[(size_t)m * N + n] = from_float<T>(v);
          }
        }
      }
    }
  }
}

}  // namespace anyprec
