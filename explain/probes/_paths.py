"""Shared engine of the frequency and channel probes: gradients of several window targets along a straight path.

For the straight line x(α) = x₀ + α·(x − x₀) from a baseline x₀ to the input x, integrated gradients
(Sundararajan et al. 2017, Eq. 1) are IG_i = (x_i − x₀_i)·∫₀¹ ∂F/∂x_i(x(α)) dα. Only the *mean gradient* along the
path depends on the model; the product with the path's direction can be taken in any linear re-parametrisation of
the input (YCbCr planes, blockwise DCT coefficients): if x = L(z) with L linear, then ∂F/∂z = Lᵀ ∂F/∂x and
z − z₀ = L⁻¹(x − x₀), and the attributions still add up to F(x) − F(x₀). So this module returns mean gradients on
the LR pixel grid, one per target, from one forward pass per path point; the probes change domain afterwards.

The window is computed exactly on its receptive-field crop (:mod:`explain.probes.locality`); gradients are zero
outside ``plan.box``. Quadrature (``rule``): ``"trapezoid"`` (default) with ``steps`` intervals, ``steps + 1`` nodes
α = k/steps including both ends, or ``"gauss-legendre"`` with ``steps`` interior nodes. The gradient of a ReLU
network jumps along the path, so no rule converges faster than about 1/steps there (the README's LAM quadrature
table); the trapezoid's nodes nest — :func:`refine_path_gradients` doubles the steps by evaluating only the new
midpoints — and its end nodes *are* the input and the baseline, so the gradient at the input (saliency, gradient ×
coefficient) and both target values come from the same passes.

Coordinates: the model is queried through ``model.encode`` / ``model.query`` only, at (row, col) coordinates in
(−1, 1), pixel-centre convention, of the LR crop (see :mod:`explain.models.coords`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..models.local import inputs_only
from ..upscale import output_size
from .attribution import WindowTarget, make_objective, make_target
from .locality import WindowObjective, WindowPlan, crop_box, plan_window


@dataclass
class PathGradients:
    """Mean gradients of T targets of one output window along a straight path (numpy, on ``plan.box``).

    mean_grad:  (T, 3, hc, wc) ∫₀¹ ∂F_t/∂x(x₀ + α(x − x₀)) dα, RGB, per LR pixel of the crop ``plan.box``
                (None when no baseline was given).
    grad_input: (T, 3, hc, wc) ∂F_t/∂x at the input itself (None unless asked for).
    f_input:    (T,) F_t(x); ``f_baseline`` (T,) F_t(x₀) (None without a baseline).
    delta:      (3, hc, wc) x − x₀ on the crop (None without a baseline).
    names:      the targets' names.
    rule:       the quadrature ("trapezoid" or "gauss-legendre"); ``steps`` its intervals (trapezoid) or nodes.
    steps_used: (T,) the steps each target's ``mean_grad`` was finally computed with (after refinement).
    """

    plan: WindowPlan
    names: list[str]
    f_input: np.ndarray
    mean_grad: np.ndarray | None = None
    grad_input: np.ndarray | None = None
    f_baseline: np.ndarray | None = None
    delta: np.ndarray | None = None
    steps: int = 0
    rule: str = "trapezoid"
    steps_used: list[int] | None = None
    baseline: np.ndarray | None = None  # (3, hc, wc) x₀ on the crop (for refinement)
    engine: _PathEngine | None = field(default=None, repr=False, compare=False)  # the crop's objective, for refining

    @property
    def completeness_gap(self) -> np.ndarray:
        """(T,) |Σ IG − (F(x) − F(x₀))| / |F(x) − F(x₀)| (inf when F(x) = F(x₀))."""
        total = (self.mean_grad * self.delta[None]).reshape(len(self.names), -1).sum(1)
        gap = self.f_input - self.f_baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap != 0, np.abs(total - gap) / np.abs(gap), np.inf)


RULES = ("trapezoid", "gauss-legendre")


def gauss_legendre(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes α_k in (0, 1) and weights w_k (Σ w_k = 1) of the ``steps``-point Gauss–Legendre rule."""
    nodes, weights = np.polynomial.legendre.leggauss(int(steps))
    return (nodes + 1.0) / 2.0, weights / 2.0


def trapezoid(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes α_k = k/steps, k = 0..steps, and weights (1/(2·steps) at the ends, 1/steps inside; Σ w_k = 1)."""
    n = int(steps)
    weights = np.full(n + 1, 1.0 / n)
    weights[[0, -1]] = 0.5 / n
    return np.arange(n + 1) / n, weights


def _region_targets(objective: WindowObjective, targets: list[WindowTarget], x: torch.Tensor) -> torch.Tensor:
    """(T, B) values of every target on one forward pass; each target sees the margin it asked for."""
    region = objective.region(x)
    m_plan = objective.plan.margin
    values = []
    for t in targets:
        cut = m_plan - t.margin
        sub = region[:, cut: region.shape[1] - cut, cut: region.shape[2] - cut] if cut else region
        v = t(sub)
        if v.ndim != 1 or v.shape[0] != x.shape[0]:
            raise ValueError(f"target {t.name!r} must return one value per image, got shape {tuple(v.shape)}")
        values.append(v)
    return torch.stack(values)


class _PathEngine:
    """The window objective on one receptive crop and the gradients of several targets at points of a path."""

    def __init__(self, model, image: np.ndarray, window, out_size, tgts: list[WindowTarget], batch: int | None):
        h, w = image.shape[:2]
        out_size = output_size((h, w), None, tuple(out_size))
        self.tgts = tgts
        self.plan = plan_window((h, w), out_size, window, model.query_radius, max(t.margin for t in tgts), True)
        param = next(model.parameters())
        self.dtype, self.device = param.dtype, param.device
        # The layer-by-layer shrinking crop where the model allows it (same numbers, less work), else the plain one.
        self.objective = make_objective(model, self.plan, tgts[0], self.dtype, self.device)
        hc, wc = self.plan.crop_shape
        self.batch = batch or max(1, (1 << 16) // (hc * wc))

    def crop(self, a: np.ndarray) -> torch.Tensor:
        return crop_box(torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1), self.plan.box) \
            .to(device=self.device, dtype=self.dtype)

    def values(self, points: torch.Tensor) -> np.ndarray:
        """(T, B) target values at ``points`` (B, 3, hc, wc), no gradient."""
        with torch.inference_mode():
            return _region_targets(self.objective, self.tgts, points).double().cpu().numpy()

    def gradients(self, points: torch.Tensor, which: list[int], bar=None) -> tuple[torch.Tensor, np.ndarray]:
        """Gradients of the targets ``which`` at every point: (T, P, 3, hc, wc) (other targets' rows stay zero) and
        (T, P) the values there. Backward passes go to the input only (the weights' gradients are never formed)."""
        n_t, n_p = len(self.tgts), points.shape[0]
        grads = torch.zeros((n_t, n_p, *points.shape[1:]), dtype=self.dtype, device=self.device)
        values = np.zeros((n_t, n_p))
        for s in range(0, n_p, self.batch):
            p = points[s: s + self.batch].detach().requires_grad_(True)
            with torch.enable_grad():
                v = _region_targets(self.objective, self.tgts, p)
                for k, t in enumerate(which):
                    (g,) = torch.autograd.grad(v[t].sum(), p, retain_graph=k < len(which) - 1)
                    grads[t, s: s + p.shape[0]] = g
            values[:, s: s + p.shape[0]] = v.detach().double().cpu().numpy()
            if bar is not None:
                bar.update(int(p.shape[0]))
        return grads, values


def path_gradients(model, image: np.ndarray, window, out_size, targets, baseline: np.ndarray | None = None,
                   steps: int = 8, at_input: bool | int = False, batch: int | None = None, bar=None,
                   only: list[int] | None = None, rule: str = "trapezoid") -> PathGradients:
    """Mean gradients of ``targets`` for the output ``window`` along the line from ``baseline`` to ``image``.

    model:    a LIIF (eval mode and frozen weights for the duration: gradients flow to the input only).
    image:    (h, w, 3) float32 in [0, 1]; ``baseline`` the same shape (any real values), or None.
    window:   (row, col, height, width) in pixels of the output of size ``out_size`` (H, W).
    targets:  names ("mean", "gradient"), :class:`WindowTarget` objects or callables (B, h, w, 3) → (B,).
    at_input: also return the plain gradients at the input: True for every target, an integer k for the first k
              targets only (the others' rows are left at zero). With the trapezoid rule and a baseline they come
              from the path's last node, at no cost.
    bar:      an optional tqdm bar, advanced by the number of path points evaluated.
    only:     indices of the targets whose path gradients to compute (the others' rows of ``mean_grad`` stay
              zero): a refinement of some targets costs no backward pass for the rest.
    rule:     "trapezoid" (``steps`` intervals, ``steps + 1`` nodes with both ends) or "gauss-legendre" (``steps``
              nodes); see the module docstring.
    """
    tgts = [make_target(t) for t in targets]
    if not tgts:
        raise ValueError("give at least one target")
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    n_t = len(tgts)
    if only is not None and not all(isinstance(i, (int, np.integer)) and 0 <= i < n_t for i in only):
        raise ValueError(f"only must list target indices in 0..{n_t - 1}, got {only!r}")
    chosen = list(range(n_t)) if only is None else sorted({int(i) for i in only})
    n_in = 0 if at_input is False or at_input is None else \
        (n_t if at_input is True else max(1, min(n_t, int(at_input))))
    with inputs_only(model):
        eng = _PathEngine(model, image, window, out_size, tgts, batch)
        x = eng.crop(image)
        result = PathGradients(eng.plan, [t.name for t in tgts], np.zeros(n_t), steps=int(steps), rule=rule)
        if baseline is None:
            if n_in:
                g, v = eng.gradients(x[None], list(range(n_in)), bar)
                result.grad_input = g[:, 0].double().cpu().numpy()
                result.f_input = v[:, 0]
            else:
                result.f_input = eng.values(x[None])[:, 0]
            return result
        if baseline.shape != image.shape:
            raise ValueError(f"baseline has shape {baseline.shape}, the image {image.shape}")
        x0 = eng.crop(baseline)
        alphas, weights = trapezoid(steps) if rule == "trapezoid" else gauss_legendre(steps)
        points = x0[None] + torch.as_tensor(alphas, dtype=eng.dtype, device=eng.device).view(-1, 1, 1, 1) * \
            (x - x0)[None]
        which = sorted(set(chosen) | set(range(n_in))) if rule == "trapezoid" else chosen
        grads, values = eng.gradients(points, which, bar)
        wts = torch.as_tensor(weights, dtype=eng.dtype, device=eng.device).view(1, -1, 1, 1, 1)
        mean = (grads * wts).sum(1)
        for t in set(range(n_t)) - set(chosen):
            mean[t] = 0.0
        result.mean_grad = mean.double().cpu().numpy()
        result.delta = (x - x0).double().cpu().numpy()
        result.baseline = x0.double().cpu().numpy()
        result.steps_used = [int(steps) if t in chosen else 0 for t in range(n_t)]
        if rule == "trapezoid":  # the end nodes are the baseline and the input themselves
            result.f_baseline, result.f_input = values[:, 0].copy(), values[:, -1].copy()
            if n_in:
                g_in = grads[:, -1].clone()
                g_in[n_in:] = 0.0
                result.grad_input = g_in.double().cpu().numpy()
        else:
            ends = eng.values(torch.stack([x0, x]))
            result.f_baseline, result.f_input = ends[:, 0], ends[:, 1]
            if n_in:
                g, _ = eng.gradients(x[None], list(range(n_in)), bar)
                result.grad_input = g[:, 0].double().cpu().numpy()
        result.engine = eng
    return result


def refine_path_gradients(model, paths: PathGradients, image: np.ndarray, which: list[int], bar=None) -> None:
    """Double the trapezoid steps of the targets ``which`` in place: only the new midpoints are evaluated, and the
    finer mean gradient is (coarse + midpoint sum) / 2 (nested trapezoid rule). Updates ``mean_grad`` and
    ``steps_used`` of those targets (all must share one step count)."""
    if paths.rule != "trapezoid":
        raise ValueError("only the trapezoid rule refines in place (its nodes nest)")
    steps = {paths.steps_used[t] for t in which}
    if len(steps) != 1:
        raise ValueError(f"targets {which} were computed with different steps {sorted(steps)}")
    n = steps.pop()
    eng = paths.engine
    with inputs_only(model):
        x0 = torch.from_numpy(paths.baseline).to(device=eng.device, dtype=eng.dtype)
        delta = torch.from_numpy(paths.delta).to(device=eng.device, dtype=eng.dtype)
        mids = torch.as_tensor((np.arange(n) + 0.5) / n, dtype=eng.dtype, device=eng.device).view(-1, 1, 1, 1)
        grads, _ = eng.gradients(x0[None] + mids * delta[None], list(which), bar)
    for t in which:
        finer = 0.5 * paths.mean_grad[t] + grads[t].sum(0).double().cpu().numpy() / (2 * n)
        paths.mean_grad[t] = finer
        paths.steps_used[t] = 2 * n
