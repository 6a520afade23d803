#!/usr/bin/env bash
# Session 56 (README.md here), one call, the timings first and the GPU tests last under their
# own time limit (a call cut short keeps the A/Bs):
# 1. the tree and a copy built with -DANYPREC_EXPERIMENT_NO_X -DANYPREC_X_FULL=0 (every x load
#    of the register kernels replaced by constants; X_FULL's unchecked loads bypass load_x:
#    wrong results, timing only), at once;
# 2. uniform M = 9..16 (NT2_BITS, NT2_MS, NT2_SHAPES): the default rule, MC everywhere
#    (ANYPREC_MT2_CAP=2), NT2 at 168 registers, NT2 uncapped and NT2 with tile B on tile A's
#    sums of x (each with MC everywhere), two alternating passes: R/table_nt2.txt,
#    R/ratios_nt2.txt (rule time / variant time);
# 3. what x costs: the NO_X copy with MC and with NT2 at M = 16, b = 4 (NOX_SHAPES), against
#    step 2's times of the same cells (R/table_nox.txt);
# 4. the GPU tests of NT2 (ntwo, ntwofree, ntwosums: each must log its kernel), TEST_SECS (170).
# OUT: build.log, build_nox.log, nt2.tgz, runs.tgz, tests_nt2.log. ~6 min with the builds.
# Usage: OUT=$OUT bash benchmarks/experiments/nt2_s56/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start nt2
ab_build_variants "nox -DANYPREC_EXPERIMENT_NO_X -DANYPREC_X_FULL=0"
ab_pack
echo "built in $(( $(date +%s) - AB_START )) s"
MC="ANYPREC_MT2_CAP=2 ANYPREC_PT_DEBUG=1"
AB_SET=nt2 ab_switch_passes "rule ANYPREC_PT_DEBUG=1" "mc $MC" "nt2 $MC ANYPREC_NT2=2" \
  "nt2free $MC ANYPREC_NT2=2 ANYPREC_NT2_REGS=255" "nt2sums $MC ANYPREC_NT2=2 ANYPREC_NT2_SUMS=1" \
  -- --schemes uniform \
  --bits "${NT2_BITS:-3,4}" --ms "${NT2_MS:-9,12,16}" \
  --shapes "${NT2_SHAPES:-4096x28672,14336x4096,4096x6144,4096x4096}"
echo "NT2 A/B done at $(( $(date +%s) - AB_START )) s"
NOX_ARGS=(--schemes uniform --bits 4 --ms 16 --shapes "${NOX_SHAPES:-4096x28672,14336x4096}")
for p in 1 2; do
  ab_bench "noxmc$p" /tmp/nox $MC -- "${NOX_ARGS[@]}"
  ab_bench "noxnt2$p" /tmp/nox $MC ANYPREC_NT2=2 -- "${NOX_ARGS[@]}"
done
python3 benchmarks/experiments/decode_m1/table.py "$RUNS" mc1 noxmc1 nt21 noxnt21 mc2 noxmc2 \
  nt22 noxnt22 > "$R/table_nox.txt" 2>&1
cat "$R/table_nox.txt"
grep -h "anyprec MC" "$RUNS"/*.log | sort | uniq -c | head -40 > "$R/launches.txt"
tar czf "$OUT/runs.tgz" -C "$RUNS" .
ab_pack
echo "NO_X done at $(( $(date +%s) - AB_START )) s"
ab_pytest "$OUT/tests_nt2.log" "${TEST_SECS:-170}" tests/gpu/test_cuda_kernels.py -k "ntwo"
echo "all done at $(( $(date +%s) - AB_START )) s"
