#!/usr/bin/env bash
# Prepared in session 33, not run: the M = 1 uniform decode kernels with their integer work
# moved off the ALU pipe (-DANYPREC_M1_LEAN_ALU=1, README.md here) against the tree (device,
# repository root). Steps (LEAN_STEPS, default "build tests bench", ~8 min):
#   build  both built in parallel (the lean copy in /tmp/lean);
#   tests  the M = 1 tests of tests/gpu/test_cuda_kernels.py on the lean build: every fold,
#          long K (the wide ring), the Llama weights, odd shapes at every M, graphs, stream-K,
#          and the switch runs for the ring off, stream-K, PT off / forced, the wide ring off;
#   bench  uniform M = 1, b = 2..8, fp16, the five weights, two alternating passes (table.txt);
#   ncu    (a second call on the warm machine: LEAN_STEPS=ncu, ~6 min) the pipe metrics
#          (PIPES=1) of uniform b = 2, 3, 4, 5 on the two target weights, in both builds.
# Outputs: OUT/m1_lean.tgz (packed after each step), OUT/runs.tgz (the timings).
# Usage: OUT=$OUT bash benchmarks/experiments/m1_lean_alu/run.sh
#        OUT=$OUT LEAN_STEPS=ncu bash benchmarks/experiments/m1_lean_alu/run.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
STEPS=" ${LEAN_STEPS:-build tests bench} "
ab_rundir m1_lean
step() { [[ "$STEPS" == *" $1 "* ]]; }
if step build; then
  ab_init m1_lean
  ab_build_pair lean "-DANYPREC_M1_LEAN_ALU=1"
else
  ab_resume m1_lean
fi
if step tests; then
  (cd /tmp/lean && ab_pytest "$R/tests_lean.log" 330 tests/gpu/test_cuda_kernels.py -k \
    "m1_every_fold or m1_long_k or llama_shapes or all_m_odd_shape or cuda_graph or stream_k \
or pipe0 or sk1 or sk2 or pt0 or pt2g3 or pt2g2c or wide0")
  ab_pack
fi
if step bench; then
  ARGS=(--ms 1 --schemes uniform --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
  ab_bench_passes 2 "base ." "lean /tmp/lean" -- "${ARGS[@]}"
  ab_report base1 lean1 base2 lean2
  cp "$RUNS/table.txt" "$R/table.txt"
  ab_pack
fi
if step ncu; then
  for tree in . /tmp/lean; do
    name=base
    [ "$tree" = . ] || name=lean
    (cd "$tree" && PYTHONPATH=$PWD OUT=$R RAW_NAME=ncu_$name.txt PIPES=1 \
      CFGS="uniform 2|uniform 3|uniform 4|uniform 5" \
      bash benchmarks/experiments/h100_record/profile_m1.sh > "$R/ncu_summary_$name.txt" 2>&1)
    echo "== $name"; cat "$R/ncu_summary_$name.txt"
    ab_pack
  done
fi
