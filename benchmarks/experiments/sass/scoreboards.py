"""Where a kernel waits for its global loads, from its SASS (no GPU).

    cuobjdump -sass -fun <mangled name> k.cubin | python3 benchmarks/experiments/sass/scoreboards.py

Every variable-latency instruction (a load) sets one of six scoreboards (SB0..SB5) when it
issues and clears it when its data is back; a later instruction that reads the data waits until
its scoreboard is clear. The scoreboard counts: the wait is for *every* load that set it, the
latest included. So a load issued one stage ahead is only one stage ahead if no instruction
waits on its scoreboard between its issue and the end of that stage.

The control bits sit in the high word of each 128-bit instruction (the second hex comment of
cuobjdump's listing): bits 46-48 (of that word) the scoreboard it sets (7: none), 52-57 the
scoreboards it waits for. This prints, in program order, each global load (LDG / LD) with the
scoreboard it sets and each instruction that waits on a scoreboard whose latest producer is a
global load, with the distance in instructions to that load; the summary lists the waits that
follow their load by fewer than --near instructions (default 30).
"""

from __future__ import annotations

import argparse
import re
import sys

INS = re.compile(r"\s+/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;\s+/\* (0x[0-9a-f]{16}) \*/")
HI = re.compile(r"^\s+/\* (0x[0-9a-f]{16}) \*/")


def parse(lines: list[str]) -> list[tuple[int, str, int]]:
    """(index, text, high control word) per instruction of the listing."""
    out = []
    for i, line in enumerate(lines):
        m = INS.match(line)
        if m and i + 1 < len(lines):
            h = HI.match(lines[i + 1])
            if h:
                out.append((int(m.group(1), 16) // 16, m.group(2), int(h.group(1), 16)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--near", type=int, default=30,
                    help="summarise the waits fewer than this many instructions after a load")
    ap.add_argument("--quiet", action="store_true", help="only the summary")
    args = ap.parse_args()
    ins = parse(sys.stdin.read().splitlines())
    if not ins:
        sys.exit("scoreboards.py: no instructions with control words on stdin (cuobjdump -sass)")
    is_global = re.compile(r"(@!?U?P\d\s+)?LDG?\b")  # LDG, LD (not LDS: shared memory)
    load_sbs = {(hi >> 46) & 7 for _, t, hi in ins if is_global.match(t)} - {7}
    # Per scoreboard, the latest instruction that set it, and whether it was a global load (a
    # wait is for every producer on its scoreboard; counted here only when the latest one is a
    # global load, e.g. not the LUT kernels' shared-memory lookups).
    last: dict[int, tuple[int, bool]] = {}
    near = []
    for idx, text, hi in ins:
        wait = (hi >> 52) & 0x3F
        waited = [b for b in sorted(load_sbs) if wait >> b & 1 and b in last and last[b][1]]
        if waited:
            dist = idx - max(last[b][0] for b in waited)
            if not args.quiet:
                print(f"{idx:6d}  wait SB{','.join(map(str, waited))} ({dist:4d} after its latest "
                      f"load)  {text[:70]}")
            if dist < args.near:
                near.append((idx, dist, text))
        sb = (hi >> 46) & 7
        if sb != 7:
            last[sb] = (idx, bool(is_global.match(text)))
            if is_global.match(text) and not args.quiet:
                print(f"{idx:6d}  load -> SB{sb}  {text[:70]}")
    print(f"global loads set scoreboard(s) {sorted(load_sbs)}; waits within {args.near} "
          f"instructions of their latest load: {len(near)}")
    for idx, dist, text in near:
        print(f"  {idx:6d} (+{dist}) {text[:80]}")


if __name__ == "__main__":
    main()
