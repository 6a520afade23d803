# Steps shared by the A/B timing scripts under benchmarks/experiments/ (sourced; device,
# repository root):
#   ab_init NAME                      OUT (default device_out) and an empty RUNS=/tmp/NAME_runs;
#                                     AB_START = its time (date +%s)
#   ab_resume NAME                    the same OUT and RUNS, kept (a later call on the same machine;
#                                     RUNS made if no earlier call made it)
#   ab_build                          the extension in the tree (sm_90a): OUT/build.log, exit on failure
#   ab_build_pair NAME FLAGS          ab_build_variants "NAME FLAGS" (the tree and one copy)
#   ab_build_variants "NAME FLAGS..." ...
#                                     the tree and a copy in /tmp/NAME per spec (of AB_SRC if
#                                     set, e.g. an older commit's files), built with its FLAGS
#                                     (ANYPREC_NVCC_FLAGS), all at once: OUT/build.log and
#                                     OUT/build_NAME.log; exit unless every extension was built
#   ab_bench TAG DIR [VAR=V ...] -- ARGS
#                                     scripts/bench_kernels.py ARGS of the tree in DIR, in its own
#                                     process with those variables: RUNS/TAG.json and .log
#   ab_bench_each "TAG [VAR=V ...]" ... -- ARGS
#                                     ab_bench of the tree in . once per quoted spec, same ARGS
#   ab_bench_passes N "TAG DIR" ... -- ARGS
#                                     N passes of ab_bench over the specs in turn (TAGp, p = 1..N),
#                                     so that each pass's variants run side by side
#   ab_switch_passes "TAG [VAR=V ...]" ... -- ARGS
#                                     run-time switches on the tree in ., the first spec the
#                                     base: two alternating passes of ab_bench (TAG1, TAG2),
#                                     packed after each; R/table.txt and R/ratios.txt (base time
#                                     / variant time: > 1, the variant is faster), packed;
#                                     with AB_SET=S, R/table_S.txt and R/ratios_S.txt (several
#                                     sets in one run)
#   ab_ratios FILE BASE1 BASE2 VAR1,VAR2 ...
#                                     prefill_pdl/ratios.py --bits over RUNS: the noise (BASE1
#                                     against BASE2), then each variant's passes against both
#                                     base passes; into FILE and printed
#   ab_finish TAG ...                 RUNS/table.txt (side by side, decode_m1/table.py) and
#                                     OUT/runs.tgz (everything in RUNS)
#   ab_report TAG ...                 ab_finish, then prints the table and the distinct PT
#                                     launches the runs logged (ANYPREC_PT_DEBUG=1)
#   ab_swap_ab NAME ARGS...           (after ab_rundir) the decode swap rule (fused_gemm.cuh kSwap)
#                                     against -DANYPREC_DECODE_SWAP=0: ab_init NAME, both built
#                                     (ab_build_pair off), bench_kernels ARGS in two passes side by
#                                     side (rule1 off1 rule2 off2), the table in R/table_swap.txt
#   ab_pytest_in DIR LOG SECONDS ARGS...
#                                     ab_pytest in the tree DIR (a built copy), then ab_pack
#   ab_start NAME                     ab_rundir NAME, the GPU's name and clocks in R/gpu.txt,
#                                     ab_init NAME (a one-call A/B's first step)
#   ab_flag_start NAME VAR FLAGS      a one-flag A/B's first steps: the vLLM bundle part in .stage
#                                     staged if carried, ab_start NAME, the tree and /tmp/VAR
#                                     (built with FLAGS) at once, packed
#   ab_vs_tree VAR TAG ARGS...        (after ab_build_variants "VAR ...") bench_kernels ARGS in
#                                     two alternating passes of /tmp/VAR (VAR1, VAR2) and the
#                                     tree (TAG1, TAG2); R/table.txt and R/ratios.txt (VAR time /
#                                     tree time: > 1, the tree is faster), packed
#   ncu_init FILE                     OUT (default device_out) made and RAW=OUT/FILE emptied, for
#                                     the ncu scripts' raw output
#   ncu_prefill LABEL SCHEME BITS K N M [TOKENS SPLIT] -- NCU_ARGS
#                                     ncu (NCU_ARGS: sections, metrics) of one prefill kernel launch
#                                     (prefill_wgmma/profile.py, the third), appended to RAW under
#                                     "=== LABEL"
#   NCU_PREFILL_SECTIONS, ncu_prefill_summary
#                                     the sections / metrics of the prefill profiles (an array for
#                                     ncu_prefill's NCU_ARGS) and the summary of RAW they print
#   ab_pytest LOG SECONDS ARGS...     pytest ARGS (quiet, no cache) in the tree with that timeout:
#                                     output to LOG, then "LOG rc=... in ... s: <last line>" and
#                                     the failed tests' names
#   ab_stage_vllm DIR                 the vLLM bundle part carried in DIR (.stage, .stage2) copied to
#                                     /tmp/vllm-stage, for h200_record_s23/callB.sh
#   ab_steps "STEP ..."; ab_step S   a multi-call script's steps for this call; ab_step: whether S
#                                     is one of them
#   ab_constants DIR FILE             the layout constants the extension built in DIR reports
#                                     (PACKED_MASK, PACK_RUNS, META16_MASK): FILE and stdout
#   ab_tests_m1 DIR LOG               the uniform M = 1 tests (every fold, long K, the Llama
#                                     weights, odd shapes) on the build in DIR, after its layout
#                                     constants (LOG.constants): for layout flags such as META16
#   ab_memcheck FILE KEXPR            compute-sanitizer memcheck of pytest FILE -k KEXPR:
#                                     OUT/memcheck.log, its summary line printed
#   ncu_prefill_cells FILE "LABEL|SCHEME BITS K N M [TOKENS SPLIT]" ...
#                                     ncu_init FILE, the extension built if missing, ncu_prefill
#                                     with NCU_PREFILL_SECTIONS for each cell, ncu_prefill_summary
#   ncu_op_cells NAME M "K N|..." "SCHEME BITS|..."
#                                     the extension built (ab_build), then
#                                     h100_record/profile_m1.sh (the op's own plan, PIPES=1) of
#                                     every (weight, configuration) at M rows: OUT/NAME_raw.txt,
#                                     the summary printed and in OUT/NAME_summary.txt
#   ncu_prefill_pair OTHER "LABEL|..." ...
#                                     (after ab_rundir and ab_build_pair OTHER) ncu_prefill_cells
#                                     of the cells in the tree and in /tmp/OTHER: R/ncu_{tree,OTHER}.txt
#                                     and their summaries R/summary_*.txt, printed, packed after each
#   ab_rundir NAME                    OUT made and an empty R=/tmp/NAME for one call's outputs;
#   ab_pack                           R packed into OUT/NAME.tgz (after each step: a call cut
#                                     short keeps what ran)
#   ncu_prefill's optional TOKENS SPLIT may be followed by BLOCKS_PER_SM (2: the lean kernels).
# AB_TIMEOUT: seconds per benchmark run (default 60).
set -uo pipefail
ab_rundir() {
  OUT=${OUT:-device_out}
  mkdir -p "$OUT"
  AB_NAME=$1
  R=/tmp/$1
  rm -rf "$R" && mkdir -p "$R"
}
ab_pack() {
  tar czf "$OUT/$AB_NAME.tgz" -C "$R" .
}
ncu_init() {
  OUT=${OUT:-device_out}
  mkdir -p "$OUT"
  RAW=$OUT/$1
  : > "$RAW"
}
ab_init() {
  AB_START=$(date +%s)
  OUT=${OUT:-device_out}
  mkdir -p "$OUT"
  RUNS=/tmp/$1_runs
  rm -rf "$RUNS" && mkdir -p "$RUNS"
}
ab_resume() {
  OUT=${OUT:-device_out}
  mkdir -p "$OUT"
  RUNS=/tmp/$1_runs
  mkdir -p "$RUNS"  # (a first bench call on a tree another script built)
}
ab_build() {
  ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16 python3 setup.py build_ext --inplace \
    > "$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
  echo "built: $(date)"
}
ab_build_pair() {
  ab_build_variants "$1 $2"
}
ab_build_variants() {
  local s spec name jobs dirs=(.)
  s=$(date +%s)
  jobs=$(( 16 / ($# + 1) ))
  (( jobs < 2 )) && jobs=2
  for spec in "$@"; do  # (the copies first: the tree's build writes into it)
    name=${spec%% *}
    rm -rf "/tmp/$name" && mkdir -p "/tmp/$name" && cp -r "${AB_SRC:-.}"/. "/tmp/$name/"
    dirs+=("/tmp/$name")
  done
  (ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=$jobs python3 setup.py build_ext \
    --inplace > "$OUT/build.log" 2>&1 || echo "build failed") &
  for spec in "$@"; do
    name=${spec%% *}
    (cd "/tmp/$name" && ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=$jobs \
      ANYPREC_NVCC_FLAGS="${spec#* }" python3 setup.py build_ext --inplace \
      > "$OUT/build_$name.log" 2>&1 || echo "$name build failed") &
  done
  wait
  for name in "${dirs[@]}"; do
    ls "$name"/vllm_anyprec/_C*.so > /dev/null || { tail -5 "$OUT"/build*.log; exit 1; }
  done
  echo "built ${#dirs[@]} trees in $(( $(date +%s) - s )) s"
}
ab_bench() {
  local tag=$1 dir=$2 envs=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  rm -rf "/tmp/ab_$tag"
  (cd "$dir" && env "${envs[@]}" PYTHONPATH="$dir" timeout "${AB_TIMEOUT:-60}" python3 \
    scripts/bench_kernels.py --out "/tmp/ab_$tag" "$@" > "$RUNS/$tag.log" 2>&1) \
    || tail -3 "$RUNS/$tag.log"
  cp /tmp/ab_$tag/*.json "$RUNS/$tag.json"
  echo "ran $tag: $(date)"
}
ab_bench_each() {
  local specs=() spec words
  while [ $# -gt 0 ] && [ "$1" != -- ]; do specs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for spec in "${specs[@]}"; do
    read -ra words <<< "$spec"
    ab_bench "${words[0]}" . "${words[@]:1}" -- "$@"
  done
}
ab_bench_passes() {
  local n=$1 specs=() spec words pass
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do specs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for pass in $(seq "$n"); do
    for spec in "${specs[@]}"; do
      read -ra words <<< "$spec"
      ab_bench "${words[0]}$pass" "${words[1]}" -- "$@"
    done
  done
}
ab_switch_passes() {
  local specs=() spec words pass names=() pairs=() base
  while [ $# -gt 0 ] && [ "$1" != -- ]; do specs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for pass in 1 2; do
    for spec in "${specs[@]}"; do
      read -ra words <<< "$spec"
      ab_bench "${words[0]}$pass" . "${words[@]:1}" -- "$@"
      names+=("${words[0]}$pass")
    done
    ab_pack
  done
  ab_finish "${names[@]}"
  cp "$RUNS/table.txt" "$R/table${AB_SET:+_$AB_SET}.txt"
  base=${specs[0]%% *}
  for spec in "${specs[@]:1}"; do
    pairs+=("${spec%% *}1,${spec%% *}2")
  done
  ab_ratios "$R/ratios${AB_SET:+_$AB_SET}.txt" "${base}1" "${base}2" "${pairs[@]}"
  ab_pack
}
ab_ratios() {
  local file=$1 b1=$2 b2=$3 v
  shift 3
  { python3 benchmarks/experiments/prefill_pdl/ratios.py --bits "$RUNS" "$b1" "$b2"
    for v in "$@"; do
      python3 benchmarks/experiments/prefill_pdl/ratios.py --bits "$RUNS" "$b1,$b2" "$v"
    done
  } > "$file" 2>&1
  cat "$file"
}
ab_finish() {
  python3 benchmarks/experiments/decode_m1/table.py "$RUNS" "$@" > "$RUNS/table.txt"
  tar czf "$OUT/runs.tgz" -C "$RUNS" .
}
ab_pytest_in() {
  local dir=$1
  shift
  (cd "$dir" && ab_pytest "$@")
  ab_pack
}
ab_start() {
  ab_rundir "$1"
  nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
  ab_init "$1"
}
ab_flag_start() {
  [ -d .stage ] && ab_stage_vllm .stage
  ab_start "$1"
  ab_build_variants "$2 $3"
  ab_pack
}
ab_vs_tree() {
  local var=$1 tag=$2
  shift 2
  ab_bench_passes 2 "$var /tmp/$var" "$tag ." -- "$@"
  ab_finish "${var}1" "${tag}1" "${var}2" "${tag}2"
  cp "$RUNS/table.txt" "$R/table.txt"
  ab_ratios "$R/ratios.txt" "${var}1" "${var}2" "${tag}1,${tag}2"
  ab_pack
}
ab_swap_ab() {
  ab_init "$1"
  shift
  ab_build_pair off "-DANYPREC_DECODE_SWAP=0"
  ab_bench_passes 2 "rule ." "off /tmp/off" -- "$@"
  ab_finish rule1 off1 rule2 off2
  cp "$RUNS/table.txt" "$R/table_swap.txt"
}
ab_report() {
  ab_finish "$@"
  cat "$RUNS/table.txt"
  # (|| true: head closing the pipe early is not a failure of the report)
  grep -h "anyprec PT" "$RUNS"/*.log 2>/dev/null | sort | uniq | head -"${AB_PT_LINES:-60}" || true
}
ncu_prefill() {
  local label=$1 args=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  echo "=== $label" >> "$RAW"
  PYTHONPATH="$PWD" timeout 120 ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 \
    --launch-count 1 "$@" python3 benchmarks/experiments/prefill_wgmma/profile.py "${args[@]}" \
    >> "$RAW" 2>&1 || echo "(ncu failed or timed out: $label)" >> "$RAW"
}
# The sections and metrics the prefill profiles take (speed of light, pipes, scheduler, warp
# states, memory, every stall reason per issued instruction), and their summary of RAW.
NCU_PREFILL_SECTIONS=(--section SpeedOfLight --section ComputeWorkloadAnalysis
  --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis
  --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio")
ncu_prefill_summary() {
  grep -E "^===|Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Issue Slots Busy|Eligible Warps|Active Warps Per|Warp Cycles Per Issued|highest-utilized|failed" "$RAW" \
    | sed -E 's/\s+/ /g' | cut -c1-160
  echo "stall reasons (cycles per issued instruction, > 0.2):"
  awk '/^===/ {print} /issue_stalled_.*per_issue_active.ratio/ {if ($NF + 0 > 0.2) print "  " $1, $NF}' "$RAW"
}
ncu_prefill_cells() {
  local cell args
  ncu_init "$1"
  shift
  ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
  for cell in "$@"; do
    read -ra args <<< "${cell#*|}"
    ncu_prefill "${cell%%|*}" "${args[@]}" -- "${NCU_PREFILL_SECTIONS[@]}"
  done
  ncu_prefill_summary
}
ncu_op_cells() {  # NAME M "K N" CFGS; MEM=1 in the caller's environment adds the L1 / L2 traffic
  ab_build
  OUT=$OUT RAW_NAME="$1_raw.txt" M=$2 KNS=$3 CFGS=$4 PIPES=1 MEM=${MEM:-0} \
    PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} \
    bash benchmarks/experiments/h100_record/profile_m1.sh 2>&1 | tee "$OUT/$1_summary.txt"
}
ncu_prefill_pair() {
  local other=$1 tree name
  shift
  for tree in . "/tmp/$other"; do
    name=tree
    [ "$tree" = . ] || name=$other
    (cd "$tree" && OUT=$R ncu_prefill_cells "ncu_$name.txt" "$@" > "$R/summary_$name.txt" 2>&1)
    echo "== $name"; cat "$R/summary_$name.txt"
    ab_pack
  done
}
ab_pytest() {
  local log=$1 secs=$2 s rc
  shift 2
  s=$(date +%s)
  PYTHONPATH=$PWD timeout "$secs" python3 -m pytest -q -p no:cacheprovider "$@" > "$log" 2>&1
  rc=$?
  echo "$(basename "$log") rc=$rc in $(( $(date +%s) - s )) s: $(tail -1 "$log")"
  grep -E "^(FAILED|ERROR)" "$log" | head -20
  return $rc
}
ab_stage_vllm() {
  mkdir -p /tmp/vllm-stage && cp -f "$1"/* /tmp/vllm-stage/
}
ab_steps() {
  STEPS=" $1 "
}
ab_step() { [[ "$STEPS" == *" $1 "* ]]; }
ab_constants() {
  (cd "$1" && PYTHONPATH=$PWD python3 -c "import torch, vllm_anyprec._C as c
print('PACKED_MASK', c.PACKED_MASK, 'PACK_RUNS', c.PACK_RUNS, 'META16_MASK', c.META16_MASK)") \
    > "$2" 2>&1
  cat "$2"
}
ab_tests_m1() {
  ab_constants "$1" "$2.constants"
  (cd "$1" && ab_pytest "$2" 240 tests/gpu/test_cuda_kernels.py -k \
    "m1_every_fold or m1_long_k or llama_shapes or (all_m_odd_shape and uniform)")
}
ab_memcheck() {
  PYTHONPATH=$PWD timeout 150 compute-sanitizer --tool memcheck python3 -m pytest -q \
    -p no:cacheprovider "$1" -k "$2" > "$OUT/memcheck.log" 2>&1
  echo "memcheck rc=$?: $(tail -1 "$OUT/memcheck.log")"
  grep "ERROR SUMMARY" "$OUT/memcheck.log"
}
