"""The dequantize kernel alone (tiled bitplanes -> dense fp16 [N, K], what the dense path feeds
cuBLAS): µs and the DRAM rate it reaches (device, repo root).

    PYTHONPATH=$PWD python3 benchmarks/experiments/dequant_v2/bench.py --out $OUT [--env A=1,A=0]
    PYTHONPATH=$PWD python3 benchmarks/experiments/dequant_v2/bench.py --profile lut 8 4096 28672

Llama-3-8B weights, b = 2..8, both schemes; CUDA-graph timing with the weights rotated past L2
(scripts/bench_kernels.py's time_graph, copies_for). The rate counts the bytes the kernel must
move: the dense output (2 N K) plus the packed weights (b N K / 8) and the scales / zeros or
tables. ``--env`` times each cell once per setting of run-time variables (read by the extension
once per process, so each setting runs in its own process) and prints them side by side with
old / new ratios; writes dequant.json (rows K, N, bits, scheme, us per setting) and dequant.png.
``--profile SCHEME BITS K N`` only runs the op 4 times (for ncu).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

SHAPES = [(4096, 6144), (4096, 4096), (4096, 28672), (14336, 4096)]


def make(scheme: str, bits: int, k: int, n: int):
    """One weight's dequantize call (int32 tiled words, random codes)."""
    import torch

    from vllm_anyprec.kernels import cuda_layout

    q = torch.randint(-2**31, 2**31 - 1, cuda_layout.tiled_shape(bits, n, k), dtype=torch.int32,
                      device="cuda")
    if scheme == "uniform":
        s = (torch.rand(n, k // 128, device="cuda") * 0.01 + 1e-3).half()
        z = (torch.rand(n, k // 128, device="cuda") * (2 ** bits - 1)).half()
        return lambda: torch.ops.anyprec.dequant_uniform(q, s, z, bits, 128, k, n,
                                                         torch.float16)
    lut = (torch.randn(n, 2 ** bits, device="cuda") * 0.02).half()
    return lambda: torch.ops.anyprec.dequant_lut(q, lut, bits, k, n)


def moved_bytes(scheme: str, bits: int, k: int, n: int) -> int:
    side = n * (k // 128) * 4 if scheme == "uniform" else n * 2 ** bits * 2
    return 2 * n * k + bits * n * k // 8 + side


def measure(bits_list, schemes) -> list[dict]:
    import torch

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
    from bench_kernels import copies_for, time_graph

    import vllm_anyprec._C  # noqa: F401  (registers the ops)
    from vllm_anyprec.kernels import cuda_layout

    rows = []
    for k, n in SHAPES:
        for scheme in schemes:
            for bits in bits_list:
                # Copies past L2 by what each call reads (int32 words) and writes (fp16).
                nbytes = math.prod(cuda_layout.tiled_shape(bits, n, k)) * 4 + 2 * n * k
                calls = [make(scheme, bits, k, n) for _ in range(copies_for(nbytes))]
                us = time_graph(calls)
                rows.append(dict(K=k, N=n, bits=bits, scheme=scheme, us=us))
                del calls
                torch.cuda.empty_cache()
    return rows


def plot(table, names, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), squeeze=False)
    for ax, scheme in zip(axes[0], ("uniform", "lut")):
        for name in names:
            for (k, n) in SHAPES:
                sel = sorted((r for r in table if r["scheme"] == scheme and (r["K"], r["N"]) ==
                              (k, n)), key=lambda r: r["bits"])
                if not sel:
                    continue
                ax.plot([r["bits"] for r in sel],
                        [moved_bytes(scheme, r["bits"], k, n) / r["us"][name] / 1e6 for r in sel],
                        marker="o", ls="-" if name == names[0] else "--",
                        label=f"{name} ({k}, {n})")
        ax.set_title(f"dequantize, {scheme}")
        ax.set_xlabel("bits")
        ax.set_ylabel("TB/s moved")
        ax.set_ylim(0, 5)
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="device_out", help="folder for dequant.json / .png")
    ap.add_argument("--bits", default="2,3,4,5,6,7,8", help="bit widths, comma-separated")
    ap.add_argument("--schemes", default="uniform,lut", help="uniform and / or lut")
    ap.add_argument("--env", default="",
                    help="run-time settings to compare, comma-separated NAME=VALUE, one process "
                         "each (for a switch a variant reads from the environment: NAME=0,NAME=1);"
                         " the first is the baseline of the ratios. Empty: the environment as it "
                         "is")
    ap.add_argument("--profile", nargs=4, metavar=("SCHEME", "BITS", "K", "N"),
                    help="only run one dequantize 4 times (for ncu)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    bits_list = [int(b) for b in args.bits.split(",")]
    schemes = args.schemes.split(",")
    bad = set(schemes) - {"uniform", "lut"}
    if bad:
        ap.error(f"--schemes: expected uniform and / or lut, got {', '.join(sorted(bad))}")
    if args.profile:
        import torch

        import vllm_anyprec._C  # noqa: F401

        scheme, bits, k, n = args.profile[0], *map(int, args.profile[1:])
        run = make(scheme, bits, k, n)
        for _ in range(4):
            run()
        torch.cuda.synchronize()
        return
    if args.child:  # one setting: rows as JSON on stdout
        print(json.dumps(measure(bits_list, schemes)))
        return
    settings = [s for s in args.env.split(",") if s] or ["as-is"]
    per = {}
    for s in settings:
        env = dict(os.environ)
        if s != "as-is":
            name, _, value = s.partition("=")
            env[name] = value
        cmd = [sys.executable, __file__, "--child", "--bits", args.bits, "--schemes", args.schemes]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if res.returncode:
            raise SystemExit(f"dequant bench ({s}) failed:\n{res.stderr[-3000:]}")
        per[s] = json.loads(res.stdout.strip().splitlines()[-1])
    table = []
    for i, r in enumerate(per[settings[0]]):
        table.append(dict(K=r["K"], N=r["N"], bits=r["bits"], scheme=r["scheme"],
                          us={s: per[s][i]["us"] for s in settings}))
    head = f"{'K':>6} {'N':>6} {'sch':>7} {'b':>2}" + "".join(
        f" {s[-14:]:>14} {'TB/s':>5}" for s in settings) + "".join(
        f" {'ratio':>6}" for _ in settings[1:])
    print(head)
    for r in table:
        mb = moved_bytes(r["scheme"], r["bits"], r["K"], r["N"])
        line = f"{r['K']:>6} {r['N']:>6} {r['scheme']:>7} {r['bits']:>2}"
        line += "".join(f" {r['us'][s]:>14.1f} {mb / r['us'][s] / 1e6:>5.2f}" for s in settings)
        line += "".join(f" {r['us'][settings[0]] / r['us'][s]:>6.3f}" for s in settings[1:])
        print(line)
    for s in settings[1:]:
        for scheme in schemes:
            ratios = [r["us"][settings[0]] / r["us"][s] for r in table if r["scheme"] == scheme]
            print(f"{scheme}: {settings[0]} / {s} geomean "
                  f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.3f} "
                  f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {len(ratios)} cells)")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "dequant.json"), "w") as f:
        json.dump(table, f, indent=1)
    plot(table, settings, os.path.join(args.out, "dequant.png"))


if __name__ == "__main__":
    main()
