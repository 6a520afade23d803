#!/usr/bin/env bash
# LUT decode: warps per block at large N (device, repository root; builds the extension). The
# launch sweep (run.sh, session 12) found LUT b = 8 on (4096, 28672) 17% faster with 3 warps per
# block than the default 2 (the target rule, which ignores that 36 KB of tables per block cap the
# resident blocks), but 3 warps slower on the small-N shapes (the wave model's choice there).
# Here: default against the wave model everywhere (ANYPREC_DECODE_WAVE=2, an existing switch)
# and forced 3 and 4 warps, b = 2, 4, 6, 8, M = 1, 4, 16, twice in alternation; then the LUT
# GPU tests under the wave model. Results: OUT/runs.tgz, the table last.
# Usage: OUT=dir bash benchmarks/experiments/decode_launch/run_lut.sh
source benchmarks/experiments/ab_lib.sh
ab_init lutw
ab_build
AB_TIMEOUT=50
TAGS=()
for i in 1 2; do
  for v in def wave2 w3 w4; do
    case $v in
      def) e=() ;;
      wave2) e=(ANYPREC_DECODE_WAVE=2) ;;
      w*) e=(ANYPREC_DECODE_WARPS=${v#w}) ;;
    esac
    ab_bench $v$i "$PWD" "${e[@]}" -- --ms 1,4,16 --bits 2,4,6,8
    TAGS+=($v$i)
  done
done
ab_finish "${TAGS[@]}"
T=$(ANYPREC_DECODE_WAVE=2 PYTHONPATH=$PWD timeout 150 python3 -m pytest -q tests/gpu -k lut 2>&1 \
  | grep -E "FAILED|passed|failed|rror" | head -6)
echo "tests/gpu -k lut (ANYPREC_DECODE_WAVE=2): $T" | tee "$RUNS/checks.txt"
tar czf "$OUT/runs.tgz" -C "$RUNS" .
cat "$RUNS/table.txt" "$RUNS/checks.txt"
