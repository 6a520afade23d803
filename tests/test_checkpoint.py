"""Checkpoint writing and validation: every malformed case fails naming the culprit."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from vllm_anyprec.checkpoint import read_layer, validate_checkpoint, write_checkpoint
from vllm_anyprec.format import AnyPrecConfig, FormatError
from vllm_anyprec.quantize.convert import quantize_linear

P = "model.layers.0.mlp.down_proj"
N, K = 6, 70  # K not a multiple of 32 (padding) nor of the group size (ragged group)


def _write(tmp_path, scheme="uniform", mutate=None, cfg_mutate=None):
    cfg = AnyPrecConfig(scheme, 8, 3, 32 if scheme == "uniform" else -1, 4)
    w = torch.randn(N, K, generator=torch.Generator().manual_seed(0))
    tensors = {f"{P}.{s}": t for s, t in quantize_linear(w, cfg).items()}
    tensors["model.norm.weight"] = torch.ones(K, dtype=torch.float16)
    out = write_checkpoint(tmp_path / "ckpt", tensors, {"model_type": "llama"}, cfg, {P: (N, K)})
    if mutate is not None:
        f = out / "model.safetensors"
        from safetensors import safe_open

        with safe_open(str(f), framework="pt") as fh:
            meta = fh.metadata()
        state = load_file(f)
        mutate(state)
        save_file(state, str(f), metadata=meta)
    if cfg_mutate is not None:
        c = json.loads((out / "config.json").read_text())
        cfg_mutate(c["quantization_config"])
        (out / "config.json").write_text(json.dumps(c))
    return out


@pytest.mark.parametrize("scheme", ["uniform", "lut"])
def test_valid_checkpoint_round_trips(tmp_path, scheme):
    out = _write(tmp_path, scheme)
    cfg = validate_checkpoint(out)
    assert cfg.scheme == scheme and cfg.w_bits == 4
    assert not list(tmp_path.glob(".ckpt.*")), "temp dir left behind"


def test_existing_output_is_refused(tmp_path):
    _write(tmp_path)
    with pytest.raises(FileExistsError, match="already exists"):
        _write(tmp_path)


def _set(name, value):
    def f(state):
        state[name] = value
    return f


def _del(name):
    return lambda state: state.pop(name)


def _flip_padding(state):
    q = state[f"{P}.qweight"].clone()
    q[0, 0, -1] |= 1 << 31  # bit of column 95 >= K=70
    state[f"{P}.qweight"] = q


BAD_TENSORS = [
    (_del(f"{P}.scales"), rf"{P}\.scales: missing"),
    (_set(f"{P}.qweight", torch.zeros(8, N, 3, dtype=torch.int64)),
     rf"{P}\.qweight: expected dtype torch\.int32, got torch\.int64"),
    (_set(f"{P}.qweight", torch.zeros(7, N, 3, dtype=torch.int32)),
     rf"{P}\.qweight: expected shape \[8, 6, 3\], got \[7, 6, 3\]"),
    (_set(f"{P}.zeros", torch.full((6, N, 3), float("nan"), dtype=torch.float16)),
     rf"{P}\.zeros: expected finite values"),
    (_set(f"{P}.scales", torch.zeros(6, N, 3, dtype=torch.float16)),
     rf"{P}\.scales: expected non-zero scales"),
    (_set(f"{P}.scales", torch.full((6, N, 3), float("inf"), dtype=torch.float16)),
     rf"{P}\.scales: expected finite values"),
    (_set(f"{P}.scales", torch.ones(6, N, 3, dtype=torch.float32)),
     rf"{P}\.scales: expected dtype torch\.float16, got torch\.float32"),
    (_set(f"{P}.zeros", torch.zeros(6, N, 2, dtype=torch.float16)),
     rf"{P}\.zeros: expected shape \[6, 6, 3\], got \[6, 6, 2\]"),
    (_del(f"{P}.qweight"), rf"{P}\.qweight: missing"),
    (_set("model.layers.1.mlp.up_proj.scales", torch.ones(6, 2, 1, dtype=torch.float16)),
     r"model\.layers\.1\.mlp\.up_proj\.scales: quantized tensor of a layer missing from the "
     r"anyprec_layers metadata"),
    (_set(f"{P}.lut", torch.ones(N, 504, dtype=torch.float16)),
     rf"{P}\.lut: unexpected tensor for a uniform layer"),
    (_flip_padding, rf"{P}\.qweight: expected zero padding bits past K=70"),
    (_set(f"{P}.weight", torch.zeros(N, K, dtype=torch.float16)),
     rf"{P}\.weight: expected absent"),
]


@pytest.mark.parametrize("mutate,message", BAD_TENSORS)
def test_malformed_tensors(tmp_path, mutate, message):
    out = _write(tmp_path, mutate=mutate)
    with pytest.raises(FormatError, match=message):
        validate_checkpoint(out)


def test_lut_wrong_width(tmp_path):
    out = _write(tmp_path, "lut", mutate=_set(f"{P}.lut", torch.zeros(N, 100).half()))
    with pytest.raises(FormatError, match=rf"{P}\.lut: expected shape \[6, 504\], got \[6, 100\]"):
        validate_checkpoint(out)


BAD_CONFIGS = [
    (lambda c: c.update(scheme="gptq"), r"scheme: expected uniform or lut, got 'gptq'"),
    (lambda c: c.update(parent_bits=9), r"parent_bits: expected 2\.\.8, got 9"),
    (lambda c: c.update(min_bits=1), r"min_bits: expected 2\.\.parent_bits=8, got 1"),
    (lambda c: c.update(w_bits=2), r"w_bits: expected 3\.\.8 \(stored bits\), got 2"),
    (lambda c: c.update(group_size=100), r"group_size: expected -1 or a positive multiple of 32"),
    (lambda c: c.update(format_version=2), r"format_version: expected 1, got 2"),
    (lambda c: c.update(quant_method="awq"), r"quant_method: expected 'anyprec', got 'awq'"),
    (lambda c: c.pop("parent_bits"), r"missing key\(s\) \['parent_bits'\]"),
]


@pytest.mark.parametrize("cfg_mutate,message", BAD_CONFIGS)
def test_malformed_config(tmp_path, cfg_mutate, message):
    out = _write(tmp_path, cfg_mutate=cfg_mutate)
    with pytest.raises(FormatError, match=message):
        validate_checkpoint(out)


def _rewrite_metadata(out, **changes):
    from safetensors import safe_open

    f = out / "model.safetensors"
    with safe_open(str(f), framework="pt") as fh:
        meta = dict(fh.metadata())
    meta.update(changes)
    meta = {k: v for k, v in meta.items() if v is not None}
    save_file(load_file(f), str(f), metadata=meta)


@pytest.mark.parametrize("changes,message", [
    ({"anyprec_format_version": "2"}, r"'anyprec_format_version': expected '1', got '2'"),
    ({"anyprec_format_version": None}, r"'anyprec_format_version': expected '1', got None"),
    ({"anyprec_layers": None}, r"expected safetensors metadata key 'anyprec_layers'"),
    ({"anyprec_layers": "{oops"}, r"'anyprec_layers': expected JSON"),
    ({"anyprec_layers": json.dumps({P: [N]})}, rf"'anyprec_layers'\[\'{P}\'\]: expected \[N, K\]"
     r" positive integers, got \[6\]"),
])
def test_malformed_metadata(tmp_path, changes, message):
    out = _write(tmp_path)
    _rewrite_metadata(out, **changes)
    with pytest.raises(FormatError, match=message):
        validate_checkpoint(out)


def test_read_layer_returns_one_layers_tensors(tmp_path):
    out = _write(tmp_path)
    assert sorted(read_layer(out, P)) == ["qweight", "scales", "zeros"]
    with pytest.raises(FormatError, match="model.layers.9.mlp.up_proj: no tensors"):
        read_layer(out, "model.layers.9.mlp.up_proj")


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_write_is_atomic(tmp_path, monkeypatch, exc):
    """An error (or Ctrl-C) while writing leaves neither the output nor a temp dir behind."""
    import vllm_anyprec.checkpoint as ckpt

    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(ckpt, "save_file", boom)
    with pytest.raises(type(exc)):
        _write(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_whole_dir(tmp_path):
    out = _write(tmp_path)
    (out / "stale.txt").write_text("old")
    cfg = AnyPrecConfig("lut", 8, 3, -1, 4)
    w = torch.randn(N, K, generator=torch.Generator().manual_seed(1))
    tensors = {f"{P}.{s}": t for s, t in quantize_linear(w, cfg).items()}
    write_checkpoint(out, tensors, {"model_type": "llama"}, cfg, {P: (N, K)}, overwrite=True)
    assert not (out / "stale.txt").exists()
    assert validate_checkpoint(out).scheme == "lut"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_sharded_checkpoint_validates(tmp_path, monkeypatch):
    import vllm_anyprec.checkpoint as ckpt

    monkeypatch.setattr(ckpt, "SHARD_BYTES", 256)  # force one shard per tensor or two
    out = _write(tmp_path)
    shards = sorted(out.glob("*.safetensors"))
    assert len(shards) > 1
    index = json.loads((out / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == {p.name for p in shards}
    assert validate_checkpoint(out).scheme == "uniform"
    # A shard that lost a tensor its index promises is named.
    name = next(n for n, f in index["weight_map"].items() if n.endswith(".scales"))
    f = out / index["weight_map"][name]
    from safetensors import safe_open

    with safe_open(str(f), framework="pt") as fh:
        meta = fh.metadata()
    state = load_file(f)
    state.pop(name)
    state["dummy"] = torch.zeros(1)
    save_file(state, str(f), metadata=meta)
    with pytest.raises(FormatError, match=rf"{name}: expected in {f.name}, not there"):
        validate_checkpoint(out)


# --- end to end on a tiny random Llama ------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tiny_llama import tiny_anyprec, write_tiny_llama

    root = tmp_path_factory.mktemp("tiny")
    src = write_tiny_llama(root / "src")
    return src, {s: tiny_anyprec(src, root / s, s) for s in ("uniform", "lut")}


@pytest.mark.parametrize("scheme", ["uniform", "lut"])
def test_tiny_model_quantizes_validates_and_loads(tiny, scheme):
    from vllm_anyprec.hf_loader import load_fake_quant_model, load_hf_model

    src, ckpts = tiny
    out = ckpts[scheme]
    cfg = validate_checkpoint(out)
    assert (cfg.scheme, cfg.parent_bits, cfg.min_bits, cfg.w_bits) == (scheme, 8, 3, 4)
    config = json.loads((out / "config.json").read_text())
    assert config["torch_dtype"] == "float16" and config["quantization_config"] == cfg.to_dict()
    from vllm_anyprec.checkpoint import read_layer_shapes

    shapes = read_layer_shapes(out)
    assert len(shapes) == 2 * 7 and shapes["model.layers.0.mlp.down_proj"] == (96, 200)
    x = torch.randint(0, 256, (1, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        fp = load_fake_quant_model(src, lambda w: w)(x).logits
        by_bits = {b: load_hf_model(out, b)(x).logits for b in cfg.supported_bits}
    err = {}
    for b, logits in by_bits.items():
        assert torch.isfinite(logits).all()
        err[b] = float((logits - fp).pow(2).mean() / fp.pow(2).mean())
    # More bits, closer to the unquantized model; 8 bits is close.
    assert err[8] < 1e-3 and all(err[b + 1] < err[b] for b in range(3, 8)), err


def test_tiny_model_rejects_non_finite_weights(tmp_path):
    from safetensors import safe_open
    from tiny_llama import tiny_anyprec, write_tiny_llama

    src = write_tiny_llama(tmp_path / "src")
    f = src / "model.safetensors"
    with safe_open(str(f), framework="pt") as fh:
        meta = fh.metadata()
    state = load_file(f)
    state["model.layers.1.self_attn.k_proj.weight"][0, 3] = float("nan")
    save_file(state, str(f), metadata=meta)
    with pytest.raises(FormatError, match=r"model\.layers\.1\.self_attn\.k_proj\.weight: expected "
                                          r"finite weights, found NaN or inf"):
        tiny_anyprec(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- scripts/quantize.py -------------------------------------------------------------------------
def _cli():
    import sys
    from pathlib import Path

    scripts = str(Path(__file__).resolve().parents[1] / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import quantize

    return quantize


def test_quantize_cli_writes_a_checkpoint(tiny, tmp_path, capsys):
    src, _ = tiny
    out = tmp_path / "cli"
    rc = _cli().main(["--model", str(src), "--out", str(out), "--scheme", "lut",
                      "--parent-bits", "6", "--min-bits", "4", "--w-bits", "5", "--no-calib"])
    assert rc == 0, capsys.readouterr().err
    cfg = validate_checkpoint(out)
    assert (cfg.scheme, cfg.parent_bits, cfg.min_bits, cfg.w_bits, cfg.group_size) == (
        "lut", 6, 4, 5, -1)


@pytest.mark.parametrize("args,message", [
    (["--model", "{tmp}/nope"], "config.json"),
    (["--model", "{tmp}/empty"], "expected *.safetensors files, found none"),
    (["--model", "{src}", "--out", "{tmp}/exists"], "already exists (use --force"),
    (["--model", "{src}", "--min-bits", "1"], "min_bits: expected 2..parent_bits=8, got 1"),
    (["--model", "{src}", "--parent-bits", "9"], "parent_bits: expected 2..8, got 9"),
    (["--model", "{src}", "--w-bits", "2"], "w_bits: expected 3..8 (stored bits), got 2"),
    (["--model", "{src}", "--group-size", "100"], "group_size: expected -1 or a positive multiple"),
    (["--model", "{src}"], "calibration needs the model's tokenizer"),
    (["--model", "{src}", "--calib-text", "{tmp}/none.txt"], "none.txt: file not found"),
    (["--model", "{src}", "--no-calib", "--calib-text", "{tmp}/x"], "exclude each other"),
    (["--from-snu", "{tmp}/nope"], "SNU any-precision-llm file, not found"),
])
def test_quantize_cli_errors_are_one_line(tiny, tmp_path, capsys, args, message):
    src, _ = tiny
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text("{}")
    (tmp_path / "exists").mkdir()
    args = [a.format(tmp=tmp_path, src=src) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "o")]
    assert _cli().main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not (tmp_path / "o").exists()


def test_quantize_cli_help_explains_every_flag():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "quantize.py"
    res = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0
    for flag in ("--model", "--out", "--scheme", "--parent-bits", "--min-bits", "--group-size",
                 "--w-bits", "--from-snu", "--calib-text", "--calib-tokens", "--no-calib",
                 "--force"):
        assert flag in res.stdout, flag
