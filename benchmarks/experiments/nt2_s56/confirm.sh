#!/usr/bin/env bash
# Session 56, third call (README.md here): NT2's rule as the default (uncapped, tile B on tile
# A's sums of x, b = 3, 4, both dtypes, >= 6 n-tiles per SM) against the rules without it
# (ANYPREC_NT2=0), uniform b = 3, 4, M = 9, 12, 16 on the four Llama-3-8B weights and
# (4096, 14336) (CONFIRM_MS, CONFIRM_SHAPES), two alternating passes; then the GPU tests: the
# NT2 switch runs (ntwo, ntwofree, ntwosums, ntworule) and the default's M = 9..16 tests
# (m9_16, mt2_cap_rule, the Llama weights, graphs). OUT: build.log, confirm.tgz
# (R/table_rule.txt, R/ratios_rule.txt, R/launches.txt), runs.tgz, tests_switch.log,
# tests_default.log (DEFAULT_TESTS=0: not run; ntworule covers the Llama weights and
# mt2_cap_rule under the default). ~6 min with the build.
# Usage: OUT=$OUT bash benchmarks/experiments/nt2_s56/confirm.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start confirm
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
echo "built in $(( $(date +%s) - AB_START )) s"
AB_SET=rule ab_switch_passes "base ANYPREC_NT2=0 ANYPREC_PT_DEBUG=1" "rule ANYPREC_PT_DEBUG=1" \
  -- --schemes uniform --bits 3,4 --ms "${CONFIRM_MS:-9,12,16}" \
  --shapes "${CONFIRM_SHAPES:-4096x28672,4096x14336,14336x4096,4096x6144,4096x4096}"
grep -h "anyprec MC" "$RUNS/rule1.log" | sed 's/ M=[0-9]*//' | sort | uniq -c > "$R/launches.txt"
cat "$R/launches.txt"
ab_pack
echo "A/B done at $(( $(date +%s) - AB_START )) s"
ab_pytest "$OUT/tests_switch.log" "${TEST_SECS:-150}" tests/gpu/test_cuda_kernels.py -k "ntwo"
[ "${DEFAULT_TESTS:-1}" = 0 ] || ab_pytest "$OUT/tests_default.log" "${TEST_SECS:-150}" \
  tests/gpu/test_cuda_kernels.py \
  -k "(m9_16 or mt2_cap_rule or llama_shapes or cuda_graph) and not m1_kernel_switches"
echo "all done at $(( $(date +%s) - AB_START )) s"
