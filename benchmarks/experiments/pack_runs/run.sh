#!/usr/bin/env bash
# The runs arrangement of the b = 5, 6 packed words (ANYPREC_PACK_RUNS=1, the new default)
# against session 12's bits arrangement (=0), A/B in one call (device, repository root): both
# builds in parallel (the copy in /tmp/bits; each repacks as its extension reports), uniform and
# LUT b = 5, 6 (7: the same code in both builds, a control) at M = 1, 16, 256 on the Llama-3-8B
# weights and the TP = 2 gate/up, each build twice in alternation; PT forced for b = 5 on the new
# build; then tests/gpu on the new build (the M = 1 switch tests but two left out for time).
# Usage: OUT=dir bash benchmarks/experiments/pack_runs/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init pack_runs
bash benchmarks/experiments/build_pair.sh "$OUT" bits "-DANYPREC_PACK_RUNS=0"
for d in . /tmp/bits; do
  (cd $d && PYTHONPATH=$d python3 -c "import torch, vllm_anyprec._C as c; print('$d PACK_RUNS', c.PACK_RUNS)")
done
ARGS=(--ms 1,16,256 --schemes uniform,lut --bits 5,6,7
      --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
ab_bench runs . -- "${ARGS[@]}"
ab_bench bits /tmp/bits -- "${ARGS[@]}"
ab_bench runs2 . -- "${ARGS[@]}"
ab_bench bits2 /tmp/bits -- "${ARGS[@]}"
ab_bench runs_pt . ANYPREC_DECODE_PT=2 -- --ms 1 --schemes uniform --bits 5 \
  --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
ab_report runs bits runs2 bits2 runs_pt
export PYTHONPATH=$PWD
timeout ${TEST_TIMEOUT:-240} python3 -m pytest -q -x tests/gpu \
  -k "not m1_kernel_switches or sk2 or pt2g3" 2>&1 | tail -4
