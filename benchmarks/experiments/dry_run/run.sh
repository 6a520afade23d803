#!/usr/bin/env bash
# A dry run of device calls on this CPU machine, before device time is spent on them: each CALL
# (a command line as given to the device tool, run in the repository root with OUT set) runs in
# order in one scratch copy of the tree as the device would get it (tracked and untracked files
# that git does not ignore, and what the call carries: "CALL  # carry: PATH ..."; stand-ins for
# the vLLM bundle's .stage / .stage2), with the GPU steps stood in for
# (stubs/: the extension build, pytest, bench_kernels.py, compute-sanitizer, ncu, nvidia-smi,
# the vLLM install; README.md). It catches what would waste a call: a shell error, a missing
# file, a bench flag the script does not take, a pytest -k name that matches no test, an empty
# selection, more files in OUT than come back (8).
# Prints, per call, its exit status, its output's tail and what it left in OUT; exits 1 if any
# call failed or left a problem. DRY_KEEP=1 keeps the scratch folder.
# Usage: bash benchmarks/experiments/dry_run/run.sh 'CALL' ['CALL' ...]
#        bash benchmarks/experiments/dry_run/run.sh --plan FILE   (one call per line, # comments)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CALLS=()
if [ "${1:-}" = --plan ]; then
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] || CALLS+=("$line")
  done < "$2"
else
  CALLS=("$@")
fi
[ ${#CALLS[@]} -gt 0 ] || { echo "usage: run.sh 'CALL' ... | --plan FILE" >&2; exit 2; }
REAL=${DRY_REAL_PYTHON:-$(command -v python3)}
# The scripts write to fixed /tmp paths (/tmp/lean, /tmp/NAME_runs, /tmp/vllm-stage, ...), kept
# between calls as on a warm machine. Where user namespaces work, the calls get a private /tmp
# (W/tmp; W itself must be outside /tmp, DRY_DIR); elsewhere what they add to /tmp is removed at
# the end, except names that other programs running meanwhile use.
W=$(mktemp -d "${DRY_DIR:-/var/tmp}/dry_run.XXXXXX")
mkdir -p "$W/tmp" "$W/hosttmp"
PRIVATE=0
[[ "$(realpath "$W")" == /tmp/* ]] || ! unshare -rm true 2> /dev/null || PRIVATE=1
# Paths under the real /tmp that must stay visible under the private one (a clone or a venv
# there): bound back in at their own paths.
KEEP=()
for p in "$ROOT" "$(dirname "$(realpath "$REAL")")" \
         "$("$REAL" -c 'import sys; print(sys.prefix)' 2> /dev/null)"; do
  p=$(realpath -m "$p")
  [[ "$p" == /tmp/* ]] && KEEP+=("$p")
done
BEFORE=$(ls -A /tmp)
cleanup() {
  rm -rf "$W"
  [ "$PRIVATE" = 1 ] || comm -13 <(echo "$BEFORE" | sort) <(ls -A /tmp | sort) \
    | grep -Ev '^(pytest-of-|tmp|pip-|bash_|vllm_dist_|torchinductor_|hsperfdata_)|^[0-9a-f]{8}-' \
    | while IFS= read -r p; do rm -rf "/tmp/${p:?}"; done
}
[ "${DRY_KEEP:-0}" = 1 ] || trap cleanup EXIT
# The tree as the device tool copies it.
mkdir -p "$W/repo"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) \
  | tar -xf - -C "$W/repo"
# What a call carries (its line's "# carry: PATH ..."; ignored paths, absent otherwise, as on the
# device): stand-ins for the vLLM bundle parts (the real ones are large and install only there),
# anything else copied from the tree here.
carry() {
  local c
  rm -rf "$W/repo/.stage" "$W/repo/.stage2"
  for c in "$@"; do
    case "$c" in
      .stage|.stage2)
        mkdir -p "$W/repo/$c"
        echo "dry run part" > "$W/repo/$c/part.dry_run"
        [ "$c" = .stage ] || printf '#!/usr/bin/env bash\nmkdir -p /tmp/vllm-site\necho "dry run: vLLM installed"\n' \
          > "$W/repo/$c/install-on-device.sh" ;;
      *) if [ -e "$ROOT/$c" ]; then rm -rf "$W/repo/$c"; cp -r "$ROOT/$c" "$W/repo/$c"
         else echo "  ! carry: $c is not in the tree here"; fi ;;
    esac
  done
}
export DRY_REAL_PYTHON=$REAL DRY_HERE=$HERE DRY_LOG=$W
export PATH="$HERE/stubs:$PATH"
# What a call's output must not hold (the scripts' own steps print "rc=N").
PROBLEMS="command not found|syntax error|unbound variable|No such file or directory|Traceback"
PROBLEMS+="|^ERROR dry run|: error: |: line [0-9]+: |build failed|rc=[1-9]"
bad=0
for i in "${!CALLS[@]}"; do
  call=${CALLS[$i]} carried=()
  if [[ "$call" =~ ^(.*[^[:space:]])[[:space:]]+#[[:space:]]*carry:(.*)$ ]]; then
    call=${BASH_REMATCH[1]}
    read -ra carried <<< "${BASH_REMATCH[2]}"
  fi
  out="$W/out$i"
  mkdir -p "$out"
  echo "=== call $i: $call${carried:+   (carry ${carried[*]})}"
  carry "${carried[@]}"
  if [ "$PRIVATE" = 1 ]; then
    DRY_CALL=$call DRY_OUT=$out DRY_W=$W DRY_KEEP_PATHS="${KEEP[*]}" unshare -rm bash -c '
      set -e
      mount --bind /tmp "$DRY_W/hosttmp"
      mount --bind "$DRY_W/tmp" /tmp
      for p in $DRY_KEEP_PATHS; do
        mkdir -p "$p" && mount --bind "$DRY_W/hosttmp/${p#/tmp/}" "$p"
      done
      set +e
      cd "$DRY_W/repo" && OUT=$DRY_OUT bash -c "$DRY_CALL"'
  else
    (cd "$W/repo" && OUT=$out bash -c "$call")
  fi > "$W/call$i.log" 2>&1
  rc=$?
  tail -"${DRY_TAIL:-25}" "$W/call$i.log" | sed 's/^/  | /'
  nfiles=$(find "$out" -type f | wc -l)
  echo "  rc=$rc, $nfiles file(s) in OUT: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
  problems=$(grep -nE "$PROBLEMS" "$W/call$i.log" | head -20)
  [ -z "$problems" ] || { echo "  problems:"; echo "$problems" | sed 's/^/  ! /'; bad=1; }
  [ "$rc" = 0 ] || bad=1
  [ "$nfiles" -le 8 ] || { echo "  ! more than 8 files in OUT: only 8 come back"; bad=1; }
  [ "$nfiles" -gt 0 ] || { echo "  ! nothing in OUT"; bad=1; }
done
if [ -s "$W/builds.txt" ]; then
  echo "=== builds (tree | ANYPREC_NVCC_FLAGS)"
  sed 's/^/  /' "$W/builds.txt"
fi
[ "$bad" = 0 ] && echo "dry run: all ${#CALLS[@]} call(s) clean" || echo "dry run: PROBLEMS above"
exit "$bad"
