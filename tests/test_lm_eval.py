"""lm-eval's vLLM backend evaluates an anyprec checkpoint at the precision given in --model_args.

lm-eval runs as a subprocess through ``tests/tools/vllm_cpu_run.py`` (the vllm-cpu version
shim), from ``tests/lm_eval_task/`` (a 10-question local multiple-choice task).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("vllm")
pytest.importorskip("lm_eval")

from vllm_anyprec.hf_loader import load_hf_model  # noqa: E402

HERE = Path(__file__).parent
TASK_DIR = HERE / "lm_eval_task"
RUNNER = HERE / "tools" / "vllm_cpu_run.py"
TASK = "anyprec_capitals"
BITS = 4
TIMEOUT_S = 600


def hf_oracle_correct(ckpt: Path, bits: int) -> list[bool]:
    """Per question, whether the HF model of the b-bit weights gets it right, scored as lm-eval does
    (summed log-probability of each choice after the question; trailing context spaces move to
    the continuation; context and choice tokenized together, then split)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(ckpt)
    model = load_hf_model(ckpt, bits)
    docs = [json.loads(line) for line in (TASK_DIR / f"{TASK}.jsonl").read_text().splitlines()]
    correct = []
    for doc in docs:
        context = f"Question: What is the capital of {doc['country']}?\nAnswer:"
        scores = []
        for choice in doc["choices"]:
            ctx_ids = tok(context, add_special_tokens=False).input_ids
            ids = tok(context + " " + choice, add_special_tokens=False).input_ids
            with torch.no_grad():
                logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
            scores.append(sum(logp[i - 1, ids[i]].item() for i in range(len(ctx_ids), len(ids))))
        correct.append(max(range(len(scores)), key=scores.__getitem__) == doc["answer"])
    return correct


def test_lm_eval_vllm_backend_with_precision_flag(tmp_path, anyprec_ckpt):
    ckpt = anyprec_ckpt("uniform")
    # JSON form: lm-eval 0.4.13 rejects braces inside its key=value,... form.
    model_args = json.dumps({
        "pretrained": str(ckpt), "quantization": "anyprec",
        "hf_overrides": {"quantization_config": {"w_bits": BITS}},
        "dtype": "float32", "enforce_eager": True, "max_model_len": 256,
        "kv_cache_memory_bytes": 64 << 20})
    out_dir = tmp_path / "results"
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
           "VLLM_CACHE_ROOT": str(tmp_path / "vllm"), "HF_HOME": str(tmp_path / "hf"),
           "HF_DATASETS_CACHE": str(tmp_path / "datasets"),
           "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor"), "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1",
           # vLLM drops an in-process engine to 1 torch thread unless this is set.
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                             str(len(os.sched_getaffinity(0))))}
    cmd = [sys.executable, str(RUNNER), "lm_eval", "--model", "vllm", "--model_args", model_args,
           "--tasks", TASK, "--include_path", str(TASK_DIR), "--batch_size", "16",
           "--output_path", str(out_dir), "--log_samples"]
    proc = subprocess.run(cmd, cwd=TASK_DIR, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert f"anyprec: uniform scheme at {BITS} bits" in log, log[-4000:]
    results = sorted(out_dir.rglob("results_*.json"))
    assert results, f"no results under {out_dir}:\n{log[-2000:]}"
    acc = json.loads(results[-1].read_text())["results"][TASK]["acc,none"]
    samples = [json.loads(line) for f in out_dir.rglob(f"samples_{TASK}_*.jsonl")
               for line in f.read_text().splitlines()]
    got = [bool(s["acc"]) for s in sorted(samples, key=lambda s: s["doc_id"])]
    want = hf_oracle_correct(ckpt, BITS)
    print(f"\n{TASK} at {BITS} bits: lm-eval/vLLM acc {acc} {got}\nHF oracle {want}")
    assert got == want
    assert acc == pytest.approx(sum(want) / len(want))
