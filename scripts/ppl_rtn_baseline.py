#!/usr/bin/env python
"""Perplexity of independent round-to-nearest (the quantizer's comparison baseline), HF fp32.

Every target linear of an unquantized HF model is fake-quantized with asymmetric min/max RTN at
each --bits (``quantize.uniform.rtn_fake_quant``: integer zero point, fp16 scale, the given group
size with a ragged last group) and scored with the protocol of ``scripts/ppl_wikitext.py``
(``vllm_anyprec/eval/ppl.py``). Compare with the nested checkpoints through

  python scripts/ppl_wikitext.py --model M --quantized CKPT --backend hf

Example:
  python scripts/ppl_rtn_baseline.py --model ~/.cache/vllm_anyprec/smollm2-135m-instruct \\
      --bits 3 4 8 --json rtn.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="unquantized HF model directory")
    ap.add_argument("--bits", nargs="+", type=int, default=[3, 4, 5, 6, 7, 8],
                    help="RTN precisions to score (default: %(default)s)")
    ap.add_argument("--group-size", type=int, default=128,
                    help="weights per scale/zero along K; -1: one group per row (default 128)")
    ap.add_argument("--seq-len", type=int, default=512, help="window length (default 512)")
    ap.add_argument("--max-tokens", type=int, default=4096,
                    help="use the first N tokens of the text (default 4096)")
    ap.add_argument("--text-file", help="UTF-8 text (default: the bundled wiki sample)")
    ap.add_argument("--no-fp", action="store_true", help="skip the unquantized row")
    ap.add_argument("--json", metavar="OUT", help="write the rows as JSON")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)

    from vllm_anyprec.eval import ppl
    from vllm_anyprec.hf_loader import load_fake_quant_model
    from vllm_anyprec.quantize.uniform import rtn_fake_quant

    from pathlib import Path

    try:
        if not (Path(args.model) / "config.json").is_file():
            raise ValueError(f"--model {args.model}: expected an HF model directory with "
                             f"config.json, not found")
        if any(not 1 <= b <= 8 for b in args.bits):
            raise ValueError(f"--bits: expected values in 1..8, got {args.bits}")
        if args.group_size != -1 and args.group_size < 1:
            raise ValueError(f"--group-size: expected -1 or a positive integer, "
                             f"got {args.group_size}")
        text, source = ppl.load_text(args.text_file)
        windows = ppl.make_windows(ppl.tokenize(args.model, text), args.seq_len, args.max_tokens)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = []
    specs = ([] if args.no_fp else [("fp", None)]) + [("rtn", b) for b in args.bits]
    for kind, bits in specs:
        t0 = time.time()
        fn = (lambda w: w) if bits is None else (
            lambda w, b=bits: rtn_fake_quant(w, b, args.group_size))
        model = load_fake_quant_model(args.model, fn)
        nll, n = ppl.model_nll(model, windows)
        row = {"label": "fp" if bits is None else f"RTN g{args.group_size}", "bits": bits,
               "ppl": math.exp(nll / n), "tokens": len(windows) * args.seq_len,
               "text": source, "seconds": round(time.time() - t0, 1)}
        rows.append(row)
        print(f"{row['label']:>10} {str(bits or '-'):>4}  PPL {row['ppl']:.3f}  "
              f"({row['tokens']} tokens, {row['seconds']} s)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
