"""Compressed copies of a trained LIIF: the same model in float16, with an int8 MLP decoder, or with its smallest
weights pruned (globally or layer by layer). The copies are new modules; the model given is never touched.

* ``fp16``: every parameter (and, through :func:`explain.upscale`, every input and activation) in half precision;
* ``int8``: the MLP decoder in int8. PyTorch's dynamic quantisation covers ``nn.Linear`` only, not ``nn.Conv2d``,
  so the convolutional encoder stays float32. LIIF's query reads the MLP's first layer as a convolution kernel
  (its code part is evaluated on the whole latent grid), so that layer gets int8 *weights* (symmetric per-tensor
  round-to-nearest) with float activations; layers 2… are dynamically quantised ``nn.Linear`` modules;
* ``pruneNN`` / ``lpruneNN``: magnitude pruning of NN % of the Conv2d and Linear weights, ranked together
  (global) or per layer; biases are kept and the counts are exact (ties broken by position).
"""

from __future__ import annotations

import copy
import re
import warnings
from typing import TYPE_CHECKING

import torch
from torch import nn

from . import load_model

if TYPE_CHECKING:
    from .liif import LIIF


def prunable_weights(model: nn.Module) -> list[torch.Tensor]:
    """The weight tensors of every Conv2d and Linear layer (what global magnitude pruning ranks)."""
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries among :func:`prunable_weights` (0 for a model with none)."""
    weights = prunable_weights(model)
    total = sum(w.numel() for w in weights)
    return float(sum(int((w == 0).sum()) for w in weights) / total) if total else 0.0


def _zero_smallest(weights: list[torch.Tensor], amount: float) -> None:
    """Zero the round(amount · N) smallest-|w| entries among ``weights`` (N entries in all; ties by position)."""
    flat = torch.cat([w.detach().abs().flatten().float() for w in weights])
    k = int(round(amount * flat.numel()))
    keep = torch.ones_like(flat, dtype=torch.bool)
    if k:
        keep[torch.argsort(flat, stable=True)[:k]] = False
    with torch.no_grad():
        start = 0
        for w in weights:
            n = w.numel()
            w.mul_(keep[start: start + n].view_as(w).to(w.dtype))
            start += n


def magnitude_prune(model: LIIF, amount: float, scope: str = "global") -> LIIF:
    """A copy of ``model`` with the smallest-|w| weights of its Conv2d / Linear layers set to zero.

    scope "global": round(amount · N) of all N weights ranked together; "layer": round(amount · n) of each
    layer's own n weights. Ties are broken by position, so the counts are exact; biases are kept.
    """
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount < 1:
        raise ValueError(f"pruning amount must be a fraction in [0, 1), got {amount!r}")
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    pruned = copy.deepcopy(model)
    weights = prunable_weights(pruned)
    for group in ([weights] if scope == "global" else [[w] for w in weights]):
        _zero_smallest(group, amount)
    return pruned


def half_copy(model: LIIF) -> LIIF:
    """A float16 copy (parameters and, through :func:`explain.upscale`, inputs and activations)."""
    return copy.deepcopy(model).half()


def _int8_weight(weight: torch.Tensor) -> torch.Tensor:
    """Symmetric per-tensor int8 round-to-nearest of a weight, returned dequantised (float)."""
    peak = float(weight.abs().max())
    if peak == 0:
        return weight.clone()
    step = peak / 127.0
    return torch.clamp(torch.round(weight / step), -127, 127) * step


def int8_copy(model: LIIF) -> LIIF:
    """A copy whose MLP decoder is int8 (see the module docstring): layer 1 int8 weights, layers 2… dynamically
    quantised ``nn.Linear``; the encoder stays float32 (PyTorch has no dynamic quantisation for Conv2d)."""
    from torch.ao.quantization import quantize_dynamic

    quant = copy.deepcopy(model).float()
    layers = quant.imnet.layers
    with torch.no_grad():
        layers[0].weight.copy_(_int8_weight(layers[0].weight))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice pointing to torchao
        rest = quantize_dynamic(nn.Sequential(*list(layers)[1:]), {nn.Linear}, dtype=torch.qint8)
    quant.imnet.layers = nn.Sequential(layers[0], *rest)
    return quant


def compressed_copy(model, kind: str) -> LIIF:
    """``"fp16"``, ``"int8"``, ``"pruneNN"`` (global) or ``"lpruneNN"`` (layer-wise), NN in 1–99: a compressed copy
    of ``model`` in eval mode; ``model`` is untouched."""
    model = load_model(model)
    prune = re.fullmatch(r"(l?)prune(\d{1,2})", kind) if isinstance(kind, str) else None
    if kind == "fp16":
        out = half_copy(model)
    elif kind == "int8":
        out = int8_copy(model)
    elif prune and 0 < int(prune.group(2)) < 100:
        out = magnitude_prune(model, int(prune.group(2)) / 100.0, "layer" if prune.group(1) else "global")
    else:
        raise ValueError(f"unknown compression {kind!r}; use fp16, int8, pruneNN or lpruneNN (e.g. prune70)")
    out.name = f"{getattr(model, 'name', 'liif')}-{kind}"
    return out.eval()


def describe_copy(model: LIIF, kind: str) -> dict:
    """What a copy is: parameter dtype, sparsity of the prunable weights (overall and per layer, with the layers
    that lost ≥ 99 % of their weights), and which parts are int8."""
    layers = {name: float((m.weight == 0).float().mean()) for name, m in model.named_modules()
              if isinstance(m, (nn.Conv2d, nn.Linear))}
    info = {"kind": kind, "sparsity": sparsity(model), "layer_sparsity": layers,
            "emptied_layers": [name for name, s in layers.items() if s >= 0.99]}
    if kind == "fp16":
        info.update(dtype="float16", quantised="everything in float16")
    elif kind == "int8":
        info.update(dtype="int8 MLP / float32 encoder",
                    quantised="MLP: layer 1 int8 weights, later layers dynamic int8; encoder float32 "
                              "(no dynamic quantisation for Conv2d in PyTorch)")
    else:
        info.update(dtype="float32", quantised="none")
    return info
