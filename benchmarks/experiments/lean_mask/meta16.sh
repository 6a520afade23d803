#!/usr/bin/env bash
# Session 49's lead (README.md here): META16 (anyprec.cuh ANYPREC_META16=1, the fold metadata as
# the checkpoint's fp16 s, z: half the metadata bytes, 12.5% of the M = 1 stream at b = 4, 25%
# at b = 2) again, now that LM left the uniform b = 2, 3 M = 1 loops waiting on loads rather
# than on the ALU pipe (session 36 measured META16 at 0.95x at b = 3 while they were ALU-bound).
# Against the default build (the tree) on one machine: the tree and /tmp/m16 built at once, the
# uniform M = 1 tests on /tmp/m16 (after its layout constants: META16_MASK 508), two alternating
# passes of bench_kernels on both (uniform, b = 2, 3, 4, 8, M = $MS: default 1, 4, 16; the four
# Llama-3-8B weights, fp16), the ratios (m16 time / tree time). Device, repository root, ~4 min with the
# start. OUT/lm_meta16.tgz (gpu.txt, tests, table.txt, ratios.txt) and OUT/runs.tgz.
# Usage: [MS=1,4,16] [BITS=2,3,4,8] [M16_FLAGS=-DANYPREC_META16=1] OUT=$OUT bash benchmarks/experiments/lean_mask/meta16.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_flag_start lm_meta16 m16 "${M16_FLAGS:--DANYPREC_META16=1}"
ab_tests_m1 /tmp/m16 "$R/tests_m16.log"
ab_pack
ab_vs_tree m16 base --schemes uniform --bits "${BITS:-2,3,4,8}" --ms "${MS:-1,4,16}"
