"""A tiny random Llama (HF safetensors dir) and its anyprec checkpoints, for fast tests.

Shapes are chosen to exercise the format's corners: hidden 96 (one ragged group of 128, whole
int32 words), intermediate 200 (down_proj's K = 200: padding bits in the last word and a ragged
last group), head_dim 32, GQA (3 heads, 1 KV head), tied embeddings like SmolLM2.

    from tiny_llama import write_tiny_llama, tiny_anyprec
    src = write_tiny_llama(tmp_path / "tiny")
    ckpt = tiny_anyprec(src, tmp_path / "tiny-uniform", "uniform")
"""

from __future__ import annotations

from pathlib import Path

import torch

TINY = dict(hidden_size=96, intermediate_size=200, num_hidden_layers=2, num_attention_heads=3,
            num_key_value_heads=1, vocab_size=256, max_position_embeddings=256,
            tie_word_embeddings=True)


def write_tiny_llama(path: str | Path, seed: int = 0, **overrides) -> Path:
    """Write a random fp16 Llama with ``TINY`` shapes (or ``overrides``) to ``path``."""
    from transformers import AutoModelForCausalLM, LlamaConfig

    path = Path(path)
    torch.manual_seed(seed)
    cfg = LlamaConfig(**{**TINY, **overrides})
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    with torch.no_grad():
        for p in model.parameters():
            # Spread like a trained model's weights (std 0.02) rather than the init's zeros/ones.
            p.normal_(0.0, 0.02) if p.dim() > 1 else p.uniform_(0.8, 1.2)
    model.to(torch.float16).save_pretrained(path, safe_serialization=True)
    return path


def tiny_anyprec(src: str | Path, out: str | Path, scheme: str = "uniform", **kw) -> Path:
    """Quantize a tiny model dir (no tokenizer, so no calibration) into an anyprec checkpoint."""
    from vllm_anyprec.quantize.convert import quantize_model

    kw = {"parent_bits": 8, "min_bits": 3, "w_bits": 4, "calibration": None, "progress": False,
          "group_size": 128 if scheme == "uniform" else -1, **kw}
    return quantize_model(src, out, scheme=scheme, **kw)
