"""lm-eval's vLLM backend evaluates an anyprec checkpoint at the precision given in --model_args.

lm-eval runs as a subprocess through ``tests/tools/lm_eval_vllm_cpu.py`` (the vllm-cpu version
shim), from ``tests/lm_eval_task/`` (a 10-question local multiple-choice task).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("vllm")
pytest.importorskip("lm_eval")

HERE = Path(__file__).parent
TASK_DIR = HERE / "lm_eval_task"
RUNNER = HERE / "tools" / "lm_eval_vllm_cpu.py"
TASK = "anyprec_capitals"
BITS = 4
TIMEOUT_S = 600


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
    cmd = [sys.executable, str(RUNNER), "--model", "vllm", "--model_args", model_args,
           "--tasks", TASK, "--include_path", str(TASK_DIR), "--batch_size", "16",
           "--output_path", str(out_dir)]
    proc = subprocess.run(cmd, cwd=TASK_DIR, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert f"anyprec: uniform scheme at {BITS} bits" in log, log[-4000:]
    results = sorted(out_dir.rglob("results_*.json"))
    assert results, f"no results under {out_dir}:\n{log[-2000:]}"
    acc = json.loads(results[-1].read_text())["results"][TASK]["acc,none"]
    print(f"\n{TASK} acc at {BITS} bits: {acc}")
    # 10 questions, 4 choices each: chance is 0.25; a working 4-bit model knows most capitals.
    assert acc >= 0.5, acc
