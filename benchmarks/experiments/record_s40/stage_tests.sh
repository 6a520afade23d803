#!/usr/bin/env bash
# Session 40, before the record (device, repository root, carry .stage): record_s39's
# stage_tests.sh (stage_build.sh: the vLLM bundle's first part staged, the tree built as
# committed, now with XB off and LP's rule at LUT b = 4 alone; tests/gpu whole but the switch
# runs) with the switch runs of the two rules the defaults moved (lprule, lpbits: LP at b = 4
# alone; lpwide: the mask over b = 2..4, b = 3 must launch LP; xbrule: XB's rule must still
# launch on its wide weight; xboff; xb8: XB at every M) and PT's ring depth by width (ptst, not
# run on a GPU before). ~6 min on a fresh machine. OUT/build.log, OUT/stage_build.log,
# OUT/tests_*.log.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s40/stage_tests.sh
SWITCH_SECS=240 SWITCH_K="lprule or lpbits or lpwide or xbrule or xboff or xb8 or ptst" \
  exec bash benchmarks/experiments/record_s39/stage_tests.sh
