"""benchmarks/experiments/h200_record_s36/pair_rule.py: the LUT pair tables' launch bound per M
from synthetic never / always / rule bench runs (the JSON rows ab_bench leaves)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks/experiments/h200_record_s36/pair_rule.py"
sys.path.insert(0, str(SCRIPT.parent))
import pair_rule

SMS = 132
# n-tiles 256 .. 1792 (1.9 .. 13.6 per SM)
SHAPES = [(4096, 4096), (4096, 6144), (4096, 8192), (4096, 14336), (4096, 28672),
          (14336, 4096)]
CROSS = {1: 640, 4: 300, 16: 1000}  # where the pair tables stop winning, in n-tiles, by M


def write(runs: Path, tag: str, us) -> None:
    """Two passes of tag; us(M, K, N, pass) gives each cell's time. Other schemes and widths
    are in the runs too (the script must leave them out)."""
    for p in (1, 2):
        rows = [{"K": k, "N": n, "M": m, "bits": b, "scheme": s, "dtype": "float16",
                 "us": us(m, k, n, p) * (1 if (s, b) == ("lut", 4) else 1000),
                 "fp16_us": 50.0}
                for k, n in SHAPES for m in (1, 4, 16) for s in ("lut", "uniform") for b in (3, 4)]
        (runs / f"{tag}{p}.json").write_text(json.dumps(rows))


def never(m, k, n, p):
    return k * n / 1e6 * (1.001 if p == 2 else 1.0)


def always(m, k, n, p):  # 10% faster up to the crossover, 10% slower beyond it
    return never(m, k, n, p) * (0.9 if n // 16 <= CROSS[m] else 1.1)


def test_bounds_per_m(tmp_path):
    write(tmp_path, "never", never)
    write(tmp_path, "always", always)
    write(tmp_path, "rule", lambda m, k, n, p: always(m, k, n, p) if n // 16 <= 4 * SMS
          else never(m, k, n, p))
    cs = pair_rule.cells(tmp_path, "never1,never2", "always1,always2", "rule1,rule2")
    assert len(cs) == len(SHAPES) * 3  # LUT b = 4 only
    by_m = {m: [c for c in cs if c["M"] == m] for m in (1, 4, 16)}
    # the smallest bound (n-tiles per SM) that takes every winning weight and no losing one
    # M = 1: winners up to 512 n-tiles (3.9 per SM), the next weight 896 (6.8): bound 4
    assert pair_rule.best_bound(by_m[1], SMS) == 4
    assert pair_rule.cost(by_m[1], 4, SMS) == (1.0, 1.0)
    assert abs(pair_rule.cost(by_m[1], 16, SMS)[1] - 1.1) < 1e-9  # taking 896, 1792: 1.1x best
    # M = 4: winners 256 (1.9 per SM) only, 384 loses: bound 1 (132 n-tiles) takes nothing, so
    # the cost is 1.0 only from bound 2 (264) on, up to 2
    assert pair_rule.best_bound(by_m[4], SMS) == 2
    # M = 16: winners up to 896 (6.8 per SM): bound 7
    assert pair_rule.best_bound(by_m[16], SMS) == 7
    out = pair_rule.report(cs, SMS)
    assert ("set_defaults.py ANYPREC_LUT_PAIR_TILES_PER_SM_M1=4 "
            "ANYPREC_LUT_PAIR_TILES_PER_SM_M8=2 ANYPREC_LUT_PAIR_TILES_PER_SM_M16=7") in out, out
    # the rule's run is told apart: 4096 x 14336 (896 n-tiles) ran like never at M = 1
    row = next(line for line in out.splitlines() if line.startswith("1 4096 14336 896 16 "))
    assert row.endswith(" 0.909 never"), row
    row = next(line for line in out.splitlines() if line.startswith("1 4096 8192 512 16 "))
    assert row.endswith(" 1.111 always"), row


def test_never_wins_gives_bound_0(tmp_path):
    write(tmp_path, "never", never)
    write(tmp_path, "always", lambda m, k, n, p: never(m, k, n, p) * 1.05)
    cs = pair_rule.cells(tmp_path, "never1,never2", "always1,always2", None)
    assert pair_rule.best_bound(cs, SMS) == 0


def test_cli_without_cells_is_one_line_error(tmp_path):
    r = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "never1", "always1"],
                       check=False, capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stderr.strip() == (f"no LUT b = 4 cell in both never1 and always1 under {tmp_path}")
