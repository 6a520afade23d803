"""``python3 scripts/bench_kernels.py ARGS`` in a dry run of a device script (run.sh): the tree's
own bench_kernels.py parses ARGS (so a flag it does not know fails as on the device), then this
writes OUT/kernels_DRY_RUN.json with a made-up time for every row the run would time, and
prints its table. Enough for the scripts after it (decode_m1/table.py, prefill_pdl/ratios.py)."""

import importlib.util
import json
import random
import sys
from pathlib import Path


class Selected(Exception):
    pass


def main() -> None:
    script = Path(sys.argv[1])
    spec = importlib.util.spec_from_file_location("bench_kernels", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    real = bench.parse_selection
    picked = {}

    def parse_selection(args):
        picked["sel"], picked["out"] = real(args), args.out
        raise Selected

    bench.parse_selection = parse_selection
    sys.argv = [str(script), *sys.argv[2:]]
    try:
        bench.main()
    except Selected:
        pass
    if "sel" not in picked:  # --summarize / --replot: the real script ran to its end
        return
    bits_list, ms, schemes, shapes = picked["sel"]
    configs = bench.bench_configs(schemes, bits_list)
    rng = random.Random(" ".join(sys.argv[1:]))
    rows = []
    for k, n in shapes:
        for m in ms:
            fp16 = round(rng.uniform(10, 100), 2)
            for scheme, b, dtype in configs:
                rows.append({"K": k, "N": n, "M": m, "bits": b, "scheme": scheme,
                             "dtype": str(dtype).removeprefix("torch."),
                             "us": round(fp16 * rng.uniform(0.2, 1.2), 2), "fp16_us": fp16,
                             "marlin4_us": None, "marlin8_us": None})
    out = Path(picked["out"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "kernels_DRY_RUN.json").write_text(json.dumps(rows, indent=1))
    print("\n".join(bench.table_lines(rows)))


if __name__ == "__main__":
    main()
