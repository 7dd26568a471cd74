"""What single weight units respond to: their feature maps on an image and how they sit on the 8×8 block grid.

A unit (see :mod:`explain.models.units`) of a Conv2d weight ``W`` (O, I, kh, kw) contributes
``W[o, i] ⋆ x_i`` to output channel ``o``, where ``x_i`` is input channel ``i`` of that convolution; that
(h, w) map, on the LR grid, is the unit's feature map here. LIIF's first MLP layer reads the 3×3-unfolded code
(channel-major, c·9 + k), so its code units are single-tap 3×3 kernels on latent channel c and have a map too;
the coordinate / cell columns and the later MLP layers act per query, not per LR pixel, and have none.

Block-edge enrichment (after FAIG's question "what do the discriminative filters respond to", Xie et al.,
NeurIPS 2021): mean |map| on LR pixels next to an 8×8 block boundary (the first or last row or column of their
block) over the mean |map| on the pixels inside blocks, leaving out ``margin`` pixels at the image border where
zero padding acts. 1 = no preference; > 1: the unit fires on block edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..models.units import WeightUnits, weight_units
from ._lr_query import evaluating, prepare

__all__ = ["UnitMaps", "unit_maps", "spatial_units", "block_edge_mask", "block_edge_enrichment"]


@dataclass
class UnitMaps:
    """Feature maps of chosen units on one LR image.

    units: (n,) the unit indices that have a map (others asked for are left out), in the order asked.
    maps:  (n, h, w) float32 signed contribution of each unit on the LR grid (the layer's units of activation).
    """

    units: np.ndarray
    maps: np.ndarray


def _spatial_layers(model: nn.Module, units: WeightUnits) -> dict[str, str]:
    """param name → "conv" or "first" for the layers whose units have a feature map."""
    modules = dict(model.named_modules())
    kinds = {}
    first = getattr(getattr(model, "imnet", None), "first", None)
    for name in units.params:
        owner = modules.get(name.rsplit(".", 1)[0])
        if isinstance(owner, nn.Conv2d):
            kinds[name] = "conv"
        elif owner is not None and owner is first and getattr(model, "capabilities", None) is not None \
                and model.capabilities.unfold and hasattr(model, "code_dim"):
            kinds[name] = "first"
    return kinds


def spatial_units(model: nn.Module, units: WeightUnits | None = None) -> np.ndarray:
    """(N,) bool: which units have a feature map (convolution slices and the first MLP layer's code entries)."""
    units = units or weight_units(model)
    out = np.zeros(units.count, dtype=bool)
    for name, kind in _spatial_layers(model, units).items():
        sl = units.layer_slice(name)
        if kind == "conv":
            out[sl] = True
        else:
            o, n_in = units.shapes[units.params.index(name)]
            code = np.zeros((o, n_in), dtype=bool)
            code[:, : model.code_dim] = True
            out[sl] = code.ravel()
    return out


def unit_maps(model, lr, selection, units: WeightUnits | None = None) -> UnitMaps:
    """Feature maps of the units ``selection`` (indices) of ``model`` on ``lr`` ((h, w, 3) in [0, 1] or anything
    :func:`explain.load_image` takes). Units without a map are dropped (see the module docstring)."""
    model, _, x = prepare(model, lr)
    units = units or weight_units(model)
    selection = np.asarray(selection, dtype=np.int64).ravel()
    kinds = _spatial_layers(model, units)
    has_map = spatial_units(model, units)
    keep = selection[has_map[selection]] if selection.size else selection
    p_idx, outs, ins = units.locate(keep)
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    inputs: dict[str, torch.Tensor] = {}
    hooks = []
    wanted = {units.params[p] for p in np.unique(p_idx)}
    for name in wanted:
        if kinds[name] == "conv":
            def grab(_module, args, name=name):
                inputs[name] = args[0].detach().clone()
            hooks.append(modules[name.rsplit(".", 1)[0]].register_forward_pre_hook(grab))
    try:
        with evaluating(model), torch.no_grad():
            latents = model.encode(x)
    finally:
        for h in hooks:
            h.remove()
    maps = []
    with torch.no_grad():
        for p, o, i in zip(p_idx, outs, ins):
            name = units.params[p]
            w = params[name].detach().float()
            if kinds[name] == "conv":
                src = inputs[name][:, i: i + 1].float()
                kernel = w[o, i][None, None]
                pad = (kernel.shape[-2] // 2, kernel.shape[-1] // 2)
            else:
                c, tap = divmod(int(i), 9) if model.config.feat_unfold else (int(i), 4)
                src = latents.features[:, c: c + 1].float()
                kernel = torch.zeros(1, 1, 3, 3)
                kernel.view(-1)[tap] = w[o, i]
                pad = (1, 1)
            maps.append(F.conv2d(src, kernel, padding=pad)[0, 0].cpu().numpy())
    h, w_ = x.shape[-2:]
    stack = np.stack(maps).astype(np.float32) if maps else np.zeros((0, h, w_), np.float32)
    return UnitMaps(keep, stack)


def block_edge_mask(shape: tuple[int, int], phase=(0, 0), block_size: int = 8) -> np.ndarray:
    """(h, w) bool: pixels in the first or last row or column of their block (blocks start at rows ≡ phase[0],
    columns ≡ phase[1] mod ``block_size``)."""
    h, w = shape
    r = (np.arange(h) - phase[0]) % block_size
    c = (np.arange(w) - phase[1]) % block_size
    rows = (r == 0) | (r == block_size - 1)
    cols = (c == 0) | (c == block_size - 1)
    return rows[:, None] | cols[None, :]


def block_edge_enrichment(maps, phase=(0, 0), block_size: int = 8, margin: int = 2) -> np.ndarray:
    """(n,) mean |map| next to block boundaries over mean |map| inside blocks, per map of ``maps`` (n, h, w);
    ``margin`` border pixels are left out. NaN for a map that is zero inside blocks."""
    maps = np.abs(np.asarray(maps, dtype=np.float64))
    if maps.ndim != 3:
        raise ValueError(f"maps must be (n, h, w), got shape {maps.shape}")
    h, w = maps.shape[1:]
    if min(h, w) - 2 * margin < block_size:
        raise ValueError(f"maps of {h}×{w} are too small for {block_size}×{block_size} blocks with a "
                         f"{margin}-pixel margin")
    edge = block_edge_mask((h, w), phase, block_size)
    inside = np.zeros((h, w), dtype=bool)
    inside[margin: h - margin, margin: w - margin] = True
    on_edge = maps[:, edge & inside].mean(axis=1)
    interior = maps[:, ~edge & inside].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(interior > 0, on_edge / interior, np.nan)
