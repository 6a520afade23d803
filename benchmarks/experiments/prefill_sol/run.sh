#!/usr/bin/env bash
# Where the prefill kernel's main loop spends its time (session 32): the tree against three
# timing-only builds (wrong results, so no tests on them): nodq (-DANYPREC_EXPERIMENT_NO_DQ: one
# and-or per A register instead of the decode), noload (that and -DANYPREC_EXPERIMENT_NO_W: the
# planes are register values, no weight loads), wait7 (-DANYPREC_EXPERIMENT_ILV_WAIT=7: the
# interleaved schedule's wait for the A registers loosened from 4 to 7 pending groups, the most
# a third A buffer could gain). Forced 128- and 256-token grids, M = 256 and 1024, b = 3, 4, 8,
# both schemes, the four Llama-3-8B weights. Device, repository root, ~6 min. OUT/sol.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_sol/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/sol_runs && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=128x1,256x1 MS=256,1024 BITS=3,4,8 SCHEMES=uniform,lut \
  TESTS="--collect-only -q tests/gpu/test_prefill_wgmma.py" \
  bash benchmarks/experiments/variants.sh nodq="-DANYPREC_EXPERIMENT_NO_DQ" \
  noload="-DANYPREC_EXPERIMENT_NO_DQ -DANYPREC_EXPERIMENT_NO_W" \
  wait7="-DANYPREC_EXPERIMENT_ILV_WAIT=7"
mkdir -p "$OUT" && tar czf "$OUT/sol.tgz" -C "$R" .
