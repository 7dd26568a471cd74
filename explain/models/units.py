"""Weight units: every (out, in) slice of a convolution kernel and every entry of a Linear weight.

This is the filter granularity of FAIG (Xie et al., "Finding Discriminative Filters for Specific Degradations in
Blind Super-Resolution", NeurIPS 2021): a unit of a Conv2d weight (O, I, kh, kw) is one kh×kw kernel slice
``weight[o, i]``; a unit of a Linear weight (O, I) is one entry ``weight[o, i]``. Biases are not units (see
:func:`swap_units` for how they follow). Units are numbered parameter by parameter in
``model.named_parameters()`` order, row-major in (out, in) inside a parameter. The LIIF of the paper has 481,216.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class WeightUnits:
    """The units of one architecture.

    params:  names (``model.named_parameters()``) of the Conv2d / Linear weights, in order.
    shapes:  (out, in) of each of them.
    kernels: (kh, kw) of each ((1, 1) for a Linear weight).
    offsets: (len(params) + 1,) index of each parameter's first unit; ``offsets[-1]`` is the unit count.
    """

    params: tuple[str, ...]
    shapes: tuple[tuple[int, int], ...]
    kernels: tuple[tuple[int, int], ...]
    offsets: np.ndarray

    @property
    def count(self) -> int:
        return int(self.offsets[-1])

    def __len__(self) -> int:
        return self.count

    def param_index(self) -> np.ndarray:
        """(N,) int: the parameter (index into ``params``) of every unit."""
        return np.repeat(np.arange(len(self.params)), np.diff(self.offsets))

    def locate(self, index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit indices (any shape) → (param index, out, in), each as an int array of that shape."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and (index.min() < 0 or index.max() >= self.count):
            raise ValueError(f"unit indices must lie in [0, {self.count}), got {index.min()}..{index.max()}")
        p = np.searchsorted(self.offsets, index, side="right") - 1
        local = index - self.offsets[p]
        n_in = np.array([s[1] for s in self.shapes], dtype=np.int64)[p]
        return p, local // n_in, local % n_in

    def layer_slice(self, name: str) -> slice:
        """The unit indices of parameter ``name``."""
        i = self.params.index(name)
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))


def weight_units(model: nn.Module) -> WeightUnits:
    """The units of ``model``'s Conv2d and Linear weights (see the module docstring)."""
    owners = {id(m.weight): m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    params, shapes, kernels = [], [], []
    for name, p in model.named_parameters():
        if id(p) not in owners:
            continue
        params.append(name)
        shapes.append((int(p.shape[0]), int(p.shape[1])))
        kernels.append(tuple(int(k) for k in p.shape[2:]) if p.ndim == 4 else (1, 1))
    if not params:
        raise ValueError("the model has no Conv2d or Linear weights to split into units")
    offsets = np.concatenate([[0], np.cumsum([o * i for o, i in shapes])]).astype(np.int64)
    return WeightUnits(tuple(params), tuple(shapes), tuple(kernels), offsets)


def per_unit(units: WeightUnits, tensors: dict[str, torch.Tensor]) -> np.ndarray:
    """(N,) float64: each unit's sum over its kernel elements of ``tensors[param]`` (e.g. an attribution)."""
    out = np.empty(units.count, dtype=np.float64)
    for i, name in enumerate(units.params):
        t = tensors[name].detach().double()
        summed = t.sum(dim=(2, 3)) if t.ndim == 4 else t
        out[units.offsets[i]: units.offsets[i + 1]] = summed.reshape(-1).cpu().numpy()
    return out


def _bias_of(model: nn.Module, weight_name: str) -> str | None:
    name = weight_name[: -len("weight")] + "bias"
    return name if weight_name.endswith("weight") and name in dict(model.named_parameters()) else None


def swap_units(target: nn.Module, source: nn.Module, selection, units: WeightUnits | None = None) -> nn.Module:
    """A copy of ``target`` whose selected units hold ``source``'s values; neither model is touched.

    selection: unit indices (see :class:`WeightUnits`) or a boolean mask over all units.
    A bias entry (output channel ``o`` of a layer) is copied once every unit ``(o, ·)`` of that layer is selected,
    and every other parameter (none in LIIF) once all units are; so selecting all units gives ``source``'s weights
    exactly, and selecting none gives ``target``'s.
    """
    units = units or weight_units(target)
    if weight_units(source).shapes != units.shapes:
        raise ValueError("the two models differ in architecture: their weight units do not match")
    mask = np.asarray(selection)
    if mask.dtype != bool:
        index = mask.astype(np.int64).ravel()
        if index.size and (index.min() < 0 or index.max() >= units.count):
            raise ValueError(f"unit indices must lie in [0, {units.count})")
        mask = np.zeros(units.count, dtype=bool)
        mask[index] = True
    elif mask.shape != (units.count,):
        raise ValueError(f"a unit mask must have shape ({units.count},), got {mask.shape}")
    out = copy.deepcopy(target)
    own = dict(out.named_parameters())
    theirs = dict(source.named_parameters())
    covered = set()
    with torch.no_grad():
        for i, name in enumerate(units.params):
            o, n_in = units.shapes[i]
            m = torch.from_numpy(mask[units.offsets[i]: units.offsets[i + 1]].reshape(o, n_in))
            w = own[name]
            full = m.view(o, n_in, *([1] * (w.ndim - 2))).expand_as(w)
            w.copy_(torch.where(full, theirs[name].to(w.dtype), w))
            covered.add(name)
            bias = _bias_of(out, name)
            if bias is not None:
                rows = m.all(dim=1)
                own[bias].copy_(torch.where(rows, theirs[bias].to(w.dtype), own[bias]))
                covered.add(bias)
        if mask.all():
            for name, p in own.items():
                if name not in covered:
                    p.copy_(theirs[name].to(p.dtype))
    return out


def layer_label(param: str) -> str:
    """A short reader's name of a LIIF weight: "head conv", "res block 8 conv 1", "body end conv" (the
    convolution closing the encoder's body), "MLP 1" … (other families: the name itself)."""
    parts = param.removesuffix(".weight").split(".")
    if parts[:2] == ["encoder", "head"]:
        return "head conv"
    if parts[:2] == ["encoder", "body"] and len(parts) == 5 and parts[3] == "body":
        return f"res block {int(parts[2])} conv {1 if parts[4] == '0' else 2}"
    if parts[:2] == ["encoder", "body"] and len(parts) == 3:
        return "body end conv"
    if parts[:2] == ["imnet", "layers"] and len(parts) == 3:
        return f"MLP {int(parts[2]) // 2 + 1}"
    return param.removesuffix(".weight")
