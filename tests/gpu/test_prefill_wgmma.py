"""The Hopper prefill GEMM (csrc/prefill_wgmma.cuh) against reference.py.

Runs only on an sm_90 GPU (elsewhere the op refuses, which the last test checks). The uniform
kernel dequantizes in the activation dtype (s q + (-s z) by one fused multiply-add, -s z rounded
to the dtype first) where the reference rounds s (q - z) once: a weight differs by about one
rounding of the dtype, inside the bound the other GEMM paths meet (fp32 accumulation, one
rounding of the output).
"""

from __future__ import annotations

import pytest
import torch

from helpers import (check_against_reference, check_graph_replay, gemm, prepared,
                     pytest_in_fresh_process, random_layer, rel_err)

DTYPES = [torch.float16, torch.bfloat16]
SCHEMES = ["uniform", "lut"]


def hopper() -> bool:
    return torch.cuda.is_available() and torch.cuda.get_device_capability() == (9, 0)


needs_hopper = pytest.mark.skipif(not hopper(), reason="needs an sm_90 GPU")


def prefill(layer, x, block_tokens=0, split_k=0, blocks_per_sm=0):
    """block_tokens / split_k / blocks_per_sm = 0: the op's own plan; else forced."""
    tiled, extra = prepared(layer, x.dtype)
    if layer.scheme == "uniform":
        return torch.ops.anyprec.prefill_uniform(x, tiled, extra[0], layer.bits, layer.group_size,
                                                 layer.k, layer.n, block_tokens, split_k,
                                                 blocks_per_sm)
    return torch.ops.anyprec.prefill_lut(x, tiled, extra[0], layer.bits, layer.k, layer.n,
                                         block_tokens, split_k, blocks_per_sm)


def check(layer, dtype, ms):
    check_against_reference(layer, dtype, ms, run=lambda x: [("prefill", prefill(layer, x))])


@needs_hopper
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 7, 8])
def test_prefill_every_bits(bits, scheme, dtype):
    # 2 row blocks (the second ragged), 3 token blocks (the last ragged), a ragged last chunk.
    layer = random_layer(scheme, bits, 203, 840, 64 if scheme == "uniform" else -1, seed=bits)
    check(layer, dtype, [1, 17, 128, 257])


@needs_hopper
@pytest.mark.parametrize("n,k,gs", [(1, 32, 32), (45, 1000, 64), (300, 2080, -1), (16, 4100, 128),
                                    (4096, 4096, 128)])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_prefill_shapes_groups(n, k, gs, scheme):
    for bits in (3, 4, 8):
        layer = random_layer(scheme, bits, n, k, gs, seed=n + k)
        check(layer, torch.float16, [64, 300])


@needs_hopper
@pytest.mark.parametrize("block_tokens", [64, 128, 256])
@pytest.mark.parametrize("split_k", [1, 2, 4, 9])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_prefill_token_blocks_and_split_k(block_tokens, split_k, scheme):
    """Every grid the plan can choose: 64-token blocks (m64n64 wgmma; odd and even blocks read
    the two halves of a 128-token x image: M = 1, 300, 513 end in either half), 256-token
    blocks (ragged: M = 300, 513), K split into
    2 / 4 (= 3 blocks of 3 chunks and an empty 4th, folded away) / 9 (one chunk each) ranges:
    2 as a cluster reducing in distributed shared memory, the others through the fp32
    workspace. N = 203: odd, so the cluster's writes of row pairs take their unaligned form."""
    for bits, dtype in ((3, torch.float16), (4, torch.bfloat16), (8, torch.float16)):
        layer = random_layer(scheme, bits, 203, 2080, 64 if scheme == "uniform" else -1,
                             seed=bits + split_k)
        check_against_reference(layer, dtype, [1, 300, 513], run=lambda x: [
            (f"prefill tokens={block_tokens} split={split_k}",
             prefill(layer, x, block_tokens, split_k))])


@needs_hopper
@pytest.mark.parametrize("block_tokens", [64, 128, 256])
@pytest.mark.parametrize("split_k", [1, 2])
def test_prefill_epilogue_vector_stores(block_tokens, split_k):
    """N = 264: a multiple of 8, so unsplit 256-token blocks store whole 8-row chunks with
    16-byte stores from their shared-memory tile (the last n-block ragged: rows 256..263 of
    384), the other blocks from their D fragments, and the cluster pairs write aligned row
    pairs; M = 1, 300 end inside a block."""
    for scheme, bits, dtype in (("uniform", 4, torch.float16), ("lut", 8, torch.bfloat16)):
        layer = random_layer(scheme, bits, 264, 2080, 64 if scheme == "uniform" else -1,
                             seed=block_tokens + split_k)
        check_against_reference(layer, dtype, [1, 300], run=lambda x: [
            (f"prefill tokens={block_tokens} split={split_k}",
             prefill(layer, x, block_tokens, split_k))])


@needs_hopper
@pytest.mark.parametrize("block_tokens", [64, 128, 256])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 7, 8])
def test_prefill_lut_tables_every_bits_and_block(bits, block_tokens):
    """The per-lane LUT tables take 4, 2 or 1 copies per quad by what fits next to the x
    buffers (lut_rep: b = 8 with 64- and 128-token blocks 2, b = 7 / 8 with 256-token blocks
    2 / 1):
    every width on both grids, both dtypes, a ragged second row block (rows past N)."""
    layer = random_layer("lut", bits, 203, 840, -1, seed=100 + bits)
    for dtype in DTYPES:
        check_against_reference(layer, dtype, [5, 257], run=lambda x: [
            (f"prefill lut tokens={block_tokens}", prefill(layer, x, block_tokens, 1))])


LEAN = [("uniform", b) for b in (2, 3, 4, 5, 6)] + [("lut", 7), ("lut", 8)]


@needs_hopper
@pytest.mark.parametrize("scheme,bits", LEAN, ids=[f"{s}{b}" for s, b in LEAN])
@pytest.mark.parametrize("split_k", [1, 2, 4])
def test_prefill_lean_kernels(scheme, bits, split_k):
    """The lean 64-token kernels (two blocks per SM: uniform b <= 6 with the plain schedule and
    the metadata one stage ahead; LUT b = 7, 8 with fewer table copies and the next chunk's
    planes one stage ahead) on every width they exist for, both dtypes, one pass / a cluster of
    2 / the workspace, M ending in either half of an x image, odd N, a ragged last chunk, per-row
    groups and groups of 32; and the same sums as the full 64-token kernel (the wgmma run in the
    same order, the same dequantized values: equal bit for bit)."""
    for n, k, gs in ((203, 2080, 64), (96, 1000, -1), (48, 512, 32)):
        layer = random_layer(scheme, bits, n, k, gs if scheme == "uniform" else -1,
                             seed=bits + split_k + n)
        for dtype in DTYPES:
            check_against_reference(layer, dtype, [1, 33, 64, 200], run=lambda x: [
                (f"prefill lean split={split_k}", prefill(layer, x, 64, split_k, 2))])
    x = torch.randn(100, 512, device="cuda").half()  # (the last layer: (48, 512))
    assert torch.equal(prefill(layer, x, 64, split_k, 2), prefill(layer, x, 64, split_k, 1))


@needs_hopper
def test_prefill_plan_picks_lean_kernels_for_wide_grids():
    """The plan (ops.cpp prefill_plan, read through prefill_grid) takes the lean kernels where a
    full 64-token grid has more blocks than SMs and no deeper split: (4096, 28672) at M = 32
    (224 blocks; 1.15x in session 28's forced runs), not on (4096, 4096) (32 blocks), not for
    uniform b = 7, 8 or LUT b <= 6; forced values come back as given."""
    def grid(m, k, n, bits, lut=False, *forced):
        q = torch.empty(n // 16, k // 256, bits, 32, 4, dtype=torch.int32, device="cuda")
        return list(torch.ops.anyprec.prefill_grid(q, m, bits, k, n, lut, *forced))

    sms = torch.cuda.get_device_properties(0).multi_processor_count
    assert 28672 // 128 > sms  # (an H100 / H200: 132 SMs)
    for bits in (2, 4, 6):
        assert grid(32, 4096, 28672, bits) == [64, 1, 2]
    for bits in (7, 8):
        assert grid(32, 4096, 28672, bits)[2] == 1
    assert grid(32, 4096, 28672, 4, True)[2] == 1
    # LUT b = 7, 8 (session 48): lean on the wide weight, where b = 7 gained 3%; not where a
    # full grid fits one block per SM.
    for bits in (7, 8):
        assert grid(32, 4096, 28672, bits, True) == [64, 1, 2]
        assert grid(32, 4096, 4096, bits, True)[2] == 1
        assert grid(256, 4096, 28672, bits, True)[2] == 1
    assert grid(32, 4096, 4096, 4)[2] == 1
    assert grid(1024, 4096, 28672, 4)[2] == 1  # 128-token blocks there
    assert grid(32, 4096, 4096, 4, False, 64, 3, 2) == [64, 3, 2]
    assert grid(32, 4096, 4096, 4, False, 128, 1, 1) == [128, 1, 1]
    # The gemm op between its crossovers runs that plan: the lean kernel's result, bit for bit.
    layer = random_layer("uniform", 4, 28672, 4096, 128, seed=29)
    tiled, extra = prepared(layer, torch.float16)
    check_against_reference(layer, torch.float16, [32], run=lambda x: [
        ("gemm (4096, 28672) M=32", gemm(layer, tiled, extra, x, 1 << 30, 17))])
    x = torch.randn(32, 4096, device="cuda").half()
    assert torch.equal(gemm(layer, tiled, extra, x, 1 << 30, 17), prefill(layer, x, 64, 1, 2))


@needs_hopper
def test_prefill_split_k_is_deterministic_and_matches_one_pass():
    """Split K sums its fp32 partials in a fixed order (a cluster pair in shared memory, more
    splits through the workspace): repeatable bit for bit, and within fp32 rounding of the
    unsplit kernel."""
    layer = random_layer("uniform", 4, 256, 4096, 128, seed=5)
    x = torch.randn(200, 4096, device="cuda").half()
    one = prefill(layer, x, 128, 1)
    for splits in (2, 8):  # a cluster pair, the fp32 workspace
        split = [prefill(layer, x, 128, splits) for _ in range(3)]
        assert torch.equal(split[0], split[1]) and torch.equal(split[0], split[2])
        assert rel_err(split[0], one.float()) < 1e-3


@needs_hopper
@pytest.mark.parametrize("block_tokens,split_k,blocks_per_sm",
                         [(0, 0, 0), (128, 0, 0), (128, 2, 0), (128, 8, 0), (128, 16, 0),
                          (64, 2, 0), (64, 1, 0), (64, 1, 2), (64, 2, 2), (64, 8, 2)])
def test_prefill_cuda_graph_capture_replay(block_tokens, split_k, blocks_per_sm):
    """Split K in a cluster (2: launched with cudaLaunchKernelEx) and through the workspace
    (8, 16), 64-token blocks and the lean kernels, captured in a CUDA graph and replayed into
    NaN-filled outputs with new inputs."""
    layer = random_layer("uniform", 4, 256, 4096, 128, seed=11)
    w = layer.dequant_ref()
    tiled, (meta, _, _) = prepared(layer, torch.float16)  # (host-to-device copies: not in a graph)
    xs = [torch.randn(m, 4096, device="cuda").half() for m in (64, 300)]

    def run(x):
        return torch.ops.anyprec.prefill_uniform(x, tiled, meta, 4, 128, 4096, 256, block_tokens,
                                                 split_k, blocks_per_sm)

    check_graph_replay(run, xs, w)


@needs_hopper
@pytest.mark.parametrize("scheme", SCHEMES)
def test_prefill_pdl_inputs_written_just_before(scheme):
    """Programmatic dependent launch (prefill_launch.cuh, prefill_pdl_mode): the prefill kernel reads
    its weights, metadata and tables before it waits, which is safe only because permute_x_kernel
    lets it start after its own wait (every kernel before the call has finished). Two layers'
    weights are copied in turn into the same tensors right before each call (x too), on every
    kind of grid (one pass, a cluster of 2, the workspace, 64 / 256 tokens, the lean kernels):
    a read of the previous weights or x shows as a wrong result."""
    gs = 128 if scheme == "uniform" else -1
    layers = [random_layer(scheme, 4, 256, 4096, gs, seed=seed) for seed in (21, 22)]
    preps = [prepared(layer, torch.float16) for layer in layers]
    refs = [layer.dequant_ref(torch.float32) for layer in layers]
    tiled = preps[0][0].clone()
    extra = preps[0][1][0].clone()
    plans = [(128, 1, 0), (128, 2, 0), (128, 8, 0), (64, 1, 0), (256, 2, 0)]
    if scheme == "uniform":
        plans += [(64, 2, 2)]
    x = torch.empty(300, 4096, device="cuda").half()
    for step in range(12):
        i = step % 2
        bt, sk, bps = plans[step % len(plans)]
        src = torch.randn(300, 4096, device="cuda").half()
        tiled.copy_(preps[i][0])
        extra.copy_(preps[i][1][0])
        x.copy_(src)
        if scheme == "uniform":
            out = torch.ops.anyprec.prefill_uniform(x, tiled, extra, 4, 128, 4096, 256, bt, sk,
                                                    bps)
        else:
            out = torch.ops.anyprec.prefill_lut(x, tiled, extra, 4, 4096, 256, bt, sk, bps)
        err = rel_err(out, src.float() @ refs[i].t())
        assert err < 2e-3, (step, (bt, sk, bps), err)


@needs_hopper
@pytest.mark.parametrize("mode", ["0", "1"])
def test_prefill_pdl_switch(mode):
    """ANYPREC_PREFILL_PDL (read once per process): off (0) and without the permute pass's
    programmatic launch (1) in a fresh process over the grid, graph and lean tests (the default,
    2, is what the rest of this file runs)."""
    res = pytest_in_fresh_process(
        __file__, "token_blocks_and_split_k or cuda_graph or lean_kernels or written_just_before",
        {"ANYPREC_PREFILL_PDL": mode})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert " passed" in res.stdout and "skipped" not in res.stdout.splitlines()[-1]


@needs_hopper
def test_prefill_refuses_bad_plans():
    layer = random_layer("uniform", 4, 32, 256, 128)
    x = torch.randn(4, 256, device="cuda").half()
    with pytest.raises(RuntimeError,
                       match="block_tokens: expected 0 \\(auto\\), 64, 128 or 256, got 96"):
        prefill(layer, x, 96, 0)
    with pytest.raises(RuntimeError, match="split_k: expected >= 0, got -1"):
        prefill(layer, x, 0, -1)
    with pytest.raises(RuntimeError, match="blocks_per_sm: expected 0 \\(auto\\), 1 or 2, got 3"):
        prefill(layer, x, 0, 0, 3)
    with pytest.raises(RuntimeError, match="needs 64-token blocks and uniform bits <= 6 or lut "
                                           "bits >= 7, got uniform bits=4 block_tokens=128"):
        prefill(layer, x, 128, 0, 2)
    for scheme, bits in (("lut", 4), ("lut", 6), ("uniform", 7)):
        other = random_layer(scheme, bits, 32, 256, 128 if scheme == "uniform" else -1)
        with pytest.raises(RuntimeError, match=f"got {scheme} bits={bits} block_tokens=64"):
            prefill(other, x, 64, 0, 2)


@needs_hopper
def test_prefill_matches_dense_path():
    """Same weights through dequantize + cuBLAS (dense_min_m = 1): equal up to the rounding of
    the dequantized weight and the summation order."""
    layer = random_layer("uniform", 4, 512, 1024, 128, seed=3)
    x = torch.randn(256, 1024, device="cuda").half()
    tiled, (meta, scales, zeros) = prepared(layer, torch.float16)
    dense = torch.ops.anyprec.gemm_uniform(x, tiled, meta, scales, zeros, 4, 128, 1024, 512, 1)
    out = prefill(layer, x)
    assert rel_err(out, dense.float()) < 1e-3


@pytest.mark.skipif(not torch.cuda.is_available() or hopper(), reason="needs a non-sm_90 GPU")
def test_prefill_refuses_other_gpus():
    layer = random_layer("uniform", 4, 16, 256, 128)
    with pytest.raises(RuntimeError, match="needs an sm_90 GPU"):
        prefill(layer, torch.randn(4, 256, device="cuda").half())


@needs_hopper
def test_prefill_refuses_group_sizes_not_a_power_of_two_times_32():
    layer = random_layer("uniform", 4, 32, 384, 96)
    with pytest.raises(RuntimeError, match="expected -1 or 32 \\* 2\\^i, got 96"):
        prefill(layer, torch.randn(4, 384, device="cuda").half())


@needs_hopper
def test_prefill_opcheck():
    for scheme in SCHEMES:
        layer = random_layer(scheme, 4, 48, 320, 64 if scheme == "uniform" else -1)
        x = torch.randn(3, 320, device="cuda").half()
        tiled, extra = prepared(layer, x.dtype)
        if scheme == "uniform":
            torch.library.opcheck(torch.ops.anyprec.prefill_uniform.default,
                                  (x, tiled, extra[0], 4, 64, 320, 48))
        else:
            torch.library.opcheck(torch.ops.anyprec.prefill_lut.default,
                                  (x, tiled, extra[0], 4, 320, 48))


@needs_hopper
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gemm_op_runs_the_prefill_kernel_between_its_crossovers(scheme):
    """gemm_* with prefill_min_m <= M < dense_min_m is the prefill op, bit for bit; below
    prefill_min_m it is the decode kernel, and with a group size the prefill kernel does not take
    (96) it stays on the decode kernel instead of refusing."""
    gs = 128 if scheme == "uniform" else -1
    layer = random_layer(scheme, 4, 200, 1024, gs, seed=11)
    tiled, extra = prepared(layer, torch.float16)
    x = torch.randn(100, 1024, device="cuda").half()
    fused = 1 << 30  # dense_min_m past every M here

    assert torch.equal(gemm(layer, tiled, extra, x, fused, 64), prefill(layer, x))
    decode = gemm(layer, tiled, extra, x, fused, -1)
    assert torch.equal(gemm(layer, tiled, extra, x, fused, 101), decode)
    if scheme == "uniform":
        # The uniform kernels dequantize differently (fp32 fold vs one fma in fp16): the two
        # paths are told apart by their bits. (The LUT kernels can agree bit for bit.)
        assert not torch.equal(decode, prefill(layer, x))
        odd = random_layer("uniform", 4, 64, 384, 96, seed=2)
        t2, e2 = prepared(odd, torch.float16)
        check_against_reference(odd, torch.float16, [100], run=lambda x: [
            ("gemm gs=96", gemm(odd, t2, e2, x, fused, 1))])
