#!/usr/bin/env bash
# Run-time launch choices at M = 1 and 4 (device, repository root, extension built): the
# default against forced warps per block (ANYPREC_DECODE_WARPS = 2, 3, 6, 8: fewer, longer-lived
# warps or more of them per n-tile), stream-K by its rule now that PDL overlaps kernel tails
# (ANYPREC_DECODE_SK=1), and PDL for LUT too (ANYPREC_PDL=2), b = 3, 4, 8, twice in alternation.
# Results: OUT/runs.tgz, the table last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/decode_launch/run.sh
source benchmarks/experiments/ab_lib.sh
ab_init launch
AB_TIMEOUT=40
TAGS=()
for i in 1 2; do
  for v in def w2 w3 w6 w8 sk1 pdl2; do
    case $v in
      def) e=() ;;
      w*) e=(ANYPREC_DECODE_WARPS=${v#w}) ;;
      sk1) e=(ANYPREC_DECODE_SK=1) ;;
      pdl2) e=(ANYPREC_PDL=2) ;;
    esac
    ab_bench $v$i "$PWD" "${e[@]}" -- --ms 1,4 --bits 3,4,8
    TAGS+=($v$i)
  done
done
ab_finish "${TAGS[@]}"
cat $RUNS/table.txt
