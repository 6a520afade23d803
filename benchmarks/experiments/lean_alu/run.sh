#!/usr/bin/env bash
# Prepared in session 33, not run: the decode kernels whose loops are ALU- or issue-bound with
# fewer integer instructions on the ALU pipe (README.md here), against the tree (device,
# repository root). Builds (/tmp/NAME):
#   lean    -DANYPREC_LEAN_ALU=1 -DANYPREC_RING_PTRS=1 (the M = 1 uniform and b <= 4 LUT
#           decode; the rings' copy bookkeeping as running pointers) and
#           -DANYPREC_LUT_WIDE_ADDR=1 (session 34, ../lut_wide_addr/: the LUT b >= 5 lookups'
#           addresses in two ops; it changes only the LUT kernels at b >= 5, which the other two
#           flags leave alone, so their timings split cleanly);
#   leanP   lean + -DANYPREC_LUT_PAIR_LANES=2 (session 34, ../lut_pair_lanes/: LUT b = 2..4 at
#           M <= 16 through per-lane tables of code pairs; b = 2, 3 instead of the register
#           tables). It replaces session 33's leanA (LEAN_ALU alone, to split the lean flags):
#           the pair tables are the larger lead;
#   lean16  lean + -DANYPREC_META16=1 (16-bit fold metadata, 7% fewer bytes at b = 3).
# Steps (LEAN_STEPS):
#   build    the tree and the three copies, in parallel;
#   tests    on the lean build, tests/gpu/test_cuda_kernels.py: uniform M = 1 (every fold, long K
#            through the wide ring, the Llama weights, stream-K; the switch runs for the ring
#            off, stream-K, PT off / unbalanced / forced onto 3 or 2 blocks, the wide ring off)
#            and LUT (every M 1..1024 on an odd shape, every b, both dtypes; odd N, K; the
#            M = 1 ring; the switch runs with the ring off / everywhere);
#   testsP   on leanP the LUT tests (every M on an odd shape, odd N, K, the M = 1 ring, the
#            Llama weights, graph capture, table alignment) and compute-sanitizer memcheck of
#            LUT b = 3, 4 at every M and the b = 4 M = 1 ring (OUT/memcheck.log: the pair
#            tables move the ring in dynamic shared memory). (A step of its own since session
#            35: with tests, the pytest timeouts added up to more than a call's 600 s);
#   bench    (two alternating passes each) uniform M = 1, b = 2..8, fp16, the five weights: base,
#            lean, lean16; LUT M = 1 and 16, b = 2, 3, 4: base, lean, leanP; LUT M = 1,
#            b = 5..8: base, lean (table.txt, table_lut.txt, table_lutw.txt); then the ratios per
#            (scheme, M, b) of each variant to its base, and base1 to base2 (ratios.txt); then
#            each flag's verdict and the set_defaults.py command for the winners (decide.py,
#            decide.txt);
#   tests16  the uniform M = 1 tests on the lean16 build (META_BITS printed);
#   ncu      the pipe metrics (profile_m1.sh PIPES=1) of uniform b = 2, 3, 4, 5 and LUT b = 2, 4, 8
#            on the two target weights, base and lean.
# Calls on one warm machine (benchmarks/experiments/next_calls.txt): "build tests" (~7 min),
# "testsP tests16" (~4.5 min), "bench" (~6 min), then "ncu" (~6 min) if time is left.
# Outputs: OUT/lean_alu.tgz (packed after each step), OUT/runs.tgz (the timings).
# Usage: OUT=$OUT LEAN_STEPS="build tests" bash benchmarks/experiments/lean_alu/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${LEAN_STEPS:-build tests}"
ab_rundir lean_alu
if ab_step build; then
  ab_init lean_alu
  LEAN="-DANYPREC_LEAN_ALU=1 -DANYPREC_RING_PTRS=1 -DANYPREC_LUT_WIDE_ADDR=8"
  # (every copy is taken before any build starts: a copy mid-build could hold objects)
  for v in leanP lean16; do rm -rf /tmp/$v && mkdir -p /tmp/$v && cp -r . /tmp/$v/; done
  for spec in "leanP=$LEAN -DANYPREC_LUT_PAIR_LANES=2" "lean16=$LEAN -DANYPREC_META16=1"; do
    v=${spec%%=*}
    (cd /tmp/$v && ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=4 \
      ANYPREC_NVCC_FLAGS="${spec#*=}" python3 setup.py build_ext --inplace \
      > "$R/build_$v.log" 2>&1 || echo "$v build failed") &
  done
  ab_build_pair lean "$LEAN"
  wait
  for v in leanP lean16; do
    ls /tmp/$v/vllm_anyprec/_C*.so > /dev/null || tail -5 "$R/build_$v.log"
  done
  ab_pack
else
  ab_resume lean_alu
fi
if ab_step tests; then
  (cd /tmp/lean && ab_pytest "$R/tests_lean.log" 420 tests/gpu/test_cuda_kernels.py -k \
    "m1_every_fold or m1_long_k or llama_shapes or stream_k or pipe0 or sk1 or pt0 or pt1b0 \
or pt2g3 or pt2g2c or wide0 or lut_m1_ring or lp0 or lpall or (all_m_odd_shape and lut) \
or (odd_n_k_groups and lut)")
  ab_pack
fi
if ab_step testsP; then
  (cd /tmp/leanP && ab_pytest "$R/tests_leanP.log" 240 tests/gpu/test_cuda_kernels.py -k \
    "(all_m_odd_shape and lut) or (odd_n_k_groups and lut) or lut_m1_ring or (llama_shapes and lut) \
or (cuda_graph and lut) or lut_alignment or lp0 or lpall"
   ab_memcheck tests/gpu/test_cuda_kernels.py "(all_m_odd_shape and (4-lut or 3-lut)) or lut_m1_ring[4]")
  cp "$OUT/memcheck.log" "$R/memcheck_leanP.log" 2>/dev/null
  ab_pack
fi
if ab_step bench; then
  SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
  ab_bench_passes 2 "base ." "lean /tmp/lean" "lean16x /tmp/lean16" -- \
    --ms 1 --schemes uniform --shapes $SHAPES
  ab_bench_passes 2 "lutbase ." "lutlean /tmp/lean" "lutpair /tmp/leanP" -- \
    --ms 1,16 --schemes lut --bits 2,3,4 --shapes $SHAPES
  ab_bench_passes 2 "lutwbase ." "lutwlean /tmp/lean" -- \
    --ms 1 --schemes lut --bits 5,6,7,8 --shapes $SHAPES
  ab_report base1 lean1 lean16x1 base2 lean2 lean16x2
  cp "$RUNS/table.txt" "$R/table.txt"
  ab_report lutbase1 lutlean1 lutpair1 lutbase2 lutlean2 lutpair2
  cp "$RUNS/table.txt" "$R/table_lut.txt"
  ab_report lutwbase1 lutwlean1 lutwbase2 lutwlean2
  cp "$RUNS/table.txt" "$R/table_lutw.txt"
  # Per (scheme, M, b): base time / variant time over the weights, both passes (> 1: faster);
  # base1 against base2 first, for the noise.
  RATIOS=benchmarks/experiments/prefill_pdl/ratios.py
  { python3 $RATIOS --bits "$RUNS" base1 base2
    python3 $RATIOS --bits "$RUNS" base1,base2 lean1,lean2 lean16x1,lean16x2
    python3 $RATIOS --bits "$RUNS" lutbase1,lutbase2 lutlean1,lutlean2 lutpair1,lutpair2
    python3 $RATIOS --bits "$RUNS" lutlean1,lutlean2 lutpair1,lutpair2
    python3 $RATIOS --bits "$RUNS" lutwbase1,lutwbase2 lutwlean1,lutwlean2
  } > "$R/ratios.txt" 2>&1
  cat "$R/ratios.txt"
  # each flag's verdict by decide.py's rule, and the set_defaults.py command for the winners
  python3 benchmarks/experiments/lean_alu/decide.py "$RUNS" > "$R/decide.txt" 2>&1
  cat "$R/decide.txt"
  ab_pack
fi
if ab_step tests16; then
  ab_tests_m1 /tmp/lean16 "$R/tests_lean16.log"
  ab_pack
fi
if ab_step ncu; then
  for tree in . /tmp/lean; do
    name=base
    [ "$tree" = . ] || name=lean
    (cd "$tree" && PYTHONPATH=$PWD OUT=$R RAW_NAME=ncu_$name.txt PIPES=1 \
      CFGS="uniform 2|uniform 3|uniform 4|uniform 5|lut 2|lut 4|lut 8" \
      bash benchmarks/experiments/h100_record/profile_m1.sh > "$R/ncu_summary_$name.txt" 2>&1)
    echo "== $name"; cat "$R/ncu_summary_$name.txt"
    ab_pack
  done
fi
