#!/usr/bin/env bash
# Session 55: all.sh cut to what a short device budget holds (what session 55 ran; README.md
# here): MC vs MC3 (3 stages) at uniform b = 3, 4, M = 9, 16 on (4096, 28672) and (14336, 4096),
# the rule vs WR at b = 4, 5, 8, M = 4, 16 on the same weights (two alternating passes each), no
# ncu, then the GPU tests (mcring, wring) under 120 s. OUT: build.log, mc3.tgz, wr.tgz, runs.tgz,
# tests_mc3.log.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/mini.sh
W=4096x28672,14336x4096
MC3_MS=9,16 MC3_SHAPES=$W WR_BITS=4,5,8 WR_MS=4,16 WR_SHAPES=$W NCU=0 TEST_SECS=120 \
  exec bash "$(dirname "$0")/all.sh"
