"""Smoke test on a GPU with vLLM: a Llama-3-8B-shaped anyprec model (config only, dummy weights)
loads through the plugin, is served by the CUDA kernel, and generates.

    python scripts/vllm_gpu_smoke.py [--scheme uniform|lut] [--bits 4] [--layers 8]

Uses the in-process engine (VLLM_ENABLE_V1_MULTIPROCESSING=0) so that the kernel class can be
put first in the priority list here if ``kernels/choose.py`` does not list it yet.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

# The Llama-3-8B config the end-to-end benchmark serves (scripts/ is this script's sys.path[0]).
from bench_vllm import LLAMA3_8B


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scheme", default="uniform")
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--layers", type=int, default=8, help="decoder layers (shapes stay 8B's)")
    ap.add_argument("--eager", action="store_true")
    args = ap.parse_args()
    from vllm import LLM, SamplingParams

    import vllm_anyprec
    from vllm_anyprec.kernels import choose
    from vllm_anyprec.kernels.cuda_fused import CudaFusedKernel

    vllm_anyprec.register()  # what the entry point does (in-process engine: same process)
    if CudaFusedKernel not in choose.KERNELS:
        choose.KERNELS.insert(0, CudaFusedKernel)
    cfg = dict(LLAMA3_8B, torch_dtype="float16", num_hidden_layers=args.layers)
    cfg["quantization_config"] = {
        "quant_method": "anyprec", "format_version": 1, "scheme": args.scheme, "parent_bits": 8,
        "min_bits": 3, "group_size": 128 if args.scheme == "uniform" else -1,
        "w_bits": args.bits, "modules_to_not_convert": ["lm_head"]}
    with tempfile.TemporaryDirectory() as d:
        Path(d, "config.json").write_text(json.dumps(cfg))
        t0 = time.time()
        llm = LLM(model=d, load_format="dummy", skip_tokenizer_init=True, dtype="float16",
                  max_model_len=512, gpu_memory_utilization=0.5, enforce_eager=args.eager)
        print(f"engine up in {time.time() - t0:.0f} s")
        prompts = [{"prompt_token_ids": [128000, 791, 6864, 315, 9822, 374]},
                   {"prompt_token_ids": list(range(1000, 1100))}]
        t0 = time.time()
        outs = llm.generate(prompts, SamplingParams(max_tokens=32, temperature=0.0,
                                                    ignore_eos=True, detokenize=False))
        dt = time.time() - t0
        for o in outs:
            ids = o.outputs[0].token_ids
            assert len(ids) == 32, f"expected 32 generated tokens, got {len(ids)}"
            print("tokens:", list(ids)[:12], "...")
        print(f"SMOKE OK: {args.scheme} b={args.bits}, 2 x 32 tokens in {dt:.2f} s")


if __name__ == "__main__":
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("VLLM_USE_FLASHINFER_SAMPLER", "0")
    main()
