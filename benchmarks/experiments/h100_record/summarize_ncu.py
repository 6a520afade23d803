"""One line per profiled kernel from the raw output of profile_m1.sh (ncu --metrics).

    python3 benchmarks/experiments/h100_record/summarize_ncu.py ncu_m1_raw.txt
"""

import re
import sys

SHORT = {  # metric -> column
    "gpu__time_duration.sum": "us",
    "smsp__inst_executed.sum": "Minst",
    "dram__bytes_read.sum.per_second": "TB/s",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": "dram%",
    "smsp__issue_active.avg.per_cycle_active": "issue",
    "smsp__warps_active.avg.per_cycle_active": "active",
    "smsp__warps_eligible.avg.per_cycle_active": "elig",
    "launch__registers_per_thread": "regs",
    "launch__block_size": "block",
    "launch__grid_size": "grid",
}
# the kernel line of a profiled launch: "  void name<...>(...) (grid)x(block), Context ..."
LAUNCH = r"\s+(?:void )?([A-Za-z_:0-9]+)[<(].*\(\d+, \d+, \d+\)x\(\d+, \d+, \d+\)"
UNIT = {"usecond": 1.0, "nsecond": 1e-3, "msecond": 1e3, "Tbyte/second": 1.0,
        "Gbyte/second": 1e-3, "Mbyte/second": 1e-6, "inst": 1e-6, "Kinst": 1e-3, "Minst": 1.0,
        "Ginst": 1e3}


def parse(path):
    rows, cur = [], None
    for line in open(path):
        if line.startswith("=== "):
            cur = {"cfg": line[4:].strip(), "kernel": "", "stalls": {}}
            rows.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(LAUNCH, line)
        if m and not cur["kernel"]:
            cur["kernel"] = m.group(1).split("::")[-1]
            continue
        m = re.match(r"\s+(\S+)\s+(\S+)?\s+([\d.,]+)\s*$", line)
        if not m:
            continue
        name, unit, val = m.group(1), m.group(2) or "", float(m.group(3).replace(",", ""))
        if name in SHORT:
            cur[SHORT[name]] = val * UNIT.get(unit, 1.0)
        s = re.match(r"smsp__average_warps_issue_stalled_(\w+)_per_issue_active\.ratio", name)
        if s:
            cur["stalls"][s.group(1)] = val
        # (PIPES=1 in profile_m1.sh) instructions issued to a pipe, % of its peak rate
        p = re.match(r"sm__inst_executed_pipe_(\w+)\.avg\.pct_of_peak_sustained_active", name)
        if p:
            cur.setdefault("pipes", {})[p.group(1)] = val
    return rows


def main():
    rows = parse(sys.argv[1])
    cols = ["us", "Minst", "TB/s", "dram%", "issue", "active", "elig", "regs", "block", "grid"]
    print(f"{'config (scheme b K N M)':<26} {'kernel':<28} " + " ".join(f"{c:>6}" for c in cols)
          + "  top stalls (cycles per issued instruction)")
    for r in rows:
        top = sorted(r["stalls"].items(), key=lambda kv: -kv[1])[:4]
        vals = " ".join(f"{r[c]:>6.2f}" if isinstance(r.get(c), float) else f"{'-':>6}"
                        for c in cols)
        pipes = sorted(r.get("pipes", {}).items(), key=lambda kv: -kv[1])[:4]
        print(f"{r['cfg']:<26} {r['kernel'][:28]:<28} {vals}  "
              + ", ".join(f"{k} {v:.2f}" for k, v in top)
              + ("  pipes % of peak: " + ", ".join(f"{k} {v:.0f}" for k, v in pipes)
                 if pipes else ""))


if __name__ == "__main__":
    main()
