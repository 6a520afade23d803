"""scripts/bench_vllm.py (the end-to-end vLLM benchmark): its configurations, its arithmetic, and
a whole run on the CPU build of vLLM with the tiny preset (real engines, one process each)."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts/bench_vllm.py"
spec = importlib.util.spec_from_file_location("bench_vllm", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.parametrize("name,expected", [("fp16", ("fp16", None)), ("uniform3", ("uniform", 3)),
                                           ("lut8", ("lut", 8)), ("gptq4", ("gptq", 4))])
def test_parse_config(name, expected):
    assert bench.parse_config(name) == expected


@pytest.mark.parametrize("name,words", [("int4", "unknown configuration 'int4'"),
                                        ("gptq3", "gptq4 or gptq8, got 3"),
                                        ("uniform9", "b = 2..8, got 9"),
                                        ("lut1", "b = 2..8, got 1")])
def test_bad_config_is_one_clear_line(name, words, capsys):
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--configs", f"fp16,{name}"])
    err = capsys.readouterr().err
    assert words in err


@pytest.mark.parametrize("argv,words", [
    (["--configs", ","], "--configs: expected at least one configuration"),
    (["--configs", "fp16,uniform4,fp16"], "a configuration appears twice"),
    (["--batch-sizes", "1,0"], "expected positive integers"),
    (["--output-len", "1"], "--output-len: expected >= 2"),
    (["--iters", "0"], "--iters: expected >= 1, got 0"),
    (["--input-len", "0"], "--input-len: expected >= 1, got 0")])
def test_bad_flags_stop_before_any_engine(argv, words, capsys):
    with pytest.raises(SystemExit):
        bench.main(argv)
    assert words in capsys.readouterr().err


def test_anyprec_config_is_the_formats():
    from vllm_anyprec import format as fmt

    for name in ("uniform4", "lut3"):
        qc = bench.quantization_config(name)
        cfg = fmt.AnyPrecConfig.from_dict(qc)  # validates every key
        assert (cfg.scheme, cfg.w_bits, cfg.parent_bits) == (name[:-1], int(name[-1]), 8)
        assert cfg.group_size == (128 if name.startswith("uniform") else -1)
    assert bench.quantization_config("fp16") is None
    g = bench.quantization_config("gptq8")
    assert (g["bits"], g["group_size"], g["desc_act"]) == (8, 128, False)
    # vLLM's GPTQ quantizes only listed modules when no checkpoint names them (dummy weights).
    assert set(g["modules_in_block_to_quantize"][0]) >= {"self_attn.q_proj", "mlp.down_proj"}


def test_decode_rows():
    rows = bench.decode_rows({16: (0.030, 0.030 + 127 * 0.010), 1: (0.020, 0.020 + 127 * 0.008)},
                             128)
    assert [r["batch"] for r in rows] == [1, 16]
    assert rows[0]["tpot_ms"] == pytest.approx(8.0)
    assert rows[1]["decode_tok_s"] == pytest.approx(1600.0)
    assert rows[1]["prefill_ms"] == pytest.approx(30.0)


def test_decode_rows_without_a_decode_measurement(tmp_path):
    # Two medians that invert under load (the O-token run no slower than the 1-token run): no
    # TPOT, rather than a zero or negative one, and the table and plot skip it.
    rows = bench.decode_rows({1: (0.020, 0.019), 2: (0.020, 0.020), 4: (0.020, 0.026)}, 4)
    assert [(r["tpot_ms"], r["decode_tok_s"]) for r in rows[:2]] == [(None, None)] * 2
    assert rows[2]["tpot_ms"] == pytest.approx(2.0)
    results = [{"config": "fp16", "rows": rows}, {"config": "lut3", "rows": rows}]
    lines = bench.table_lines(results)
    assert lines[1].split()[3:] == ["-", "-", "-"] and lines[6].split()[-1] == "1.00"
    bench.plot(results, tmp_path / "p.png", "t")
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_table_speedup_against_fp16_at_the_same_batch():
    results = [{"config": "fp16", "rows": [{"batch": 1, "prefill_ms": 5, "tpot_ms": 8.0,
                                            "decode_tok_s": 125.0}]},
               {"config": "uniform4", "rows": [{"batch": 1, "prefill_ms": 6, "tpot_ms": 2.0,
                                                "decode_tok_s": 500.0},
                                               {"batch": 4, "prefill_ms": 7, "tpot_ms": 2.5,
                                                "decode_tok_s": 1600.0}]}]
    lines = bench.table_lines(results)
    assert lines[2].split()[-1] == "4.00"  # 8.0 / 2.0
    assert lines[3].split()[-1] == "-"  # fp16 did not run B = 4


def test_served_by_reads_both_log_forms():
    log = ("INFO [choose.py:53] anyprec: uniform scheme at 4 bits served by the 'cuda_fused' "
           "kernel\nINFO [gptq_marlin.py:1] Using MacheteLinearKernel for GPTQMarlinLinearMethod")
    assert bench.served_by(log) == ["MacheteLinearKernel", "cuda_fused"]


# A run small enough for the CPU build: the tiny preset, two batch sizes, a few tokens.
TINY = ["--preset", "tiny", "--batch-sizes", "1,3", "--input-len", "12", "--output-len", "8",
        "--iters", "1", "--eager", "--kv-cache-mib", "64"]


def run(out, *extra):
    cmd = [sys.executable, str(SCRIPT), *TINY, "--out", str(out), *extra]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_whole_run_on_cpu(tmp_path):
    p = run(tmp_path, "--configs", "fp16,lut3")
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    data = json.loads((tmp_path / "vllm_cpu.json").read_text())
    assert data["settings"]["preset"] == "tiny" and "--configs" in data["settings"]["command"]
    got = {r["config"]: r for r in data["results"]}
    assert list(got) == ["fp16", "lut3"]
    for res in got.values():
        assert [r["batch"] for r in res["rows"]] == [1, 3]
        assert all(r["tpot_ms"] > 0 and r["prefill_ms"] > 0 for r in res["rows"])
    # On the CPU the plugin's reference kernel serves the anyprec layers (and says so).
    assert got["lut3"]["kernels"] == ["reference"] and got["fp16"]["kernels"] == []
    assert (tmp_path / "vllm_cpu.png").stat().st_size > 1000
    assert "x fp16" in (tmp_path / "vllm_cpu.txt").read_text()
    assert not list(tmp_path.glob("*.tmp*"))


def test_failed_configuration_writes_nothing(tmp_path, monkeypatch):
    # A configuration whose engine fails stops the run with that engine's error, and the one that
    # did run (a real engine) leaves no partial result behind. gptq4 used to be the failing one
    # on vLLM's CPU build, but it serves GPTQ there on CPUs with AVX-512 (CPUWNA16LinearKernel),
    # so its child is replaced by one that dies as an engine does.
    real = bench.child_command

    def child(args, name, result):
        if name == "gptq4":
            return [sys.executable, "-c", "raise RuntimeError('no kernel for this GPTQ layer')"]
        return real(args, name, result)

    monkeypatch.setattr(bench, "child_command", child)
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="configuration gptq4 failed") as err:
        bench.main([*TINY, "--out", str(out), "--configs", "uniform3,gptq4"])
    assert "RuntimeError: no kernel for this GPTQ layer" in str(err.value)
    assert not out.exists() or not list(out.iterdir())


def part(path, configs, **settings):
    s = {"device": "NVIDIA_H100_80GB_HBM3", "preset": "llama3-8b", "layers": 32,
         "dtype": "float16", "input_len": 128, "output_len": 128, "iters": 3, "eager": False,
         "command": f"python scripts/bench_vllm.py --configs {','.join(configs)}", **settings}
    res = [{"config": c, "startup_s": 1.0, "kernels": [],
            "rows": [{"batch": 1, "prefill_ms": 10.0, "total_ms": 900.0, "tpot_ms": 7.0 / (i + 1),
                      "decode_tok_s": 1000 / 7.0 * (i + 1)}]} for i, c in enumerate(configs)]
    path.write_text(json.dumps({"settings": s, "results": res}))
    return str(path)


def test_merge_runs_of_one_setting(tmp_path):
    a = part(tmp_path / "a.json", ["fp16", "gptq4"])
    b = part(tmp_path / "b.json", ["uniform4"])
    bench.main(["--merge", a, b, "--out", str(tmp_path / "m")])
    data = json.loads((tmp_path / "m/vllm_NVIDIA_H100_80GB_HBM3.json").read_text())
    assert [r["config"] for r in data["results"]] == ["fp16", "gptq4", "uniform4"]
    assert len(data["settings"]["commands"]) == 2
    txt = (tmp_path / "m/vllm_NVIDIA_H100_80GB_HBM3.txt").read_text()
    assert "--configs fp16,gptq4" in txt and "--configs uniform4" in txt
    assert (tmp_path / "m/vllm_NVIDIA_H100_80GB_HBM3.png").exists()


@pytest.mark.parametrize("other,words", [({"output_len": 64}, "output_len (128 vs 64)"),
                                         ({"device": "NVIDIA_H200"}, "device")])
def test_merge_refuses_other_settings(tmp_path, other, words):
    a = part(tmp_path / "a.json", ["fp16"])
    b = part(tmp_path / "b.json", ["uniform4"], **other)
    with pytest.raises(SystemExit, match=re.escape(words)):
        bench.main(["--merge", a, b, "--out", str(tmp_path / "m")])
    assert not (tmp_path / "m").exists()


def test_merge_refuses_a_configuration_twice(tmp_path):
    a = part(tmp_path / "a.json", ["fp16"])
    with pytest.raises(SystemExit, match="appears twice"):
        bench.main(["--merge", a, a, "--out", str(tmp_path / "m")])
