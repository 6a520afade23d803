"""Where a vLLM decode step's GPU time goes: the kernels of one step, by kind, per configuration.

Session 46's record left a gap: the kernel record predicts 2.55 ms per token for anyprec uniform
4 at B = 1 on Llama-3-8B and 2.90 ms were measured. This runs one configuration's engine in this
process (the torch profiler sees only its own process's kernels, so
VLLM_ENABLE_V1_MULTIPROCESSING=0), profiles ``generate`` of B prompts with 1 and with O new
tokens (CUDA activity only: CUPTI reports the kernels that CUDA graphs replay), and takes the
difference over O - 1 decode steps:

- per kernel kind (anyprec's, dense GEMM (cuBLAS / CUTLASS: the fp16 layers and the lm_head),
  GPTQ's Machete / Marlin, attention, torch.compile's Triton kernels, the rest): time and count
  per step;
- busy ms per step: the union of the kernels' intervals (the GPU working), against the step's
  wall time in the same profiled runs (the gap is the GPU waiting for the host);
- the top kernels by time per step.

    python benchmarks/experiments/vllm_e2e/profile_step.py --config uniform4 --batch-sizes 1,64 \
        --out DIR

Writes DIR/profile_<config>.json and prints a table. One configuration per process (an engine
does not give all of its GPU memory back); the model and engine settings are bench_vllm.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import bench_vllm

KINDS = [  # first match wins: torch.compile's Triton kernels carry the names of the ops they
    # fused (triton_red_fused_..._gemm_uniform_0 is a norm beside our op), so they go first
    ("triton", re.compile(r"^triton_", re.IGNORECASE)),
    ("anyprec", re.compile(r"anyprec", re.IGNORECASE)),
    ("gptq", re.compile(r"machete|marlin", re.IGNORECASE)),
    ("attention", re.compile(r"flash|attn|attention|paged|reshape_and_cache", re.IGNORECASE)),
    ("dense_gemm", re.compile(r"gemm|gemv|nvjet|xmma|cutlass|sm90_|cublas", re.IGNORECASE)),
]


def kind_of(name: str) -> str:
    for kind, pat in KINDS:
        if pat.search(name):
            return kind
    return "other"


def union_us(intervals: list[tuple[float, float]]) -> float:
    """Total length of the union of [start, end) intervals (µs)."""
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def kernels_of(prof) -> list[tuple[str, float, float]]:
    """(name, start µs, duration µs) of every GPU kernel / memcpy / memset in a profile, read from
    its Chrome trace (the format every torch version writes)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "trace.json")
        prof.export_chrome_trace(path)
        events = json.loads(Path(path).read_text())["traceEvents"]
    return [(e["name"], float(e["ts"]), float(e.get("dur", 0.0))) for e in events
            if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]


def summarize(k1, ko, steps: int) -> dict:
    """Per-decode-step figures: the O-token run minus the 1-token run, over O - 1 steps."""
    by_kind: dict[str, list[float]] = {}
    by_name: dict[str, list[float]] = {}
    for sign, ks in ((-1, k1), (1, ko)):
        for name, _, dur in ks:
            for table, key in ((by_kind, kind_of(name)), (by_name, name)):
                acc = table.setdefault(key, [0.0, 0.0])
                acc[0] += sign * dur
                acc[1] += sign
    busy = (union_us([(s, s + d) for _, s, d in ko]) - union_us([(s, s + d) for _, s, d in k1]))
    top = sorted(by_name.items(), key=lambda kv: -kv[1][0])[:25]
    return {
        "kernel_ms_per_step": round(sum(v[0] for v in by_kind.values()) / steps / 1e3, 4),
        "busy_ms_per_step": round(busy / steps / 1e3, 4),
        "kinds": {k: {"ms": round(v[0] / steps / 1e3, 4), "count": round(v[1] / steps, 2)}
                  for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1][0])},
        "top": [{"name": n[:160], "kind": kind_of(n), "us": round(v[0] / steps, 2),
                 "count": round(v[1] / steps, 2)} for n, v in top],
    }


def reclassify(result: dict) -> dict:
    """A result's kinds again from its top kernels, by this classifier (session 47's first
    profiles counted the Triton norms fused beside our op as dense GEMM); the top 25 hold > 99%
    of a step's kernel time."""
    for s in result["batches"].values():
        kinds: dict[str, list[float]] = {}
        for t in s["top"]:
            t["kind"] = kind_of(t["name"])
            acc = kinds.setdefault(t["kind"], [0.0, 0.0])
            acc[0] += t["us"]
            acc[1] += t["count"]
        s["kinds"] = {k: {"ms": round(v[0] / 1e3, 4), "count": round(v[1], 2)}
                      for k, v in sorted(kinds.items(), key=lambda kv: -kv[1][0])}
        s["kinds_source"] = "top kernels, reclassified"
    return result


def write_json(obj: dict, path: Path) -> None:
    bench_vllm.write_text_atomic(path, json.dumps(obj, indent=1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", help="fp16, uniform<b>, lut<b> or gptq<b> (required to profile)")
    ap.add_argument("--batch-sizes", type=bench_vllm.int_list, default=[1, 64],
                    help="batch sizes to profile (default 1,64)")
    ap.add_argument("--input-len", type=int, default=128, help="prompt tokens (default 128)")
    ap.add_argument("--output-len", type=int, default=33,
                    help="new tokens of the long run; O - 1 decode steps are averaged (default 33)")
    ap.add_argument("--out", help="folder for profile_<config>.json (required to profile)")
    ap.add_argument("--preset", choices=sorted(bench_vllm.PRESETS), default="llama3-8b",
                    help="model shapes (default llama3-8b; tiny: a check of this script on the "
                    "CPU build, where no kernel is seen)")
    ap.add_argument("--reclassify", nargs="+", metavar="JSON",
                    help="instead of profiling: rewrite these results' kinds by the current "
                    "classifier, from their top kernels")
    args = ap.parse_args(argv)
    if args.reclassify:
        for f in args.reclassify:
            write_json(reclassify(json.loads(Path(f).read_text())), Path(f))
        return
    if not args.config or not args.out:
        ap.error("--config and --out are required to profile")
    try:
        bench_vllm.parse_config(args.config)
    except bench_vllm.ConfigError as e:
        ap.error(str(e))
    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"  # the engine in this process
    import torch
    from torch.profiler import ProfilerActivity, profile

    cuda = torch.cuda.is_available()
    batches = sorted(args.batch_sizes)
    llm, _ = bench_vllm.start_engine(
        args.config, preset=args.preset, dtype="float16", layers=None, batches=batches,
        max_model_len=args.input_len + args.output_len + 8, eager=not cuda, kv_cache_mib=None,
        gpu_memory_utilization=0.85)
    vocab = bench_vllm.PRESETS[args.preset]["vocab_size"]
    rng = random.Random(0)

    def run(b, n):
        return bench_vllm.timed_generate(llm, rng, vocab, b, args.input_len, n)

    result = {"config": args.config, "device": bench_vllm.device_name(),
              "output_len": args.output_len, "batches": {}}
    steps = args.output_len - 1
    for b in batches:
        run(b, 8)  # warm-up
        plain = [run(b, 1), run(b, args.output_len)]
        got = []
        for n in (1, args.output_len):
            with profile(activities=[ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU]) as prof:
                t = run(b, n)
            got.append((t, kernels_of(prof)))
        (t1, k1), (to, ko) = got
        s = summarize(k1, ko, steps)
        s["wall_ms_per_step"] = round((to - t1) / steps * 1e3, 4)
        s["wall_ms_per_step_unprofiled"] = round((plain[1] - plain[0]) / steps * 1e3, 4)
        result["batches"][str(b)] = s
        print(f"[{args.config}] B={b}: wall {s['wall_ms_per_step']:.3f} ms/step "
              f"(unprofiled {s['wall_ms_per_step_unprofiled']:.3f}), GPU busy "
              f"{s['busy_ms_per_step']:.3f}, kernels {s['kernel_ms_per_step']:.3f}", flush=True)
        for k, v in s["kinds"].items():
            print(f"    {k:>11}: {v['ms']:7.3f} ms  x{v['count']:g}")
        for t in s["top"][:12]:
            print(f"    {t['us']:9.2f} us x{t['count']:<6g} {t['kind']:>10}  {t['name'][:90]}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(result, out / f"profile_{args.config}.json")


if __name__ == "__main__":
    main()
