#!/usr/bin/env bash
# Session 57 (README.md here), one call before the record's second call (carry .stage: the vLLM
# bundle's first part is staged for h200_record_s23/callB.sh on the same machine), the timings
# first and the GPU tests last under their own time limit:
# 1. the tree built;
# 2. NT2P (ANYPREC_NT2P=2: the plain uniform register kernel with two n-tiles per block) and
#    NT4 (ANYPREC_NT2P_TILES=4: four) against the rules, uniform, b = 2..5, 8 (NT2P_BITS),
#    M = 2, 8, 16 (NT2P_MS), the four Llama-3-8B weights (NT2P_SHAPES), two alternating passes:
#    R/table_nt2p.txt, R/ratios_nt2p.txt (rule time / variant time: > 1, the variant is faster),
#    R/launches.txt (where NT2P ran: the other cells are X8, XB, MC, MR or NT2 in all three);
# 3. the same with MC off (ANYPREC_MT2_CAP=0), so that NT2P / NT4 take b = 3, 4 at M = 9..16
#    from MC's NT2 (the rule's kernel there on the wide weights), M = 9, 16: R/table_mc0.txt,
#    R/ratios_mc0.txt;
# 4. (added in session 58, ../ln2_s58/README.md) LN2 (ANYPREC_LUT_NT2=2: the LUT register kernel
#    with two n-tiles per block on its single-code tables) against the rules, LUT b = 2..4,
#    M = 2, 8, 9, 16 (LN2_MS): R/table_ln2.txt, R/ratios_ln2.txt, R/launches_ln2.txt (the cells
#    where the rules give the pair tables run the same kernel in both);
# 5. the GPU switch runs ntwoplain and ntfourplain (NT2P / NT4 wherever they run, X8 off; each
#    must log its launches), ntworule (MC's NT2 by its rule, the default, whose body NTL
#    generalized) and lutntwo (LN2 wherever it runs, the pair tables off), TEST_SECS (150; 0:
#    not run).
# OUT: build.log, nt2p.tgz (R), runs.tgz (the runs' JSON and logs), tests_nt2p.log.
# ~7 min with the build on a fresh machine.
# Usage: OUT=$OUT bash benchmarks/experiments/nt2p_s57/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
[ -d .stage ] && ab_stage_vllm .stage
ab_start nt2p
ab_build
ab_pack
echo "built in $(( $(date +%s) - AB_START )) s"
SHAPES=${NT2P_SHAPES:-4096x28672,14336x4096,4096x6144,4096x4096}
NT2P="ANYPREC_NT2P=2 ANYPREC_PT_DEBUG=1"
AB_SET=nt2p ab_switch_passes "rule ANYPREC_PT_DEBUG=1" "nt2p $NT2P" \
  "nt4p $NT2P ANYPREC_NT2P_TILES=4" \
  -- --schemes uniform --bits "${NT2P_BITS:-2,3,4,5,8}" --ms "${NT2P_MS:-2,8,16}" --shapes "$SHAPES"
echo "NT2P A/B done at $(( $(date +%s) - AB_START )) s"
AB_SET=mc0 ab_switch_passes "base ANYPREC_PT_DEBUG=1" "nt2pmc0 $NT2P ANYPREC_MT2_CAP=0" \
  "nt4pmc0 $NT2P ANYPREC_MT2_CAP=0 ANYPREC_NT2P_TILES=4" \
  -- --schemes uniform --bits 3,4 --ms 9,16 --shapes "$SHAPES"
grep -h "anyprec NT2P" "$RUNS"/n*1.log | sed 's/ C=.*//' | sort | uniq -c > "$R/launches.txt"
cat "$R/launches.txt"
ab_pack
echo "NT2P A/B with MC off done at $(( $(date +%s) - AB_START )) s"
AB_SET=ln2 ab_switch_passes "lrule ANYPREC_PT_DEBUG=1" "lnt ANYPREC_LUT_NT2=2 ANYPREC_PT_DEBUG=1" \
  -- --schemes lut --bits 2,3,4 --ms "${LN2_MS:-2,8,9,16}" --shapes "$SHAPES"
grep -h "anyprec LN2" "$RUNS"/lnt1.log | sed 's/ C=.*//' | sort | uniq -c > "$R/launches_ln2.txt"
cat "$R/launches_ln2.txt"
ab_pack
echo "A/B done at $(( $(date +%s) - AB_START )) s"
[ "${TEST_SECS:-150}" = 0 ] || ab_pytest "$OUT/tests_nt2p.log" "${TEST_SECS:-150}" \
  tests/gpu/test_cuda_kernels.py -k "ntwoplain or ntfourplain or ntworule or lutntwo"
echo "all done at $(( $(date +%s) - AB_START )) s"
