#!/usr/bin/env bash
# LUT tables filled from 16-byte row loads, after the block's first weight loads (session 15),
# against the element-wise fill before them (BASE: another commit's files, default .ab_base,
# carried to the device: `git archive 2136c85 | tar -x -C .ab_base`). Device, repository root.
# Why: at b = 8 each block filled 16 x 256 table values with 2 scalar loads per value and thread
# (32 to 64 rounds of load latency per block before its first weight load), and LUT / uniform
# at M = 1 grew with b: 1.72x at b = 5 to 2.45x at b = 8 on (4096, 28672), whose 1792 n-tiles
# each pay the fill. Then tests/gpu on the new build (OUT/pytest.log).
# Usage: OUT=dir bash benchmarks/experiments/lut_fill/run.sh [BASE]
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_fill
bash benchmarks/experiments/build_pair.sh "$OUT" base "" "${1:-.ab_base}"
ARGS=(--ms 1,4,16 --schemes lut --bits 2,3,4,5,6,7,8)
export AB_TIMEOUT=150
ab_bench base /tmp/base -- "${ARGS[@]}"
ab_bench new . -- "${ARGS[@]}"
ab_bench base2 /tmp/base -- "${ARGS[@]}"
ab_bench new2 . -- "${ARGS[@]}"
ab_report base new base2 new2
timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x tests/gpu > "$OUT/pytest.log" 2>&1
tail -3 "$OUT/pytest.log"
