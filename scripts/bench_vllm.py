"""End-to-end latency and decode throughput through vLLM: anyprec against fp16 and GPTQ.

A Llama-3-8B-shaped model (a config only, ``load_format="dummy"``: random weights of the real
shapes; the anyprec plugin fills its packed layers with valid random codes) is served by vLLM in
its default mode (torch.compile + CUDA graphs, the engine core in a process of its own), one
engine per configuration, each started from a process of its own (an engine does not give all
of its GPU memory back). For each batch size B the script
times ``generate`` of B prompts of P random tokens with 1 and with O new tokens (ignore_eos,
prefix caching off, the median of --iters runs):

- prefill ms: the 1-token run (the prompt's forward pass and one sampled token);
- TPOT ms (time per output token): (t(O) - t(1)) / (O - 1), one decode step of the whole batch;
- decode tok/s: B / TPOT.

    python scripts/bench_vllm.py                                  # GPU: every configuration
    python scripts/bench_vllm.py --configs fp16,uniform4,gptq4 --batch-sizes 1,16

Configurations: ``fp16`` (no quantization), ``uniform<b>`` (anyprec uniform, group size 128),
``lut<b>`` (anyprec LUT), ``gptq<b>`` (b = 4 or 8, group size 128, symmetric, no act-order:
vLLM runs such a GPTQ config through its gptq_marlin method, whose kernel it picks: Machete on
Hopper where it takes the shape, else Marlin); bf16 activations with ``--dtype bfloat16``. The log line that names each layer kind's
kernel is kept with the results. Prints a table; writes
``<out>/vllm_<gpu>.json`` (the run's settings and one row per configuration and batch size),
``.png`` (TPOT per configuration and batch size, and the speedup over fp16) and ``.txt`` (the
table and the command). Nothing is written until every configuration has run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LLAMA3_8B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
    "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
    "num_hidden_layers": 32, "vocab_size": 128256, "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "hidden_act": "silu",
    "tie_word_embeddings": False, "bos_token_id": 128000, "eos_token_id": 128001,
}
# For checks on the CPU build of vLLM: the same architecture, small enough to start in seconds.
TINY = dict(LLAMA3_8B, hidden_size=256, intermediate_size=512, num_attention_heads=4,
            num_key_value_heads=2, num_hidden_layers=2, vocab_size=1024,
            max_position_embeddings=1024, bos_token_id=1, eos_token_id=2)
PRESETS = {"llama3-8b": LLAMA3_8B, "tiny": TINY}

CPU_KV_CACHE_MIB = 256  # --kv-cache-mib's default without a GPU
DEFAULT_CONFIGS = "fp16,gptq4,gptq8,uniform3,uniform4,uniform8,lut3,lut4,lut8"  # the record's set
# Every linear layer of a Llama block: vLLM's GPTQ quantizes only the modules this lists when
# there is no checkpoint to read them from (dummy weights).
GPTQ_MODULES = [["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                 "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]]
CONFIG_RE = re.compile(r"^(fp16|(uniform|lut|gptq)(\d))$")


class ConfigError(ValueError):
    """A configuration name this script does not know, with what it takes."""


def parse_config(name: str) -> tuple[str, int | None]:
    """``"uniform4"`` -> ("uniform", 4); ``"fp16"`` -> ("fp16", None)."""
    m = CONFIG_RE.match(name)
    if not m:
        raise ConfigError(f"bench_vllm: unknown configuration {name!r}: expected fp16, "
                          "uniform<b>, lut<b> (b = 2..8) or gptq<b> (b = 4 or 8)")
    if m.group(1) == "fp16":
        return "fp16", None
    kind, bits = m.group(2), int(m.group(3))
    if kind == "gptq" and bits not in (4, 8):
        raise ConfigError(f"bench_vllm: {name!r}: Marlin takes gptq4 or gptq8, got {bits} bits")
    if kind != "gptq" and not 2 <= bits <= 8:
        raise ConfigError(f"bench_vllm: {name!r}: anyprec serves b = 2..8, got {bits}")
    return kind, bits


def quantization_config(name: str) -> dict | None:
    """The ``quantization_config`` of config.json for a configuration (None: fp16)."""
    kind, bits = parse_config(name)
    if kind == "fp16":
        return None
    if kind == "gptq":
        return {"quant_method": "gptq", "bits": bits, "group_size": 128, "desc_act": False,
                "sym": True, "lm_head": False, "modules_in_block_to_quantize": GPTQ_MODULES}
    # The keys a converted checkpoint carries (format.py): 8 planes stored, w_bits served.
    from vllm_anyprec import format as fmt

    return fmt.AnyPrecConfig(scheme=kind, parent_bits=fmt.MAX_BITS, min_bits=fmt.MIN_SUPPORTED_BITS,
                             group_size=128 if kind == "uniform" else -1, w_bits=bits).to_dict()


def write_model_dir(path: Path, preset: str, name: str, dtype: str, layers: int | None) -> None:
    cfg = dict(PRESETS[preset], torch_dtype=dtype)
    if layers:
        cfg["num_hidden_layers"] = layers
    qc = quantization_config(name)
    if qc:
        cfg["quantization_config"] = qc
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(cfg, indent=1))


def decode_rows(timings: dict[int, tuple[float, float]], output_len: int) -> list[dict]:
    """Rows from {B: (median seconds with 1 new token, median seconds with O new tokens)}.

    TPOT is the difference of two medians over the O - 1 extra steps. Where the O-token run did
    not take longer than the 1-token run (timing noise larger than the decode steps: a loaded
    CPU, a tiny model, a short --output-len) there is no measurement, and the row says so with
    None rather than a zero or negative time."""
    rows = []
    for b, (t1, to) in sorted(timings.items()):
        tpot = (to - t1) / (output_len - 1)
        ok = tpot > 0
        rows.append({"batch": b, "prefill_ms": round(t1 * 1e3, 3), "total_ms": round(to * 1e3, 3),
                     "tpot_ms": round(tpot * 1e3, 4) if ok else None,
                     "decode_tok_s": round(b / tpot, 1) if ok else None})
    return rows


# ---------------------------------------------------------------------------------------------
# The child: one engine, every batch size.


def start_engine(name: str, *, preset: str, dtype: str, layers: int | None, batches: list[int],
                 max_model_len: int, eager: bool, kv_cache_mib: int | None,
                 gpu_memory_utilization: float, allow_reference: bool = False):
    """An LLM engine for configuration ``name`` on dummy weights (``batches``: the CUDA-graph
    sizes and the largest batch) and the seconds it took to start. On a GPU an anyprec engine
    must run the CUDA kernel: it fails at load rather than fall back to the reference unless
    ``allow_reference``."""
    os.environ.setdefault("VLLM_USE_FLASHINFER_SAMPLER", "0")
    kind, _ = parse_config(name)
    import torch
    from vllm import LLM

    if kind in ("uniform", "lut"):
        import vllm_anyprec

        vllm_anyprec.register()  # what the entry point does, for a checkout not pip-installed
        if torch.cuda.is_available() and not allow_reference:
            from vllm_anyprec.kernels import choose

            os.environ[choose.DISABLE_ENV] = "reference"
    kwargs = {"max_num_seqs": max(batches), "enable_prefix_caching": False,
              "max_model_len": max_model_len}
    if eager:
        kwargs["enforce_eager"] = True
    else:
        kwargs["compilation_config"] = {"cudagraph_capture_sizes": sorted(batches)}
    if torch.cuda.is_available() and not kv_cache_mib:
        kwargs["gpu_memory_utilization"] = gpu_memory_utilization
    else:
        # On the CPU build vLLM's own default reserved ~15 GB of RAM for a 2-layer model's KV
        # cache (a minute to allocate); the runs here need a few MiB.
        kwargs["kv_cache_memory_bytes"] = (kv_cache_mib or CPU_KV_CACHE_MIB) << 20
    with tempfile.TemporaryDirectory() as d:
        write_model_dir(Path(d), preset, name, dtype, layers)
        t0 = time.perf_counter()
        llm = LLM(model=d, load_format="dummy", skip_tokenizer_init=True, dtype=dtype, seed=0,
                  **kwargs)
        return llm, time.perf_counter() - t0


def timed_generate(llm, rng, vocab: int, batch: int, input_len: int, new_tokens: int) -> float:
    """Seconds to ``generate`` ``batch`` prompts of ``input_len`` random tokens with exactly
    ``new_tokens`` new tokens each (greedy, ignore_eos, no detokenization)."""
    from vllm import SamplingParams

    sp = SamplingParams(max_tokens=new_tokens, min_tokens=new_tokens, temperature=0.0,
                        ignore_eos=True, detokenize=False)
    ps = [{"prompt_token_ids": [rng.randrange(3, vocab) for _ in range(input_len)]}
          for _ in range(batch)]
    t0 = time.perf_counter()
    outs = llm.generate(ps, sp, use_tqdm=False)
    dt = time.perf_counter() - t0
    got = {len(o.outputs[0].token_ids) for o in outs}
    if got != {new_tokens}:
        raise RuntimeError(f"bench_vllm: asked {new_tokens} new tokens, got {sorted(got)}")
    return dt


def run_child(args) -> None:
    # vLLM's default engine (the engine core in a process of its own), as `vllm serve` and `vllm
    # bench latency` run it: what a user gets. (Session 46 once saw uniform4 at B = 1 take 3.45
    # ms per token with the engine in this process against 2.90 with the default engine;
    # session 47's in-process profiles did not repeat it.) The plugin registered by
    # start_engine reaches the engine core by fork (vLLM's default start method while this
    # process has no CUDA context); a pip-installed plugin reaches it by its entry point.
    import random

    batches = sorted(args.batch_sizes)
    llm, startup = start_engine(
        args.child, preset=args.preset, dtype=args.dtype, layers=args.layers, batches=batches,
        max_model_len=args.input_len + args.output_len + 8, eager=args.eager,
        kv_cache_mib=args.kv_cache_mib, gpu_memory_utilization=args.gpu_memory_utilization,
        allow_reference=args.allow_reference)
    vocab = PRESETS[args.preset]["vocab_size"]
    rng = random.Random(0)

    def timed(b, new_tokens):
        return timed_generate(llm, rng, vocab, b, args.input_len, new_tokens)

    timings = {}
    for b in batches:
        timed(b, min(args.output_len, 8))  # warm-up: first-use allocations and autotuning
        # The two runs alternate, so that a slow spell of the machine lands on both medians.
        ones, outs = [], []
        for _ in range(args.iters):
            ones.append(timed(b, 1))
            outs.append(timed(b, args.output_len))
        t1, to = statistics.median(ones), statistics.median(outs)
        timings[b] = (t1, to)
        print(f"[{args.child}] B={b}: 1 token {t1 * 1e3:.1f} ms, {args.output_len} tokens "
              f"{to * 1e3:.1f} ms", flush=True)
        if to <= t1:
            print(f"[{args.child}] B={b}: warning: {args.output_len} tokens took no longer than "
                  "1, so no TPOT (timing noise above the decode steps): raise --output-len or "
                  "--iters", flush=True)
    result = {"config": args.child, "startup_s": round(startup, 1),
              "rows": decode_rows(timings, args.output_len)}
    Path(args.result).write_text(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# The parent: one child per configuration, then the table, JSON and plot.


def table_lines(results: list[dict]) -> list[str]:
    """One line per (configuration, batch): prefill, TPOT, decode tok/s and TPOT speedup over
    fp16 at the same batch (where fp16 ran)."""
    fp16 = {r["batch"]: r["tpot_ms"] for res in results if res["config"] == "fp16"
            for r in res["rows"]}
    head = (f"{'config':>10} {'B':>4} {'prefill ms':>11} {'TPOT ms':>9} {'tok/s':>9} "
            f"{'x fp16':>7}")
    lines = [head]
    for res in results:
        for r in res["rows"]:
            x = fp16.get(r["batch"])
            t = r["tpot_ms"]
            xs = f"{x / t:7.2f}" if x and t else "      -"
            tok = f"{r['decode_tok_s']:9.1f}" if r["decode_tok_s"] else "        -"
            tp = f"{t:9.3f}" if t else "        -"
            lines.append(f"{res['config']:>10} {r['batch']:>4} {r['prefill_ms']:11.2f} {tp} {tok} "
                         f"{xs}")
    return lines


def plot(results: list[dict], path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    fp16 = {r["batch"]: r["tpot_ms"] for res in results if res["config"] == "fp16"
            for r in res["rows"]}
    for i, res in enumerate(results):
        color = f"C{i % 10}"  # one color per configuration in both panels
        pts = [(r["batch"], r["tpot_ms"]) for r in res["rows"] if r["tpot_ms"]]
        if pts:
            ax1.plot(*zip(*pts), marker="o", color=color, label=res["config"])
        sp = [(b, fp16[b] / t) for b, t in pts if fp16.get(b)]
        if sp and res["config"] != "fp16":
            ax2.plot(*zip(*sp), marker="o", color=color, label=res["config"])
    for ax, ylabel in ((ax1, "time per output token (ms)"), (ax2, "TPOT speedup over fp16")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch (sequences decoding at once)")
        ax.set_ylabel(ylabel)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    ax2.axhline(1.0, color="gray", lw=0.5)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


# What served the linear layers, from the engine's log: anyprec's choice (kernels/choose.py) and
# vLLM's for GPTQ ("Using MacheteLinearKernel for GPTQMarlinLinearMethod").
SERVED_RE = re.compile(r"served by the '(\w+)' kernel|Using (\w+Kernel\w*) for \w+")


def served_by(log: str) -> list[str]:
    return sorted({a or b for a, b in SERVED_RE.findall(log)})


def child_command(args, name: str, result: Path) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--result", str(result),
           "--preset", args.preset, "--dtype", args.dtype,
           "--batch-sizes", ",".join(map(str, args.batch_sizes)),
           "--input-len", str(args.input_len), "--output-len", str(args.output_len),
           "--iters", str(args.iters), "--gpu-memory-utilization",
           str(args.gpu_memory_utilization)]
    for flag, on in (("--eager", args.eager), ("--allow-reference", args.allow_reference)):
        if on:
            cmd.append(flag)
    if args.layers:
        cmd += ["--layers", str(args.layers)]
    if args.kv_cache_mib:
        cmd += ["--kv-cache-mib", str(args.kv_cache_mib)]
    return cmd


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name().replace(" ", "_")
    return "cpu"


def run_parent(args) -> None:
    names = args.configs
    out = Path(args.out)
    results, logs = [], {}
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            res_path = Path(d, f"{name}.json")
            t0 = time.perf_counter()
            proc = subprocess.run(child_command(args, name, res_path), check=False,
                                  capture_output=True, text=True, timeout=args.timeout)
            logs[name] = proc.stdout + proc.stderr
            if proc.returncode != 0 or not res_path.exists():
                tail = "\n".join(logs[name].splitlines()[-25:])
                raise SystemExit(f"bench_vllm: configuration {name} failed "
                                 f"(rc {proc.returncode}):\n{tail}")
            res = json.loads(res_path.read_text())
            res["kernels"] = served_by(logs[name])
            res["wall_s"] = round(time.perf_counter() - t0, 1)
            results.append(res)
            print(f"{name}: engine up in {res['startup_s']} s, {res['wall_s']} s in all, "
                  f"served by {', '.join(res['kernels']) or '(not logged)'}", flush=True)
    gpu = device_name()
    write_outputs(results, run_settings(args, gpu), out)
    if args.logs:
        for name, text in logs.items():
            Path(out, f"vllm_{gpu}_{name}.log").write_text(text)


def run_settings(args, device: str) -> dict:
    """What the JSON records of a run besides its rows: the device, the model and the command."""
    return {"device": device, "preset": args.preset,
            "layers": args.layers or PRESETS[args.preset]["num_hidden_layers"],
            "dtype": args.dtype, "input_len": args.input_len, "output_len": args.output_len,
            "iters": args.iters, "eager": args.eager,
            "command": "python " + " ".join(map(shlex.quote, sys.argv))}


# The settings that make two runs' rows comparable (merge checks them).
SAME_SETTINGS = ("device", "preset", "layers", "dtype", "input_len", "output_len", "iters",
                 "eager")


def merge(paths: list[str], out: Path) -> None:
    """Runs of the same settings (one per device call, say) as one: results in the given order,
    the commands of every part kept."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    first = parts[0]["settings"]
    for p, part in zip(paths, parts):
        diff = {k: (first[k], part["settings"][k]) for k in SAME_SETTINGS
                if part["settings"][k] != first[k]}
        if diff:
            raise SystemExit(f"bench_vllm: --merge: {p} differs from {paths[0]} in "
                             + ", ".join(f"{k} ({a!r} vs {b!r})" for k, (a, b) in diff.items()))
    names = [r["config"] for part in parts for r in part["results"]]
    if len(set(names)) != len(names):
        raise SystemExit(f"bench_vllm: --merge: a configuration appears twice: {names}")
    commands = [c for part in parts for c in (part["settings"].get("commands")
                                              or [part["settings"]["command"]])]
    settings = {**{k: first[k] for k in SAME_SETTINGS}, "commands": commands,
                "command": "python scripts/bench_vllm.py --merge " + " ".join(paths)}
    write_outputs([r for part in parts for r in part["results"]], settings, out)


def write_text_atomic(path: Path, text: str) -> None:
    """``text`` into ``path`` through a temporary name in the same folder: a reader (or a run cut
    short) sees the old file or the whole new one, never a part."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)


def write_outputs(results: list[dict], settings: dict, out: Path) -> None:
    """The table on stdout; <out>/vllm_<device>.json, .txt and .png, each through a temporary
    name (a failed run leaves no partial set)."""
    gpu = settings["device"]
    lines = table_lines(results)
    print("\n".join(lines))
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"vllm_{gpu}"
    commands = ([*settings["commands"], f"merged by: {settings['command']}"]
                if settings.get("commands") else [settings["command"]])
    for suffix, text in ((".json", json.dumps({"settings": settings, "results": results},
                                              indent=1)),
                         (".txt", "\n".join([*commands, f"device: {gpu}", *lines]) + "\n")):
        write_text_atomic(stem.with_suffix(suffix), text)
    png_tmp = out / f".vllm_{gpu}.tmp.png"
    plot(results, png_tmp, f"vLLM {settings['preset']} ({settings['layers']} layers, dummy "
         f"weights) on {gpu}, {settings['dtype']}, prompt {settings['input_len']}, "
         f"{settings['output_len']} new tokens")
    os.replace(png_tmp, stem.with_suffix(".png"))

def int_list(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma list of integers, got {text!r}")
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return vals


def config_list(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    try:
        for n in names:
            parse_config(n)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e))
    if not names:
        raise argparse.ArgumentTypeError("expected at least one configuration")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"a configuration appears twice: {text!r}")
    return names


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Each configuration runs in its own process (one engine each); the model is a "
               "config only with load_format=dummy, so no checkpoint or hub access is needed.")
    ap.add_argument("--configs", type=config_list, default=config_list(DEFAULT_CONFIGS),
                    help=f"comma list: fp16, uniform<b>, lut<b>, gptq4, gptq8 "
                         f"(default: {DEFAULT_CONFIGS})")
    ap.add_argument("--batch-sizes", type=int_list, default=[1, 16, 64],
                    help="comma list of batch sizes, each also a CUDA-graph capture size "
                         "(default: 1,16,64)")
    ap.add_argument("--input-len", type=int, default=128, help="prompt tokens (default: 128)")
    ap.add_argument("--output-len", type=int, default=128,
                    help="new tokens of the decode runs, >= 2 (default: 128)")
    ap.add_argument("--iters", type=int, default=3,
                    help="timed runs per (batch, length); the median counts (default: 3)")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="llama3-8b",
                    help="model shapes: llama3-8b (default) or tiny (CPU checks)")
    ap.add_argument("--layers", type=int, default=None,
                    help="decoder layers (default: the preset's; 32 for llama3-8b)")
    ap.add_argument("--dtype", choices=("float16", "bfloat16", "float32"), default="float16",
                    help="activation dtype (default: float16)")
    ap.add_argument("--eager", action="store_true",
                    help="no torch.compile and no CUDA graphs (vLLM's enforce_eager)")
    ap.add_argument("--gpu-memory-utilization", type=float, default=0.85,
                    help="vLLM's share of GPU memory per engine (default: 0.85)")
    ap.add_argument("--kv-cache-mib", type=int, default=None,
                    help="KV cache size in MiB instead of a GPU memory share (default on the "
                         f"CPU: {CPU_KV_CACHE_MIB})")
    ap.add_argument("--allow-reference", action="store_true",
                    help="on a GPU, let anyprec fall back to its reference kernel (default: "
                         "fail if the CUDA kernel cannot serve a layer)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds one configuration may take, start-up included (default: 900)")
    ap.add_argument("--out", default="benchmarks",
                    help="folder for vllm_<device>.json, .png and .txt (default: benchmarks)")
    ap.add_argument("--logs", action="store_true",
                    help="also write each engine's output to <out>/vllm_<device>_<config>.log")
    ap.add_argument("--merge", nargs="+", metavar="JSON",
                    help="combine stored runs of the same settings (e.g. one per device call) "
                         "into one set of outputs in --out, and exit (no GPU needed)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> None:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.output_len < 2:
        ap.error(f"--output-len: expected >= 2 (TPOT needs a decode step), got {args.output_len}")
    for flag, value in (("--input-len", args.input_len), ("--iters", args.iters)):
        if value < 1:
            ap.error(f"{flag}: expected >= 1, got {value}")
    if args.merge:
        merge(args.merge, Path(args.out))
    elif args.child:
        run_child(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
