#!/usr/bin/env bash
# Builds the extension twice in parallel for an A/B timing (device, repository root): the tree
# as it is, and a copy in /tmp/NAME built with ANYPREC_NVCC_FLAGS=FLAGS: a copy of the tree, or of
# SRC (e.g. an older commit's files, carried to the device). Logs: OUT/build.log and
# OUT/build_NAME.log.
# Usage: bash benchmarks/experiments/build_pair.sh OUT NAME "FLAGS" [SRC]
set -uo pipefail
OUT=$1 NAME=$2 FLAGS=$3
R=$PWD SRC=${4:-$PWD}
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=8
rm -rf "/tmp/$NAME" && mkdir -p "/tmp/$NAME" && cp -r "$SRC"/. "/tmp/$NAME/"
(python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || echo "build failed") &
(cd "/tmp/$NAME" && ANYPREC_NVCC_FLAGS="$FLAGS" \
  python3 setup.py build_ext --inplace > "$OUT/build_$NAME.log" 2>&1 || echo "$NAME build failed") &
wait
