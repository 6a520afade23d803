// A small SIMT emulator: the decode kernels of csrc/fused_gemm.cuh, compiled by g++, run on the
// CPU with every CUDA thread a fiber (ucontext) of one OS thread. tests/test_kernels_host.py
// drives it through gemm_host.cpp. It exists because the device is lent rarely: the kernels'
// indexing, rings, bounds, reductions and launch rules can be checked here, against
// reference.py, before a GPU runs them. It emulates what the decode kernels use and no more:
//   - blocks run one after another, their threads as cooperative fibers (a fiber runs until it
//     waits at a barrier, then the next runnable one runs, in thread order);
//   - __syncthreads, __syncwarp(mask), __shfl_sync / __shfl_xor_sync and mma.m16n8k16 are
//     barriers of the block or the warp; the mma computes in fp32 from the warp's fragments;
//   - cp.async copies are held per thread in their commit groups and land in shared memory
//     only at the cp.async.wait_group that covers them, so a read of a stage before its wait
//     sees the previous contents (or the poison below), as a race would on the GPU;
//   - shared memory: the kernels' static __shared__ arrays become statics (blocks run in
//     turn), dynamic shared memory is one buffer filled with 0xA5 bytes before every block,
//     and 32-bit shared addresses (cvta, ld/st.shared) are offsets from a 64 KB-aligned anchor
//     in the same image, so their low 16 bits match the pointers' alignment;
//   - a deadlock (every live thread waiting, e.g. a barrier not all threads reach) aborts with
//     where each thread waits.
// Not emulated: timing, occupancy (the runtime shims answer a fixed model), atomics between
// concurrently running blocks (blocks do not overlap here), PDL (no-ops), the memory model.
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
  int index = 0, lane = 0, warp = 0;
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
  float c[32][4];
};

constexpr size_t kStackBytes = 256 << 10;  // (ASan clears a stack's shadow at each switch)
constexpr size_t kDynBytes = 232448;  // the most an sm_90 block can opt in to

struct Ctx {
  dim3 grid, block;
  uint3 bidx{};
  std::vector<Fiber> fibers;
  std::vector<WarpState> warps;
  Bar block_bar;
  int live = 0;
  std::deque<Fiber*> runq;
  ucontext_t sched{};
  Fiber* cur = nullptr;
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

// Shared memory's 32-bit addresses are offsets from this anchor (see the top of the file).
alignas(65536) inline unsigned char g_anchor[16];
alignas(65536) inline unsigned char g_dyn[kDynBytes];

inline uint32_t shared_addr(const void* p) {
  return (uint32_t)((uintptr_t)p - (uintptr_t)g_anchor);
}
inline void* shared_ptr(uint32_t a) { return g_anchor + (int64_t)(int32_t)a; }
inline void* dynamic_smem() { return g_dyn; }

[[noreturn]] inline void fail(const char* what) {
  Ctx& c = ctx();
  std::fprintf(stderr, "simt: %s (block %u,%u,%u, thread %d)\n", what, c.bidx.x, c.bidx.y,
               c.bidx.z, c.cur ? c.cur->index : -1);
  std::exit(3);
}

inline Fiber& cur() { return *ctx().cur; }

// Queues b's waiters to run again, in thread order (or reversed under SIMT_REVERSE=1).
inline void release(Bar& b) {
  Ctx& c = ctx();
  b.count = 0;
  auto& w = b.waiters;
  std::sort(w.begin(), w.end(), [&](Fiber* p, Fiber* q) {
    return c.reverse ? p->index > q->index : p->index < q->index;
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

inline void syncthreads() { arrive(ctx().block_bar, ctx().live, "__syncthreads"); }

inline void syncwarp(unsigned mask, const char* what = "__syncwarp") {
  WarpState& w = ctx().warps[cur().warp];
  if (!(mask >> cur().lane & 1)) fail("a warp sync whose mask leaves out the calling lane");
  arrive(w.bar, __builtin_popcount(mask & w.live), what);
}

template <typename T>
T shfl(unsigned mask, T v, int src) {
  static_assert(sizeof(T) <= 8, "shuffle of up to 8 bytes");
  WarpState& w = ctx().warps[cur().warp];
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
  WarpState& w = ctx().warps[cur().warp];
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

inline void fiber_exit() {
  Ctx& c = ctx();
  Fiber& f = *c.cur;
  f.done = true;
  --c.live;
  WarpState& w = c.warps[f.warp];
  w.live &= ~(1u << f.lane);
  recheck(c.block_bar, c.live);
  recheck(w.bar, __builtin_popcount(w.live));
}

inline void fiber_entry() {
  ctx().body();
  fiber_exit();
  // returns to ctx().sched through uc_link
}

// Runs body() as every thread of block bidx.
inline void run_block(uint3 bidx) {
  Ctx& c = ctx();
  const int n = (int)(c.block.x * c.block.y * c.block.z);
  c.bidx = bidx;
  blockIdx = bidx;
  c.warps.assign((n + 31) / 32, WarpState{});
  for (int i = 0; i < n; ++i) c.warps[i / 32].live |= 1u << (i % 32);
  c.block_bar = Bar{};
  c.live = n;
  c.runq.clear();
  std::memset(g_dyn, 0xA5, sizeof(g_dyn));
  if (c.fibers.size() < (size_t)n) c.fibers.resize(n);
  for (int i = 0; i < n; ++i) {
    Fiber& f = c.fibers[i];
    if (!f.stack) {
      void* s = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (s == MAP_FAILED) fail("mmap of a fiber stack");
      mprotect(s, 4096, PROT_NONE);  // a guard page: an overflow faults instead of corrupting
      f.stack = static_cast<char*>(s);
    }
    f.index = i;
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
  for (int i = 0; i < n; ++i) c.runq.push_back(&c.fibers[c.reverse ? n - 1 - i : i]);
  while (!c.runq.empty()) {
    Fiber* f = c.runq.front();
    c.runq.pop_front();
    c.cur = f;
    threadIdx = f->tid;
    swapcontext(&c.sched, &f->ctx);
  }
  c.cur = nullptr;
  if (c.live != 0) {
    std::fprintf(stderr, "simt: deadlock in block (%u,%u,%u):", bidx.x, bidx.y, bidx.z);
    for (int i = 0; i < n; ++i)
      if (!c.fibers[i].done)
        std::fprintf(stderr, " t%d@%s", i, c.fibers[i].waiting ? c.fibers[i].waiting : "?");
    std::fprintf(stderr, "\n");
    std::exit(3);
  }
}

// kernel<<<grid, block, smem>>>(args...): the blocks in order (x fastest).
template <typename... KArgs, typename... Args>
cudaError_t launch(void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, Args... args) {
  Ctx& c = ctx();
  const long long threads = (long long)block.x * block.y * block.z;
  if (threads < 1 || threads > 1024 || grid.x < 1 || grid.y < 1 || grid.z < 1 ||
      grid.y > 65535 || grid.z > 65535 || smem > kDynBytes)
    return cudaErrorInvalidConfiguration;
  c.grid = grid;
  c.block = block;
  gridDim = grid;
  blockDim = block;
  c.dyn_smem = smem;
  ++c.launches;
  if (c.on_launch) c.on_launch(reinterpret_cast<const void*>(kernel), grid, block, smem);
  c.body = [&]() { kernel(static_cast<KArgs>(args)...); };
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) run_block(make_uint3(x, y, z));
  c.body = nullptr;
  return cudaSuccess;
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
inline size_t __cvta_generic_to_shared(const void* p) { return simt::shared_addr(p); }

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
