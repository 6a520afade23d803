#!/usr/bin/env bash
# Session 41, before the record (device, repository root, carry .stage): record_s39's
# stage_tests.sh (stage_build.sh: the vLLM bundle's first part staged, the tree built as
# committed, now with ANYPREC_PREFILL_PULL16 = 1, the cluster pair's 16-byte reduction; tests/gpu
# whole but the switch runs, the prefill tests among them) with one switch run (lprule: the
# decode kernels are unchanged, so session 40's seven switch runs still describe them). ~4 min
# on a fresh machine. OUT/build.log, OUT/stage_build.log, OUT/tests_*.log.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s41/stage_tests.sh
SWITCH_SECS=90 SWITCH_K="lprule" exec bash benchmarks/experiments/record_s39/stage_tests.sh
