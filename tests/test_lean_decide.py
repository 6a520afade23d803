"""benchmarks/experiments/lean_alu/decide.py: the lean A/B's verdict per flag from synthetic
bench runs (the JSON rows ab_bench leaves)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/experiments/lean_alu"))
import decide

SHAPES = [(4096, 6144), (4096, 28672), (14336, 4096)]


def write(runs: Path, tag: str, scheme: str, ms, bits, us) -> None:
    """Two passes of tag; us(scheme, M, b, shape index, pass) gives each cell's time."""
    for p in (1, 2):
        rows = [{"K": k, "N": n, "M": m, "bits": b, "scheme": scheme, "dtype": "float16",
                 "us": us(m, b, i, p), "fp16_us": 50.0, "marlin4_us": None, "marlin8_us": None}
                for i, (k, n) in enumerate(SHAPES) for m in ms for b in bits]
        (runs / f"{tag}{p}.json").write_text(json.dumps(rows))


def test_verdicts(tmp_path):
    def base(m, b, i, p):  # a little pass-to-pass noise
        return 20.0 + b + i * (1.002 if p == 2 else 1.0)

    write(tmp_path, "base", "uniform", [1], range(2, 9), base)
    write(tmp_path, "lean", "uniform", [1], range(2, 9), lambda m, b, i, p: base(m, b, i, p) / 1.05)
    write(tmp_path, "lean16x", "uniform", [1], range(2, 9),
          lambda m, b, i, p: base(m, b, i, p) / (1.05 if b != 5 else 0.9))  # b = 5 loses
    write(tmp_path, "lutbase", "lut", [1, 16], [2, 3, 4], base)
    write(tmp_path, "lutlean", "lut", [1, 16], [2, 3, 4],
          lambda m, b, i, p: base(m, b, i, p) / 1.03)
    # pairs against lean: b = 4 20% faster, b = 2, 3 10% slower -> =1
    write(tmp_path, "lutpair", "lut", [1, 16], [2, 3, 4],
          lambda m, b, i, p: base(m, b, i, p) / 1.03 / (1.2 if b == 4 else 0.9))
    write(tmp_path, "lutwbase", "lut", [1], [5, 6, 7, 8], base)
    write(tmp_path, "lutwlean", "lut", [1], [5, 6, 7, 8],
          lambda m, b, i, p: base(m, b, i, p) * 1.01)
    lines, flags = decide.decide(tmp_path)
    assert flags == {"ANYPREC_LEAN_ALU": "1", "ANYPREC_RING_PTRS": "1",
                     "ANYPREC_LUT_PAIR_LANES": "1"}, lines
    assert any(line.startswith("META16: off (if tests16 passed)")
               and "uniform M=1 b=5: 0.857" in line for line in lines), lines
    assert lines[0].startswith("margin 0.010")


def test_a_group_that_loses_vetoes(tmp_path):
    # lean 10% faster on average but 5% slower at b = 2: off
    def base(m, b, i, p):
        return 30.0

    write(tmp_path, "base", "uniform", [1], range(2, 9), base)
    write(tmp_path, "lean", "uniform", [1], range(2, 9),
          lambda m, b, i, p: 30.0 * (1.05 if b == 2 else 0.85))
    lines, flags = decide.decide(tmp_path)
    assert "ANYPREC_LEAN_ALU" not in flags
    assert "worst group 0.952 (uniform M=1 b=2)" in lines[1], lines


def test_meta16_wins_when_faster_everywhere(tmp_path):
    write(tmp_path, "base", "uniform", [1], range(2, 9), lambda m, b, i, p: 30.0)
    write(tmp_path, "lean", "uniform", [1], range(2, 9), lambda m, b, i, p: 30.0)
    write(tmp_path, "lean16x", "uniform", [1], range(2, 9), lambda m, b, i, p: 29.0)
    _, flags = decide.decide(tmp_path)
    assert flags == {"ANYPREC_META16": "1"}
