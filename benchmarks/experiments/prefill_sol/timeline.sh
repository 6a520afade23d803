#!/usr/bin/env bash
# Per-block phase times of the prefill kernel (session 32, after run.sh / ncu.sh): two timing-only
# builds in parallel, /tmp/tl (-DANYPREC_EXPERIMENT_TIMELINE) and /tmp/tlnoload (that and no
# decode, no weight loads), then timeline.py in each (its cells: the M = 256 / 1024 grids of
# (4096, 4096), (4096, 28672) and (14336, 4096), split <= 2). Device, repository root, ~4 min.
# OUT/timeline.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_sol/timeline.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir timeline
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=8
s=$(date +%s)
for spec in "tl|-DANYPREC_EXPERIMENT_TIMELINE" \
    "tlnoload|-DANYPREC_EXPERIMENT_TIMELINE -DANYPREC_EXPERIMENT_NO_DQ -DANYPREC_EXPERIMENT_NO_W"; do
  name=${spec%%|*} flags=${spec#*|}
  rm -rf "/tmp/$name" && mkdir -p "/tmp/$name" && cp -r . "/tmp/$name/"
  (cd "/tmp/$name" && ANYPREC_NVCC_FLAGS="$flags" python3 setup.py build_ext --inplace \
    > "$R/build_$name.log" 2>&1 || echo "$name build failed") &
done
wait
echo "built in $(( $(date +%s) - s )) s"
for name in tl tlnoload; do
  (cd "/tmp/$name" && PYTHONPATH="/tmp/$name" timeout 150 python3 \
    benchmarks/experiments/prefill_sol/timeline.py --out "$R/$name" > "$R/$name.log" 2>&1)
  echo "== $name rc=$?"; cat "$R/$name.log"
  ab_pack
done
