#!/usr/bin/env bash
# Session 29, call 4 (device, repository root; ~4 min): what made call 3's weight ring slower.
# The tree (the lean kernels' register form, the default again) against the ring with the
# metadata two stages ahead (b <= 5; call 3's form) and the ring with it one stage ahead (as the
# register form), through lean_ab.sh. Everything in OUT/c4.tgz.
# (The flags it builds were removed later: run it on commit 551c467.)
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call4.sh
bash benchmarks/experiments/prefill_lean/lean_ab.sh c4 ring="-DANYPREC_PREFILL_LEAN_RING=1" \
  ring1="-DANYPREC_PREFILL_LEAN_RING=1 -DANYPREC_PREFILL_LEAN_META1=1"
