"""benchmarks/experiments/set_defaults.py: an A/B's winners become the kernels' defaults in one
step (between two device calls). Run on a copy of csrc/."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/experiments"))
import set_defaults as sd


@pytest.fixture
def csrc(tmp_path):
    shutil.copytree(ROOT / "vllm_anyprec/csrc", tmp_path / "csrc")
    return tmp_path / "csrc"


def test_the_prepared_flags_have_defaults():
    known = sd.defaults()
    for flag in ("ANYPREC_LEAN_ALU", "ANYPREC_RING_PTRS", "ANYPREC_LUT_WIDE_ADDR",
                 "ANYPREC_LUT_PAIR_LANES", "ANYPREC_META16"):
        assert known[flag][1].isdigit(), flag  # numbers that set_defaults can change


def test_set_changes_exactly_those_lines(csrc):
    before = {p.name: p.read_text().splitlines() for p in csrc.iterdir()}
    changes = sd.set_defaults({"ANYPREC_LEAN_ALU": "1", "ANYPREC_LUT_PAIR_LANES": "2"}, csrc)
    assert changes == ["anyprec.cuh: ANYPREC_LEAN_ALU 0 -> 1",
                       "decode_knobs.cuh: ANYPREC_LUT_PAIR_LANES 1 -> 2"]
    after = {p.name: p.read_text().splitlines() for p in csrc.iterdir()}
    diff = [(name, a, b) for name in before for a, b in zip(before[name], after[name]) if a != b]
    assert diff == [("anyprec.cuh", "#define ANYPREC_LEAN_ALU 0", "#define ANYPREC_LEAN_ALU 1"),
                    ("decode_knobs.cuh", "#define ANYPREC_LUT_PAIR_LANES 1",
                     "#define ANYPREC_LUT_PAIR_LANES 2")]
    assert sd.defaults(csrc)["ANYPREC_LEAN_ALU"][1] == "1"


def test_unknown_flag_changes_nothing(csrc):
    before = (csrc / "anyprec.cuh").read_text()
    with pytest.raises(SystemExit, match="ANYPREC_LEAN_ALUU"):
        sd.set_defaults({"ANYPREC_LEAN_ALU": "1", "ANYPREC_LEAN_ALUU": "1"}, csrc)
    assert (csrc / "anyprec.cuh").read_text() == before


def test_bad_assignment_is_one_line():
    with pytest.raises(SystemExit, match="is not ANYPREC_X=V"):
        sd.main(["LEAN_ALU"])
