"""benchmarks/experiments/prefill_lut_lean/fit.py: its replica of the prefill plan (ops.cpp
prefill_plan) picks what tests/gpu/test_prefill_wgmma.py checks the op picks, and its regret is
measured against the best forced grid of each cell."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIT = ROOT / "benchmarks/experiments/prefill_lut_lean/fit.py"
sys.path.insert(0, str(FIT.parent))
import fit


def test_replica_picks_the_lean_kernels_where_the_op_does():
    # (the GPU test's cells, at ops.cpp's kLeanLutChunkUs = 5.0 and 132 SMs)
    for bits in (7, 8):
        assert fit.pick(4096, 28672, 32, bits, 5.0, 132) == (64, 1, 2)
        assert fit.pick(4096, 4096, 32, bits, 5.0, 132)[2] == 1
        assert fit.pick(4096, 28672, 256, bits, 5.0, 132)[2] == 1
    assert fit.pick(4096, 28672, 32, 6, 5.0, 132)[2] == 1  # LUT b <= 6: no lean kernel
    assert fit.pick(4096, 28672, 32, 8, 99.0, 132) == (64, 1, 1)  # too dear: the full grid


def test_regret_against_the_best_forced_grid(tmp_path):
    # One cell where the lean grid is 10% faster than the full one: a cost that picks it has
    # regret 1, one that never does 1.1.
    row = {"K": 4096, "N": 28672, "M": 32, "bits": 8, "scheme": "lut",
           "plans": {"64x1": 88.0, "64x1x2": 80.0, "128x1": 100.0, "64x2": None}}
    run = tmp_path / "prefill_wgmma.json"
    run.write_text(json.dumps([row]))
    out = subprocess.run([sys.executable, str(FIT), str(run), "--costs", "5.0,99"],
                         capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in out.splitlines() if "any split False" in ln]
    assert "regret 1.0000 over 1 cells" in lines[0], out
    assert "regret 1.1000 over 1 cells" in lines[1], out
