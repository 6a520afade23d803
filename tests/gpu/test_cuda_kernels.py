"""The CUDA ops against reference.py: bit-exact dequant, GEMM error bounds, graphs, opcheck."""

from __future__ import annotations

import pytest
import torch

from helpers import (REL_TOL, check_against_reference, check_graph_replay, gemm, prepared,
                     pytest_in_fresh_process, random_layer, rel_err)

BITS = [2, 3, 4, 5, 6, 7, 8]
SCHEMES = ["uniform", "lut"]
DTYPES = [torch.float16, torch.bfloat16]
M_LIST = [1, 2, 3, 7, 8, 9, 16, 17, 33, 64, 257, 1024]
FUSED, DENSE = 1 << 30, 1  # dense_min_m values that force one path
# Llama-3-8B (K, N) and their TP=2 splits (column-parallel halves N, row-parallel halves K).
LLAMA = [(4096, 6144), (4096, 4096), (4096, 28672), (14336, 4096)]
LLAMA_TP2 = [(4096, 3072), (2048, 4096), (4096, 14336), (7168, 4096)]


def check_gemm(layer, dtype, ms, paths=(FUSED, DENSE), seed=1):
    tiled, extra = prepared(layer, dtype)
    check_against_reference(
        layer, dtype, ms, seed=seed,
        run=lambda x: [("fused" if p == FUSED else "dense", gemm(layer, tiled, extra, x, p))
                       for p in paths])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", BITS)
def test_dequant_bit_exact(bits, scheme, dtype):
    # (48, 2600): 11 chunks, more than one block of 8 (the LUT tables are per block).
    for n, k, gs in [(37, 300, 32), (64, 1024, 128), (129, 520, -1), (16, 33, 96),
                     (48, 2600, 64)]:
        layer = random_layer(scheme, bits, n, k, gs, seed=bits * 7 + n)
        tiled, extra = prepared(layer, dtype)
        if scheme == "uniform":
            out = torch.ops.anyprec.dequant_uniform(tiled, layer.scales, layer.zeros, bits, gs, k,
                                                    n, dtype)
        else:
            out = torch.ops.anyprec.dequant_lut(tiled, extra[0], bits, k, n)
        ref = layer.dequant_ref(dtype)
        assert out.dtype == dtype and out.shape == (n, k)
        assert torch.equal(out.view(torch.int16), ref.view(torch.int16)), (
            f"dequant {scheme} b={bits} N={n} K={k} gs={gs} {dtype}: "
            f"{int((out != ref).sum())} of {out.numel()} values differ")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", BITS)
def test_gemm_all_m_odd_shape(bits, scheme, dtype):
    layer = random_layer(scheme, bits, 203, 840, 64 if scheme == "uniform" else -1, seed=bits)
    check_gemm(layer, dtype, M_LIST)


@pytest.mark.parametrize("n,k,gs", [(1, 32, 32), (17, 72, 32), (45, 1000, 96), (300, 2080, -1),
                                    (16, 4100, 128), (5, 33, 32)])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gemm_odd_n_k_groups(n, k, gs, scheme):
    for bits in (3, 4, 8):
        layer = random_layer(scheme, bits, n, k, gs, seed=n + k)
        for dtype in DTYPES:
            check_gemm(layer, dtype, [1, 3, 9, 17, 33])


@pytest.mark.parametrize("gs", [32, 64, 128, 96, -1])
@pytest.mark.parametrize("bits", BITS)
def test_gemm_m1_every_fold(bits, gs):
    # M = 1 runs the M1 kernels (sum of x by one mma, shuffled into each fold; XS only when
    # asked): every fold width (group 32, 64, 128, per row; 96 = a fold per subchunk), K with a
    # ragged last chunk and group.
    layer = random_layer("uniform", bits, 203, 1056, gs, seed=bits * 31 + gs)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [1], paths=(FUSED,))


@pytest.mark.parametrize("gs", [128, 96, -1])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 7, 8])
def test_gemm_m1_long_k(bits, gs):
    # M = 1 past K = 16384 (Llama-70B's down_proj): 65 chunks per n-tile, so the ring kernel's
    # wide instance (up to 16 warps per block), with the largest stages at b >= 7 (and XS, when
    # asked, falls back to it: x passes its 32 KB). K = 16400: a ragged last chunk.
    layer = random_layer("uniform", bits, 40, 16400, gs, seed=bits + gs)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [1], paths=(FUSED,))


M1_TESTS = "m1_every_fold or m1_long_k"


@pytest.mark.parametrize("bits", BITS)
def test_gemm_lut_m1_ring(bits):
    # LUT at M = 1, b = 4 runs the ring (LP: fused_gemm_lutpipe_kernel) on weights of at least
    # 8192 tile-chunks (the third one here: 513 x 17, ragged N and K), b = 2, 3 too under the
    # width mask (ANYPREC_LUT_PIPE_BITS), and every b <= 4 on the others under the switch run
    # "lpall" below (65 chunks per n-tile in the second: warps that wrap their ring many
    # times); b >= 5 stays on fused_gemm_kernel.
    for n, k in [(203, 1056), (40, 16400), (8200, 4100)]:
        layer = random_layer("lut", bits, n, k, -1, seed=bits * 47 + n)
        for dtype in DTYPES:
            check_gemm(layer, dtype, [1], paths=(FUSED,))


@pytest.mark.parametrize("gs", [32, 64, 128, 96, -1])
@pytest.mark.parametrize("bits", BITS)
def test_gemm_m2_8_every_fold(bits, gs):
    # M = 2..4 at b >= 4 runs X8 (the ring with M rows of x per stage; every b and M = 2..8,
    # and its persistent form, under the switches below): every fold width, a ragged last
    # chunk and group, odd M (rows g >= M of the B fragments are zeros, never read).
    layer = random_layer("uniform", bits, 203, 1056, gs, seed=bits * 37 + gs)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [2, 3, 5, 8], paths=(FUSED,))


@pytest.mark.parametrize("gs", [32, 128, 96, -1])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 7, 8])
def test_gemm_m9_16_every_fold(bits, gs):
    # M = 9..16 (two 8-row activation tiles): every fold width but 64, odd M; XB (a tile per
    # warp, x shared per block) under its switch below.
    layer = random_layer("uniform", bits, 203, 1056, gs, seed=bits * 41 + gs)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [9, 12, 16], paths=(FUSED,))


@pytest.mark.parametrize("bits", [6, 7, 8])
def test_gemm_xb_rule_wide(bits):
    # XB's rule (on by default since session 54: b = 6 alone, M >= 9, at least one 8-tile block
    # per SM: 145 blocks here, 132 SMs on an H100 / H200) takes this weight at b = 6, M = 13 and
    # 16 (b = 7, 8 and M = 8 stay on the other kernels): ragged N, K, chunk and group; odd M.
    # The switch run "xbrule" below checks that XB launched at b = 6 alone; "xboff" runs them
    # without it.
    layer = random_layer("uniform", bits, 18500, 600, 128, seed=bits * 43)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [8, 13, 16], paths=(FUSED,))


@pytest.mark.parametrize("bits", [3, 4])
@pytest.mark.parametrize("gs", [32, 128])
def test_gemm_mt2_cap_rule(bits, gs):
    # M = 9..16, b = 3, 4: MC's rule (the capped kernel where the wave model finds it a cheaper
    # launch) takes this weight on an H100 / H200 (256 n-tiles, 16 chunks: 8 warps per block in
    # one wave against 6 uncapped); ragged N, K and last group, odd M. The switch run "mcrule"
    # below checks that MC launched; "mc0" runs the uncapped kernel on it.
    layer = random_layer("uniform", bits, 4090, 4000, gs, seed=bits * 47 + gs)
    for dtype in DTYPES:
        check_gemm(layer, dtype, [9, 13, 16], paths=(FUSED,))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("bits", [3, 4, 8])
def test_gemm_chunk_tails(bits, scheme):
    # The register kernels at M = 2..16 (MT = 1, 2; swapped trips at b >= 4 uniform, b = 8 LUT)
    # on 3 n-tiles, so every block gets 8 warps, and K = 256 c + r: warps with several whole
    # chunks, one of them also the chunk that crosses K, at both positions of a swapped pair
    # (its weights in cur or nxt: c = 9 and 12 put it second, 16 third). ANYPREC_X_FULL runs
    # that chunk after the loop (decode_body.cuh); K = 3072 has none.
    for k in (256 * 9 + 100, 256 * 12 + 32, 256 * 16 + 8, 256 * 12):
        layer = random_layer(scheme, bits, 40, k, 128 if scheme == "uniform" else -1,
                             seed=k + bits)
        for dtype in DTYPES:
            check_gemm(layer, dtype, [2, 5, 8, 9, 16], paths=(FUSED,))


X8_TESTS = "m2_8_every_fold or all_m_odd_shape"
LUT_PAIR_TESTS = ("lut_m1_ring or (all_m_odd_shape and lut) or (llama_shapes and lut) "
                  "or (odd_n_k_groups and lut) or (cuda_graph and lut) or (chunk_tails and lut)")


@pytest.mark.parametrize("env,tests", [
    ("ANYPREC_DECODE_PIPE=0", M1_TESTS),
    ("ANYPREC_DECODE_SUM_MMA=0", M1_TESTS),
    ("ANYPREC_DECODE_SK=1 ANYPREC_SK_MIN_CHUNKS=2", M1_TESTS + " or llama_shapes"),
    # stream-K on every M = 1 launch, over XS too: tiny weights split each tile over several
    # warps (every segment through the slots and counters); the graph test replays it twice
    # into NaN-filled outputs, so a counter left non-zero by a launch shows as a missing write.
    ("ANYPREC_DECODE_SK=2 ANYPREC_SK_OVER_XS=1", M1_TESTS + " or cuda_graph or stream_k"),
    ("ANYPREC_DECODE_SK=2 ANYPREC_SK_WARPS=1", M1_TESTS),
    # programmatic dependent launch for the uniform scheme only, off, and for both schemes
    # (the default) without the grid rule (launch.h pdl_grid_ok: LUT grids then launch
    # programmatically whatever their size); every input of these tests is written by the
    # kernel just before the gemm, so a read before the kernel's wait shows as a wrong result.
    ("ANYPREC_PDL=1", M1_TESTS + " or cuda_graph or all_m_odd_shape"),
    ("ANYPREC_PDL=0", M1_TESTS + " or cuda_graph"),
    ("ANYPREC_PDL_RULE=0", M1_TESTS + " or cuda_graph or all_m_odd_shape"),
    # persistent tiles (on by their rule: the large Llama weights take them): off, unbalanced,
    # and forced onto a grid of 3 or 2 blocks, so that every block runs several tiles (ragged
    # counts, strided and contiguous orders, 3 warps over uneven chunk counts, both ring
    # depths); the graph test replays into NaN-filled outputs.
    ("ANYPREC_DECODE_PT=0", "llama_shapes or stream_k"),
    # (ANYPREC_PT_BITS=0x1FC: PT's rule at every width, b >= 4 as well, which the default
    # leaves to the ring since session 43)
    ("ANYPREC_DECODE_PT=1 ANYPREC_PT_BALANCE=0 ANYPREC_PT_BITS=0x1FC", "llama_shapes or stream_k"),
    ("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3", M1_TESTS + " or cuda_graph or stream_k"),
    ("ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=2 ANYPREC_PT_CONTIG=1 ANYPREC_PT_WARPS=3 "
     "ANYPREC_PT_STAGES=3", M1_TESTS + " or cuda_graph"),
    # the ring depth by width (ANYPREC_PT_STAGES3_BITS): b = 4 with 3 stages, b <= 3 with 2
    ("ANYPREC_PT_STAGES3_BITS=0x10 ANYPREC_PT_BITS=0x1FC", "llama_shapes or stream_k"),
    # XS (off by default since session 14): b >= 7 at M = 1 with x in shared memory, every fold
    # width and the Llama weights.
    ("ANYPREC_DECODE_XS=1", M1_TESTS + " or llama_shapes"),
    # the ring kernel's wide instance off: long K through the 8-warp ring again
    ("ANYPREC_RING_WIDE=0", M1_TESTS + " or llama_shapes"),
    # X8 (by its rule: M <= 4, b = 2, b >= 6 on weights of >= 16 Ki tile-chunks): off (the
    # register double buffer again); by its rule with the weight bound lowered to the tests'
    # weights; at every b and M = 2..8 through its ring (wave model or warp target), and through
    # its persistent form forced onto 3 or 2 blocks (several tiles per block; 3 warps over uneven
    # chunk counts). Each run but the first must have launched an X8 kernel (checked in its log,
    # see below).
    ("ANYPREC_DECODE_X8=0", X8_TESTS),
    ("ANYPREC_X8_MIN_WORK=1 ANYPREC_X8_PT=0", X8_TESTS),
    ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=0", X8_TESTS + " or cuda_graph or llama_shapes"),
    ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=0 ANYPREC_X8_WAVE=0", X8_TESTS),
    ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=2 ANYPREC_PT_GRID=3", X8_TESTS + " or cuda_graph"),
    ("ANYPREC_DECODE_X8=2 ANYPREC_X8_PT=2 ANYPREC_PT_GRID=2 ANYPREC_PT_WARPS=3", X8_TESTS),
    # XB (off by default; its rule: b >= 7, M >= 8, wide weights) at every M = 2..16 and
    # weight, 8 tiles per block and 3 (a last block with warps past the last tile: they copy x
    # and keep the barriers); by its rule (must launch on the wide weight); and off.
    ("ANYPREC_DECODE_XB=2", X8_TESTS + " or m9_16 or cuda_graph or llama_shapes"),
    ("ANYPREC_DECODE_XB=2 ANYPREC_XB_WARPS=3", X8_TESTS + " or m9_16"),
    ("ANYPREC_DECODE_XB=1", "xb_rule_wide"),
    ("ANYPREC_DECODE_XB=0", "xb_rule_wide or m9_16"),
    # LUT at M = 1 (LP, by its rule: b <= 4, large weights): off (fused_gemm_kernel again), by
    # the rule (the 8200-row weight of lut_m1_ring must take it) and on every weight (both runs
    # must have launched it: the log).
    ("ANYPREC_LUT_PIPE=0", "lut_m1_ring or cuda_graph"),
    ("ANYPREC_LUT_PIPE=1", "lut_m1_ring"),
    ("ANYPREC_LUT_PIPE=2", "lut_m1_ring or cuda_graph or all_m_odd_shape or odd_n_k_groups"),
    # LP's rule at b = 4 alone (ANYPREC_LUT_PIPE_BITS, the default since session 40): b = 4
    # must launch it, b <= 3 must not; and over b = 2..4 (the default before), b = 3 must.
    ("ANYPREC_LUT_PIPE=1 ANYPREC_LUT_PIPE_BITS=0x10", "lut_m1_ring or (llama_shapes and lut)"),
    ("ANYPREC_LUT_PIPE=1 ANYPREC_LUT_PIPE_BITS=0x1C", "lut_m1_ring"),
    # MC (the capped kernel at M = 9..16, b = 3, 4, by its rule): everywhere (every fold width,
    # the Llama weights, graphs), by the rule (must launch on mt2_cap_rule's weight), and off.
    ("ANYPREC_MT2_CAP=2", "m9_16 or mt2_cap_rule or cuda_graph or llama_shapes"),
    ("ANYPREC_MT2_CAP=1", "mt2_cap_rule"),
    ("ANYPREC_MT2_CAP=0", "mt2_cap_rule or m9_16"),
    # MC3 (MC's weights through a per-warp cp.async ring, off by default): wherever MC runs,
    # with 3 stages (the graphs and the Llama weights too), 2 and 4.
    ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2", "m9_16 or mt2_cap_rule or cuda_graph or llama_shapes"),
    ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=2", "m9_16"),
    ("ANYPREC_MT2_CAP=2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=4", "m9_16 or llama_shapes"),
    # NT2 (MC with two n-tiles per block, off by default): wherever MC runs (odd tile counts:
    # a last block with one tile) by the defaults (uncapped, tile B on tile A's sums of x),
    # uncapped with its own sums, at 168 registers with the sums shared; and by its rule
    # (ANYPREC_NT2=1, the default: b = 3, 4 on >= 6 n-tiles per SM: the Llama weights
    # (4096, 28672) and (4096, 14336) must take it, no weight under 792 n-tiles may).
    ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2", "m9_16 or mt2_cap_rule or cuda_graph or llama_shapes"),
    ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_NT2_REGS=255 ANYPREC_NT2_SUMS=0",
     "m9_16 or llama_shapes"),
    ("ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_NT2_SUMS=1 ANYPREC_NT2_REGS=168",
     "m9_16 or llama_shapes"),
    ("ANYPREC_NT2=1", "llama_shapes or mt2_cap_rule"),
    # NT2P (the plain uniform register kernel with two n-tiles per block, off by default):
    # wherever it runs at M = 2..16 (g128 and whole-chunk groups), odd shapes, the Llama weights
    # (X8 off, so that b = 2, 6..8 take it at M = 2..8 too) and graphs.
    ("ANYPREC_NT2P=2 ANYPREC_DECODE_X8=0",
     X8_TESTS + " or m9_16 or cuda_graph or llama_shapes or chunk_tails"),
    # and the same with four tiles per block at M <= 8 (NT4)
    ("ANYPREC_NT2P=2 ANYPREC_NT2P_TILES=4 ANYPREC_DECODE_X8=0",
     X8_TESTS + " or m9_16 or cuda_graph or llama_shapes or chunk_tails"),
    # WR (the plain uniform register kernel's weights through the ring, off by default): at
    # every M = 2..16 it runs, every fold, odd shapes, the Llama weights and graphs.
    ("ANYPREC_WR=2", X8_TESTS + " or m9_16 or cuda_graph or llama_shapes or chunk_tails"),
    # The LUT b = 4 pair tables (decode_launch_variants.cuh lut_pairs_take): never (the single-code
    # per-lane tables, the NP instances), always (the Llama weights up to 1792 n-tiles, every
    # M <= 16 and the ring), and by the rule, which must both take them (256 n-tiles) and
    # leave them (1792) on the Llama weights.
    ("ANYPREC_LUT_PAIR=0", LUT_PAIR_TESTS),
    ("ANYPREC_LUT_PAIR=2", LUT_PAIR_TESTS),
    ("ANYPREC_LUT_PAIR=1", "llama_shapes and lut"),
    # LN2 (the LUT register kernel with two n-tiles per block, off by default): with the pair
    # tables off, at every M = 2..16 where the single-code tables run (b <= 4), odd shapes, the
    # Llama weights, the chunk tails and graphs.
    ("ANYPREC_LUT_NT2=2 ANYPREC_LUT_PAIR=0", LUT_PAIR_TESTS),
], ids=["pipe0", "summma0", "sk1", "sk2", "sk2w1", "pdl1", "pdl0", "pdlrule0", "pt0", "pt1b0",
        "pt2g3", "pt2g2c", "ptst", "xs1", "wide0", "eight0", "eightrule", "eightring", "eightringt",
        "eightpt", "eightpt3", "xb8", "xb3", "xbrule", "xboff", "lp0", "lprule", "lpall", "lpbits",
        "lpwide", "mcall", "mcrule", "mc0", "mcring", "mcring2", "mcring4", "ntwo", "ntwofree",
        "ntwosums", "ntworule", "ntwoplain", "ntfourplain", "wring", "pairs0", "pairs2", "pairsrule",
        "lutntwo"])
# (no -k words in the ids: no recursion)
def test_m1_kernel_switches(env, tests):
    # The run-time kernel switches are read once per process: the M = 1 tests again in a fresh
    # one under each (PIPE=0: the register double buffer; SUM_MMA=0: the all-ones sums; SK:
    # stream-K, off by default, by its rule (the Llama shapes take it) or always; PDL).
    extra = dict(kv.split("=") for kv in env.split())
    # The X8 runs print their launches (ANYPREC_PT_DEBUG, uncaptured: -s), and must show the
    # kernel they are meant to run (a launch that fell back would pass unseen).
    expect = []
    if extra.get("ANYPREC_DECODE_XB", "0") != "0":
        expect = ["anyprec XB:"]
    elif "ANYPREC_X8_PT" in extra:
        expect = ["anyprec PT x8:" if extra["ANYPREC_X8_PT"] == "2" else "anyprec ring x8:"]
    elif extra.get("ANYPREC_LUT_PIPE") in ("1", "2"):
        expect = ["anyprec ring: b=4 lut=1"]
    elif extra.get("ANYPREC_NT2P") == "2":
        tiles = extra.get("ANYPREC_NT2P_TILES", "2")
        expect = [f"anyprec NT2P: b=4 mt=1 fold=4 tiles={tiles}",  # (M <= 8 alone take NT4)
                  "anyprec NT2P: b=8 mt=2 fold=4 tiles=2"]
    elif extra.get("ANYPREC_WR") == "2":
        expect = ["anyprec WR:"]
    elif extra.get("ANYPREC_LUT_NT2") == "2":
        expect = ["anyprec LN2: b=4 mt=1", "anyprec LN2: b=4 mt=2", "anyprec LN2: b=3 mt=2",
                  "anyprec LN2: b=2 mt=1"]
    elif extra.get("ANYPREC_MC3") == "2":
        expect = ["anyprec MC3:"]
    elif extra.get("ANYPREC_NT2") in ("1", "2"):
        expect = ["anyprec MC NT2:"]
    elif extra.get("ANYPREC_MT2_CAP") in ("1", "2"):
        expect = ["anyprec MC:"]
    elif "ANYPREC_LUT_PAIR" in extra:
        expect = {"0": ["take=0"], "1": ["anyprec LUT pairs:"], "2": ["take=1"]}[
            extra["ANYPREC_LUT_PAIR"]]
    if expect:
        extra["ANYPREC_PT_DEBUG"] = "1"
        extra["ANYPREC_RING_DEBUG"] = "1"
    res = pytest_in_fresh_process(__file__, tests, extra, *(["-s"] if expect else []))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert " passed" in res.stdout and "skipped" not in res.stdout.splitlines()[-1]
    for text in expect:
        assert text in res.stderr, (text, res.stderr[-2000:])
    if extra.get("ANYPREC_DECODE_XB") == "1":  # the rule: b = 6 alone, at M >= 9
        xb = [ln for ln in res.stderr.splitlines() if ln.startswith("anyprec XB:")]
        assert xb and all(" b=6 " in ln and " M=8 " not in ln for ln in xb), xb[:20]
    if extra.get("ANYPREC_NT2") == "1":  # the rule: >= 6 n-tiles per SM (132 SMs)
        nt = [ln for ln in res.stderr.splitlines() if ln.startswith("anyprec MC NT2:")]
        assert nt and all(int(ln.split("N16=")[1].split()[0]) >= 792 for ln in nt), nt[:20]
        assert {ln.split("N16=")[1].split()[0] for ln in nt} >= {"896", "1792"}, nt[:20]
    if extra.get("ANYPREC_LUT_PIPE_BITS") == "0x10":  # the widths it leaves out never launch LP
        assert all(f"anyprec ring: b={b} lut=1" not in res.stderr for b in (2, 3)), \
            res.stderr[-2000:]
    if extra.get("ANYPREC_LUT_PIPE_BITS") == "0x1C":
        assert "anyprec ring: b=3 lut=1" in res.stderr, res.stderr[-2000:]
    pair_lines = [ln for ln in res.stderr.splitlines() if ln.startswith("anyprec LUT pairs:")]
    if extra.get("ANYPREC_LUT_PAIR") in ("0", "2"):  # every launch as the switch says
        take = "take=1" if extra["ANYPREC_LUT_PAIR"] == "2" else "take=0"
        assert pair_lines and all(ln.endswith(take) for ln in pair_lines), pair_lines[:20]
    if extra.get("ANYPREC_LUT_PAIR") == "1":
        # On 132 SMs (H100 / H200 SXM): 256 and 384 n-tiles take the pair tables at M = 1, 4
        # and 16 (bounds 6, 7 and 3 per SM); 1792 n-tiles of 16 chunks take them at no M;
        # (14336, 4096) (56 chunks) at every M.
        lines = pair_lines
        assert all(ln.endswith("take=1") for ln in lines
                   if "N16=256 " in ln or "N16=384 " in ln), lines[:20]
        assert any("N16=384 " in ln and "M=16 " in ln for ln in lines), lines[:20]
        assert all(ln.endswith("take=1") for ln in lines if " C=56 " in ln), lines[:20]
        assert any(" C=56 " in ln and "M=16 " in ln for ln in lines), lines[:20]
        wide = [ln for ln in lines if "N16=1792 C=16 " in ln]
        assert {ln.split()[3] for ln in wide} == {"M=1", "M=4", "M=16"}, lines[:20]
        assert all(ln.endswith("take=0") for ln in wide), wide[:20]


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_m1_stream_k_deterministic(dtype):
    # Run by test_m1_kernel_switches under stream-K (off by default): a weight with several
    # chunks per resident warp on an H100 / H200, ragged N and K. Tiles split over warps are
    # summed in warp order, so repeated calls agree bit for bit; every output is kept alive, so
    # no call can pass on another's memory.
    layer = random_layer("uniform", 4, 14330, 4000, 128, seed=5)
    tiled, extra = prepared(layer, dtype)
    x = torch.randn(1, 4000, device="cuda", dtype=dtype)
    outs = [gemm(layer, tiled, extra, x, FUSED) for _ in range(3)]
    assert rel_err(outs[0], x.float() @ layer.dequant_ref().t()) < REL_TOL[dtype]
    for o in outs[1:]:
        assert torch.equal(o, outs[0])


@pytest.mark.parametrize("kn", LLAMA + LLAMA_TP2, ids=lambda kn: f"K{kn[0]}xN{kn[1]}")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gemm_llama_shapes(kn, scheme):
    k, n = kn
    for bits, dtype in [(3, torch.float16), (4, torch.bfloat16), (8, torch.float16),
                        (8, torch.bfloat16)]:
        layer = random_layer(scheme, bits, n, k, 128 if scheme == "uniform" else -1, seed=k + n)
        check_gemm(layer, dtype, [1, 4, 16, 33], paths=(FUSED,))
        check_gemm(layer, dtype, [257], paths=(DENSE,))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_non_contiguous_and_3d_input(scheme):
    layer = random_layer(scheme, 4, 96, 512, 128 if scheme == "uniform" else -1)
    tiled, extra = prepared(layer, torch.float16)
    w = layer.dequant_ref()
    base = torch.randn(5, 2 * 512, device="cuda").half()
    x = base[:, ::2]  # strided view
    assert not x.is_contiguous()
    for path in (FUSED, DENSE):
        out = gemm(layer, tiled, extra, x, path)
        assert rel_err(out, x.float() @ w.t()) < REL_TOL[torch.float16]
    x3 = torch.randn(2, 3, 512, device="cuda").half()
    out3 = gemm(layer, tiled, extra, x3, FUSED)
    assert out3.shape == (2, 3, 96)
    assert rel_err(out3, x3.float() @ w.t()) < REL_TOL[torch.float16]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_cuda_graph_capture_replay(scheme):
    layer = random_layer(scheme, 4, 256, 1024, 128 if scheme == "uniform" else -1)
    tiled, extra = prepared(layer, torch.float16)
    w = layer.dequant_ref()
    xs = [torch.randn(m, 1024, device="cuda").half() for m in (1, 8, 100)]
    check_graph_replay(lambda x: gemm(layer, tiled, extra, x, 64), xs, w)


def test_opcheck():
    for scheme in SCHEMES:
        layer = random_layer(scheme, 4, 48, 320, 64 if scheme == "uniform" else -1)
        tiled, extra = prepared(layer, torch.float16)
        x = torch.randn(3, 320, device="cuda").half()
        if scheme == "uniform":
            meta, s, z = extra
            torch.library.opcheck(torch.ops.anyprec.gemm_uniform.default,
                                  (x, tiled, meta, s, z, 4, 64, 320, 48, 64))
            torch.library.opcheck(torch.ops.anyprec.dequant_uniform.default,
                                  (tiled, s, z, 4, 64, 320, 48, torch.float16))
        else:
            torch.library.opcheck(torch.ops.anyprec.gemm_lut.default,
                                  (x, tiled, extra[0], 4, 320, 48, 64))
            torch.library.opcheck(torch.ops.anyprec.dequant_lut.default,
                                  (tiled, extra[0], 4, 320, 48))


def test_input_checks_name_values():
    layer = random_layer("uniform", 4, 48, 320, 64)
    tiled, (meta, s, z) = prepared(layer, torch.float16)
    x = torch.randn(3, 320, device="cuda").half()
    with pytest.raises(RuntimeError, match=r"last dim in_features=320"):
        torch.ops.anyprec.gemm_uniform(x[:, :300], tiled, meta, s, z, 4, 64, 320, 48, 64)
    with pytest.raises(RuntimeError, match=r"bits: expected 2..8, got 9"):
        torch.ops.anyprec.gemm_uniform(x, tiled, meta, s, z, 9, 64, 320, 48, 64)
    with pytest.raises(RuntimeError, match=r"qweight: expected tiled shape"):
        torch.ops.anyprec.gemm_uniform(x, tiled, meta, s, z, 3, 64, 320, 48, 64)
    with pytest.raises(RuntimeError, match=r"x: expected float16 or bfloat16, got Float"):
        torch.ops.anyprec.gemm_uniform(x.float(), tiled, meta, s, z, 4, 64, 320, 48, 64)


@pytest.mark.parametrize("bits,offset,ok", [(4, 1, False), (2, 2, False), (2, 4, True),
                                             (8, 4, False), (8, 8, True)])
def test_lut_alignment(bits, offset, ok):
    # The decode kernels fill their tables from 16-byte loads of the rows (8-byte at bits = 2):
    # a table moved by `offset` values is refused with the alignment in the message, or (ok)
    # gives the aligned table's results exactly.
    layer = random_layer("lut", bits, 48, 320, -1)
    tiled, (lut,) = prepared(layer, torch.float16)
    moved = torch.empty(lut.numel() + offset, dtype=lut.dtype, device=lut.device)
    moved = moved[offset:].view_as(lut)
    moved.copy_(lut)
    x = torch.randn(1, 320, device="cuda").half()
    if ok:
        assert torch.equal(torch.ops.anyprec.gemm_lut(x, tiled, moved, bits, 320, 48, FUSED),
                           torch.ops.anyprec.gemm_lut(x, tiled, lut, bits, 320, 48, FUSED))
    else:
        with pytest.raises(RuntimeError, match=r"lut: expected a data pointer aligned to "
                                               rf"{min(16, 2 << bits)} bytes for bits={bits}"):
            torch.ops.anyprec.gemm_lut(x, tiled, moved, bits, 320, 48, FUSED)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_kernel_class_end_to_end(scheme):
    from vllm_anyprec.kernels.base import KernelSpec
    from vllm_anyprec.kernels.cuda_fused import CudaFusedKernel

    layer_data = random_layer(scheme, 5, 80, 640, 128 if scheme == "uniform" else -1)
    spec = KernelSpec(scheme=scheme, bits=5, group_size=layer_data.group_size, in_features=640,
                      out_features=80, act_dtype=torch.bfloat16, device_type="cuda")
    ok, reason = CudaFusedKernel.can_implement(spec)
    assert ok, reason
    mod = torch.nn.Module()
    p = lambda t: torch.nn.Parameter(t, requires_grad=False)  # noqa: E731
    mod.qweight = p(layer_data.qweight.clone())
    if scheme == "uniform":
        mod.scales, mod.zeros = p(layer_data.scales), p(layer_data.zeros)
    else:
        mod.lut = p(layer_data.lut)
    kernel = CudaFusedKernel(spec)
    kernel.process_weights(mod)
    bias = torch.randn(80, device="cuda").bfloat16()
    w = layer_data.dequant_ref(torch.bfloat16 if scheme == "lut" else torch.float32).float()
    for m in (1, 12, 300):
        x = torch.randn(m, 640, device="cuda").bfloat16()
        out = kernel.apply(mod, x, bias)
        assert rel_err(out, x.float() @ w.t() + bias.float()) < REL_TOL[torch.bfloat16]
