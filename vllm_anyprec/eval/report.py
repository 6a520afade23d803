"""Result table, JSON and plot for perplexity runs (rows are ``ppl.PplResult``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Sequence

from .ppl import PplResult

TABLE_COLUMNS = ("label", "bits", "ppl", "tokens", "seconds", "tokens_per_s")


def format_table(rows: Sequence[PplResult]) -> str:
    header = f"{'label':<16} {'bits':>4} {'PPL':>10} {'tokens':>7} {'seconds':>8} {'tokens/s':>9}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r.label:<16} {r.bits:>4} {r.ppl:>10.3f} {r.tokens:>7} {r.seconds:>8.1f} "
                     f"{r.tokens_per_s:>9.1f}")
    return "\n".join(lines)


def write_json(rows: Sequence[PplResult], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=2) + "\n")


def read_json(path: str | Path) -> list[PplResult]:
    return [PplResult(**d) for d in json.loads(Path(path).read_text())]


def plot(rows: Sequence[PplResult], path: str | Path) -> None:
    """PPL vs weight bits, one line per quantized label, unquantized models as dashed lines."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers or CI
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(6, 4))
    quant = [r for r in rows if r.scheme != "none"]
    for label in dict.fromkeys(r.label for r in quant):
        pts = sorted((r.bits, r.ppl) for r in quant if r.label == label)
        ax.plot([b for b, _ in pts], [p for _, p in pts], marker="o", label=label)
    for r in rows:
        if r.scheme == "none":
            ax.axhline(r.ppl, linestyle="--", color="gray", label=f"{r.label} ({r.ppl:.2f})")
    ax.set_xlabel("weight bits")
    ax.set_ylabel("perplexity")
    # 3-bit models can be orders of magnitude worse than 8-bit ones.
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(sorted({r.bits for r in quant}))
    if rows:
        r0 = rows[0]
        ax.set_title(f"{r0.text_source}, {r0.tokens} tokens, seq {r0.seq_len}, {r0.backend}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
