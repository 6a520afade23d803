"""Turn build flags on (or set them) as the kernels' defaults: edits the ``#define ANYPREC_X V``
under ``#ifndef ANYPREC_X`` in vllm_anyprec/csrc/, so that an A/B's winners become the build's
defaults in one step between device calls (the machine waits only 30 s idle).

    python benchmarks/experiments/set_defaults.py ANYPREC_LEAN_ALU=1 ANYPREC_RING_PTRS=1
    python benchmarks/experiments/set_defaults.py --list        # every flag and its default

Each flag must be defined exactly once in that form; the script changes nothing unless all of
them are (one-line error naming the flag). It prints each change as ``file: old -> new``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

CSRC = Path(__file__).resolve().parents[2] / "vllm_anyprec/csrc"


def defaults(csrc: Path = CSRC) -> dict[str, tuple[Path, str]]:
    """flag -> (file, default text) for every ``#ifndef F`` / ``#define F V`` pair."""
    out: dict[str, tuple[Path, str]] = {}
    for path in sorted(csrc.glob("*.cuh")) + sorted(csrc.glob("*.h")):
        for m in re.finditer(r"^#ifndef (ANYPREC_\w+)\n#define \1 (.+)$", path.read_text(),
                             re.MULTILINE):
            if m.group(1) in out:
                raise SystemExit(f"set_defaults: {m.group(1)} has a default in "
                                 f"{out[m.group(1)][0].name} and {path.name}")
            out[m.group(1)] = (path, m.group(2).strip())
    return out


def set_defaults(assign: dict[str, str], csrc: Path = CSRC) -> list[str]:
    """Write the new defaults; returns the changes as lines. SystemExit if a flag is unknown."""
    known = defaults(csrc)
    unknown = [f for f in assign if f not in known]
    if unknown:
        raise SystemExit(f"set_defaults: no '#ifndef {unknown[0]}' / '#define' default in "
                         f"{csrc} (known: {', '.join(sorted(known))})")
    changes = []
    for flag, value in assign.items():
        path, old = known[flag]
        text = path.read_text()
        new_text, n = re.subn(rf"^(#ifndef {flag}\n#define {flag} ).+$", rf"\g<1>{value}", text,
                              count=1, flags=re.MULTILINE)
        assert n == 1, flag
        path.write_text(new_text)
        changes.append(f"{path.name}: {flag} {old} -> {value}")
    return changes


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assign", nargs="*", metavar="ANYPREC_X=V",
                    help="a flag and its new default value (e.g. ANYPREC_LEAN_ALU=1)")
    ap.add_argument("--list", action="store_true", help="print every flag and its default")
    args = ap.parse_args(argv)
    if args.list:
        for flag, (path, value) in sorted(defaults().items()):
            print(f"{flag} = {value}   ({path.name})")
        return
    if not args.assign:
        ap.error("give at least one ANYPREC_X=V (or --list)")
    assign = {}
    for a in args.assign:
        flag, eq, value = a.partition("=")
        if not eq or not re.fullmatch(r"ANYPREC_\w+", flag) or not value.strip():
            raise SystemExit(f"set_defaults: {a!r} is not ANYPREC_X=V")
        assign[flag] = value.strip()
    print("\n".join(set_defaults(assign)))


if __name__ == "__main__":
    sys.exit(main())
