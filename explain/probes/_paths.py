"""Shared engine of the frequency and channel probes: gradients of several window targets along a straight path.

For the straight line x(α) = x₀ + α·(x − x₀) from a baseline x₀ to the input x, integrated gradients
(Sundararajan et al. 2017, Eq. 1) are IG_i = (x_i − x₀_i)·∫₀¹ ∂F/∂x_i(x(α)) dα. Only the *mean gradient* along the
path depends on the model; the product with the path's direction can be taken in any linear re-parametrisation of
the input (YCbCr planes, blockwise DCT coefficients): if x = L(z) with L linear, then ∂F/∂z = Lᵀ ∂F/∂x and
z − z₀ = L⁻¹(x − x₀), and the attributions still add up to F(x) − F(x₀). So this module returns mean gradients on
the LR pixel grid, one per target, from one forward pass per path point; the probes change domain afterwards.

The window is computed exactly on its receptive-field crop (:mod:`explain.probes.locality`); gradients are zero
outside ``plan.box``. Quadrature: Gauss–Legendre with ``steps`` nodes on [0, 1] (exact for polynomials of
degree 2·steps − 1 along the path).

Coordinates: the model is queried through ``model.encode`` / ``model.query`` only, at (row, col) coordinates in
(−1, 1), pixel-centre convention, of the LR crop (see :mod:`explain.models.coords`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

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
    """

    plan: WindowPlan
    names: list[str]
    f_input: np.ndarray
    mean_grad: np.ndarray | None = None
    grad_input: np.ndarray | None = None
    f_baseline: np.ndarray | None = None
    delta: np.ndarray | None = None
    steps: int = 0

    @property
    def completeness_gap(self) -> np.ndarray:
        """(T,) |Σ IG − (F(x) − F(x₀))| / |F(x) − F(x₀)| (inf when F(x) = F(x₀))."""
        total = (self.mean_grad * self.delta[None]).reshape(len(self.names), -1).sum(1)
        gap = self.f_input - self.f_baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap != 0, np.abs(total - gap) / np.abs(gap), np.inf)


def gauss_legendre(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes α_k in (0, 1) and weights w_k (Σ w_k = 1) of the ``steps``-point Gauss–Legendre rule."""
    nodes, weights = np.polynomial.legendre.leggauss(int(steps))
    return (nodes + 1.0) / 2.0, weights / 2.0


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


def path_gradients(model, image: np.ndarray, window, out_size, targets, baseline: np.ndarray | None = None,
                   steps: int = 8, at_input: bool | int = False, batch: int | None = None, bar=None,
                   only: list[int] | None = None) -> PathGradients:
    """Mean gradients of ``targets`` for the output ``window`` along the line from ``baseline`` to ``image``.

    model:    a LIIF (eval mode is set for the duration).
    image:    (h, w, 3) float32 in [0, 1]; ``baseline`` the same shape (any real values), or None.
    window:   (row, col, height, width) in pixels of the output of size ``out_size`` (H, W).
    targets:  names ("mean", "gradient"), :class:`WindowTarget` objects or callables (B, h, w, 3) → (B,).
    at_input: also return the plain gradients at the input (one more point): True for every target, an integer
              k for the first k targets only (the others' rows are left at zero).
    bar:      an optional tqdm bar, advanced by the number of path points evaluated.
    only:     indices of the targets whose path gradients to compute (the others' rows of ``mean_grad`` stay
              zero): a refinement of some targets costs no backward pass for the rest.
    """
    tgts = [make_target(t) for t in targets]
    if not tgts:
        raise ValueError("give at least one target")
    h, w = image.shape[:2]
    out_size = output_size((h, w), None, tuple(out_size))
    plan = plan_window((h, w), out_size, window, model.query_radius, max(t.margin for t in tgts), True)
    param = next(model.parameters())
    dtype, device = param.dtype, param.device
    # The layer-by-layer shrinking crop where the model allows it (same numbers, less work), else the plain one.
    objective = make_objective(model, plan, tgts[0], dtype, device)

    def crop(a):
        return crop_box(torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1), plan.box) \
            .to(device=device, dtype=dtype)

    x = crop(image)
    hc, wc = plan.crop_shape
    batch = batch or max(1, (1 << 16) // (hc * wc))
    n_t = len(tgts)

    if only is not None and not all(isinstance(i, (int, np.integer)) and 0 <= i < n_t for i in only):
        raise ValueError(f"only must list target indices in 0..{n_t - 1}, got {only!r}")
    chosen = list(range(n_t)) if only is None else sorted({int(i) for i in only})

    def grads_at(points: torch.Tensor, weights, which: list[int]) -> torch.Tensor:
        total = torch.zeros((n_t, 3, hc, wc), dtype=dtype, device=device)
        for s in range(0, points.shape[0], batch):
            p = points[s: s + batch].detach().requires_grad_(True)
            wts = torch.as_tensor(weights[s: s + batch], dtype=dtype, device=device).view(-1, 1, 1, 1)
            with torch.enable_grad():
                values = _region_targets(objective, tgts, p)
                for k, t in enumerate(which):
                    (g,) = torch.autograd.grad(values[t].sum(), p, retain_graph=k < len(which) - 1)
                    total[t] += (g * wts).sum(0)
            if bar is not None:
                bar.update(int(p.shape[0]))
        return total

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            f_x = _region_targets(objective, tgts, x[None])[:, 0].double().cpu().numpy()
        result = PathGradients(plan, [t.name for t in tgts], f_x.astype(np.float64), steps=int(steps))
        if baseline is not None:
            if baseline.shape != image.shape:
                raise ValueError(f"baseline has shape {baseline.shape}, the image {image.shape}")
            x0 = crop(baseline)
            alphas, weights = gauss_legendre(steps)
            points = x0[None] + torch.as_tensor(alphas, dtype=dtype, device=device).view(-1, 1, 1, 1) * (x - x0)[None]
            result.mean_grad = grads_at(points, weights, chosen).double().cpu().numpy()
            with torch.no_grad():
                result.f_baseline = _region_targets(objective, tgts, x0[None])[:, 0].double().cpu().numpy() \
                    .astype(np.float64)
            result.delta = (x - x0).double().cpu().numpy()
        if at_input is not False and at_input is not None:
            n_used = n_t if at_input is True else max(1, min(n_t, int(at_input)))
            result.grad_input = grads_at(x[None], np.ones(1), list(range(n_used))).double().cpu().numpy()
    finally:
        model.train(was_training)
    return result
