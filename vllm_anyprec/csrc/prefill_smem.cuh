// The prefill kernel's block constants and shared-memory layout (x stage buffers, LUT table
// copies, the split-K reduction tile), the async-proxy fence, mbarriers, bulk copies, cluster
// accesses and the epilogue knobs. Part of prefill_wgmma.cuh (see there for the kernel as a whole).
#pragma once

#include "anyprec.cuh"

namespace anyprec {
namespace prefill {

constexpr int kRows = 128;                  // weight rows per block (2 warpgroups x 64)
constexpr int kTok = 128;                   // tokens per x tile image (and per wgmma, up to)
constexpr int kStageK = 64;                 // k per stage
constexpr int kBufs = 4;                    // x stage buffers
constexpr int kStageBytes = kTok * kStageK * 2;  // 16 KB: one x tile image, 128 tokens x 128 B
constexpr int kMaxSmem = 232448;            // sm_90's dynamic shared memory per block (227 KB)

// LUT tables: per-lane copies. Word [c][l] of warp w's table holds the values of code c of
// rows g and g + 8 of its n-tile (low, high half) for lane l = R g + r (r < R: copy r; the
// lanes t of a quad use copy t mod R), so a lookup is one 32-bit load of word 8 R c + R g +
// (t mod R) and a byte permute takes the row's halves of two lookups. With R = 4 every lane
// reads its own bank: conflict-free. The shared 128-row table they replace put the 8 rows a
// warp reads at once in overlapping bank sets (ncu, b = 4, 128-token blocks: 33% of the
// shared wavefronts excessive). R = 4 where the block's 8 tables (2^b x 128 bytes each) and
// one table of alignment slack fit next to the x buffers, else 2 (two lanes per bank: about
// half the conflicts), else 1 (one copy per quad): b = 8 with 128-token blocks takes 2, b = 7
// and 8 with 256-token blocks 2 and 1. (The shared table, for A/B runs:
// -DANYPREC_PREFILL_SHARED_TAB in commit bad5115.)
// b <= 3 keeps each lane's two rows' 8 values in registers instead (reg_lut) and looks 4 codes
// up with byte permutes (the decode kernel's kRegLut): ~4 integer ops per A register and no
// shared load, against ~5 and two LDS with the lane tables; 1.33x on 128-token blocks and 1.13x
// on 256-token ones (H200, b = 2, 3, benchmarks/experiments/prefill_lut_lanes/README.md). b = 4
// would need 16 registers per row and ~7 ops per A register (two permutes per half, a select
// on the code's bit 3): more ALU than the lane tables' ALU + shared-pipe split.
// Tokens per block (tok): 64, 128 or 256. A wgmma takes wg_n(tok) tokens (its N: 64 or 128),
// wg_count(tok) of them per k16 step (1 or 2).
constexpr int wg_n(int tok) { return tok < kTok ? tok : kTok; }
constexpr int wg_count(int tok) { return tok / wg_n(tok); }
// One stage of x: tok rows of 128 bytes (64 k).
constexpr size_t x_smem_bytes(int tok) { return 1024 + (size_t)kBufs * 128 * tok + 8 * kBufs; }
// The lean LUT kernels (two blocks per SM, b = 7, 8; see prefill_lean_ok) take the copies that
// fit in half an SM's shared memory (228 KB, 1 KB of it reserved per block): b = 7 2, b = 8 1.
constexpr size_t kMaxSmemLean = 233472 / 2 - 1024;
constexpr int lut_rep(int bits, int tok, bool lean = false) {
  const size_t room = (lean ? kMaxSmemLean : kMaxSmem) - x_smem_bytes(tok);
  return 9 * ((size_t)128 << bits) <= room ? 4 : 9 * ((size_t)64 << bits) <= room ? 2 : 1;
}
constexpr uint32_t lut_warp_bytes(int bits, int tok, bool lean = false) {
  return (32u * lut_rep(bits, tok, lean)) << bits;
}
// Whether the LUT tables live in registers (b <= 3): no shared tables.
constexpr bool reg_lut(bool lut, int bits) { return lut && bits <= 3; }
static_assert(x_smem_bytes(128) + 9 * (size_t)lut_warp_bytes(8, 128) <= kMaxSmem &&
                  x_smem_bytes(256) + 9 * (size_t)lut_warp_bytes(8, 256) <= kMaxSmem &&
                  x_smem_bytes(64) + 9 * (size_t)lut_warp_bytes(8, 64, true) <= kMaxSmemLean,
              "b = 8 LUT tables must fit beside the x buffers with one copy per quad");

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
// Generic-proxy writes to shared memory made visible to wgmma (the async proxy). Compiles to
// MEMBAR.ALL.CTA + FENCE.VIEW.ASYNC.S, which also waits for the thread's loads in flight.
__device__ __forceinline__ void fence_proxy_async() {
#ifndef ANYPREC_HOST_SIMT  // (the CPU tests' emulator, tests/host/simt.h, has one proxy)
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
#endif
}
// mbarrier + bulk copy (the TMA engine, async proxy: what it writes is visible to wgmma once
// the barrier's phase completes, with no proxy fence and no thread-side load in flight).
__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
#ifdef ANYPREC_HOST_SIMT
  simt::mbar_init(bar, (int)count);
#else
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
#endif
}
__device__ __forceinline__ void mbar_init_fence() {
#ifndef ANYPREC_HOST_SIMT
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
#endif
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, uint32_t bytes) {
#ifdef ANYPREC_HOST_SIMT
  simt::mbar_expect_tx(bar, bytes);
#else
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes)
               : "memory");
#endif
}
__device__ __forceinline__ void bulk_copy(uint32_t dst, const void* src, uint32_t bytes,
                                          uint32_t bar) {
#ifdef ANYPREC_HOST_SIMT
  simt::bulk_copy(dst, src, bytes, bar);
#else
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::
          "r"(dst), "l"(src), "r"(bytes), "r"(bar)
      : "memory");
#endif
}
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
#ifdef ANYPREC_HOST_SIMT
  simt::mbar_wait(bar, parity);
#else
  uint32_t done = 0;
  while (!done) {
    asm volatile(
        "{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  }
#endif
}

// Thread block clusters (split K reduced in distributed shared memory, see the kernel's end).
__device__ __forceinline__ void cluster_sync() {
#ifdef ANYPREC_HOST_SIMT
  simt::cluster_sync();
#else
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" :::
                   "memory");
#endif
}
// This block's shared address addr in the shared memory of cluster block rank.
__device__ __forceinline__ uint32_t cluster_addr(uint32_t addr, int rank) {
#ifdef ANYPREC_HOST_SIMT
  return simt::cluster_addr(addr, rank);
#else
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(addr), "r"(rank));
  return remote;
#endif
}
// Two floats at shared address addr (this block's) in the shared memory of cluster block rank.
__device__ __forceinline__ float2 ld_cluster_f2(uint32_t addr, int rank) {
  const uint32_t remote = cluster_addr(addr, rank);
#ifdef ANYPREC_HOST_SIMT
  return *static_cast<const float2*>(simt::shared_ptr(remote));
#else
  float2 v;
  asm volatile("ld.shared::cluster.v2.f32 {%0, %1}, [%2];" : "=f"(v.x), "=f"(v.y) : "r"(remote)
               : "memory");
  return v;
#endif
}
// Split K in a cluster: the partial sums of a block go to its shared memory as
// [TOK tokens][128 rows] fp32, row r of token m at word 128 m + (r ^ (8 ((m >> 1) & 3))): the
// xor spreads the 4 lanes t of a quad (tokens 2t, 2t + 1) over 4 bank octets, so the stores of
// the D fragments are conflict-free, and rows 2p, 2p + 1 stay adjacent (one 8-byte load).
__device__ __forceinline__ int red_word(int m, int r) {
  return 128 * m + (r ^ (8 * ((m >> 1) & 3)));
}
constexpr size_t red_smem_bytes(int tok) { return 1024 + (size_t)128 * 4 * tok; }
// Unsplit 256-token blocks store their results through a shared-memory tile (the kernel's end);
// -DANYPREC_PREFILL_OLD_EPILOGUE: straight from the D fragments, as every other block does (for
// A/B timings).
#ifdef ANYPREC_PREFILL_OLD_EPILOGUE
constexpr bool kOldEpilogue = true;
#else
constexpr bool kOldEpilogue = false;
#endif
// Prepared in session 32, measured on an H100 in session 41 against the tree, same call
// (benchmarks/experiments/prefill_epilogue/README.md, runs/s41_h100/):
// ANYPREC_PREFILL_PULL16 = 1 (default): the cluster pair's reduction with 16-byte loads (4 rows
// per item), its own partial sums by plain shared loads and all of a thread's loads in flight at
// once (the timeline build measured the 8-byte pulled reduction at ~4 µs per block). Forced
// cluster-pair grids 1.009-1.014x (geometric means of 24 cells, per scheme and grid), where the
// grids it does not touch read 0.995-1.000 (the noise); a second pass 1.007-1.025x (64 x 2
// included), the op's plan 1.013x. 0: the 8-byte pulled loop (prefill_kernel.cuh).
// -DANYPREC_PREFILL_STAGED_LUT=1 (off): the staged stores for the LUT 64- / 128-token blocks
// too: 1.003 / 1.015x on those grids in session 41, 0.997-1.001 on the op's plan; not taken.
#ifndef ANYPREC_PREFILL_STAGED_LUT
#define ANYPREC_PREFILL_STAGED_LUT 0
#endif
#ifndef ANYPREC_PREFILL_PULL16
#define ANYPREC_PREFILL_PULL16 1
#endif
// 16 bytes at shared address addr (this block's) in the shared memory of cluster block rank.
__device__ __forceinline__ float4 ld_cluster_f4(uint32_t addr, int rank) {
  const uint32_t remote = cluster_addr(addr, rank);
#ifdef ANYPREC_HOST_SIMT
  return *static_cast<const float4*>(simt::shared_ptr(remote));
#else
  float4 v;
  asm volatile("ld.shared::cluster.v4.f32 {%0, %1, %2, %3}, [%4];"
               : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
               : "r"(remote)
               : "memory");
  return v;
#endif
}

}  // namespace prefill
}  // namespace anyprec
