"""``python3 scripts/bench_vllm.py ARGS`` in a dry run of a device script (run.sh): the tree's own
bench_vllm.py parses ARGS (a flag it does not know fails as on the device); --merge runs for real
(no GPU needed); otherwise this writes the outputs a run would, with made-up times, through the
script's own writer (so a later --merge of them runs too)."""

import importlib.util
import random
import sys
from pathlib import Path


def main() -> None:
    script = Path(sys.argv[1])
    spec = importlib.util.spec_from_file_location("bench_vllm", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    args = bench.build_parser().parse_args(sys.argv[2:])
    if args.merge or args.child:
        bench.main(sys.argv[2:])
        return
    rng = random.Random(" ".join(sys.argv[1:]))
    results = [{"config": c, "startup_s": 60.0, "kernels": ["dry_run"],
                "rows": bench.decode_rows({b: (0.02 * b, 0.02 * b + rng.uniform(0.5, 1.0)
                                               * (args.output_len - 1)) for b in args.batch_sizes},
                                          args.output_len)} for c in args.configs]
    sys.argv = sys.argv[1:]  # (the command the settings record: the script and ARGS)
    bench.write_outputs(results, bench.run_settings(args, "DRY_RUN"), Path(args.out))


if __name__ == "__main__":
    main()
