"""vLLM layer integration without an engine: parameters, loading, TP slicing, bits, kernel choice.

vLLM's linear layers are built directly; the tensor-parallel rank and size are faked by patching
vLLM's getters, so TP=2 slicing is tested on one CPU process.
"""

from __future__ import annotations

import json

import pytest
import torch

pytest.importorskip("vllm")

import vllm.model_executor.layers.linear as vllm_linear  # noqa: E402
import vllm.model_executor.parameter as vllm_parameter  # noqa: E402

import vllm_anyprec  # noqa: E402
from vllm_anyprec import format as fmt  # noqa: E402
from vllm_anyprec import reference  # noqa: E402
from vllm_anyprec.format import FormatError  # noqa: E402
from vllm_anyprec.kernels import KERNELS, AnyPrecKernel, KernelSpec, choose_kernel  # noqa: E402
from vllm_anyprec.layers.config import AnyPrecQuantConfig  # noqa: E402
from vllm_anyprec.layers.linear import AnyPrecLinearMethod  # noqa: E402

from naive_anyprec import quantize_linear  # noqa: E402

HIDDEN, HEADS, KV_HEADS, HEAD = 128, 4, 2, 32
INTER = 256
PREFIX = "model.layers.0"


def make_config(scheme="uniform", w_bits=4, group_size=64, **extra) -> AnyPrecQuantConfig:
    d = dict(quant_method="anyprec", format_version=1, scheme=scheme, parent_bits=8, min_bits=3,
             group_size=group_size if scheme == "uniform" else -1, w_bits=w_bits, **extra)
    return AnyPrecQuantConfig.from_config(d)


@pytest.fixture(autouse=True)
def registered():
    vllm_anyprec.register()


@pytest.fixture
def tp(monkeypatch):
    """tp(rank, size): make vLLM's layers and parameters believe they run on that TP rank."""

    def set_tp(rank: int, size: int) -> None:
        for mod in (vllm_linear, vllm_parameter):
            monkeypatch.setattr(mod, "get_tensor_model_parallel_rank", lambda: rank)
            monkeypatch.setattr(mod, "get_tensor_model_parallel_world_size", lambda: size)

    set_tp(0, 1)
    return set_tp


def qkv_layer(qc):
    return vllm_linear.QKVParallelLinear(HIDDEN, HEAD, HEADS, KV_HEADS, bias=False,
                                         quant_config=qc, prefix=f"{PREFIX}.self_attn.qkv_proj")


def gate_up_layer(qc):
    return vllm_linear.MergedColumnParallelLinear(HIDDEN, [INTER, INTER], bias=False,
                                                  quant_config=qc,
                                                  prefix=f"{PREFIX}.mlp.gate_up_proj")


def down_layer(qc, bias=False):
    return vllm_linear.RowParallelLinear(INTER, HIDDEN, bias=bias, quant_config=qc,
                                         prefix=f"{PREFIX}.mlp.down_proj")


def checkpoint_tensors(qc, n, k, seed):
    """A checkpoint layer of n x k: its stored tensors and its dequantized b-bit weight."""
    cfg = qc.served_config()
    w = torch.randn(n, k, generator=torch.Generator().manual_seed(seed)) * 0.05
    t = quantize_linear(w, cfg.scheme, cfg.parent_bits, cfg.min_bits, cfg.group_size)
    b, i = cfg.w_bits, cfg.w_bits - cfg.min_bits
    if cfg.scheme == "uniform":
        wb = reference.dequant_uniform(t["qweight"], t["scales"][i], t["zeros"][i], b,
                                       cfg.group_size, k)
    else:
        wb = reference.dequant_lut(t["qweight"], reference.select_lut(t["lut"], b, cfg.min_bits),
                                   b, k)
    return t, wb


def load(layer, tensors, shard=None):
    for suffix, t in tensors.items():
        param = getattr(layer, suffix)
        if shard is None:
            param.weight_loader(param, t)
        else:
            param.weight_loader(param, t, shard)


def check_matmul(layer, w_expected, bias=None):
    x = torch.randn(5, w_expected.shape[1], generator=torch.Generator().manual_seed(7))
    got = layer.quant_method.apply(layer, x, bias)
    want = reference.matmul(x, w_expected, bias)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


# --- create_weights -----------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["uniform", "lut"])
def test_create_weights_shapes(tp, scheme):
    qc = make_config(scheme)
    qkv, gu, down = qkv_layer(qc), gate_up_layer(qc), down_layer(qc)
    n_qkv = (HEADS + 2 * KV_HEADS) * HEAD
    assert qkv.qweight.shape == (8, n_qkv, HIDDEN // 32)
    assert gu.qweight.shape == (8, 2 * INTER, HIDDEN // 32)
    assert down.qweight.shape == (8, HIDDEN, INTER // 32)
    if scheme == "uniform":
        assert qkv.scales.shape == qkv.zeros.shape == (6, n_qkv, HIDDEN // 64)
        assert down.scales.shape == (6, HIDDEN, INTER // 64)
        assert isinstance(down.scales, vllm_parameter.GroupQuantScaleParameter)
    else:
        assert qkv.lut.shape == (n_qkv, 2 ** 9 - 2 ** 3)
        assert isinstance(down.lut, vllm_parameter.ChannelQuantScaleParameter)
    assert isinstance(qkv.quant_method, AnyPrecLinearMethod)
    assert qkv.qweight.packed_factor == 32 and qkv.qweight.packed_dim == 2
    assert "AnyPrecLinearMethod" in vllm_linear.WEIGHT_LOADER_V2_SUPPORTED


def test_create_weights_tp2_shapes(tp):
    tp(1, 2)
    qc = make_config()
    qkv, down = qkv_layer(qc), down_layer(qc)
    assert qkv.qweight.shape == (8, (HEADS + 2 * KV_HEADS) * HEAD // 2, HIDDEN // 32)
    assert down.qweight.shape == (8, HIDDEN, INTER // 2 // 32)
    assert down.scales.shape == (6, HIDDEN, INTER // 2 // 64)


def test_tp_split_that_breaks_words_is_refused(tp):
    tp(0, 2)
    qc = make_config(group_size=32)
    with pytest.raises(ValueError, match=r"down_proj: tensor parallelism gives each rank K=80"):
        vllm_linear.RowParallelLinear(160, HIDDEN, bias=False, quant_config=qc,
                                      prefix=f"{PREFIX}.mlp.down_proj")


# --- loading, narrowing, apply ------------------------------------------------------------------
@pytest.mark.parametrize("scheme,bits", [("uniform", 4), ("uniform", 8), ("lut", 3)])
def test_fused_layers_load_and_match_reference(tp, scheme, bits):
    qc = make_config(scheme, w_bits=bits)
    qkv, gu = qkv_layer(qc), gate_up_layer(qc)
    ws = []
    for i, (shard, n) in enumerate([("q", HEADS * HEAD), ("k", KV_HEADS * HEAD),
                                    ("v", KV_HEADS * HEAD)]):
        t, w = checkpoint_tensors(qc, n, HIDDEN, seed=i)
        load(qkv, t, shard)
        ws.append(w)
    wg = []
    for shard in (0, 1):
        t, w = checkpoint_tensors(qc, INTER, HIDDEN, seed=10 + shard)
        load(gu, t, shard)
        wg.append(w)
    for layer in (qkv, gu):
        layer.quant_method.process_weights_after_loading(layer)
    # Narrowed once: only the planes and tables of the served precision remain.
    assert qkv.qweight.shape[0] == bits
    if scheme == "uniform":
        assert qkv.scales.shape == (sum(w.shape[0] for w in ws), HIDDEN // 64)
    else:
        assert qkv.lut.shape[1] == 2 ** bits
    check_matmul(qkv, torch.cat(ws))
    check_matmul(gu, torch.cat(wg))


@pytest.mark.parametrize("scheme", ["uniform", "lut"])
def test_tp2_rank1_slices(tp, scheme):
    tp(1, 2)
    qc = make_config(scheme, w_bits=5)
    qkv, down = qkv_layer(qc), down_layer(qc, bias=True)
    parts = []
    for i, (shard, heads) in enumerate([("q", HEADS), ("k", KV_HEADS), ("v", KV_HEADS)]):
        t, w = checkpoint_tensors(qc, heads * HEAD, HIDDEN, seed=i)
        load(qkv, t, shard)
        half = heads * HEAD // 2
        parts.append(w[half:])  # rank 1 holds the second half of the heads
    t, w = checkpoint_tensors(qc, HIDDEN, INTER, seed=5)
    load(down, t)
    for layer in (qkv, down):
        layer.quant_method.process_weights_after_loading(layer)
    check_matmul(qkv, torch.cat(parts))
    check_matmul(down, w[:, INTER // 2:], bias=torch.full((HIDDEN,), 0.5))


def test_missing_shard_names_the_checkpoint_tensor(tp):
    qc = make_config()
    qkv = qkv_layer(qc)
    for i, shard in enumerate(["q", "k"]):
        t, _ = checkpoint_tensors(qc, (HEADS if shard == "q" else KV_HEADS) * HEAD, HIDDEN, i)
        load(qkv, t, shard)
    t, _ = checkpoint_tensors(qc, KV_HEADS * HEAD, HIDDEN, 2)
    del t["scales"]
    load(qkv, t, "v")
    with pytest.raises(FormatError, match=r"^model\.layers\.0\.self_attn\.v_proj\.scales: "
                                          r"missing from the checkpoint"):
        qkv.quant_method.process_weights_after_loading(qkv)


def test_layer_without_tensors_when_others_loaded_is_an_error(tp):
    qc = make_config()
    down, gu = down_layer(qc), gate_up_layer(qc)
    t, _ = checkpoint_tensors(qc, HIDDEN, INTER, 0)
    load(down, t)
    down.quant_method.process_weights_after_loading(down)
    with pytest.raises(FormatError, match=r"mlp\.gate_proj\.qweight: missing from the checkpoint"):
        gu.quant_method.process_weights_after_loading(gu)


def test_dummy_load_gives_valid_finite_weights(tp):
    for scheme in ("uniform", "lut"):
        qc = make_config(scheme)
        down = down_layer(qc)
        for name in fmt.TENSOR_SUFFIXES[scheme]:  # what vLLM's dummy loader may leave behind
            getattr(down, name).data.zero_()
        down.quant_method.process_weights_after_loading(down)
        if scheme == "uniform":
            assert (down.scales != 0).all()
        x = torch.randn(3, INTER)
        y = down.quant_method.apply(down, x)
        assert torch.isfinite(y).all() and y.abs().max() > 0


@pytest.mark.parametrize("bad,match", [
    ("shape", r"^model\.layers\.0\.mlp\.up_proj\.qweight: expected shape \[8, 256, 4\], "
              r"got \[8, 256, 3\]"),
    ("dtype", r"^model\.layers\.0\.mlp\.up_proj\.scales: expected dtype torch\.float16, "
              r"got torch\.float32"),
])
def test_bad_tensor_is_named(tp, bad, match):
    qc = make_config()
    gu = gate_up_layer(qc)
    t, _ = checkpoint_tensors(qc, INTER, HIDDEN, 0)
    if bad == "shape":
        t["qweight"] = t["qweight"][..., :3]
    else:
        t["scales"] = t["scales"].float()
    with pytest.raises(FormatError, match=match):
        load(gu, t, 1)


def test_invalid_values_fail_validation(tp):
    qc = make_config()
    down = down_layer(qc)
    t, _ = checkpoint_tensors(qc, HIDDEN, INTER, 0)
    t["scales"][2, 5, 1] = 0
    load(down, t)
    with pytest.raises(FormatError, match=r"down_proj\.scales: expected non-zero scales"):
        down.quant_method.process_weights_after_loading(down)


def test_apply_compiles_without_graph_break(tp):
    qc = make_config("lut", w_bits=4)
    down = down_layer(qc, bias=True)
    t, w = checkpoint_tensors(qc, HIDDEN, INTER, 0)
    load(down, t)
    down.bias.data.fill_(0.25)
    down.quant_method.process_weights_after_loading(down)
    fn = torch.compile(lambda x: down.quant_method.apply(down, x, down.bias), fullgraph=True,
                       backend="aot_eager")
    x = torch.randn(4, INTER)
    torch.testing.assert_close(fn(x), reference.matmul(x, w, down.bias), rtol=1e-5, atol=1e-5)


# --- precision override -------------------------------------------------------------------------
def test_partial_override_merges_with_checkpoint(tmp_path):
    stored = make_config(w_bits=8).served_config().to_dict()
    (tmp_path / "config.json").write_text(json.dumps({"quantization_config": stored}))
    # What vLLM hands over after hf_overrides={"quantization_config": {"w_bits": 3}}.
    partial = {"w_bits": 3, "quant_method": ""}
    assert AnyPrecQuantConfig.override_quantization_method(partial, None) == "anyprec"
    assert AnyPrecQuantConfig.override_quantization_method(stored, "anyprec") is None
    assert AnyPrecQuantConfig.override_quantization_method({"quant_method": "gptq"}, None) is None
    qc = AnyPrecQuantConfig.from_config(partial)
    with pytest.raises(FormatError, match="never merged"):
        qc.served_config()
    qc.maybe_update_config(str(tmp_path))
    assert qc.served_config() == fmt.AnyPrecConfig.from_dict(stored).with_bits(3)


def test_override_out_of_range_is_one_clear_line(tmp_path):
    stored = make_config(w_bits=8).served_config().to_dict()
    (tmp_path / "config.json").write_text(json.dumps({"quantization_config": stored}))
    qc = AnyPrecQuantConfig.from_config({"w_bits": 2, "quant_method": ""})
    with pytest.raises(FormatError) as e:
        qc.maybe_update_config(str(tmp_path))
    assert str(e.value) == "quantization_config.w_bits: expected 3..8 (stored bits), got 2"
    with pytest.raises(FormatError, match="w_bits: expected an integer"):
        AnyPrecQuantConfig.from_config({"w_bits": "4", "quant_method": ""})


def test_full_block_override_and_stored_default():
    assert make_config(w_bits=6).served_config().w_bits == 6
    with pytest.raises(FormatError, match=r"w_bits: expected 3\.\.8"):
        make_config(w_bits=9)


def test_compile_cache_key_follows_the_override(tmp_path):
    """vLLM reuses compiled graphs by config hash: a different precision must change it."""
    from vllm.engine.arg_utils import EngineArgs

    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
              "intermediate_size": 128, "num_attention_heads": 2, "num_key_value_heads": 2,
              "num_hidden_layers": 1, "vocab_size": 256, "max_position_embeddings": 128,
              "torch_dtype": "float32",
              "quantization_config": make_config(w_bits=8).served_config().to_dict()}
    (tmp_path / "config.json").write_text(json.dumps(config))

    def engine_config(**kw):
        return EngineArgs(model=str(tmp_path), skip_tokenizer_init=True, dtype="float32",
                          max_model_len=128, **kw).create_engine_config()

    base = engine_config()
    four = engine_config(hf_overrides={"quantization_config": {"w_bits": 4}})
    assert base.quant_config.served_config().w_bits == 8
    assert four.quant_config.served_config().w_bits == 4
    assert four.model_config.quantization == "anyprec"
    assert base.compute_hash() != four.compute_hash()


# --- get_quant_method ---------------------------------------------------------------------------
def test_quant_method_per_layer_kind(tp):
    qc = make_config(modules_to_not_convert=["lm_head", "gate_proj", "up_proj"])
    assert isinstance(qkv_layer(qc).quant_method, AnyPrecLinearMethod)
    # Skipped by the checkpoint: the fused vLLM layer stays unquantized.
    assert isinstance(gate_up_layer(qc).quant_method, vllm_linear.UnquantizedLinearMethod)
    assert qc.get_quant_method(torch.nn.Linear(2, 2), "lm_head") is None
    mixed = make_config(modules_to_not_convert=["lm_head", "k_proj"])
    with pytest.raises(FormatError, match="quantizes only some of them"):
        qkv_layer(mixed)


# --- kernel choice ------------------------------------------------------------------------------
SPEC = KernelSpec(scheme="uniform", bits=4, group_size=128, in_features=256, out_features=64,
                  act_dtype=torch.float16, device_type="cpu")


class _FakeFastKernel(AnyPrecKernel):
    name = "fake_fast"

    @classmethod
    def can_implement(cls, spec):
        return (True, None) if spec.bits == 4 else (False, f"bits={spec.bits} is not 4")


def test_reference_is_the_fallback(monkeypatch):
    monkeypatch.delenv("VLLM_ANYPREC_DISABLED_KERNELS", raising=False)
    assert choose_kernel(SPEC).name == "reference"


def test_priority_list_and_env_disable(monkeypatch):
    monkeypatch.setattr("vllm_anyprec.kernels.choose.KERNELS", [*KERNELS, _FakeFastKernel])
    monkeypatch.delenv("VLLM_ANYPREC_DISABLED_KERNELS", raising=False)
    assert choose_kernel(SPEC).name == "fake_fast"
    assert choose_kernel(KernelSpec(**{**SPEC.__dict__, "bits": 3})).name == "reference"
    monkeypatch.setenv("VLLM_ANYPREC_DISABLED_KERNELS", "fake_fast")
    assert choose_kernel(SPEC).name == "reference"
    monkeypatch.setenv("VLLM_ANYPREC_DISABLED_KERNELS", "fake_fast, reference")
    with pytest.raises(ValueError) as e:
        choose_kernel(SPEC)
    assert "fake_fast: disabled by VLLM_ANYPREC_DISABLED_KERNELS" in str(e.value)
    assert "reference: disabled by VLLM_ANYPREC_DISABLED_KERNELS" in str(e.value)
    monkeypatch.setenv("VLLM_ANYPREC_DISABLED_KERNELS", "reference")
    with pytest.raises(ValueError, match=r"fake_fast: bits=3 is not 4"):
        choose_kernel(KernelSpec(**{**SPEC.__dict__, "bits": 3}))
