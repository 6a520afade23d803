#!/usr/bin/env bash
# PDL with and without the L2 prefetch before pdl_wait (device, repository root): builds the
# tree (no prefetch) and a copy in /tmp/pf with -DANYPREC_PDL_PREFETCH=1, then times M = 1, 4,
# b = 2..8: pf1 = the copy with PDL on both schemes, np1 = the tree with PDL on both schemes,
# np0 = the tree with PDL off, twice in alternation. Results: OUT/runs.tgz, the table last on
# stdout. (runs_prefetch/: session 10, when the prefetch was the tree's default and the copy
# had it off; the same three variants.)
# Usage: OUT=dir bash benchmarks/experiments/decode_pdl/run_prefetch.sh
source benchmarks/experiments/ab_lib.sh
ab_init pf
bash benchmarks/experiments/build_pair.sh "$OUT" pf "-DANYPREC_PDL_PREFETCH=1"
echo "built: $(date)"
AB_TIMEOUT=40
for i in 1 2; do
  ab_bench pf1$i /tmp/pf ANYPREC_PDL=2 -- --ms 1,4
  ab_bench np1$i "$PWD" ANYPREC_PDL=2 -- --ms 1,4
  ab_bench np0$i "$PWD" ANYPREC_PDL=0 -- --ms 1,4
done
ab_finish pf11 np11 np01 pf12 np12 np02
cat $RUNS/table.txt
