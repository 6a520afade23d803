"""``python3 -m pytest ARGS`` in a dry run of a device script (run.sh): collects what the call
would run (the same files and -k expression, on this CPU machine) and prints the line a real run
ends with, ``N passed``. It fails (rc 5, an ``ERROR`` line as pytest prints them) when the
selection is empty or when a name in -k matches no test: on the device such a typo silently
drops those tests from the run."""

import re
import sys

import pytest
from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression

# pytest's own -k identifier syntax (_pytest/mark/expression.py)
IDENT = re.compile(r"(?::?\w|:|\+|-|\.|\[|\]|\\|/)+")


class Collector:
    def __init__(self):
        self.items = []

    def pytest_collection_modifyitems(self, items):
        self.items = list(items)


def split_args(argv: list[str]) -> tuple[str | None, list[str]]:
    """(-k expression, the other arguments) of a pytest command line."""
    if argv[:2] == ["-m", "pytest"]:
        argv = argv[2:]
    kexpr, rest, i = None, [], 0
    while i < len(argv):
        if argv[i] == "-k":
            kexpr, i = argv[i + 1], i + 2
        elif argv[i].startswith("-k") and len(argv[i]) > 2:
            kexpr, i = argv[i][2:], i + 1
        else:
            rest.append(argv[i])
            i += 1
    return kexpr, rest


def main() -> int:
    kexpr, rest = split_args(sys.argv[1:])
    col = Collector()
    # -p no:cacheprovider and -q may already be in rest; both are harmless twice
    code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *rest], plugins=[col])
    if code not in (0, 5):
        print(f"ERROR dry run: collection failed (pytest rc {code}) for {rest}")
        return int(code)
    items = col.items
    if kexpr:
        matchers = [KeywordMatcher.from_item(it) for it in items]
        selected = [it for it, m in zip(items, matchers)
                    if Expression.compile(kexpr).evaluate(m)]
        dead = [t for t in IDENT.findall(kexpr) if t not in ("and", "or", "not")
                and not any(Expression.compile(t).evaluate(m) for m in matchers)]
        for t in dead:
            print(f"ERROR dry run: -k name {t!r} matches no test in {rest}")
        if dead:
            return 5
    else:
        selected = items
    if not selected:
        print(f"ERROR dry run: no tests selected ({rest}, -k {kexpr!r})")
        return 5
    print(f"{len(selected)} passed in 0.00s (dry run: collected, not run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
