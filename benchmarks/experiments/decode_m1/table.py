"""Side-by-side table of decode runs (bench_kernels JSON per variant): µs per call.

    python benchmarks/experiments/decode_m1/table.py DIR NAME [NAME ...]   # reads DIR/NAME.json
"""

import json
import sys
from pathlib import Path


def main() -> None:
    out, names = Path(sys.argv[1]), sys.argv[2:]
    runs = {}
    for n in names:
        p = out / f"{n}.json"
        if p.exists():
            runs[n] = {(r["K"], r["N"], r["M"], r["scheme"], r["bits"], r["dtype"]): r
                       for r in json.loads(p.read_text())}
    names = [n for n in names if n in runs]
    if not names:
        raise SystemExit(f"no runs in {out}")
    first = runs[names[0]]
    print("K N M scheme bits dtype fp16_us " + " ".join(names) + "   (us per call)")
    for k, r in first.items():
        cells = [f"{runs[n][k]['us']:.1f}" if k in runs[n] else "-" for n in names]
        print(*k, f"{r['fp16_us']:.1f}", *cells)


if __name__ == "__main__":
    main()
