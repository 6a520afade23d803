#!/usr/bin/env bash
# Builds the extension twice in parallel for an A/B timing (device, repository root): the tree
# as it is, and a copy in /tmp/NAME built with ANYPREC_NVCC_FLAGS=FLAGS: a copy of the tree, or of
# SRC (e.g. an older commit's files, carried to the device). Logs: OUT/build.log and
# OUT/build_NAME.log. (ab_lib.sh's ab_build_variants, for the scripts that call this one.)
# Usage: bash benchmarks/experiments/build_pair.sh OUT NAME "FLAGS" [SRC]
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
OUT=$1 AB_SRC=${4:-.} ab_build_variants "$2 $3"
