#!/usr/bin/env bash
# Prepared in session 33, not run: the M = 1 uniform decode kernels with their integer work
# moved off the ALU pipe (-DANYPREC_M1_LEAN_ALU=1, README.md here) against the tree, and the
# same with the 16-bit fold metadata (lean16: + -DANYPREC_META16=1, 7% fewer bytes at b = 3)
# (device, repository root). Steps (LEAN_STEPS):
#   build    the tree, /tmp/lean and /tmp/lean16 built in parallel;
#   tests    the M = 1 tests of tests/gpu/test_cuda_kernels.py on the lean build: every fold,
#            long K (the wide ring), the Llama weights, stream-K, and the switch runs for the
#            ring off, stream-K, PT off / forced, the wide ring off;
#   bench    uniform M = 1, b = 2..8, fp16, the five weights: base, lean, lean16 in two
#            alternating passes (table.txt);
#   tests16  the M = 1 fold, long-K and Llama tests on the lean16 build (META_BITS printed);
#   ncu      the pipe metrics (profile_m1.sh PIPES=1) of uniform b = 2, 3, 4, 5 on the two
#            target weights, base and lean.
# Call 1 (default "build tests bench", ~8 min), then call 2 on the warm machine ("tests16 ncu",
# ~6 min). Outputs: OUT/m1_lean.tgz (packed after each step), OUT/runs.tgz (the timings).
# Usage: OUT=$OUT bash benchmarks/experiments/m1_lean_alu/run.sh
#        OUT=$OUT LEAN_STEPS="tests16 ncu" bash benchmarks/experiments/m1_lean_alu/run.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
STEPS=" ${LEAN_STEPS:-build tests bench} "
ab_rundir m1_lean
step() { [[ "$STEPS" == *" $1 "* ]]; }
if step build; then
  ab_init m1_lean
  # (the lean16 copy is taken before any build starts: a copy mid-build could hold objects)
  rm -rf /tmp/lean16 && mkdir -p /tmp/lean16 && cp -r . /tmp/lean16/
  (cd /tmp/lean16 && ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=5 \
    ANYPREC_NVCC_FLAGS="-DANYPREC_M1_LEAN_ALU=1 -DANYPREC_META16=1" \
    python3 setup.py build_ext --inplace > "$R/build_lean16.log" 2>&1 || echo "lean16 build failed") &
  ab_build_pair lean "-DANYPREC_M1_LEAN_ALU=1"
  wait
  ls /tmp/lean16/vllm_anyprec/_C*.so > /dev/null || tail -5 "$R/build_lean16.log"
  ab_pack
else
  ab_resume m1_lean
fi
if step tests; then
  (cd /tmp/lean && ab_pytest "$R/tests_lean.log" 240 tests/gpu/test_cuda_kernels.py -k \
    "m1_every_fold or m1_long_k or llama_shapes or stream_k or pipe0 or sk1 or pt0 or pt2g3 \
or wide0")
  ab_pack
fi
if step bench; then
  ARGS=(--ms 1 --schemes uniform --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
  ab_bench_passes 2 "base ." "lean /tmp/lean" "lean16x /tmp/lean16" -- "${ARGS[@]}"
  ab_report base1 lean1 lean16x1 base2 lean2 lean16x2
  cp "$RUNS/table.txt" "$R/table.txt"
  ab_pack
fi
if step tests16; then
  (cd /tmp/lean16 && PYTHONPATH=$PWD python3 -c \
    "import torch, vllm_anyprec._C as c; print('META_BITS', c.META_BITS)" > "$R/meta_bits.txt" 2>&1
   cat "$R/meta_bits.txt"
   ab_pytest "$R/tests_lean16.log" 150 tests/gpu/test_cuda_kernels.py -k \
     "m1_every_fold or m1_long_k or llama_shapes")
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
