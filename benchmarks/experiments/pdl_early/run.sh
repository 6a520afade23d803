#!/usr/bin/env bash
# Session 42: the decode kernels' early PDL flags (fused_gemm.cuh), each against them off.
#   off   -DANYPREC_PDL_EW=0 -DANYPREC_PDL_ET=0: every load after pdl_wait, the trigger after the
#         block's last load (the default before session 42; "base" in the runs);
#   ew    -DANYPREC_PDL_EW=1: the first weight loads (register double buffer: the first chunk
#         and its metadata; rings: the prologue stages' weights) and the LUT tables before
#         pdl_wait, so the first chunk's DRAM latency overlaps the previous kernel's tail;
#   et    -DANYPREC_PDL_ET=2: pdl_launch_dependents right after the wait in every decode kernel,
#         not after the last load, so the next kernel's grid is pending when this one's blocks
#         exit;
#   ewet  both.
# (Session 42 ran this at 2b464b0, where the flags were off by default and ET=1 meant every
# kernel: the tree there was "off", and ET=1 is ET=2 here. Since then the tree's defaults are
# EW on and ET by its rule; confirm.sh times those against off.)
# Steps (AB_STEPS):
#   build  the four copies at once (and the tree, unused);
#   tests  on ewet: the decode tests (every M of the odd shape, the M = 1 / 2..8 / 9..16 folds,
#          long K, the LUT ring, chunk tails, the Llama weights, graphs) and the PDL switch
#          runs; on ew and et: the graph, Llama-weight and odd-shape tests;
#   bench  bench_kernels at M = 1, 4, 16, b = 2..8, both schemes, the four Llama-3-8B weights:
#          two alternating passes of base (off) / ew / et / ewet; ratios.txt (base time /
#          variant time per width: > 1, the variant is faster) and table.txt;
#   chain  chain.py in each tree: the M = 1 gemm after a kernel that writes its x (as in a
#          model, where the kernel before does not trigger early), chain_NAME/chain.json.
# Calls: "build tests" (~7 min with the start), "bench chain" (~3 min). Outputs:
# OUT/pdlearly.tgz, OUT/runs.tgz (bench).
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/pdl_early/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir pdlearly
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
if ab_step build; then
  ab_init pdlearly
  ab_build_variants "off -DANYPREC_PDL_EW=0 -DANYPREC_PDL_ET=0" \
    "ew -DANYPREC_PDL_EW=1 -DANYPREC_PDL_ET=0" "et -DANYPREC_PDL_EW=0 -DANYPREC_PDL_ET=2" \
    "ewet -DANYPREC_PDL_EW=1 -DANYPREC_PDL_ET=2"
  ab_pack
else
  ab_resume pdlearly
fi
if ab_step tests; then
  ab_pytest_in /tmp/ewet "$R/tests_ewet.log" 240 tests/gpu/test_cuda_kernels.py -k \
    "all_m_odd_shape or m1_every_fold or m1_long_k or lut_m1_ring or m2_8_every_fold \
or m9_16_every_fold or chunk_tails or llama_shapes or cuda_graph or pdl1 or pdl0 or pdlrule0"
  for v in ew et; do
    ab_pytest_in "/tmp/$v" "$R/tests_$v.log" 150 tests/gpu/test_cuda_kernels.py -k \
      "llama_shapes or cuda_graph or all_m_odd_shape"
  done
fi
if ab_step bench; then
  export AB_TIMEOUT=90
  ARGS=(--ms 1,4,16 --bits 2,3,4,5,6,7,8)
  ab_bench_passes 2 "base /tmp/off" "ew /tmp/ew" "et /tmp/et" "ewet /tmp/ewet" -- "${ARGS[@]}"
  ab_finish base1 ew1 et1 ewet1 base2 ew2 et2 ewet2
  cp "$RUNS/table.txt" "$R/table.txt"
  ab_ratios "$R/ratios.txt" base1 base2 ew1,ew2 et1,et2 ewet1,ewet2
  ab_pack
fi
if ab_step chain; then
  for v in base ew et ewet; do
    d=/tmp/$v && [ $v = base ] && d=/tmp/off
    (cd "$d" && PYTHONPATH=$d timeout 150 python3 benchmarks/experiments/pdl_early/chain.py \
      --out "$R/chain_$v" --bits 2,4,8 > "$R/chain_$v.log" 2>&1) || tail -3 "$R/chain_$v.log"
    echo "chain $v: $(grep -c ratio "$R/chain_$v.log") rows"
    ab_pack
  done
  python3 benchmarks/experiments/pdl_early/chain_table.py "$R" base ew et ewet | tee "$R/chain.txt"
  ab_pack
fi
