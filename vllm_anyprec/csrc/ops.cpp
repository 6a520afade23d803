// torch bindings of the anyprec CUDA kernels: schemas in the `anyprec` namespace (beside the
// Python-defined *_ref ops of ops.py), CUDA implementations, input checks with the values.
// Fake implementations live in vllm_anyprec/_ext.py.
//
// Every launch goes to the current stream under a device guard and is followed by a launch
// check: that is what makes the ops capturable in CUDA graphs (vLLM captures decode steps).
#include <Python.h>

#include <ATen/ATen.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include <vector>

#include "launch.h"

namespace {

// Messages are assembled here rather than by TORCH_CHECK's ostream: streaming integers through
// the std::ostream of a different libstdc++ than torch's crashed on the H100 image (num_put
// facet), while a single std::string passes through c10::str untouched.
inline void append(std::string& s, const std::string& v) { s += v; }
inline void append(std::string& s, const char* v) { s += v; }
inline void append(std::string& s, int64_t v) { s += std::to_string(v); }
inline void append(std::string& s, int v) { s += std::to_string(v); }
inline void append(std::string& s, long long v) { s += std::to_string(v); }
inline void append(std::string& s, c10::ScalarType v) { s += c10::toString(v); }
inline void append(std::string& s, const c10::Device& v) { s += v.str(); }
inline void append(std::string& s, c10::IntArrayRef v) {
  s += "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  s += "]";
}
inline void append(std::string& s, const std::vector<int64_t>& v) {
  append(s, c10::IntArrayRef(v));
}
template <typename... Args>
std::string msg(const Args&... args) {
  std::string s;
  (append(s, args), ...);
  return s;
}

constexpr int64_t kTileN = 16, kChunkK = 256;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void check_tiled(const at::Tensor& qw, int64_t bits, int64_t K, int64_t N) {
  TORCH_CHECK(bits >= 2 && bits <= 8, msg("anyprec: bits: expected 2..8, got ", bits));
  TORCH_CHECK(K >= 1 && N >= 1, msg("anyprec: expected in_features >= 1 and out_features >= 1, "
                                    "got K=", K, " N=", N));
  TORCH_CHECK(qw.is_cuda(), msg("anyprec: qweight: expected a CUDA tensor, got ", qw.device()));
  TORCH_CHECK(qw.scalar_type() == at::kInt, msg("anyprec: qweight: expected int32, got ",
              qw.scalar_type()));
  TORCH_CHECK(qw.is_contiguous(), msg("anyprec: qweight: expected contiguous (tiled layout)"));
  const std::vector<int64_t> want = {ceil_div(N, kTileN), ceil_div(K, kChunkK), bits, 32, 4};
  TORCH_CHECK(qw.sizes().vec() == want, msg("anyprec: qweight: expected tiled shape ", want,
              " for N=", N, " K=", K, " bits=", bits, ", got ", qw.sizes()));
}

void check_same_device(const at::Tensor& a, const char* name, const at::Tensor& ref) {
  TORCH_CHECK(a.device() == ref.device(), msg("anyprec: ", name, ": expected device ", ref.device(),
              ", got ", a.device()));
}

void check_uniform_meta(const at::Tensor& qw, const at::Tensor& scales, const at::Tensor& zeros,
                        int64_t group_size, int64_t K, int64_t N) {
  const int64_t G = group_size == -1 ? 1 : ceil_div(K, group_size);
  TORCH_CHECK(group_size == -1 || (group_size >= 32 && group_size % 32 == 0),
              msg("anyprec: group_size: expected -1 or a positive multiple of 32, got ",
                  group_size));
  for (auto [t, name] : {std::pair{&scales, "scales"}, std::pair{&zeros, "zeros"}}) {
    check_same_device(*t, name, qw);
    TORCH_CHECK(t->scalar_type() == at::kHalf, msg("anyprec: ", name, ": expected float16, got ",
                t->scalar_type()));
    TORCH_CHECK(t->is_contiguous() && t->sizes().vec() == std::vector<int64_t>({N, G}),
                msg("anyprec: ", name, ": expected contiguous [", N, ", ", G, "], got ",
                    t->sizes(), t->is_contiguous() ? "" : " (non-contiguous)"));
  }
}

void check_lut(const at::Tensor& qw, const at::Tensor& lut, int64_t bits, int64_t N) {
  check_same_device(lut, "lut", qw);
  TORCH_CHECK(lut.scalar_type() == at::kHalf || lut.scalar_type() == at::kBFloat16,
              msg("anyprec: lut: expected float16 or bfloat16, got ", lut.scalar_type()));
  TORCH_CHECK(lut.is_contiguous() && lut.sizes().vec() == std::vector<int64_t>({N, 1LL << bits}),
              msg("anyprec: lut: expected contiguous [", N, ", ", 1LL << bits, "] for bits=",
                  bits, ", got ", lut.sizes()));
  // The decode kernels read whole table rows with 16-byte loads (8-byte rows at bits = 2).
  const int64_t align = std::min<int64_t>(16, 2LL << bits);
  const int64_t off = (int64_t)(reinterpret_cast<uintptr_t>(lut.data_ptr()) % align);
  TORCH_CHECK(off == 0, msg("anyprec: lut: expected a data pointer aligned to ", align,
                            " bytes for bits=", bits, ", got one ", off, " bytes past"));
}

// The GEMM ops multiply x by the table's values directly: same dtype.
void check_lut_dtype(const at::Tensor& x, const at::Tensor& lut) {
  TORCH_CHECK(lut.scalar_type() == x.scalar_type(), msg("anyprec: lut: expected the dtype of x (",
              x.scalar_type(), "), got ", lut.scalar_type()));
}

// The fold metadata (cuda_layout.uniform_meta): [G, N16, 8, 4], float32 (s, -s (z + C) of rows
// g, g + 8) or, for the widths in the build's ANYPREC_META16_BITS, float16 (s, z).
void check_fold_meta(const at::Tensor& qw, const at::Tensor& meta, int64_t bits,
                     int64_t group_size, int64_t K, int64_t N) {
  const int64_t G = group_size == -1 ? 1 : ceil_div(K, group_size);
  const std::vector<int64_t> mshape = {G, ceil_div(N, kTileN), 8, 4};
  check_same_device(meta, "meta", qw);
  const bool half = bits >= 2 && bits <= 8 && (anyprec::build_meta16_mask() >> bits & 1);
  TORCH_CHECK(meta.scalar_type() == (half ? at::kHalf : at::kFloat) && meta.is_contiguous() &&
                  meta.sizes().vec() == mshape,
              msg("anyprec: meta: expected contiguous ", half ? "float16 " : "float32 ", mshape,
                  " for bits=", bits,
                  ", got ", meta.scalar_type(), " ", meta.sizes()));
}

// x [..., K] -> contiguous [M, K8] with K8 = K rounded up to 8 (16-byte activation loads).
at::Tensor prepare_x(const at::Tensor& x, int64_t K) {
  TORCH_CHECK(x.is_cuda(), msg("anyprec: x: expected a CUDA tensor, got ", x.device()));
  TORCH_CHECK(x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16,
              msg("anyprec: x: expected float16 or bfloat16, got ", x.scalar_type()));
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == K, msg("anyprec: x: expected last dim in_features=", K,
              ", got shape ", x.sizes()));
  at::Tensor x2 = x.reshape({-1, K});
  if (K % 8) x2 = at::constant_pad_nd(x2, {0, 8 - K % 8});  // rare: odd K
  x2 = x2.contiguous();
  if (reinterpret_cast<uintptr_t>(x2.data_ptr()) % 16) x2 = x2.clone();
  return x2;
}

std::vector<int64_t> out_shape(const at::Tensor& x, int64_t N) {
  auto s = x.sizes().vec();
  s.back() = N;
  return s;
}

void check_launch(cudaError_t e, const char* what) {
  TORCH_CHECK(e == cudaSuccess, msg("anyprec: ", what, " launch failed: ", cudaGetErrorString(e)));
}

at::Tensor dequant_impl(const at::Tensor& qw, const at::Tensor* scales, const at::Tensor* zeros,
                        const at::Tensor* lut, int64_t bits, int64_t group_size, int64_t K,
                        int64_t N, at::ScalarType dtype) {
  TORCH_CHECK(dtype == at::kHalf || dtype == at::kBFloat16,
              msg("anyprec: dtype: expected float16 or bfloat16, got ", dtype));
  at::Tensor out = at::empty({N, K}, qw.options().dtype(dtype));
  anyprec::DequantArgs a{};
  a.qw = reinterpret_cast<const uint4*>(qw.data_ptr<int32_t>());
  a.out = out.data_ptr();
  a.N = (int)N;
  a.K = (int)K;
  a.C = (int)ceil_div(K, kChunkK);
  a.N16 = (int)ceil_div(N, kTileN);
  a.bits = (int)bits;
  a.bf16 = dtype == at::kBFloat16;
  a.lut_scheme = lut != nullptr;
  if (lut) {
    a.lut = lut->data_ptr();
  } else {
    a.scales = reinterpret_cast<const __half*>(scales->data_ptr<at::Half>());
    a.zeros = reinterpret_cast<const __half*>(zeros->data_ptr<at::Half>());
    a.G = group_size == -1 ? 1 : (int)ceil_div(K, group_size);
    a.group_size = group_size == -1 ? (int)K : (int)group_size;
  }
  check_launch(anyprec::launch_dequant(a, c10::cuda::getCurrentCUDAStream().stream()), "dequant");
  return out;
}

at::Tensor dequant_uniform(const at::Tensor& qweight, const at::Tensor& scales,
                           const at::Tensor& zeros, int64_t bits, int64_t group_size,
                           int64_t in_features, int64_t out_features, at::ScalarType dtype) {
  check_tiled(qweight, bits, in_features, out_features);
  check_uniform_meta(qweight, scales, zeros, group_size, in_features, out_features);
  const c10::cuda::CUDAGuard guard(qweight.device());
  return dequant_impl(qweight, &scales, &zeros, nullptr, bits, group_size, in_features,
                      out_features, dtype);
}

at::Tensor dequant_lut(const at::Tensor& qweight, const at::Tensor& lut, int64_t bits,
                       int64_t in_features, int64_t out_features) {
  check_tiled(qweight, bits, in_features, out_features);
  check_lut(qweight, lut, bits, out_features);
  const c10::cuda::CUDAGuard guard(qweight.device());
  return dequant_impl(qweight, nullptr, nullptr, &lut, bits, -1, in_features, out_features,
                      lut.scalar_type());
}

// The arguments shared by the fused decode kernel and the Hopper prefill kernel.
anyprec::GemmArgs gemm_args(const at::Tensor& x, const at::Tensor& x2, const at::Tensor& qw,
                            at::Tensor& y, const at::Tensor* meta, const at::Tensor* lut,
                            int64_t bits, int64_t group_size, int64_t K, int64_t N) {
  const int64_t M = x2.size(0);
  TORCH_CHECK(M <= (int64_t)INT32_MAX && N * K < (1LL << 40), msg("anyprec: problem too large: M=",
              M, " N=", N, " K=", K));
  anyprec::GemmArgs a{};
  a.x = x2.data_ptr();
  a.qw = reinterpret_cast<const uint4*>(qw.data_ptr<int32_t>());
  a.y = y.data_ptr();
  a.M = (int)M;
  a.N = (int)N;
  a.K = (int)x2.size(1);  // K rounded up to 8; the padding is zero in x and in the weights
  a.C = (int)ceil_div(K, kChunkK);
  a.N16 = (int)ceil_div(N, kTileN);
  a.bits = (int)bits;
  a.bf16 = x.scalar_type() == at::kBFloat16;
  a.lut_scheme = lut != nullptr;
  if (lut) {
    a.lut = lut->data_ptr();
  } else {
    a.meta = meta->data_ptr();
    a.group_size = group_size == -1 ? a.C * (int)kChunkK : (int)group_size;
  }
  return a;
}

// The Hopper prefill kernel runs on sm_90 and takes group sizes 32 * 2^i or one group per row
// (subchunk j of 32 k is in group j >> gshift).
bool prefill_group_ok(int64_t group_size) {
  const int64_t spg = group_size / 32;
  return group_size == -1 || (group_size % 32 == 0 && spg > 0 && (spg & (spg - 1)) == 0);
}
bool prefill_supported(const anyprec::DeviceInfo& d, int64_t group_size) {
  return d.major == 9 && d.minor == 0 && prefill_group_ok(group_size);
}

// Split K in a cluster (2 splits, prefill_uses_cluster): the partial sums are added in
// distributed shared memory at the kernel's end, no workspace and no second kernel. Its cost is
// the workspace's scaled by kClusterReduceShare: fitted to the forced 128 x 2 / 256 x 2 grids of
// both paths (prefill_ws/runs/call2: the fixed and per-output parts of the residual of the chunk
// model, cluster / workspace ~0.45).
constexpr double kClusterReduceShare = 0.45;
// The workspace's cost: ~3 µs (the second kernel) and a write and a read of the fp32 partial
// sums (splits M N 4 bytes each) at ~3 TB/s.
double split_cost_us(int64_t M, int64_t N, int64_t splits) {
  return 3.0 + (double)splits * M * N * 8 / 3.0e6;
}

// The prefill kernel's grid: 128 x block_tokens tiles, and K split over split_k blocks where the
// tiles alone leave SMs idle (one 256-thread block fits per SM). Cost model fitted to the H200
// (benchmarks/experiments/prefill_wgmma/runs/v7_plans.json, 128- and 256-token blocks and splits
// forced, M = 64..4096): waves x chunks (256 k) per block x the time of one chunk, which was
// 2.55 µs with 128-token and 4.0 µs with 256-token blocks (uniform; LUT 3.6 / 4.6), plus for split
// K ~3 µs and a write and a read of the fp32 partial sums (s M N 4 bytes each) at ~3 TB/s.
// Against the 112 forced timings of that run: 0.92-1.37x (median 1.02; 256-token blocks that
// fill less than one wave run faster than modelled, and the model never picks them). The
// interleaved schedule of the 128-token blocks (session 24) took 4% (uniform) and 3% (LUT) off
// their full-wave chunk time (prefill_ilv/runs/v12_ab_compare.txt: (4096, 28672), M = 1024).
// The per-lane LUT tables (session 25) took the LUT chunk time to ~2.4-3.55 / 3.8-5.1 µs by b;
// costs refitted per b from those cells picked grids 1% slower overall than these (72 LUT cells
// with every pick timed, prefill_lut_lanes/runs/plans_picks.txt; b = 2 at M = 256..512 on
// small weights up to 25% slower), so these stay: what matters is their ratio, not their scale.
// 64-token blocks (session 28, benchmarks/experiments/prefill_tok64/: 64 / 128 tokens x 1 / 2 / 4
// splits forced, M = 17..128, b = 3, 4, 8) take 0.87x (uniform) and ~0.8x (LUT) of a 128-token
// block's chunk time, and every block a fixed ~1 µs (its prologue: LUT tables, the pipeline's
// fill, the epilogue); without that term the plan split K four ways at M = 17..24 on the wide
// weights, 1.13-1.31x slower than one pass. Replayed on that run and session 27's
// (prefill_tok64/plan_fit.py): the picks are within 1.003x of the best measured grid (geometric
// mean, 240 cells; 1.011x without the block term).
// The lean kernels (blocks_per_sm = 2: uniform, 64-token blocks, b <= 6; prefill_wgmma.cuh)
// run two blocks per SM, each slower than a full block alone: ~3.0 µs per chunk (forced grids of
// both forms, session 28's call 5: (4096, 28672) M = 24..64, one pass 46.4-53.6 µs over 16
// chunks, b = 2..6). The plan offers them only where a full grid has more blocks than SMs, and
// without split K or with a cluster of 2 (the grids measured): on grids within one block per SM
// they ran 0.74-0.87x as fast as the full kernels.
// Session 30 ordered the loads of the lean and the 256-token uniform kernels after their decode
// (prefill_wgmma.cuh kOrder): forced grids 1.11x (lean) and 1.05x (256 tokens) faster than the
// same kernels before (geometric means, prefill_lean/runs/s30_order), so their chunk costs are
// the old ones over those ratios: 3.0 -> 2.7 and 4.0 -> 3.8 µs.
// block_tokens / split_k / blocks_per_sm > 0: forced (benchmarks and tests), 0: chosen here.
constexpr double kBlockUs = 1.0;
constexpr double kLeanChunkUs = 2.7;
// The lean LUT kernels (b = 7, 8; session 48, benchmarks/experiments/prefill_lut_lean/): two
// 64-token blocks per SM with half the table copies. Forced grids on an H100 (LUT b = 7, 8,
// M = 17..256, the four Llama-3-8B weights): on (4096, 28672) at M = 17..64 the lean one pass
// took 0.97-0.98 of the full one's time at b = 7 and 0.99-1.01 at b = 8 (ncu: twice the warps,
// but one more shared-memory wavefront per lookup with the fewer copies); where a full grid
// fits one block per SM they lose (0.71-0.86x). Replayed over the 50 cells whose pick was
// measured (fit.py there), chunk costs of 4.0-5.5 µs pick within 1.0003 of the best measured
// grid (1.0028 without the lean kernels); 5.0, the middle.
constexpr double kLeanLutChunkUs = 5.0;
anyprec::PrefillPlan prefill_plan(int64_t M, int64_t N, int64_t N16, int64_t C, int sms, bool lut,
                                  int64_t bits, int64_t block_tokens, int64_t split_k,
                                  int64_t blocks_per_sm) {
  TORCH_CHECK(block_tokens == 0 || block_tokens == 64 || block_tokens == 128 ||
                  block_tokens == 256,
              msg("anyprec: prefill: block_tokens: expected 0 (auto), 64, 128 or 256, got ",
                  block_tokens));
  TORCH_CHECK(split_k >= 0, msg("anyprec: prefill: split_k: expected >= 0, got ", split_k));
  TORCH_CHECK(blocks_per_sm >= 0 && blocks_per_sm <= 2,
              msg("anyprec: prefill: blocks_per_sm: expected 0 (auto), 1 or 2, got ",
                  blocks_per_sm));
  TORCH_CHECK(blocks_per_sm != 2 ||
                  anyprec::prefill_lean_ok(lut, (int)bits, block_tokens ? (int)block_tokens : 64),
              msg("anyprec: prefill: blocks_per_sm=2 (the lean kernels) needs 64-token blocks "
                  "and uniform bits <= 6 or lut bits >= 7, got ", lut ? "lut" : "uniform",
                  " bits=", bits, " block_tokens=", block_tokens));
  anyprec::PrefillPlan best{};
  double best_us = 0;
  for (const int tokens : {64, 128, 256}) {
    if (block_tokens && tokens != block_tokens) continue;
    const int64_t tiles = ceil_div(N16, 8) * ceil_div(M, tokens);
    const double chunk_us = lut ? (tokens == 64 ? 2.8 : tokens == 128 ? 3.5 : 4.6)
                                : (tokens == 64 ? 2.13 : tokens == 128 ? 2.45 : 3.8);
    const int64_t s_lo = split_k ? std::min(split_k, C) : 1;
    const int64_t s_hi = split_k ? s_lo : std::min<int64_t>(16, C);
    for (int64_t s = s_lo; s <= s_hi; ++s) {
      const int64_t cps = ceil_div(C, s);
      const int64_t splits = ceil_div(C, cps);  // no empty split
      for (int per_sm = 1; per_sm <= 2; ++per_sm) {
        if (blocks_per_sm && per_sm != blocks_per_sm) continue;
        if (per_sm == 2 && !anyprec::prefill_lean_ok(lut, (int)bits, tokens)) continue;
        if (per_sm == 2 && !blocks_per_sm && (splits > 2 || tiles * splits <= sms)) continue;
        const anyprec::PrefillPlan p{tokens, (int)splits, per_sm};
        const double lean_us = lut ? kLeanLutChunkUs : kLeanChunkUs;
        const double block_us = (double)cps * (per_sm == 2 ? lean_us : chunk_us) + kBlockUs;
        double us;
        if (anyprec::prefill_uses_cluster(p)) {
          // A cluster per tile: as many at once as the GPCs hold (prefill_cluster_capacity; if
          // the query failed, as if every SM took part).
          const int cap = anyprec::prefill_cluster_capacity((int)splits, per_sm);
          const int64_t per_wave = cap > 0 ? cap : std::max<int64_t>(1, per_sm * sms / splits);
          us = (double)ceil_div(tiles, per_wave) * block_us +
               kClusterReduceShare * split_cost_us(M, N, splits);
        } else {
          us = (double)ceil_div(tiles * splits, (int64_t)per_sm * sms) * block_us;
          if (splits > 1) us += split_cost_us(M, N, splits);
        }
        if (best_us == 0 || us < best_us) {
          best_us = us;
          best = p;
        }
      }
    }
  }
  return best;
}

// The prefill kernel's group index shift (see prefill_group_ok); refuses other group sizes.
int prefill_gshift(int64_t group_size) {
  TORCH_CHECK(prefill_group_ok(group_size),
              msg("anyprec: prefill: group_size: expected -1 or 32 * 2^i, got ", group_size));
  if (group_size == -1) return 31;
  int gshift = 0;
  while ((32LL << gshift) < group_size) ++gshift;
  return gshift;
}

// The Hopper prefill GEMM (prefill_wgmma.cuh) on a prepared x2 (prepare_x); inputs checked.
at::Tensor prefill_run(const at::Tensor& x, const at::Tensor& x2, const at::Tensor& qw,
                       const at::Tensor* meta, const at::Tensor* lut, int64_t bits,
                       int64_t group_size, int64_t K, int64_t N, int sms, int64_t block_tokens,
                       int64_t split_k, int64_t blocks_per_sm) {
  const int64_t M = x2.size(0);
  at::Tensor y = at::empty({M, N}, x2.options());
  if (M == 0) return y.view(out_shape(x, N));
  const anyprec::GemmArgs a = gemm_args(x, x2, qw, y, meta, lut, bits, group_size, K, N);
  const int G = lut || group_size == -1 ? 1 : (int)ceil_div(K, group_size);
  const anyprec::PrefillPlan plan =
      prefill_plan(M, N, a.N16, a.C, sms, lut != nullptr, bits, block_tokens, split_k,
                   blocks_per_sm);
  // x's stage tiles as the kernel's shared memory holds them (one bulk copy per tile and stage);
  // with split K the fp32 partial sums.
  at::Tensor xp = at::empty({(int64_t)anyprec::prefill_x_tiles(a.M, plan) * 4 * a.C * 8192},
                            x2.options());
  at::Tensor ws = plan.split_k > 1 && !anyprec::prefill_uses_cluster(plan)
                      ? at::empty({plan.split_k, M, N}, x2.options().dtype(at::kFloat))
                      : at::Tensor();
  check_launch(anyprec::launch_prefill(a, plan, G, prefill_gshift(group_size), xp.data_ptr(),
                                       ws.defined() ? ws.data_ptr<float>() : nullptr,
                                       c10::cuda::getCurrentCUDAStream().stream()),
               "prefill gemm");
  return y.view(out_shape(x, N));
}

// The prefill ops (any M; sm_90 only): what gemm_* runs between its two crossovers, callable
// directly with a forced grid for benchmarks and tests.
at::Tensor prefill_impl(const at::Tensor& x, const at::Tensor& qw, const at::Tensor* meta,
                        const at::Tensor* lut, int64_t bits, int64_t group_size, int64_t K,
                        int64_t N, int64_t block_tokens, int64_t split_k,
                        int64_t blocks_per_sm) {
  const c10::cuda::CUDAGuard guard(qw.device());
  const anyprec::DeviceInfo dev = anyprec::device_info(qw.device().index());
  TORCH_CHECK(dev.major == 9 && dev.minor == 0,
              msg("anyprec: prefill: needs an sm_90 GPU (Hopper), got sm_", dev.major, dev.minor));
  prefill_gshift(group_size);  // refuse other group sizes before any work
  at::Tensor x2 = prepare_x(x, K);
  check_same_device(x2, "x", qw);
  return prefill_run(x, x2, qw, meta, lut, bits, group_size, K, N, dev.sms, block_tokens,
                     split_k, blocks_per_sm);
}

// Three paths inside one op, so that vLLM's torch.compile graph, symbolic in M, has no branch on
// M: M >= dense_min_m: dequantize to a dense weight and call cuBLAS; prefill_min_m <= M <
// dense_min_m (prefill_min_m >= 0, an sm_90 GPU, group sizes 32 * 2^i or per row): the Hopper
// prefill GEMM; else the fused decode kernel. The crossovers come from measurements
// (kernels/cuda_fused.py).
at::Tensor gemm_impl(const at::Tensor& x, const at::Tensor& qw, const at::Tensor* meta,
                     const at::Tensor* scales, const at::Tensor* zeros, const at::Tensor* lut,
                     int64_t bits, int64_t group_size, int64_t K, int64_t N,
                     int64_t dense_min_m, int64_t prefill_min_m) {
  const c10::cuda::CUDAGuard guard(qw.device());
  at::Tensor x2 = prepare_x(x, K);
  check_same_device(x2, "x", qw);
  const int64_t M = x2.size(0);
  if (prefill_min_m >= 0 && M >= prefill_min_m && M < dense_min_m) {
    const anyprec::DeviceInfo dev = anyprec::device_info(qw.device().index());
    if (prefill_supported(dev, group_size)) {
      return prefill_run(x, x2, qw, meta, lut, bits, group_size, K, N, dev.sms, 0, 0, 0);
    }
  }
  at::Tensor y = at::empty({M, N}, x2.options());
  if (M == 0) return y.view(out_shape(x, N));
  if (M >= dense_min_m) {
    at::Tensor w = dequant_impl(qw, scales, zeros, lut, bits, group_size, K, N, x.scalar_type());
    at::mm_out(y, x2.narrow(1, 0, K), w.t());
    return y.view(out_shape(x, N));
  }
  const anyprec::GemmArgs a = gemm_args(x, x2, qw, y, meta, lut, bits, group_size, K, N);
  check_launch(anyprec::launch_fused_gemm(a, c10::cuda::getCurrentCUDAStream().stream()),
               "fused gemm");
  return y.view(out_shape(x, N));
}

at::Tensor gemm_uniform(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& meta,
                        const at::Tensor& scales, const at::Tensor& zeros, int64_t bits,
                        int64_t group_size, int64_t in_features, int64_t out_features,
                        int64_t dense_min_m, int64_t prefill_min_m) {
  check_tiled(qweight, bits, in_features, out_features);
  check_uniform_meta(qweight, scales, zeros, group_size, in_features, out_features);
  check_fold_meta(qweight, meta, bits, group_size, in_features, out_features);
  return gemm_impl(x, qweight, &meta, &scales, &zeros, nullptr, bits, group_size, in_features,
                   out_features, dense_min_m, prefill_min_m);
}

at::Tensor gemm_lut(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& lut,
                    int64_t bits, int64_t in_features, int64_t out_features,
                    int64_t dense_min_m, int64_t prefill_min_m) {
  check_tiled(qweight, bits, in_features, out_features);
  check_lut(qweight, lut, bits, out_features);
  check_lut_dtype(x, lut);
  return gemm_impl(x, qweight, nullptr, nullptr, nullptr, &lut, bits, -1, in_features,
                   out_features, dense_min_m, prefill_min_m);
}

at::Tensor prefill_uniform(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& meta,
                           int64_t bits, int64_t group_size, int64_t in_features,
                           int64_t out_features, int64_t block_tokens, int64_t split_k,
                           int64_t blocks_per_sm) {
  check_tiled(qweight, bits, in_features, out_features);
  check_fold_meta(qweight, meta, bits, group_size, in_features, out_features);
  return prefill_impl(x, qweight, &meta, nullptr, bits, group_size, in_features, out_features,
                      block_tokens, split_k, blocks_per_sm);
}

at::Tensor prefill_lut(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& lut,
                       int64_t bits, int64_t in_features, int64_t out_features,
                       int64_t block_tokens, int64_t split_k, int64_t blocks_per_sm) {
  check_tiled(qweight, bits, in_features, out_features);
  check_lut(qweight, lut, bits, out_features);
  check_lut_dtype(x, lut);
  return prefill_impl(x, qweight, nullptr, &lut, bits, -1, in_features, out_features,
                      block_tokens, split_k, blocks_per_sm);
}

// The grid the prefill op runs for M tokens on qweight's GPU, as [block_tokens, split_k,
// blocks_per_sm] (forced values > 0 are checked and kept, as in the op): for benchmarks, which
// print it, and tests of the plan.
std::vector<int64_t> prefill_grid(const at::Tensor& qweight, int64_t M, int64_t bits,
                                  int64_t in_features, int64_t out_features, bool lut,
                                  int64_t block_tokens, int64_t split_k, int64_t blocks_per_sm) {
  check_tiled(qweight, bits, in_features, out_features);
  TORCH_CHECK(M >= 1, msg("anyprec: prefill_grid: M: expected >= 1, got ", M));
  const c10::cuda::CUDAGuard guard(qweight.device());
  const anyprec::DeviceInfo dev = anyprec::device_info(qweight.device().index());
  const anyprec::PrefillPlan p =
      prefill_plan(M, out_features, ceil_div(out_features, kTileN), ceil_div(in_features, kChunkK),
                   dev.sms, lut, bits, block_tokens, split_k, blocks_per_sm);
  return {p.block_tokens, p.split_k, p.blocks_per_sm};
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(anyprec, m) {
  m.def(
      "gemm_uniform(Tensor x, Tensor qweight, Tensor meta, Tensor scales, Tensor zeros, "
      "int bits, int group_size, int in_features, int out_features, int dense_min_m, "
      "int prefill_min_m=-1) -> Tensor");
  m.def(
      "gemm_lut(Tensor x, Tensor qweight, Tensor lut, int bits, int in_features, "
      "int out_features, int dense_min_m, int prefill_min_m=-1) -> Tensor");
  m.def(
      "prefill_uniform(Tensor x, Tensor qweight, Tensor meta, int bits, int group_size, "
      "int in_features, int out_features, int block_tokens=0, int split_k=0, "
      "int blocks_per_sm=0) -> Tensor");
  m.def(
      "prefill_lut(Tensor x, Tensor qweight, Tensor lut, int bits, int in_features, "
      "int out_features, int block_tokens=0, int split_k=0, int blocks_per_sm=0) -> Tensor");
  m.def(
      "prefill_grid(Tensor qweight, int M, int bits, int in_features, int out_features, bool lut, "
      "int block_tokens=0, int split_k=0, int blocks_per_sm=0) -> int[]");
  m.def(
      "dequant_uniform(Tensor qweight, Tensor scales, Tensor zeros, int bits, int group_size, "
      "int in_features, int out_features, ScalarType dtype) -> Tensor");
  m.def(
      "dequant_lut(Tensor qweight, Tensor lut, int bits, int in_features, int out_features) "
      "-> Tensor");
}

TORCH_LIBRARY_IMPL(anyprec, CUDA, m) {
  m.impl("gemm_uniform", &gemm_uniform);
  m.impl("gemm_lut", &gemm_lut);
  m.impl("prefill_uniform", &prefill_uniform);
  m.impl("prefill_lut", &prefill_lut);
  m.impl("prefill_grid", &prefill_grid);
  m.impl("dequant_uniform", &dequant_uniform);
  m.impl("dequant_lut", &dequant_lut);
}

// `import vllm_anyprec._C` runs the static registrations above. The module holds three
// constants, so that kernels/cuda_layout.py writes what the build reads: PACKED_MASK, bit b set
// when the kernels read b-bit weights packed-transposed (build_packed_mask); PACK_RUNS, 1 when
// the b >= 5 packed words keep their upper outputs in runs (build_pack_runs); META16_MASK, bit b
// set when the b-bit fold metadata is float16 rather than fp32 (build_meta16_mask).
extern "C" PyObject* PyInit__C(void) {
  static PyModuleDef def = {PyModuleDef_HEAD_INIT, "_C", nullptr, -1, nullptr};
  PyObject* mod = PyModule_Create(&def);
  const long packed = anyprec::build_packed_mask();
  const long meta16 = anyprec::build_meta16_mask();
  const long pack_runs = anyprec::build_pack_runs();
  if (mod != nullptr && (PyModule_AddIntConstant(mod, "PACKED_MASK", packed) < 0 ||
                         PyModule_AddIntConstant(mod, "PACK_RUNS", pack_runs) < 0 ||
                         PyModule_AddIntConstant(mod, "META16_MASK", meta16) < 0)) {
    Py_DECREF(mod);
    return nullptr;
  }
  return mod;
}
