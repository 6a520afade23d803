"""benchmarks/experiments/prefill_pdl/ratios.py (the A/B summaries of bench_kernels runs) on
synthetic runs: pure Python."""

import importlib.util
import json
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "benchmarks/experiments/prefill_pdl/ratios.py"
spec = importlib.util.spec_from_file_location("ratios", PATH)
ratios = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ratios)


def write(runs, name, times):
    rows = [{"K": k, "N": n, "M": 1, "scheme": "lut", "bits": b, "dtype": "float16", "us": us}
            for (k, n, b), us in times.items()]
    (runs / f"{name}.json").write_text(json.dumps(rows))


def test_ratios_per_width_and_passes(tmp_path):
    cells = [(4096, 4096, 4), (4096, 28672, 4), (4096, 4096, 8), (4096, 28672, 8)]
    write(tmp_path, "base1", dict(zip(cells, [10.0, 30.0, 12.0, 40.0])))
    write(tmp_path, "base2", dict(zip(cells, [10.0, 30.0, 12.0, 44.0])))  # b8 wide: mean 42
    write(tmp_path, "var1", dict(zip(cells, [5.0, 15.0, 12.0, 42.0])))  # b4 2x, b8 equal
    lines = ratios.report(tmp_path, "base1,base2", "var1", by_bits=True)
    assert lines[0] == "base1,base2 time / var1 time"
    assert lines[1] == "      lut M=    1 b=4: 2.000 (2.000-2.000, 2 cells)"
    assert lines[2] == "      lut M=    1 b=8: 1.000 (1.000-1.000, 2 cells)"
    assert lines[3].startswith("      all M=    0: 1.414 (1.000-2.000, 4 cells)")
    # without --bits: one line per (scheme, M)
    assert ratios.report(tmp_path, "base1,base2", "var1")[1].startswith(
        "      lut M=    1: 1.414 (1.000-2.000, 4 cells)")
