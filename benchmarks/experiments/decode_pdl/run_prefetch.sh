#!/usr/bin/env bash
# PDL with and without the L2 prefetch before pdl_wait (device, repository root): builds the
# tree and a copy with -DANYPREC_PDL_PREFETCH=0 (/tmp/nopf), then times M = 1, 4, b = 2..8:
# pf1 = tree with ANYPREC_PDL=1, np1 = copy with ANYPREC_PDL=1, np0 = copy with ANYPREC_PDL=0
# (the code before PDL), twice in alternation. Results: OUT/runs.tgz, the table last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/decode_pdl/run_prefetch.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
R=$PWD
RUNS=/tmp/pf_runs
rm -rf $RUNS && mkdir -p $RUNS
bash benchmarks/experiments/build_pair.sh "$OUT" nopf "-DANYPREC_PDL_PREFETCH=0"
echo "built: $(date)"
for i in 1 2; do
  for v in pf1 np1 np0; do
    d=$R; [ $v != pf1 ] && d=/tmp/nopf
    (cd "$d" && ANYPREC_PDL=${v:2:1} PYTHONPATH="$d" timeout 40 python3 scripts/bench_kernels.py \
      --out "/tmp/pf_$v$i" --ms 1,4 > "$RUNS/$v$i.log" 2>&1) || tail -3 "$RUNS/$v$i.log"
    cp /tmp/pf_$v$i/*.json "$RUNS/$v$i.json"
    echo "ran $v$i: $(date)"
  done
done
python3 benchmarks/experiments/decode_m1/table.py $RUNS pf11 np11 np01 pf12 np12 np02 > $RUNS/table.txt
tar czf "$OUT/runs.tgz" -C $RUNS .
cat $RUNS/table.txt
