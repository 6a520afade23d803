"""``AnyPrecLinearMethod``: parameters, loading checks, narrowing to the served precision, apply.

Parameters are created at the checkpoint's full width (``parent_bits`` planes, every precision's
scales or tables) because that is what the checkpoint stores; ``process_weights_after_loading``
keeps only what precision ``b`` reads, once, and frees the rest. Tensor-parallel slicing follows
the canonical layout of ``format.py``:

========  =================  ==========  =========  ======================================
tensor    shape              output_dim  input_dim  note
========  =================  ==========  =========  ======================================
qweight   ``[P, N, Kw]``     1           2          K packed by 32: shard offsets along N
                                                    are in elements and need no change
scales    ``[nb, N, G]``     1           2          replicated along K when group_size=-1
zeros     ``[nb, N, G]``     1           2          idem
lut       ``[N, L]``         0           -          replicated in row-parallel layers
========  =================  ==========  =========  ======================================
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from .. import format as fmt
from .. import reference
from ..format import FormatError
from ..kernels import KernelSpec, choose_kernel
from . import compat

_DUMMY_SEED = 1234
# vLLM fills dummy float weights from U(-1e-3, 1e-3); dummy anyprec layers match that range.
_DUMMY_RANGE = 1e-3
_QKV_INDEX = {"q": 0, "k": 1, "v": 2}


def _shard_keys(shard_id: Any) -> list[Any]:
    """What one loader call fills: ``None`` = the whole fused layer (fused on disk)."""
    if isinstance(shard_id, tuple):
        return list(shard_id)
    return [shard_id]


class AnyPrecLinearMethod(compat.LinearMethodBase):
    """One instance per linear layer (it knows the layer's name for error messages)."""

    def __init__(self, quant_config, prefix: str) -> None:
        self.quant_config = quant_config
        self.prefix = prefix
        self.kernel = None

    # --- creation -------------------------------------------------------------------------------
    def create_weights(self, layer: torch.nn.Module, input_size_per_partition: int,
                       output_partition_sizes: list[int], input_size: int, output_size: int,
                       params_dtype: torch.dtype, **extra_weight_attrs) -> None:
        cfg = self.quant_config.served_config()
        k = input_size_per_partition
        n = sum(output_partition_sizes)
        if k != input_size:  # row-parallel: K is split across ranks
            need = fmt.PACK_WIDTH if cfg.group_size == -1 else cfg.group_size
            if k % fmt.PACK_WIDTH or k % need:
                raise ValueError(
                    f"{self.prefix}: tensor parallelism gives each rank K={k} of {input_size} "
                    f"input features; anyprec needs a multiple of {fmt.PACK_WIDTH} (one bitplane "
                    f"word) and of group_size={cfg.group_size}: use a smaller tensor_parallel_size")
        inner_loader = extra_weight_attrs.pop("weight_loader")
        shapes = fmt.expected_shapes(cfg, n, k)

        def make(suffix: str) -> torch.nn.Parameter:
            shape, dtype = shapes[suffix]
            data = torch.empty(shape, dtype=dtype)
            loader = self._tracking_loader(layer, suffix, inner_loader)
            if suffix == fmt.QWEIGHT:
                return compat.PackedvLLMParameter(
                    data=data, output_dim=1, input_dim=2, packed_dim=2,
                    packed_factor=fmt.PACK_WIDTH, weight_loader=loader)
            if suffix == fmt.LUT:
                return compat.ChannelQuantScaleParameter(data=data, output_dim=0,
                                                         weight_loader=loader)
            if cfg.group_size == -1:  # one group per row: nothing to split along K
                return compat.ChannelQuantScaleParameter(data=data, output_dim=1,
                                                         weight_loader=loader)
            return compat.GroupQuantScaleParameter(data=data, output_dim=1, input_dim=2,
                                                   weight_loader=loader)

        for suffix in fmt.TENSOR_SUFFIXES[cfg.scheme]:
            param = make(suffix)
            layer.register_parameter(suffix, param)
            compat.set_weight_attrs(param, extra_weight_attrs)
        # suffix -> shard keys loaded so far (see _tracking_loader)
        layer.anyprec_loaded = {}
        layer.anyprec_in_features = k
        layer.anyprec_out_features = n

    # --- loading checks -------------------------------------------------------------------------
    def _required_shards(self, layer: torch.nn.Module) -> list[Any]:
        if isinstance(layer, compat.QKVParallelLinear):
            return ["q", "k", "v"]
        if isinstance(layer, compat.MergedColumnParallelLinear):
            return list(range(len(layer.output_sizes)))
        return [None]

    def checkpoint_name(self, layer: torch.nn.Module, shard: Any, suffix: str) -> str:
        """The tensor's name in the checkpoint (``q_proj.qweight``, not ``qkv_proj.qweight``)."""
        if shard is None:
            return f"{self.prefix}.{suffix}"
        idx = _QKV_INDEX.get(shard, shard) if isinstance(shard, str) else shard
        names = self.quant_config.unfused_names(self.prefix)
        base = names[idx] if isinstance(idx, int) and idx < len(names) else (
            f"{self.prefix}[{shard}]")
        return f"{base}.{suffix}"

    def _checkpoint_out_features(self, layer: torch.nn.Module, shard: Any) -> int | None:
        """Output rows the checkpoint stores for one shard (before TP slicing)."""
        if isinstance(layer, compat.QKVParallelLinear):
            sizes = {"q": layer.total_num_heads * layer.head_size,
                     "k": layer.total_num_kv_heads * layer.head_size,
                     "v": layer.total_num_kv_heads * getattr(layer, "v_head_size",
                                                            layer.head_size)}
            return sum(sizes.values()) if shard is None else sizes.get(shard)
        if isinstance(layer, compat.MergedColumnParallelLinear):
            if shard is None:
                return sum(layer.output_sizes)
            return sum(layer.output_sizes[i] for i in _shard_keys(shard))
        return getattr(layer, "output_size", None)

    def _check_incoming(self, layer: torch.nn.Module, suffix: str, name: str,
                        loaded: torch.Tensor, shard: Any) -> None:
        cfg = self.quant_config.served_config()
        n = self._checkpoint_out_features(layer, shard)
        k = layer.input_size  # the checkpoint stores the full K; TP slices it afterwards
        shape, dtype = fmt.expected_shapes(cfg, n if n is not None else -1, k)[suffix]
        if loaded.dtype != dtype:
            raise FormatError(f"{name}: expected dtype {dtype}, got {loaded.dtype}")
        out_dim = 0 if suffix == fmt.LUT else 1
        got = list(loaded.shape)
        want = list(shape)
        if n is None and len(got) == len(want):
            want[out_dim] = got[out_dim]  # unknown layer kind: vLLM's loader checks N
        if got != want:
            raise FormatError(f"{name}: expected shape {want}, got {got}")

    def _tracking_loader(self, layer: torch.nn.Module, suffix: str,
                         inner: Callable) -> Callable:
        """Wrap vLLM's loader: check the incoming tensor, then record that it arrived."""

        def load(param: torch.nn.Parameter, loaded_weight: torch.Tensor, *args, **kwargs):
            shard = args[0] if args else kwargs.get("loaded_shard_id")
            name = self.checkpoint_name(layer, shard, suffix)
            self._check_incoming(layer, suffix, name, loaded_weight, shard)
            try:
                inner(param, loaded_weight, *args, **kwargs)
            except (AssertionError, RuntimeError, IndexError) as e:
                raise FormatError(f"{name}: shape {list(loaded_weight.shape)} does not fit "
                                  f"parameter {self.prefix}.{suffix} of shape "
                                  f"{list(param.shape)} ({type(e).__name__}: {e})") from e
            layer.anyprec_loaded.setdefault(suffix, set()).update(_shard_keys(shard))
            self.quant_config.layers_with_tensors.add(self.prefix)

        return load

    def _check_complete(self, layer: torch.nn.Module) -> bool:
        """True if the checkpoint filled the layer, False if nothing was loaded (dummy)."""
        cfg = self.quant_config.served_config()
        loaded: dict[str, set] = layer.anyprec_loaded
        suffixes = fmt.TENSOR_SUFFIXES[cfg.scheme]
        required = self._required_shards(layer)
        if not loaded:
            if self.quant_config.layers_with_tensors:
                raise FormatError(f"{self.checkpoint_name(layer, required[0], suffixes[0])}: "
                                  f"missing from the checkpoint (other anyprec layers loaded)")
            return False
        for suffix in suffixes:
            got = loaded.get(suffix, set())
            if None in got:
                continue
            for shard in required:
                if shard not in got:
                    raise FormatError(f"{self.checkpoint_name(layer, shard, suffix)}: missing "
                                      f"from the checkpoint (the layer's other tensors loaded)")
        return True

    # --- after loading --------------------------------------------------------------------------
    def process_weights_after_loading(self, layer: torch.nn.Module) -> None:
        cfg = self.quant_config.served_config()
        from_checkpoint = self._check_complete(layer)
        n, k = layer.anyprec_out_features, layer.anyprec_in_features
        tensors = {s: getattr(layer, s).data for s in fmt.TENSOR_SUFFIXES[cfg.scheme]}
        if from_checkpoint:
            fmt.validate_layer(cfg, self.prefix, tensors, n, k)
        narrowed = self._narrow(cfg, tensors)
        if not from_checkpoint:
            self._fill_dummy(cfg, narrowed)
        for suffix, t in narrowed.items():
            delattr(layer, suffix)
            layer.register_parameter(suffix, torch.nn.Parameter(t, requires_grad=False))
        del layer.anyprec_loaded
        spec = KernelSpec(scheme=cfg.scheme, bits=cfg.w_bits, group_size=cfg.group_size,
                          in_features=k, out_features=n, act_dtype=layer.params_dtype,
                          device_type=narrowed[fmt.QWEIGHT].device.type)
        self.kernel = choose_kernel(spec)
        self.kernel.process_weights(layer)

    @staticmethod
    def _narrow(cfg: fmt.AnyPrecConfig, t: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Keep what precision b reads. clone() so that the full-width storage is freed."""
        b, i = cfg.w_bits, cfg.w_bits - cfg.min_bits
        out = {fmt.QWEIGHT: t[fmt.QWEIGHT][:b].clone()}
        if cfg.scheme == "uniform":
            out[fmt.SCALES] = t[fmt.SCALES][i].clone()
            out[fmt.ZEROS] = t[fmt.ZEROS][i].clone()
        else:
            out[fmt.LUT] = reference.select_lut(t[fmt.LUT], b, cfg.min_bits).contiguous()
        return out

    @staticmethod
    def _fill_dummy(cfg: fmt.AnyPrecConfig, t: dict[str, torch.Tensor]) -> None:
        """Valid random weights for ``load_format="dummy"`` (benchmarks): |W| <= 1e-3."""
        q = t[fmt.QWEIGHT]
        g = torch.Generator(device=q.device)
        g.manual_seed(_DUMMY_SEED)
        q.copy_(torch.randint(-2 ** 31, 2 ** 31, q.shape, generator=g, dtype=torch.int64,
                              device=q.device).to(torch.int32))
        levels = 2 ** cfg.w_bits - 1
        if cfg.scheme == "uniform":
            t[fmt.SCALES].fill_(2 * _DUMMY_RANGE / levels)
            t[fmt.ZEROS].fill_(levels / 2)
        else:
            lut = t[fmt.LUT]
            lut.copy_(torch.empty(lut.shape, dtype=torch.float32, device=lut.device)
                      .uniform_(-_DUMMY_RANGE, _DUMMY_RANGE, generator=g))

    def apply(self, layer: torch.nn.Module, x: torch.Tensor,
              bias: torch.Tensor | None = None) -> torch.Tensor:
        return self.kernel.apply(layer, x, bias)

