#!/usr/bin/env python3
"""Quantize an HF model directory into an anyprec checkpoint (or convert an SNU one).

Examples:
  python scripts/quantize.py --model ~/.cache/vllm_anyprec/smollm2-135m-instruct \\
      --out ckpt-uniform --scheme uniform --group-size 128
  python scripts/quantize.py --model M --out ckpt-lut --scheme lut
  python scripts/quantize.py --from-snu SNU_DIR --out ckpt-from-snu

Each input column of a layer is weighed by its mean square over calibration text (2048 tokens
of the bundled wiki sample's tail by default; --calib-text FILE, or --no-calib for a data-free
fit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Write an any-precision (bitplane) checkpoint that vLLM serves at any "
                    "precision min-bits..parent-bits chosen at load time.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", type=Path,
                     help="unquantized HF model directory (config.json + *.safetensors)")
    src.add_argument("--from-snu", type=Path, metavar="DIR",
                     help="a checkpoint written by SNU-ARC any-precision-llm (pytorch_model.bin "
                          "+ config.json with an 'anyprec' block) to convert instead")
    p.add_argument("--out", type=Path, required=True,
                   help="output checkpoint directory (written to a temp dir, renamed at the end)")
    p.add_argument("--scheme", choices=("uniform", "lut"), default="uniform",
                   help="uniform: nested scale/zero with a re-fitted s_b, z_b per precision; "
                        "lut: per-row non-uniform tables (k-means seed + binary splits)")
    p.add_argument("--parent-bits", type=int, default=8,
                   help="bitplanes stored (the highest precision served), at most 8")
    p.add_argument("--min-bits", type=int, default=3,
                   help="lowest precision that can be served from the checkpoint")
    p.add_argument("--group-size", type=int, default=128,
                   help="uniform only: weights per scale/zero group along K (-1: one per row)")
    p.add_argument("--w-bits", type=int, default=4,
                   help="precision vLLM serves when none is chosen at load time")
    p.add_argument("--calib-text", type=Path, metavar="FILE",
                   help="UTF-8 text whose tokens weigh each input column by its mean square "
                        "(default: the tail of the bundled wiki sample, see "
                        "vllm_anyprec/quantize/calibrate.py)")
    p.add_argument("--calib-tokens", type=int, default=2048,
                   help="how many tokens of the calibration text to run through the model")
    p.add_argument("--no-calib", action="store_true",
                   help="data-free fit: every input column weighs the same (much worse at 3-4 "
                        "bits on real models, see vllm_anyprec/quantize/uniform.py)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from vllm_anyprec.format import FormatError

    try:
        if args.from_snu is not None:
            from vllm_anyprec.quantize.snu import convert_snu

            out = convert_snu(args.from_snu, args.out, w_bits=args.w_bits, overwrite=args.force)
        else:
            from vllm_anyprec.quantize.convert import DEFAULT_CALIBRATION, quantize_model

            if args.no_calib and args.calib_text is not None:
                raise ValueError("--no-calib and --calib-text exclude each other")
            calibration = (None if args.no_calib else
                           args.calib_text if args.calib_text is not None else DEFAULT_CALIBRATION)
            out = quantize_model(args.model, args.out, scheme=args.scheme,
                                 parent_bits=args.parent_bits, min_bits=args.min_bits,
                                 group_size=args.group_size, w_bits=args.w_bits,
                                 calibration=calibration, calib_tokens=args.calib_tokens,
                                 overwrite=args.force)
    except (FormatError, FileExistsError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
