"""The chunk loop's instructions on the path a whole chunk takes, from the SASS (no GPU).

    cuobjdump -sass -fun NAME x.cubin | python3 benchmarks/experiments/x_full/hot_path.py

`../sass/loops.py` counts a loop body once, branch-around paths included. Under
ANYPREC_X_FULL the chunk loop holds two copies of the x loads: unchecked ones for a chunk
inside K, and the checked ones (predicate, predicated LDG, zeroing) behind a forward branch that
whole chunks take over them. This prints the largest loop's static count, the instructions such
branches skip (a forward conditional branch inside the loop over a block with at least --min-x
cached 16-byte loads, `LDG.E.128.CONSTANT`, and no mma; the weights' loads are `.NA`, not
counted), and the difference: what a whole chunk issues per trip.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sass"))
from loops import parse as parse_listing
from pipes import loops_by_size


def parse(text):
    """[(address, predicated, opcode, branch target or None)] (loops.parse with guards)."""
    return parse_listing(text, preds=True)


def hot_path(ins, min_x=4):
    """(static, skipped, hot) instruction counts of the largest loop."""
    loops = loops_by_size([(a, op, t) for a, _, op, t in ins])
    if not loops:
        raise ValueError("no loop in this function")
    _, start, end = loops[0]
    body = [i for i in ins if start <= i[0] <= end]
    skipped = set()
    for a, pred, op, t in body:
        if t is None or not pred or t <= a or t > end + 16:
            continue
        block = [i for i in body if a < i[0] < t]
        # (no mma in it: a block with mma is a whole trip, e.g. the swapped loops' second one)
        if (sum(1 for i in block if i[2] == "LDG.E.128.CONSTANT") >= min_x
                and not any(i[2].startswith("HMMA") for i in block)):
            skipped.update(i[0] for i in block)
    return len(body), len(skipped), len(body) - len(skipped)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--min-x", type=int, default=4,
                    help="cached 16-byte loads that mark a checked-load block (default 4)")
    args = ap.parse_args()
    static, skipped, hot = hot_path(parse(sys.stdin.read()), args.min_x)
    print(f"loop {static} instructions, {skipped} behind whole-chunk branches, hot path {hot}")


if __name__ == "__main__":
    main()
