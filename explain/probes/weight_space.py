"""Attribution in weight space: which filters carry the difference between two models of one family.

FAIG (Xie et al., "Finding Discriminative Filters for Specific Degradations in Blind Super-Resolution",
NeurIPS 2021): integrated gradients along the straight path of *weights*
θ(α) = θ_from + α (θ_to − θ_from), α ∈ [0, 1], of the loss of the output against the original image. Each weight
element gets (θ_to − θ_from) · mean_α ∂L/∂θ(α); a unit (a kernel slice or a Linear entry, see
:mod:`explain.models.units`) sums its elements, and its FAIG score is the absolute value of that sum. The
degradation-specific score is the score with degraded inputs minus the score with clean ones.

By the IG completeness axiom, the attributions of *all* parameters (units and biases) sum to
L(θ_to) − L(θ_from) up to the quadrature error of the path integral (midpoint rule, ``steps`` nodes).

The models are used only through ``encode`` / ``query`` (their ``forward``) and ``named_parameters()``; the path
weights are passed with :func:`torch.func.functional_call`, so the caller's models are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.func import functional_call
from tqdm.auto import tqdm

from ..models.units import WeightUnits, per_unit, swap_units, weight_units

__all__ = ["ScoringBatch", "WeightIG", "weight_path_ig", "weight_units", "WeightUnits", "swap_units",
           "unit_scores", "abs_delta", "loss_of"]


@dataclass
class ScoringBatch:
    """Inputs and targets of the loss: B LR images of one size and Q sampled query pixels each.

    lr:     (B, 3, h, w) float in [0, 1].
    coords: (B, Q, 2) (row, col) pixel centres in (−1, 1) of the HR pixels queried; cells (B, Q, 2) their size.
    target: (B, Q, 3) the original HR RGB at those pixels, in [0, 1].
    """

    lr: torch.Tensor
    coords: torch.Tensor
    cells: torch.Tensor
    target: torch.Tensor

    def __post_init__(self):
        b = self.lr.shape[0]
        if self.lr.ndim != 4 or self.lr.shape[1] != 3:
            raise ValueError(f"lr must be (B, 3, h, w), got {tuple(self.lr.shape)}")
        for name in ("coords", "cells", "target"):
            t = getattr(self, name)
            if t.ndim != 3 or t.shape[0] != b or t.shape[1] != self.coords.shape[1]:
                raise ValueError(f"{name} must be (B={b}, Q, ·), got {tuple(t.shape)}")


@dataclass
class WeightIG:
    """Integrated gradients in weight space from ``θ_from`` to ``θ_to``.

    units:       (N,) float64 signed attribution of each unit (summed over its kernel elements).
    total:       Σ of the attributions of every parameter, units and biases (≈ ``loss_to − loss_from``).
    loss_from, loss_to: the loss (mean squared error, image units²) at both ends.
    steps:       path nodes (midpoint rule).
    """

    units: np.ndarray
    total: float
    loss_from: float
    loss_to: float
    steps: int

    @property
    def delta(self) -> float:
        return self.loss_to - self.loss_from

    @property
    def completeness_gap(self) -> float:
        """|Σ attribution − Δloss| / |Δloss| (0 for an exact integral)."""
        return abs(self.total - self.delta) / max(abs(self.delta), 1e-30)

    @property
    def scores(self) -> np.ndarray:
        """FAIG's per-unit score: |attribution|."""
        return np.abs(self.units)


def loss_of(model, batch: ScoringBatch, params: dict | None = None) -> torch.Tensor:
    """Mean squared error of ``model`` (or of ``model`` with ``params`` in place of its own) on ``batch``."""
    args = (batch.lr, batch.coords, batch.cells)
    out = functional_call(model, params, args) if params is not None else model(*args)
    return torch.mean((out - batch.target) ** 2)


def _float_params(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().float() for n, p in model.named_parameters()}


def weight_path_ig(model_from, model_to, batches, steps: int = 16, progress: bool = False,
                   desc: str = "weight IG") -> WeightIG:
    """IG of the loss along θ(α) = θ_from + α (θ_to − θ_from) (FAIG, Xie et al. 2021), midpoint rule.

    model_from / model_to: two models of one architecture (``model_from`` may be None: the zero baseline, i.e.
    plain integrated gradients of ``model_to`` alone). batches: a :class:`ScoringBatch` or a list of them (the
    loss is their mean). Neither model is changed.
    """
    if isinstance(batches, ScoringBatch):
        batches = [batches]
    if not batches:
        raise ValueError("weight_path_ig needs at least one scoring batch")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    units = weight_units(model_to)
    end = _float_params(model_to)
    start = _float_params(model_from) if model_from is not None else {n: torch.zeros_like(t) for n, t in end.items()}
    if start.keys() != end.keys() or any(start[n].shape != end[n].shape for n in end):
        raise ValueError("the two models differ in architecture (their parameters do not match)")
    diff = {n: end[n] - start[n] for n in end}
    grads = {n: torch.zeros_like(t) for n, t in end.items()}
    model = model_to
    was_training = model.training
    model.eval()
    try:
        bar = tqdm(total=steps * len(batches), desc=desc, disable=not progress)
        for k in range(steps):
            alpha = (k + 0.5) / steps
            for batch in batches:
                point = {n: (start[n] + alpha * diff[n]).requires_grad_(True) for n in end}
                loss = loss_of(model, batch, point) / len(batches)
                got = torch.autograd.grad(loss, list(point.values()))
                for n, g in zip(point, got):
                    grads[n] += g / steps
                bar.update(1)
        bar.close()
        attr = {n: diff[n] * grads[n] for n in end}
        with torch.no_grad():
            loss_from = sum(float(loss_of(model, b, start)) for b in batches) / len(batches)
            loss_to = sum(float(loss_of(model, b, end)) for b in batches) / len(batches)
    finally:
        model.train(was_training)
    total = float(sum(a.double().sum() for a in attr.values()))
    return WeightIG(per_unit(units, attr), total, loss_from, loss_to, steps)


def unit_scores(ig_degraded: WeightIG, ig_clean: WeightIG) -> np.ndarray:
    """FAIG's degradation-specific score per unit: |IG| on degraded inputs minus |IG| on clean ones."""
    return ig_degraded.scores - ig_clean.scores


def abs_delta(model_from, model_to) -> np.ndarray:
    """(N,) Σ |θ_to − θ_from| over each unit's kernel elements: the weight-change baseline ranking."""
    units = weight_units(model_to)
    a, b = _float_params(model_from), _float_params(model_to)
    return per_unit(units, {n: (b[n] - a[n]).abs() for n in units.params})
