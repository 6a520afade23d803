#!/usr/bin/env python
"""Perplexity of an unquantized model and of anyprec checkpoints at several precisions.

Examples:
  python scripts/ppl_wikitext.py --model FP16_DIR --quantized CKPT --w-bits 3 4 8
  python scripts/ppl_wikitext.py --quantized CKPT --backend hf --max-tokens 1024
  python scripts/ppl_wikitext.py --model FP16_DIR --dataset wikitext2   # needs the HF hub

Text: by default the bundled Wikipedia sample (labelled "wiki sample"; it is not WikiText-2).
Windows: the first --max-tokens tokens cut into non-overlapping --seq-len windows, no BOS
prepended; PPL = exp(mean NLL over the seq_len-1 predicted tokens of every window).
See vllm_anyprec/eval/ppl.py for the protocol.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from vllm_anyprec.eval import ppl, report
from vllm_anyprec.format import FormatError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="unquantized HF model directory (the baseline row)")
    ap.add_argument("--quantized", nargs="+", default=[], metavar="DIR",
                    help="anyprec checkpoint directory(ies), each evaluated at every --w-bits")
    ap.add_argument("--w-bits", nargs="+", type=int, default=None, metavar="B",
                    help="precisions to serve the checkpoints at (default: all stored bits)")
    ap.add_argument("--backend", choices=ppl.BACKENDS, default="vllm",
                    help="vllm: the engine as served; hf: transformers fp32 cross-check")
    ap.add_argument("--seq-len", type=int, default=ppl.DEFAULT_SEQ_LEN,
                    help="window length in tokens (default %(default)s)")
    ap.add_argument("--max-tokens", type=int, default=ppl.DEFAULT_MAX_TOKENS,
                    help="use the first N tokens of the text (default %(default)s)")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--text-file", help="local UTF-8 text file to evaluate on")
    src.add_argument("--dataset", choices=["wikitext2"],
                     help="wikitext2: WikiText-2 raw test split from the HF hub (needs network)")
    ap.add_argument("--dtype", default="auto",
                    help="vLLM activation dtype: auto (from config), float16, bfloat16, float32; "
                         "the hf backend always runs float32")
    ap.add_argument("--enforce-eager", action="store_true",
                    help="vLLM: skip torch.compile (faster start, slower scoring)")
    ap.add_argument("--json", metavar="OUT", help="write the rows as JSON")
    ap.add_argument("--plot", metavar="OUT.png", help="write a PPL vs bits plot")
    ap.add_argument("--quiet", action="store_true",
                    help="no progress bars, and vLLM logs only warnings (VLLM_LOGGING_LEVEL)")
    args = ap.parse_args(argv)
    if not args.model and not args.quantized:
        ap.error("give --model and/or --quantized")
    if args.w_bits and not args.quantized:
        ap.error("--w-bits applies to --quantized checkpoints; none given")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # vLLM logs to stdout by default: send its logs to stderr, so that stdout (which
    # scripts/main_job.sh keeps as results/ppl_*.txt) holds only the rows and the table; with
    # --quiet, only its warnings. vLLM reads both variables when first imported (inside
    # ppl.evaluate); they are restored afterwards, since main() also runs in-process (tests) and
    # the caller's later engines and servers keep their own logging.
    defaults = {"VLLM_LOGGING_STREAM": "ext://sys.stderr"}
    if args.quiet:
        defaults["VLLM_LOGGING_LEVEL"] = "WARNING"
    old = {k: os.environ.get(k) for k in defaults}
    for k, v in defaults.items():
        os.environ.setdefault(k, v)
    try:
        return _run(args)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run(args: argparse.Namespace) -> int:
    # In-process engine: starts faster, and tearing it down between precisions frees it fully.
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    try:
        targets = [ppl.baseline_target(args.model)] if args.model else []
        for q in args.quantized:
            targets += ppl.quantized_targets(q, args.w_bits)
        text, source = ppl.load_text(args.text_file, args.dataset)
        # All targets share a tokenizer (a checkpoint keeps its source model's); use the first.
        windows = ppl.make_windows(ppl.tokenize(targets[0].model, text), args.seq_len,
                                   args.max_tokens)
    except (ppl.EvalInputError, FormatError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{source}: {len(windows)} windows x {args.seq_len} tokens, backend {args.backend}",
          flush=True)

    rows = []
    for t in targets:
        t0 = time.perf_counter()
        try:
            row = ppl.evaluate(t, windows, args.backend, source, dtype=args.dtype,
                               enforce_eager=args.enforce_eager, progress=not args.quiet)
        except (ppl.EvalInputError, FormatError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        rows.append(row)
        print(f"{t.label} {t.bits}b: PPL {row.ppl:.3f} (load {row.load_seconds:.1f} s, "
              f"score {row.seconds:.1f} s, total {time.perf_counter() - t0:.1f} s)", flush=True)
        if args.json:  # rewrite after every row: a long sweep that dies keeps what it measured
            report.write_json(rows, args.json)
    print(report.format_table(rows))
    if args.plot:
        report.plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
