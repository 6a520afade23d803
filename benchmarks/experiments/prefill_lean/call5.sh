#!/usr/bin/env bash
# Session 29, call 5 (device, repository root; ~3 min): the lean kernels' metadata pulled into L2
# some stages before their one-stage-ahead loads (-DANYPREC_PREFILL_LEAN_PF=D, prefetch.global.L2,
# no registers held), D = 4 and 8, against the tree (no prefetch), through lean_ab.sh.
# Everything in OUT/c5.tgz.
# (The flags it builds were removed later: run it on commit 551c467.)
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call5.sh
bash benchmarks/experiments/prefill_lean/lean_ab.sh c5 pf4="-DANYPREC_PREFILL_LEAN_PF=4" \
  pf8="-DANYPREC_PREFILL_LEAN_PF=8"
