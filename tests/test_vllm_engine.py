"""End to end through vLLM (CPU build): SmolLM2 anyprec checkpoints served at 3, 4 and 8 bits.

The oracle is the HF model holding the reference-dequantized b-bit weights (fp32). One engine per
(scheme, bits), created once for all tests that use it; engines run in this process
(``VLLM_ENABLE_V1_MULTIPROCESSING=0``). All run eager in fp32 (exact comparison) except one, which
runs the default torch.compile mode in bf16.
"""

from __future__ import annotations

import functools
import gc
import math
import time
from typing import NamedTuple

import pytest
import torch

pytest.importorskip("vllm")

from vllm_anyprec.hf_loader import load_hf_model  # noqa: E402

PROMPT = "The capital of France is"
GREEDY_TOKENS = 8
WINDOW = 512
PPL_TOKENS = 2 * WINDOW  # 1022 scored tokens
PPL_RTOL = 0.01


class Case(NamedTuple):
    scheme: str
    bits: int
    compiled: bool = False
    override: bool = True  # False: serve the checkpoint's own w_bits (8)
    dummy: bool = False  # load_format="dummy": random weights made valid by the plugin


U8 = Case("uniform", 8, override=False)
U4 = Case("uniform", 4, compiled=True)
U3 = Case("uniform", 3)
L8 = Case("lut", 8)
L4 = Case("lut", 4)
L3 = Case("lut", 3)
CASES = [U8, U3, U4, L8, L4, L3]
DUMMY = Case("uniform", 5, dummy=True)  # only for test_dummy_weights_generate


def case_id(c: Case) -> str:
    return (f"{c.scheme}-{c.bits}" + ("-compiled" if c.compiled else "")
            + ("-dummy" if c.dummy else ""))


@pytest.fixture(scope="module")
def vllm_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("vllm_engine")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        mp.setenv("VLLM_CACHE_ROOT", str(root / "vllm"))
        mp.setenv("TORCHINDUCTOR_CACHE_DIR", str(root / "inductor"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        # In-process engines would otherwise drop this process (and the HF oracle) to 1 thread.
        mp.setenv("OMP_NUM_THREADS", str(torch.get_num_threads()))
        yield
        _reset_vllm_process_state()


def _reset_vllm_process_state() -> None:
    import vllm.envs
    from vllm.distributed.parallel_state import (
        destroy_distributed_environment,
        destroy_model_parallel,
    )

    destroy_model_parallel()
    destroy_distributed_environment()
    vllm.envs.disable_envs_cache()  # an engine freezes env vars; the next one may differ
    gc.unfreeze()  # the engine moves its start-up heap to the permanent generation
    gc.collect()


class Engine(NamedTuple):
    case: Case
    llm: object
    ckpt: object
    start_s: float
    memo: dict  # results computed once per engine (its PPL)


@pytest.fixture(scope="module", params=CASES, ids=case_id)
def engine(request, vllm_env, anyprec_ckpt):
    from vllm import LLM

    case: Case = request.param
    ckpt = anyprec_ckpt(case.scheme)
    kwargs = {}
    if case.override:
        kwargs["hf_overrides"] = {"quantization_config": {"w_bits": case.bits}}
    if case.dummy:
        kwargs["load_format"] = "dummy"
    t0 = time.perf_counter()
    llm = LLM(model=str(ckpt), quantization="anyprec",
              dtype="bfloat16" if case.compiled else "float32", enforce_eager=not case.compiled,
              max_model_len=2 * WINDOW, kv_cache_memory_bytes=128 << 20, seed=0, **kwargs)
    yield Engine(case, llm, ckpt, time.perf_counter() - t0, {})
    llm.llm_engine.engine_core.shutdown()
    del llm
    _reset_vllm_process_state()


@pytest.fixture(scope="module")
def windows(wiki_text_path, anyprec_ckpt):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(anyprec_ckpt("uniform"))
    text = wiki_text_path.read_text(encoding="utf-8")[:40_000]
    ids = tok(text).input_ids[:PPL_TOKENS]
    assert len(ids) == PPL_TOKENS
    return [ids[i:i + WINDOW] for i in range(0, PPL_TOKENS, WINDOW)]


@functools.lru_cache(maxsize=None)
def hf_oracle_ppl(ckpt: str, bits: int, windows_key: tuple) -> float:
    model = load_hf_model(ckpt, bits)
    nll = []
    with torch.no_grad():
        for w in windows_key:
            logp = torch.log_softmax(model(torch.tensor([w])).logits[0].float(), dim=-1)
            nll += [-logp[i - 1, w[i]].item() for i in range(1, len(w))]
    return math.exp(sum(nll) / len(nll))


def engine_ppl(engine: Engine, windows_key: tuple) -> float:
    if windows_key not in engine.memo:
        engine.memo[windows_key] = _engine_ppl(engine.llm, windows_key)
    return engine.memo[windows_key]


def _engine_ppl(llm, windows_key: tuple) -> float:
    from vllm import SamplingParams

    params = SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
    outs = llm.generate([{"prompt_token_ids": list(w)} for w in windows_key], params,
                        use_tqdm=False)
    nll = []
    for w, out in zip(windows_key, outs):
        nll += [-out.prompt_logprobs[i][w[i]].logprob for i in range(1, len(w))]
    return math.exp(sum(nll) / len(nll))


def key(windows) -> tuple:
    return tuple(tuple(w) for w in windows)


def test_engine_ppl_matches_hf(engine, windows):
    got = engine_ppl(engine, key(windows))
    want = hf_oracle_ppl(str(engine.ckpt), engine.case.bits, key(windows))
    print(f"\n{case_id(engine.case)}: vLLM PPL {got:.4f}, HF PPL {want:.4f}, "
          f"engine start {engine.start_s:.1f} s")
    assert abs(got / want - 1) < PPL_RTOL, (got, want)


@pytest.mark.parametrize("engine", [U3, L3], indirect=True, ids=case_id)
def test_override_is_honoured(engine, windows):
    """3 bits is a different model from the checkpoint's default 8 bits."""
    low = engine_ppl(engine, key(windows))
    high = hf_oracle_ppl(str(engine.ckpt), 8, key(windows))
    assert low > high * 1.02, (low, high)


@pytest.mark.parametrize("engine", [U8], indirect=True, ids=case_id)
def test_greedy_tokens_match_hf(engine):
    from transformers import AutoTokenizer
    from vllm import SamplingParams

    out = engine.llm.generate([PROMPT], SamplingParams(max_tokens=GREEDY_TOKENS,
                                                       temperature=0.0), use_tqdm=False)
    got = list(out[0].outputs[0].token_ids)
    tok = AutoTokenizer.from_pretrained(engine.ckpt)
    ids = tok(PROMPT, return_tensors="pt").input_ids
    with torch.no_grad():
        want = load_hf_model(engine.ckpt, 8).generate(
            ids, max_new_tokens=GREEDY_TOKENS, do_sample=False)[0, ids.shape[1]:].tolist()
    print(f"\nvLLM {got} {out[0].outputs[0].text!r}\nHF   {want}")
    assert got == want
    assert "Paris" in out[0].outputs[0].text


@pytest.mark.parametrize("engine", [U4], indirect=True, ids=case_id)
def test_default_mode_compiles(engine):
    from vllm.compilation.counter import compilation_counter
    from vllm.config import CompilationMode

    config = engine.llm.llm_engine.vllm_config.compilation_config
    assert config.mode != CompilationMode.NONE
    # A fresh cache dir, so something was traced: piecewise graphs (GPU) or one AOT-compiled
    # function (CPU). vLLM traces with fullgraph=True: a graph break would have failed the start.
    c = compilation_counter
    assert c.num_models_seen > 0 and c.num_graphs_seen + c.num_aot_compiles > 0, c


@pytest.mark.parametrize("engine", [DUMMY], indirect=True, ids=case_id)
def test_dummy_weights_generate(engine):
    """Benchmarks load random weights: the plugin must turn them into a valid, finite model."""
    from vllm import SamplingParams

    out = engine.llm.generate([PROMPT], SamplingParams(max_tokens=4, temperature=0.0,
                                                       ignore_eos=True, logprobs=0),
                              use_tqdm=False)[0].outputs[0]
    assert len(out.token_ids) == 4
    assert all(math.isfinite(lp[t].logprob) for lp, t in zip(out.logprobs, out.token_ids))


def test_bits_outside_stored_range_fail_at_start(vllm_env, anyprec_ckpt):
    from vllm import LLM

    with pytest.raises(Exception, match=r"quantization_config\.w_bits: expected 3\.\.8 "
                                        r"\(stored bits\), got 2"):
        LLM(model=str(anyprec_ckpt("uniform")), quantization="anyprec", enforce_eager=True,
            hf_overrides={"quantization_config": {"w_bits": 2}})
