"""The next device session's calls (benchmarks/experiments/next_calls.txt), dry-run on the CPU by
benchmarks/experiments/dry_run/run.sh: the scripts run end to end with the GPU steps stood in
for, so that a shell error, a missing file, a benchmark flag, an output count over the 8 files
that come back, a folder a call forgot to carry, or a pytest -k name that matches no test fails
here instead of costing device time. Also: the dry run itself reports each kind of problem."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks/experiments/dry_run/run.sh"
PLAN = ROOT / "benchmarks/experiments/next_calls.txt"

pytestmark = pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                                reason="the dry run copies the tree as git lists it")


def dry_run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DRY_REAL_PYTHON=sys.executable, DRY_TAIL="5")
    return subprocess.run(["bash", str(RUN), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def test_next_device_calls_run_clean():
    r = dry_run("--plan", str(PLAN))
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    calls = [ln for ln in PLAN.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert r.stdout.count("=== call ") == len(calls) >= 1
    assert f"all {len(calls)} call(s) clean" in r.stdout


@pytest.mark.parametrize("call,problem", [
    # a -k name with a typo: those tests would silently not run on the device
    (("source benchmarks/experiments/ab_lib.sh; ab_rundir t; "
      'ab_pytest "$R/t.log" 60 tests/gpu/test_cuda_kernels.py -k "pdl1 or lut_m1_rign"; ab_pack'),
     "'lut_m1_rign' matches no test"),
    # a flag bench_kernels.py does not take
    ("mkdir -p $OUT && python3 scripts/bench_kernels.py --out $OUT --bitz 3",
     "unrecognized arguments"),
    # more files in OUT than come back
    ("for i in 1 2 3 4 5 6 7 8 9; do echo > $OUT/f$i; done", "more than 8 files"),
    ("bash benchmarks/experiments/no_such_script.sh", "No such file"),
    # the record's second call without the bundle part it must carry
    ("OUT=$OUT bash benchmarks/experiments/h200_record_s23/callB.sh", "No such file"),
])
def test_dry_run_reports_problems(call, problem):
    r = dry_run(call)
    assert r.returncode == 1, r.stdout[-3000:]
    assert problem in r.stdout and "PROBLEMS" in r.stdout, r.stdout[-3000:]
