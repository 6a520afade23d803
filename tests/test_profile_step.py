"""benchmarks/experiments/vllm_e2e/profile_step.py (where a vLLM decode step's GPU time goes): the
kernel classifier, the interval union, the per-step difference of two profiles and the
reclassification of a stored result."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks/experiments/vllm_e2e/profile_step.py"
spec = importlib.util.spec_from_file_location("profile_step", SCRIPT)
prof = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prof)


@pytest.mark.parametrize("name,kind", [
    ("void anyprec::fused_gemm_m1pipe_kernel<__half, 4, 4, 8>(__half const*)", "anyprec"),
    ("anyprec::prefill::permute_x_kernel(uint4 const*, unsigned int*)", "anyprec"),
    # a Triton norm that torch.compile named after the op beside it is not a GEMM
    ("triton_red_fused_fused_add_rms_norm_gemm_uniform_0", "triton"),
    ("triton_poi_fused_machete_mm_mul_silu_slice_1", "triton"),
    ("void cutlass::device_kernel<machete::MacheteKernelTemplate<...>>", "gptq"),
    ("nvjet_sm90_hsh_384x8_64x4_2x1_v_bz_TNT", "dense_gemm"),
    ("void cublasLt::splitKreduce_kernel<32, 16, int, float>", "dense_gemm"),
    ("void cutlass::device_kernel<flash::FlashAttnFwdSm90<...>>", "attention"),
    ("void vllm::reshape_and_cache_flash_kernel<unsigned short>", "attention"),
    ("Memset (Device)", "other"),
])
def test_kind_of(name, kind):
    assert prof.kind_of(name) == kind


def test_union_merges_overlaps_and_keeps_gaps():
    assert prof.union_us([]) == 0.0
    assert prof.union_us([(5, 6), (0, 2), (1, 3)]) == 4.0  # [0, 3) and [5, 6)
    assert prof.union_us([(0, 10), (2, 3)]) == 10.0  # one inside another
    assert prof.union_us([(0, 1), (1, 2)]) == 2.0  # touching


def test_summarize_takes_the_difference_per_step():
    # The 1-token run: prefill only. The 3-token run: the same prefill and two decode steps of
    # one anyprec GEMM (4 µs) and one norm (1 µs), with 5 µs of idle GPU between the steps.
    prefill = [("anyprec::gemm", 0.0, 10.0), ("triton_red_fused_norm", 10.0, 2.0)]
    steps = [("anyprec::gemm", 20.0, 4.0), ("triton_red_fused_norm", 24.0, 1.0),
             ("anyprec::gemm", 30.0, 4.0), ("triton_red_fused_norm", 34.0, 1.0)]
    s = prof.summarize(prefill, prefill + steps, 2)
    assert s["kinds"]["anyprec"] == {"ms": 0.004, "count": 1.0}
    assert s["kinds"]["triton"] == {"ms": 0.001, "count": 1.0}
    assert s["kernel_ms_per_step"] == 0.005
    assert s["busy_ms_per_step"] == 0.005  # the idle gaps are not busy time
    assert [t["name"] for t in s["top"]] == ["anyprec::gemm", "triton_red_fused_norm"]
    assert s["top"][0]["us"] == 4.0


def test_reclassify_rewrites_kinds_from_the_top_kernels(tmp_path):
    result = {"config": "uniform4", "batches": {"1": {
        "kinds": {"dense_gemm": {"ms": 0.2, "count": 2.0}},
        "top": [{"name": "triton_red_fused_fused_add_rms_norm_gemm_uniform_0",
                 "kind": "dense_gemm", "us": 60.0, "count": 32.0},
                {"name": "nvjet_sm90_hsh_384x8_64x4_2x1_v_bz_TNT", "kind": "dense_gemm",
                 "us": 350.0, "count": 1.0}]}}}
    path = tmp_path / "profile_uniform4.json"
    path.write_text(json.dumps(result))
    prof.main(["--reclassify", str(path)])
    got = json.loads(path.read_text())["batches"]["1"]
    assert got["kinds"] == {"dense_gemm": {"ms": 0.35, "count": 1.0},
                            "triton": {"ms": 0.06, "count": 32.0}}
    assert got["top"][0]["kind"] == "triton"
    assert [p.name for p in tmp_path.iterdir()] == ["profile_uniform4.json"]  # no temporary left


@pytest.mark.parametrize("argv,words", [
    (["--config", "uniform4"], "--config and --out are required"),
    (["--config", "int4", "--out", "x"], "unknown configuration 'int4'"),
    (["--config", "gptq3", "--out", "x"], "gptq4 or gptq8, got 3"),
])
def test_bad_arguments_are_one_clear_line(argv, words, capsys):
    with pytest.raises(SystemExit):
        prof.main(argv)
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_script_help_runs():
    import subprocess

    out = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--reclassify" in out and "--batch-sizes" in out
