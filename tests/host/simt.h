// A small SIMT emulator: the kernels of csrc (decode, prefill, dequantize), compiled by g++, run
// on the CPU with every CUDA thread a fiber (ucontext) of one OS thread. tests/test_kernels_host.py
// drives it through the *_host.cpp drivers. It exists because the device is lent rarely: the
// kernels' indexing, rings, bounds, reductions and launch rules can be checked here, against
// reference.py, before a GPU runs them. It emulates what the kernels use and no more:
//   - a block's threads are cooperative fibers: a fiber runs until it waits, then the next
//     runnable one runs, in thread order (SIMT_REVERSE=1: the reverse);
//   - __syncthreads, __syncwarp(mask), __shfl_sync / __shfl_xor_sync and mma.m16n8k16 are
//     barriers of the block or the warp, wgmma (m64nNk16, A in registers, B in shared memory
//     through its descriptor) of the warpgroup; the products are summed in fp32;
//   - cp.async copies are held per thread in their commit groups and land in shared memory
//     only at the cp.async.wait_group that covers them; bulk copies (cp.async.bulk) land when a
//     thread tests their mbarrier (init, arrive.expect_tx, try_wait.parity: phases and
//     transaction bytes). A read of a stage before its wait sees the previous contents (or the
//     poison below), as a race would on the GPU;
//   - shared memory: the decode kernels' static __shared__ arrays become statics (blocks run in
//     turn), a block's dynamic shared memory is its 256 KB window, filled with 0xA5 bytes before
//     the block, and 32-bit shared addresses (cvta, ld/st.shared, mapa) are offsets from the
//     first window, so their low 18 bits are as on the device (wgmma descriptors, swizzles);
//   - thread block clusters of (1, 1, n): the cluster's blocks run together (barrier.cluster,
//     mapa, ld.shared::cluster); clusters, and blocks outside clusters, run one after another;
//   - a deadlock (every live thread waiting, e.g. a barrier not all threads reach) or a spin
//     loop that never ends aborts with where each thread waits.
// Not emulated: timing, occupancy (the drivers' runtime answers a fixed model), atomics between
// concurrently running blocks (only a cluster's blocks overlap here), PDL (no-ops), the memory
// model, the asynchrony of wgmma (each runs at once).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <type_traits>
#include <vector>

inline uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

namespace simt {

struct Copy {
  void* dst;
  unsigned char data[16];
  int bytes;  // 16: data, 0: zero fill (cp.async with src-size 0)
};

struct Fiber;
struct Block;

// A barrier of `expected` arrivals (recomputed at each arrival: threads may exit meanwhile).
struct Bar {
  int count = 0;
  std::vector<Fiber*> waiters;
  const char* what = "";
};

struct Fiber {
  ucontext_t ctx{};
  char* stack = nullptr;
  uint3 tid{};
  int index = 0, lane = 0, warp = 0;  // in its block
  Block* blk = nullptr;
  bool done = false;
  const char* waiting = nullptr;  // the barrier it waits at (deadlock report)
  std::vector<Copy> open;                     // cp.async since the last commit
  std::deque<std::vector<Copy>> groups;       // committed, not yet waited for
};

struct WarpState {
  Bar bar;
  unsigned live = 0;  // lanes not exited
  uint64_t xchg[32];
  uint32_t a[32][4], b[32][2];
};

// An mbarrier (mbarrier.init / arrive.expect_tx / try_wait.parity) and the bulk copies that
// complete its transaction bytes: they land when a thread tests the barrier.
struct BulkCopy {
  void* dst;
  std::vector<unsigned char> data;
};
struct Mbar {
  int expected = 0, pending = 0, phase = 0;
  long long tx = 0;
  std::vector<BulkCopy> copies;
};

constexpr size_t kStackBytes = 256 << 10;  // (ASan clears a stack's shadow at each switch)
constexpr size_t kDynBytes = 232448;       // the most an sm_90 block can opt in to
constexpr size_t kSlotBytes = 1 << 18;     // a block's shared window: 256 KB, 256 KB-aligned
constexpr int kMaxCluster = 4;

struct Block {
  uint3 idx{};
  int rank = 0, live = 0, nthreads = 0;
  unsigned char* dyn = nullptr;
  Bar bar;
  std::vector<WarpState> warps;
  Bar wg_bar[8];                 // warpgroups (wgmma)
  uint32_t wg_a[8][128][4];      // their A fragments
  std::map<uint32_t, Mbar> mbars;
};

struct Ctx {
  dim3 grid, block;
  int cluster = 1;
  std::vector<Fiber> fibers;
  std::vector<Block> blocks;  // the running cluster's
  Bar cluster_bar;
  int cluster_live = 0;
  std::deque<Fiber*> runq;
  ucontext_t sched{};
  Fiber* cur = nullptr;
  long long spins = 0;  // yields since the last barrier release (a spin loop that never ends)
  std::function<void()> body;
  long long launches = 0;
  size_t dyn_smem = 0;
  bool reverse = false;  // SIMT_REVERSE=1: threads run in reverse order (the other race side)
  void (*on_launch)(const void* kernel, dim3 grid, dim3 block, size_t smem) = nullptr;
};

inline Ctx& ctx() {
  static Ctx c;
  return c;
}

// Shared memory: 32-bit addresses are offsets from the anchor, the start of the blocks' dynamic
// windows (slot s at s x 256 KB: a wgmma descriptor's 18-bit address field is then the offset
// in the window, as on the device). The decode kernels' static __shared__ arrays are statics in
// the same image, so their offsets fit in 32 bits too.
alignas(kSlotBytes) inline unsigned char g_dyn[kMaxCluster * kSlotBytes];
inline unsigned char* const g_anchor = g_dyn;

inline uint32_t shared_addr(const void* p) {
  return (uint32_t)((uintptr_t)p - (uintptr_t)g_anchor);
}
inline void* shared_ptr(uint32_t a) { return g_anchor + (int64_t)(int32_t)a; }

[[noreturn]] inline void fail(const char* what) {
  Ctx& c = ctx();
  const uint3 b = c.cur ? c.cur->blk->idx : make_uint3(0, 0, 0);
  std::fprintf(stderr, "simt: %s (block %u,%u,%u, thread %d)\n", what, b.x, b.y, b.z,
               c.cur ? c.cur->index : -1);
  std::exit(3);
}

inline Fiber& cur() { return *ctx().cur; }
inline void* dynamic_smem() { return cur().blk->dyn; }

// Queues b's waiters to run again, in thread order (or reversed under SIMT_REVERSE=1).
inline void release(Bar& b) {
  Ctx& c = ctx();
  b.count = 0;
  c.spins = 0;
  auto& w = b.waiters;
  std::sort(w.begin(), w.end(), [&](Fiber* p, Fiber* q) {
    const int a = (int)(p - c.fibers.data()), z = (int)(q - c.fibers.data());
    return c.reverse ? a > z : a < z;
  });
  for (Fiber* f : w) {
    f->waiting = nullptr;
    c.runq.push_back(f);
  }
  w.clear();
}

// The calling fiber waits at b until `expected` threads have arrived. The last one releases
// them all, itself included, so that after a barrier the threads run in thread order again.
inline void arrive(Bar& b, int expected, const char* what) {
  Ctx& c = ctx();
  if (b.count == 0) b.what = what;
  Fiber* f = c.cur;
  f->waiting = what;
  b.waiters.push_back(f);
  if (++b.count >= expected) release(b);
  swapcontext(&f->ctx, &c.sched);
}

// Releases b if the threads still to come have all exited.
inline void recheck(Bar& b, int expected) {
  if (b.count > 0 && b.count >= expected) release(b);
}

// A spin loop's turn: the fiber goes to the back of the queue.
inline void yield(const char* what) {
  Ctx& c = ctx();
  if (++c.spins > 1000000) fail("a spin loop that never ends (every thread waiting)");
  c.cur->waiting = what;
  c.runq.push_back(c.cur);
  swapcontext(&c.cur->ctx, &c.sched);
}

inline void syncthreads() { arrive(cur().blk->bar, cur().blk->live, "__syncthreads"); }

inline void syncwarp(unsigned mask, const char* what = "__syncwarp") {
  WarpState& w = cur().blk->warps[cur().warp];
  if (!(mask >> cur().lane & 1)) fail("a warp sync whose mask leaves out the calling lane");
  arrive(w.bar, __builtin_popcount(mask & w.live), what);
}

template <typename T>
T shfl(unsigned mask, T v, int src) {
  static_assert(sizeof(T) <= 8, "shuffle of up to 8 bytes");
  WarpState& w = cur().blk->warps[cur().warp];
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  w.xchg[cur().lane] = bits;
  syncwarp(mask, "__shfl_sync");
  if (!(mask >> src & 1) || !(w.live >> src & 1)) fail("a shuffle from a lane outside the mask");
  bits = w.xchg[src];
  syncwarp(mask, "__shfl_sync (2)");
  T r;
  std::memcpy(&r, &bits, sizeof(T));
  return r;
}

// 16-bit float bits -> float
inline float h2f(uint16_t h, bool bf16) {
  if (bf16) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  __half_raw r;
  r.x = h;
  return __half2float(__half(r));
}

// D += A B, mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}: lane (g = lane / 4, t = lane % 4)
// holds A rows g, g + 8 at k 2t, 2t + 1 (a0, a1) and 2t + 8, 2t + 9 (a2, a3), B column g at
// k 2t, 2t + 1 (b0) and 2t + 8, 2t + 9 (b1), D rows g (d0, d1) and g + 8 (d2, d3) at columns 2t,
// 2t + 1; the first element of a pair in the low half of the register (PTX ISA, "Matrix
// Fragments for mma.m16n8k16").
template <typename T>
void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  constexpr bool bf16 = !std::is_same_v<T, __half>;
  WarpState& w = cur().blk->warps[cur().warp];
  const int lane = cur().lane;
  if (w.live != 0xFFFFFFFFu) fail("mma.sync with exited lanes");
  for (int i = 0; i < 4; ++i) w.a[lane][i] = a[i];
  w.b[lane][0] = b0;
  w.b[lane][1] = b1;
  syncwarp(0xFFFFFFFFu, "mma.sync");
  auto A = [&](int r, int k) {
    const uint32_t reg = w.a[(r & 7) * 4 + (k & 7) / 2][(r >> 3) + 2 * (k >> 3)];
    return h2f((uint16_t)(reg >> 16 * (k & 1)), bf16);
  };
  auto B = [&](int k, int n) {
    const uint32_t reg = w.b[n * 4 + (k & 7) / 2][k >> 3];
    return h2f((uint16_t)(reg >> 16 * (k & 1)), bf16);
  };
  const int g = lane >> 2, t = lane & 3;
  float out[4];
  for (int i = 0; i < 4; ++i) {
    const int r = g + 8 * (i >> 1), n = 2 * t + (i & 1);
    float s = d[i];
    for (int k = 0; k < 16; ++k) s += A(r, k) * B(k, n);
    out[i] = s;
  }
  syncwarp(0xFFFFFFFFu, "mma.sync (2)");
  for (int i = 0; i < 4; ++i) d[i] = out[i];
}

// wgmma.mma_async.sync.aligned.m64nNk16.f32 with A from registers and B (K-major, 128-byte
// swizzle, 1024 bytes per 8 rows) from shared memory, done at once (the kernels read D only
// after wgmma.wait_group, and leave A and B alone until then). Warp w of the warpgroup holds A
// rows 16 w .. 16 w + 15 in mma.m16n8k16's layout, and D rows 16 w + g, + 8 at columns
// 8 j + 2 t, + 1 in d[4 j .. 4 j + 3]. B's token n, k: byte n x 128 + 2 k from the descriptor's
// start, the 16-byte chunk index xor-ed with address bits 7-9 (the swizzle).
template <typename T, int NT>
void wgmma(float (&d)[NT / 2], const uint32_t (&a)[4], uint64_t desc) {
  constexpr bool bf16 = !std::is_same_v<T, __half>;
  Fiber& f = cur();
  Block& b = *f.blk;
  const int wg = f.index / 128, t128 = f.index % 128;
  if (b.nthreads < 128 * (wg + 1)) fail("wgmma in an incomplete warpgroup");
  for (int i = 0; i < 4; ++i) b.wg_a[wg][t128][i] = a[i];
  arrive(b.wg_bar[wg], 128, "wgmma");
  if (((desc >> 62) & 3) != 1 || ((desc >> 32) & 0x3FFF) != 64)
    fail("wgmma descriptor: expected the 128-byte swizzle and 1024-byte stride");
  const uint32_t start = (uint32_t)((desc & 0x3FFF) << 4);
  const uint32_t window = shared_addr(b.dyn) & ~(uint32_t)(kSlotBytes - 1);
  auto A = [&](int r, int k) {
    const uint32_t reg =
        b.wg_a[wg][(r >> 4) * 32 + (r & 7) * 4 + (k & 7) / 2][((r >> 3) & 1) + 2 * (k >> 3)];
    return h2f((uint16_t)(reg >> 16 * (k & 1)), bf16);
  };
  auto B = [&](int k, int n) {
    uint32_t at = start + n * 128 + k * 2;
    at ^= ((at >> 7) & 7) << 4;
    uint16_t h;
    std::memcpy(&h, shared_ptr(window + at), 2);
    return h2f(h, bf16);
  };
  const int w = t128 / 32, g = (t128 & 31) >> 2, t = t128 & 3;
  float out[NT / 2];
  for (int j = 0; j < NT / 8; ++j)
    for (int i = 0; i < 4; ++i) {
      const int r = 16 * w + g + 8 * (i >> 1), n = 8 * j + 2 * t + (i & 1);
      float s = d[4 * j + i];
      for (int k = 0; k < 16; ++k) s += A(r, k) * B(k, n);
      out[4 * j + i] = s;
    }
  arrive(b.wg_bar[wg], 128, "wgmma (2)");
  for (int i = 0; i < NT / 2; ++i) d[i] = out[i];
}

// fma.rn.{f16x2,bf16x2}: each half's a b + c in double, then rounded to the dtype (for the
// kernels' operands the double is exact, so this is the instruction's single rounding).
template <typename T>
uint32_t fma2(uint32_t a, uint32_t b, uint32_t c) {
  constexpr bool bf16 = !std::is_same_v<T, __half>;
  uint32_t d = 0;
  for (int i = 0; i < 2; ++i) {
    const double v = (double)h2f((uint16_t)(a >> 16 * i), bf16) *
                         (double)h2f((uint16_t)(b >> 16 * i), bf16) +
                     (double)h2f((uint16_t)(c >> 16 * i), bf16);
    uint16_t h;
    if constexpr (bf16) {
      const __nv_bfloat16 r = __double2bfloat16(v);
      std::memcpy(&h, &r, 2);
    } else {
      const __half r = __double2half(v);
      std::memcpy(&h, &r, 2);
    }
    d |= (uint32_t)h << 16 * i;
  }
  return d;
}

// cp.async: src is read now (global memory does not change during a kernel), dst written at the
// wait_group that covers the copy's group.
inline void cp_async(void* dst, const void* src, int bytes) {
  if ((uintptr_t)dst % 16) fail("cp.async to an address not 16-byte aligned");
  Copy c{dst, {}, bytes};
  if (bytes) {
    if ((uintptr_t)src % 16) fail("cp.async from an address not 16-byte aligned");
    std::memcpy(c.data, src, 16);
  }
  cur().open.push_back(c);
}
inline void cp_async_commit() {
  Fiber& f = cur();
  f.groups.push_back(std::move(f.open));
  f.open.clear();
}
inline void cp_async_wait(int n) {
  Fiber& f = cur();
  while ((int)f.groups.size() > n) {
    for (const Copy& c : f.groups.front()) {
      if (c.bytes)
        std::memcpy(c.dst, c.data, 16);
      else
        std::memset(c.dst, 0, 16);
    }
    f.groups.pop_front();
  }
}

// mbarriers of the calling thread's block, by shared address.
inline Mbar& mbar(uint32_t addr) {
  if (addr % 8) fail("an mbarrier not 8-byte aligned");
  auto it = cur().blk->mbars.find(addr);
  if (it == cur().blk->mbars.end()) fail("an mbarrier used before mbarrier.init");
  return it->second;
}
inline void mbar_init(uint32_t addr, int count) {
  Mbar& m = cur().blk->mbars[addr];
  m = Mbar{};
  m.expected = m.pending = count;
}
inline void mbar_complete_if_done(Mbar& m) {
  if (m.pending == 0 && m.tx == 0) {
    m.phase ^= 1;
    m.pending = m.expected;
    ctx().spins = 0;
  }
}
inline void mbar_expect_tx(uint32_t addr, uint32_t bytes) {
  Mbar& m = mbar(addr);
  if (m.pending <= 0) fail("mbarrier arrive past its count");
  --m.pending;
  m.tx += bytes;
  mbar_complete_if_done(m);
}
// cp.async.bulk global -> this block's shared memory, completing on mbarrier bar.
inline void bulk_copy(uint32_t dst, const void* src, uint32_t bytes, uint32_t bar) {
  if (dst % 16 || bytes % 16 || (uintptr_t)src % 16) fail("cp.async.bulk not 16-byte aligned");
  const auto* p = static_cast<const unsigned char*>(src);
  mbar(bar).copies.push_back(BulkCopy{shared_ptr(dst), std::vector<unsigned char>(p, p + bytes)});
}
// mbarrier.try_wait.parity: lands the barrier's copies, then whether phase `parity` completed.
inline bool mbar_try_wait(uint32_t addr, uint32_t parity) {
  Mbar& m = mbar(addr);
  for (const BulkCopy& c : m.copies) {
    std::memcpy(c.dst, c.data.data(), c.data.size());
    m.tx -= (long long)c.data.size();
  }
  m.copies.clear();
  if (m.tx < 0) fail("mbarrier: more bytes landed than expected");
  mbar_complete_if_done(m);
  return (uint32_t)(m.phase & 1) != (parity & 1);
}
inline void mbar_wait(uint32_t addr, uint32_t parity) {
  while (!mbar_try_wait(addr, parity)) yield("mbarrier.try_wait");
}

// Thread block clusters: the cluster's blocks run together.
inline void cluster_sync() { arrive(ctx().cluster_bar, ctx().cluster_live, "barrier.cluster"); }
// mapa: this block's shared address in the window of cluster block `rank`.
inline uint32_t cluster_addr(uint32_t addr, int rank) {
  Ctx& c = ctx();
  if (rank < 0 || rank >= c.cluster) fail("mapa to a rank outside the cluster");
  const uint32_t own = shared_addr(cur().blk->dyn);
  if (addr < own || addr >= own + kDynBytes) fail("mapa of an address outside the window");
  return shared_addr(c.blocks[rank].dyn) + (addr - own);
}

inline void fiber_exit() {
  Ctx& c = ctx();
  Fiber& f = *c.cur;
  Block& b = *f.blk;
  f.done = true;
  --b.live;
  --c.cluster_live;
  WarpState& w = b.warps[f.warp];
  w.live &= ~(1u << f.lane);
  recheck(b.bar, b.live);
  recheck(w.bar, __builtin_popcount(w.live));
  recheck(c.cluster_bar, c.cluster_live);
}

inline void fiber_entry() {
  ctx().body();
  fiber_exit();
  // returns to ctx().sched through uc_link
}

// Runs body() as every thread of the blocks idx (one cluster), together.
inline void run_cluster(const std::vector<uint3>& idx) {
  Ctx& c = ctx();
  const int per = (int)(c.block.x * c.block.y * c.block.z), nb = (int)idx.size();
  const int n = per * nb;
  c.blocks.assign(nb, Block{});
  for (int k = 0; k < nb; ++k) {
    Block& b = c.blocks[k];
    b.idx = idx[k];
    b.rank = k;
    b.live = b.nthreads = per;
    b.dyn = g_dyn + k * kSlotBytes;
    b.warps.assign((per + 31) / 32, WarpState{});
    for (int i = 0; i < per; ++i) b.warps[i / 32].live |= 1u << (i % 32);
    std::memset(b.dyn, 0xA5, kDynBytes);
  }
  c.cluster_bar = Bar{};
  c.cluster_live = n;
  c.runq.clear();
  c.spins = 0;
  if (c.fibers.size() < (size_t)n) c.fibers.resize(n);
  for (int j = 0; j < n; ++j) {
    Fiber& f = c.fibers[j];
    const int i = j % per;
    if (!f.stack) {
      void* s = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (s == MAP_FAILED) fail("mmap of a fiber stack");
      mprotect(s, 4096, PROT_NONE);  // a guard page: an overflow faults instead of corrupting
      f.stack = static_cast<char*>(s);
    }
    f.index = i;
    f.blk = &c.blocks[j / per];
    f.tid = make_uint3(i % c.block.x, i / c.block.x % c.block.y, i / (c.block.x * c.block.y));
    f.lane = i % 32;
    f.warp = i / 32;
    f.done = false;
    f.waiting = nullptr;
    f.open.clear();
    f.groups.clear();
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = kStackBytes;
    f.ctx.uc_link = &c.sched;
    makecontext(&f.ctx, fiber_entry, 0);
  }
  c.reverse = std::getenv("SIMT_REVERSE") && std::getenv("SIMT_REVERSE")[0] == '1';
  for (int j = 0; j < n; ++j) c.runq.push_back(&c.fibers[c.reverse ? n - 1 - j : j]);
  while (!c.runq.empty()) {
    Fiber* f = c.runq.front();
    c.runq.pop_front();
    c.cur = f;
    threadIdx = f->tid;
    blockIdx = f->blk->idx;
    swapcontext(&c.sched, &f->ctx);
  }
  c.cur = nullptr;
  if (c.cluster_live != 0) {
    std::fprintf(stderr, "simt: deadlock in block (%u,%u,%u):", idx[0].x, idx[0].y, idx[0].z);
    for (int j = 0; j < n; ++j)
      if (!c.fibers[j].done)
        std::fprintf(stderr, " t%d@%s", j, c.fibers[j].waiting ? c.fibers[j].waiting : "?");
    std::fprintf(stderr, "\n");
    std::exit(3);
  }
}

// kernel<<<grid, block, smem>>>(args...) as clusters of (1, 1, cluster) blocks: the clusters
// in order (x fastest), a cluster's blocks together.
template <typename... KArgs, typename... Args>
cudaError_t launch_cluster(void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem,
                           int cluster, Args... args) {
  Ctx& c = ctx();
  const long long threads = (long long)block.x * block.y * block.z;
  if (threads < 1 || threads > 1024 || grid.x < 1 || grid.y < 1 || grid.z < 1 ||
      grid.y > 65535 || grid.z > 65535 || smem > kDynBytes || cluster < 1 ||
      cluster > kMaxCluster || grid.z % cluster)
    return cudaErrorInvalidConfiguration;
  c.grid = grid;
  c.block = block;
  c.cluster = cluster;
  gridDim = grid;
  blockDim = block;
  c.dyn_smem = smem;
  ++c.launches;
  if (c.on_launch) c.on_launch(reinterpret_cast<const void*>(kernel), grid, block, smem);
  c.body = [&]() { kernel(static_cast<KArgs>(args)...); };
  std::vector<uint3> idx(cluster);
  for (unsigned z = 0; z < grid.z; z += cluster)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        for (int r = 0; r < cluster; ++r) idx[r] = make_uint3(x, y, z + r);
        run_cluster(idx);
      }
  c.body = nullptr;
  return cudaSuccess;
}

template <typename... KArgs, typename... Args>
cudaError_t launch(void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, Args... args) {
  return launch_cluster(kernel, grid, block, smem, 1, args...);
}

}  // namespace simt

// The CUDA device built-ins the kernels use, for g++. threadIdx is the running fiber's: the
// scheduler sets it at every switch (plain variables, not macros, so that members of the same
// names, cudaLaunchConfig_t::gridDim, stay as they are).

#undef __shared__
#define __shared__ static
#undef __global__
#define __global__
#undef __maxnreg__
#define __maxnreg__(n)
#undef __launch_bounds__
#define __launch_bounds__(...)

inline void __syncthreads() { simt::syncthreads(); }
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) { simt::syncwarp(mask); }
template <typename T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  const int lane = simt::cur().lane;
  return simt::shfl(mask, v, (lane & ~(width - 1)) | (src & (width - 1)));
}
template <typename T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  const int lane = simt::cur().lane;
  const int src = lane ^ lane_mask;
  return simt::shfl(mask, v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}
// Fibers do not interleave inside a statement, so these need no locking.
inline void __threadfence() {}
inline int atomicAdd(int* p, int v) {
  const int old = *p;
  *p = old + v;
  return old;
}
template <typename T>
T __ldcg(const T* p) {
  return *p;
}
template <typename T>
T __ldg(const T* p) {
  return *p;
}
inline long long clock64() { return 0; }
inline size_t __cvta_generic_to_shared(const void* p) { return simt::shared_addr(p); }
// IEEE round-to-nearest float ops, never contracted into an FMA (x86-64 has none by default).
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fsub_rn(float a, float b) { return a - b; }

// CUDA's integer min / max (both operands converted to their common type).
template <typename A, typename B>
std::common_type_t<A, B> min(A a, B b) {
  using R = std::common_type_t<A, B>;
  return (R)b < (R)a ? (R)b : (R)a;
}
template <typename A, typename B>
std::common_type_t<A, B> max(A a, B b) {
  using R = std::common_type_t<A, B>;
  return (R)a < (R)b ? (R)b : (R)a;
}
