"""Perplexity evaluation (vllm_anyprec/eval): protocol, vLLM vs HF agreement, report writers."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import pytest

from vllm_anyprec.eval import ppl, report

SEQ_LEN = 512
PPL_TOKENS = 2 * SEQ_LEN  # 1022 scored tokens
PPL_RTOL = 0.01
# fp32 in vLLM: on CPU it scores ~2x faster than fp16 (no native fp16 GEMM) and agrees with HF
# fp32 to ~1e-6; the fp16 path (dtype auto) agreed within 0.02% when checked by hand.
DTYPE = "float32"
REF_PPL_FIRST_WINDOW = 11.79  # ASSETS.md: HF fp32, first 512-token window of the wiki sample
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(scope="module")
def windows(smollm2_dir, wiki_text_path):
    text, source = ppl.load_text()
    assert source == ppl.WIKI_SAMPLE
    ids = ppl.tokenize(smollm2_dir, text[:20_000])
    return ppl.make_windows(ids, SEQ_LEN, PPL_TOKENS)


@pytest.fixture(scope="module")
def hf_nll(smollm2_dir, windows):
    """Per-window (NLL sum, tokens) from the HF fp32 backend; one model load for the module."""
    target = ppl.baseline_target(smollm2_dir)
    model = ppl.load_hf(target)
    import torch

    out = []
    with torch.inference_mode():
        for w in windows:
            x = torch.tensor([w])
            logits = model(x).logits[0, :-1].float()
            nll = torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum").item()
            out.append((nll, len(w) - 1))
    return out


def test_hf_first_window_matches_reference(hf_nll):
    nll, n = hf_nll[0]
    assert n == SEQ_LEN - 1
    assert math.exp(nll / n) == pytest.approx(REF_PPL_FIRST_WINDOW, rel=0.005)


def test_vllm_ppl_matches_hf(smollm2_dir, windows, hf_nll, monkeypatch):
    pytest.importorskip("vllm")
    monkeypatch.setenv("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    target = ppl.baseline_target(smollm2_dir)
    # One engine for the module: evaluate() builds it, scores every window, then tears it down.
    row = ppl.evaluate(target, windows, "vllm", ppl.WIKI_SAMPLE, dtype=DTYPE,
                       enforce_eager=True, progress=False)
    want = math.exp(sum(n for n, _ in hf_nll) / sum(t for _, t in hf_nll))
    print(f"\nvLLM PPL {row.ppl:.4f} ({row.dtype}), HF fp32 PPL {want:.4f}, "
          f"engine start {row.load_seconds:.1f} s, scoring {row.seconds:.1f} s")
    assert row.tokens == len(windows) * (SEQ_LEN - 1) >= 1000
    assert row.ppl == pytest.approx(want, rel=PPL_RTOL)


def test_make_windows_drops_partial_and_caps():
    ids = list(range(1000))
    w = ppl.make_windows(ids, 300, 950)
    assert w == [ids[0:300], ids[300:600], ids[600:900]]
    with pytest.raises(ppl.EvalInputError, match="at least one window of seq_len=512"):
        ppl.make_windows(ids, 512, 500)


def test_engine_kwargs_for_bits(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text(json.dumps({"model_type": "llama"}))
    assert ppl.engine_kwargs_for_bits(plain, 4) == {}

    qcfg = {"quant_method": "anyprec", "format_version": 1, "scheme": "uniform",
            "parent_bits": 8, "min_bits": 3, "group_size": 128, "w_bits": 8}
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text(json.dumps({"quantization_config": qcfg}))
    got = ppl.engine_kwargs_for_bits(ckpt, 4)
    assert got == {"hf_overrides": {"quantization_config": {**qcfg, "w_bits": 4}}}
    targets = ppl.quantized_targets(ckpt, None)
    assert [t.bits for t in targets] == [3, 4, 5, 6, 7, 8]
    assert targets[0].label == "uniform g128"
    with pytest.raises(ppl.EvalInputError, match=r"w_bits \[2\] not stored.*3\.\.8"):
        ppl.quantized_targets(ckpt, [2, 4])
    with pytest.raises(ppl.EvalInputError, match="pass it as --quantized"):
        ppl.baseline_target(ckpt)


def test_text_sources(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("hello world\n")
    assert ppl.load_text(text_file=f) == ("hello world\n", "file t.txt")
    f.write_text("  \n")
    with pytest.raises(ppl.EvalInputError, match="empty"):
        ppl.load_text(text_file=f)
    with pytest.raises(ppl.EvalInputError, match="not found"):
        ppl.load_text(text_file=tmp_path / "missing.txt")


def _row(label, bits, value, scheme):
    return ppl.PplResult(label=label, bits=bits, ppl=value, tokens=1022, seconds=2.0,
                         tokens_per_s=511.0, load_seconds=1.0, model="/m", scheme=scheme,
                         backend="vllm", text_source=ppl.WIKI_SAMPLE, seq_len=512,
                         dtype="float16")


def test_report_writers(tmp_path):
    rows = [_row("fp16", 16, 14.02, "none"), _row("uniform g128", 4, 15.5, "uniform"),
            _row("uniform g128", 3, 40.25, "uniform")]
    report.write_json(rows, tmp_path / "out" / "r.json")
    data = json.loads((tmp_path / "out" / "r.json").read_text())
    assert len(data) == 3
    expected = {"label", "bits", "ppl", "tokens", "seconds", "tokens_per_s", "model", "scheme",
                "backend", "text_source"}
    assert expected <= set(data[0])
    assert data[2]["ppl"] == 40.25 and data[2]["text_source"] == "wiki sample"
    assert report.read_json(tmp_path / "out" / "r.json") == rows

    table = report.format_table(rows).splitlines()
    assert table[0].split() == ["label", "bits", "PPL", "tokens", "seconds", "tokens/s"]
    assert table[4].split() == ["uniform", "g128", "3", "40.250", "1022", "2.0", "511.0"]

    report.plot(rows, tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_sends_vllm_logs_to_stderr_and_restores_the_environment(quiet, monkeypatch):
    """vLLM logs to stdout unless told otherwise; main_job.sh keeps the script's stdout as the
    results file, so the script sends them to stderr (and with --quiet keeps only warnings) for
    its own run, then restores the variables for the caller."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import ppl_wikitext

    monkeypatch.delenv("VLLM_LOGGING_STREAM", raising=False)
    monkeypatch.setenv("VLLM_LOGGING_LEVEL", "DEBUG")  # the caller's choice wins, and stays
    seen = {}

    def fake_run(args):
        seen.update({k: os.environ.get(k) for k in ("VLLM_LOGGING_STREAM", "VLLM_LOGGING_LEVEL")})
        return 0

    monkeypatch.setattr(ppl_wikitext, "_run", fake_run)
    assert ppl_wikitext.main(["--model", "m"] + (["--quiet"] if quiet else [])) == 0
    assert seen == {"VLLM_LOGGING_STREAM": "ext://sys.stderr", "VLLM_LOGGING_LEVEL": "DEBUG"}
    assert "VLLM_LOGGING_STREAM" not in os.environ
    assert os.environ["VLLM_LOGGING_LEVEL"] == "DEBUG"
    monkeypatch.delenv("VLLM_LOGGING_LEVEL")
    assert ppl_wikitext.main(["--model", "m"] + (["--quiet"] if quiet else [])) == 0
    assert seen["VLLM_LOGGING_LEVEL"] == ("WARNING" if quiet else None)
    assert "VLLM_LOGGING_LEVEL" not in os.environ
    sys.modules.pop("ppl_wikitext", None)


def test_cli_hf_backend_end_to_end(smollm2_dir, tmp_path, monkeypatch, capsys):
    """The CLI plumbing on a tiny run: 2 windows of 64 tokens through the HF backend."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import ppl_wikitext

    out = tmp_path / "r.json"
    rc = ppl_wikitext.main(["--model", str(smollm2_dir), "--backend", "hf", "--seq-len", "64",
                            "--max-tokens", "150", "--json", str(out), "--quiet"])
    assert rc == 0
    (row,) = json.loads(out.read_text())
    assert (row["label"], row["bits"], row["tokens"], row["backend"]) == ("fp16", 16, 126, "hf")
    assert 2 < row["ppl"] < 200
    assert "fp16" in capsys.readouterr().out

    rc = ppl_wikitext.main(["--model", str(smollm2_dir), "--seq-len", "1"])
    assert rc == 2
    assert "seq_len: expected >= 2, got 1" in capsys.readouterr().err
    sys.modules.pop("ppl_wikitext", None)
