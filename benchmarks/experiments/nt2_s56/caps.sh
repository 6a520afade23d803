#!/usr/bin/env bash
# Session 56, second call (README.md here): NT2's register caps and the sums of x shared or
# not, on the weights with many n-tiles where run.sh found it faster
# ((4096, 28672): b = 3 with the shared sums at 168 registers, b = 4 uncapped) and one with
# half as many ((4096, 14336)); uniform b = 3, 4, M = 9, 16 (CAPS_SHAPES, CAPS_MS), every
# variant with MC everywhere (ANYPREC_MT2_CAP=2), two alternating passes against the rules
# without NT2 (base: ANYPREC_NT2=0); "rule" is the default (NT2's rule, nt2_takes).
# sNNN: tile B on tile A's sums, NNN registers (255: no cap); nNNN: its own sums. Then the GPU
# tests of NT2 (ntwo, ntwofree, ntwosums, ntworule; TESTS=0 leaves them out, TEST_SECS 200).
# OUT: build.log, caps.tgz (R/table_caps.txt, R/ratios_caps.txt, R/launches.txt per variant),
# runs.tgz, tests_caps.log. ~6 min with the build.
# Usage: OUT=$OUT bash benchmarks/experiments/nt2_s56/caps.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start caps
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
echo "built in $(( $(date +%s) - AB_START )) s"
N="ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_PT_DEBUG=1 ANYPREC_NT2_SUMS=0"
S="ANYPREC_MT2_CAP=2 ANYPREC_NT2=2 ANYPREC_PT_DEBUG=1 ANYPREC_NT2_SUMS=1"
AB_SET=caps ab_switch_passes "base ANYPREC_NT2=0 ANYPREC_PT_DEBUG=1" "rule ANYPREC_PT_DEBUG=1" \
  "s168 $S ANYPREC_NT2_REGS=168" \
  "s192 $S ANYPREC_NT2_REGS=192" \
  "s255 $S ANYPREC_NT2_REGS=255" "n192 $N ANYPREC_NT2_REGS=192" "n255 $N ANYPREC_NT2_REGS=255" \
  -- --schemes uniform --bits 3,4 --ms "${CAPS_MS:-9,16}" \
  --shapes "${CAPS_SHAPES:-4096x28672,4096x14336}"
for v in "$RUNS"/*1.log; do
  echo "== $(basename "$v" .log)"
  grep -h "anyprec MC" "$v" | sed 's/ M=[0-9]*//' | sort | uniq -c
done > "$R/launches.txt"
ab_pack
echo "A/B done at $(( $(date +%s) - AB_START )) s"
[ "${TESTS:-1}" = 0 ] || ab_pytest "$OUT/tests_caps.log" "${TEST_SECS:-200}" \
  tests/gpu/test_cuda_kernels.py -k "ntwo"
echo "all done at $(( $(date +%s) - AB_START )) s"
