"""Gradient attribution of an SR output window onto the LR input.

``attribute(model, lr, window, scale, method, ...)`` answers "which LR pixels does the model use to
rebuild this window?". The window's scalar objective F (its mean intensity, LAM's gradient detector, or a
user callable) is differentiated with respect to the LR input, on the exact receptive-field crop only
(:mod:`explain.probes.locality`), and the crop's map is pasted into a full-size zero map.

Methods (all share :class:`AttributionMethod`'s ``attribute(inputs, baselines, steps, ...)`` signature):
  ``saliency``               ∂F/∂x (captum ``Saliency``, signed);
  ``input_x_gradient``       x · ∂F/∂x (captum ``InputXGradient``);
  ``integrated_gradients``   straight-line IG (Sundararajan et al. 2017) from a baseline (captum); with
                             ``baseline="jpeg"`` (the image at a much lower JPEG quality) or
                             ``baseline="block_mean"`` (8×8 block means) it asks what the model draws from
                             detail a coarser JPEG would have removed;
  ``noise_tunnel``           SmoothGrad (captum ``NoiseTunnel``) over IG or saliency;
  ``lam``                    Local Attribution Map (Gu & Dong, CVPR 2021, Eq. 5–7): IG along the progressive
                             Gaussian-blur path γ(α) = blur(x, σ_max·(1 − α)) from the blurred image to x.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..images import load_image
from ..models import load_model
from ..upscale import output_size
from . import stats
from .baselines import blur_path, blur_radius, make_baseline
from .locality import WindowObjective, WindowPlan, crop_box, grow_box, plan_window

DEFAULT_SIGMA = 1.2  # σ_max of the LAM blur path, LR pixels (kernel support ±ceil(3σ) = 9 taps)


# ------------------------------------------------------------------------------------------------ targets
class WindowTarget:
    """A scalar per image computed from the SR window. ``margin``: HR pixels of context needed around it."""

    name = "target"
    margin = 0

    def __call__(self, region: torch.Tensor) -> torch.Tensor:  # (B, h + 2m, w + 2m, 3) → (B,)
        raise NotImplementedError


class MeanTarget(WindowTarget):
    """Mean intensity of the window (all pixels and channels)."""

    name = "mean"

    def __call__(self, region):
        return region.mean(dim=(1, 2, 3))


class GradientTarget(WindowTarget):
    """LAM's gradient detector (Gu & Dong 2021, Sec. 3.1): Σ over the window of the gradient magnitude.

    Per channel, 3×3 Sobel derivatives (scaled by 1/8 so they estimate a derivative per HR pixel),
    magnitude √(gx² + gy² + ε), summed over channels and window pixels. Needs one pixel of context.
    """

    name = "gradient"
    margin = 1
    eps = 1e-12

    def __call__(self, region):
        x = region.permute(0, 3, 1, 2)  # (B, 3, h + 2, w + 2)
        sob = x.new_tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
        kernels = torch.stack([sob, sob.T]).unsqueeze(1)  # (2, 1, 3, 3): d/dcol, d/drow
        b, c, h, w = x.shape
        g = F.conv2d(x.reshape(b * c, 1, h, w), kernels).reshape(b, c, 2, h - 2, w - 2)
        return torch.sqrt((g ** 2).sum(2) + self.eps).sum(dim=(1, 2, 3))


class CallableTarget(WindowTarget):
    """Wraps a user function window (B, h, w, 3) → (B,)."""

    name = "callable"

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]):
        self.fn = fn
        self.name = getattr(fn, "__name__", "callable")

    def __call__(self, region):
        value = self.fn(region)
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"the target callable must return a torch.Tensor (B,), got {type(value).__name__}")
        return value


TARGETS = {"mean": MeanTarget, "gradient": GradientTarget}


def make_target(target) -> WindowTarget:
    """``"mean"``, ``"gradient"``, a :class:`WindowTarget` or any callable (B, h, w, 3) → (B,)."""
    if isinstance(target, WindowTarget):
        return target
    if isinstance(target, str):
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}; use one of {sorted(TARGETS)} or a callable")
        return TARGETS[target]()
    if callable(target):
        return CallableTarget(target)
    raise TypeError(f"target must be a name {sorted(TARGETS)} or a callable, got {type(target).__name__}")


# ------------------------------------------------------------------------------------------------ methods
class AttributionMethod:
    """Base of the attribution methods: a forward function F (B, 3, h, w) → (B,) and a uniform
    ``attribute(inputs, baselines=None, steps=50, internal_batch_size=None, **options)`` that returns
    ``(attributions shaped like inputs, completeness gap (B,) or None)``.

    ``path``: the method integrates gradients along a path and reports its completeness gap
    Σ attributions − (F(x) − F(x₀)).  ``takes_baseline``: it accepts a user baseline.
    """

    name = ""
    path = False
    takes_baseline = False

    def __init__(self, forward_func: Callable[[torch.Tensor], torch.Tensor]):
        self.forward_func = forward_func

    def attribute(self, inputs, baselines=None, steps: int = 50, internal_batch_size: int | None = None, **options):
        raise NotImplementedError

    def _no_baseline(self, baselines):
        if baselines is not None:
            raise ValueError(f"method {self.name!r} takes no baseline")


class SaliencyMethod(AttributionMethod):
    """Signed input gradient ∂F/∂x (Simonyan et al. 2014) through captum's ``Saliency`` with ``abs=False``."""

    name = "saliency"

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None):
        from captum.attr import Saliency

        self._no_baseline(baselines)
        return Saliency(self.forward_func).attribute(inputs, abs=False), None


class InputXGradientMethod(AttributionMethod):
    """x · ∂F/∂x (Shrikumar et al. 2016) through captum's ``InputXGradient``."""

    name = "input_x_gradient"

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None):
        from captum.attr import InputXGradient

        self._no_baseline(baselines)
        return InputXGradient(self.forward_func).attribute(inputs), None


# The quadratures of captum's IntegratedGradients and the aggregations of its NoiseTunnel.
IG_INTEGRATIONS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")
NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")


class IntegratedGradientsMethod(AttributionMethod):
    """Integrated gradients on the straight line from ``baselines`` (default black) to the input, through
    captum's ``IntegratedGradients`` (``integration``: captum's quadrature, Gauss–Legendre by default)."""

    name = "integrated_gradients"
    path = True
    takes_baseline = True

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None, integration="gausslegendre"):
        from captum.attr import IntegratedGradients

        if integration not in IG_INTEGRATIONS:
            raise ValueError(f"integration must be one of {IG_INTEGRATIONS}, got {integration!r}")
        ig = IntegratedGradients(self.forward_func)
        attr, delta = ig.attribute(inputs, baselines=baselines, n_steps=int(steps), method=integration,
                                   internal_batch_size=internal_batch_size, return_convergence_delta=True)
        return attr, delta


class NoiseTunnelMethod(AttributionMethod):
    """SmoothGrad (Smilkov et al. 2017) through captum's ``NoiseTunnel`` around IG or saliency.

    ``stdevs`` is the noise σ in image units [0, 1]; the noise is drawn from torch's global generator
    seeded with ``seed`` inside a forked RNG state, so runs are repeatable. The noise is drawn for the
    crop only, so local and whole-image results agree in distribution, not sample by sample.
    """

    name = "noise_tunnel"
    takes_baseline = True

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None, nt_method="integrated_gradients",
                  nt_type="smoothgrad", nt_samples=8, stdevs=0.1, seed=0):
        from captum.attr import IntegratedGradients, NoiseTunnel, Saliency

        if nt_method == "integrated_gradients":
            inner, extra = IntegratedGradients(self.forward_func), {
                "baselines": baselines, "n_steps": int(steps), "internal_batch_size": internal_batch_size}
        elif nt_method == "saliency":
            self._no_baseline(baselines)
            inner, extra = Saliency(self.forward_func), {"abs": False}
        else:
            raise ValueError(f"nt_method must be 'integrated_gradients' or 'saliency', got {nt_method!r}")
        if nt_type not in NT_TYPES:
            raise ValueError(f"nt_type must be one of {NT_TYPES}, got {nt_type!r}")
        if isinstance(nt_samples, bool) or not isinstance(nt_samples, int) or nt_samples < 1:
            raise ValueError(f"nt_samples must be a positive integer, got {nt_samples!r}")
        if not (isinstance(stdevs, (int, float)) and math.isfinite(stdevs) and stdevs >= 0):
            raise ValueError(f"stdevs must be a number >= 0, got {stdevs!r}")
        batch = None
        if internal_batch_size is not None and nt_method == "saliency":
            batch = max(1, int(internal_batch_size))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            attr = NoiseTunnel(inner).attribute(inputs, nt_type=nt_type, nt_samples=int(nt_samples),
                                                nt_samples_batch_size=batch, stdevs=float(stdevs), **extra)
        return attr, None


class LAMMethod(AttributionMethod):
    """Local Attribution Map (Gu & Dong, CVPR 2021): path-integrated gradients along the progressive blur
    γ(α) = blur(x, σ_max·(1 − α)), α ∈ [0, 1], from the blurred baseline γ(0) to the input γ(1):

        LAM_i = ∫₀¹ ∂F(γ(α))/∂γ_i · ∂γ_i(α)/∂α dα  ≈  Σ_k ∂F/∂x|_{γ(α_k+½)} · (γ(α_{k+1}) − γ(α_k)),

    with α_k = k/steps (midpoint rule; the path increments telescope to x − γ(0) exactly, so the
    completeness gap only measures quadrature error). The blur uses replicate padding at the border of
    ``inputs``: pass an input with ``blur_radius(sigma)`` extra pixels around the region that matters.
    """

    name = "lam"
    path = True

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None, sigma=DEFAULT_SIGMA):
        self._no_baseline(baselines)
        if inputs.ndim != 4 or inputs.shape[0] != 1:
            raise ValueError(f"LAM attributes one image (1, 3, h, w), got shape {tuple(inputs.shape)}")
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"LAM needs a blur sigma > 0 (LR pixels), got {sigma!r}")
        steps = int(steps)
        batch = steps if internal_batch_size is None else max(1, int(internal_batch_size))
        nodes = np.arange(steps + 1, dtype=np.float64) / steps
        mids = (np.arange(steps, dtype=np.float64) + 0.5) / steps
        x = inputs.detach()
        total = torch.zeros_like(x)
        for s in range(0, steps, batch):
            k = np.arange(s, min(steps, s + batch))
            point = blur_path(x, sigma, mids[k]).requires_grad_(True)
            with torch.enable_grad():
                out = self.forward_func(point)
                (grad,) = torch.autograd.grad(out.sum(), point)
            with torch.no_grad():
                step = blur_path(x, sigma, nodes[k + 1]) - blur_path(x, sigma, nodes[k])
                total += (grad * step).sum(0, keepdim=True)
        with torch.no_grad():
            f_x = self.forward_func(x)
            f_0 = self.forward_func(blur_path(x, sigma, [0.0]))
        delta = total.flatten(1).sum(1) - (f_x - f_0)
        return total, delta


METHODS: dict[str, type[AttributionMethod]] = {
    cls.name: cls for cls in (SaliencyMethod, InputXGradientMethod, IntegratedGradientsMethod, NoiseTunnelMethod,
                              LAMMethod)
}


# ------------------------------------------------------------------------------------------------- result
@dataclass
class AttributionResult:
    """Attribution of one output window onto the LR input.

    map:             (3, h, w) float32 signed attribution at full LR size; exactly zero outside
                     ``receptive_box``. Units: target units per unit input (saliency) or target units
                     (the other methods; path methods add up to F(x) − F(baseline)).
    abs_map:         (h, w) float32 |map| summed over channels, divided by its maximum (0 ≤ · ≤ 1).
    delta:           completeness gap Σ map − (F(x) − F(baseline)) of path methods, else None.
    di:              Diffusion Index (1 − Gini(abs_map))·100 over the whole LR map (Gu & Dong 2021); it
                     falls as the image grows (more zeros). ``di_receptive``: the same over the receptive
                     box only, comparable across image sizes for one architecture.
    cumulative_area: number of LR pixels holding 95 % of the attribution.
    block_shares:    :func:`explain.probes.stats.block_shares` of abs_map (own block(s), neighbours,
                     beyond, boundary-pixel share vs boundary area share within the receptive box).
    window:          (row, col, height, width) in HR output pixels; ``output_size`` (H, W);
                     ``scale`` (H/h, W/w).
    receptive_box:   ((r0, r1), (c0, c1)) LR rows/cols (half-open) of the crop the map was computed on.
    footprint:       LR rows/cols holding the window's own output pixels.
    target_value:    F(x); ``baseline_value``: F at the path's start (path methods), else None.
    """

    map: np.ndarray
    abs_map: np.ndarray
    delta: float | None
    di: float
    di_receptive: float
    cumulative_area: int
    block_shares: dict
    window: tuple[int, int, int, int]
    scale: tuple[float, float]
    output_size: tuple[int, int]
    method: str
    target: str
    receptive_box: tuple[tuple[int, int], tuple[int, int]]
    footprint: tuple[tuple[int, int], tuple[int, int]]
    target_value: float
    baseline_value: float | None = None
    grid_phase: tuple[int, int] = (0, 0)
    block_size: int = 8
    local: bool = True
    params: dict = field(default_factory=dict)

    @property
    def lr_size(self) -> tuple[int, int]:
        return tuple(self.abs_map.shape)

    @property
    def relative_delta(self) -> float | None:
        """|delta| / |F(x) − F(baseline)| (None when not a path method)."""
        if self.delta is None or self.baseline_value is None:
            return None
        gap = abs(self.target_value - self.baseline_value)
        return abs(self.delta) / gap if gap > 0 else float("inf")


# --------------------------------------------------------------------------------------------- entry point
def attribute(model, lr, window, scale: float | None = 4, method: str = "lam", steps: int = 50,
              target="mean", baseline=None, sigma: float = DEFAULT_SIGMA, grid_phase=(0, 0), block_size: int = 8,
              local: bool = True, progress: bool = False, *, size: tuple[int, int] | None = None,
              jpeg_quality: int = 5, subsampling: str = "4:2:0", internal_batch_size: int | None = None,
              **options) -> AttributionResult:
    """Attribute an output window of LIIF's SR image to the LR input pixels.

    model:    a :class:`explain.models.LIIF`, a shipped model name or a checkpoint path.
    lr:       anything :func:`explain.load_image` takes; (h, w, 3) in [0, 1].
    window:   (row, col, height, width) in pixels of the SR output of size (round(h·scale), round(w·scale)),
              or of ``size`` = (H, W) when given (then ``scale`` is ignored).
    method:   one of ``METHODS`` (see the module docstring).
    steps:    path integration steps (integrated_gradients, noise_tunnel over IG, lam).
    target:   ``"mean"`` (window mean intensity), ``"gradient"`` (LAM's gradient-magnitude detector) or a
              callable window (B, height, width, 3) tensor → (B,) tensor. Applied to unclamped outputs.
    baseline: integrated_gradients / noise_tunnel only: None or "zero" (black), "blur" (Gaussian σ = ``sigma``),
              "jpeg" (re-compressed at ``jpeg_quality`` with ``subsampling``, grid at ``grid_phase``),
              "block_mean" (``block_size`` block means at ``grid_phase``), a grey level, or an image.
    sigma:    σ_max of LAM's blur path (LR pixels), and the σ of the "blur" baseline.
    grid_phase, block_size: the JPEG block grid (rows ≡ phase_row, cols ≡ phase_col mod block_size start a
              block) for block statistics and JPEG-aware baselines.
    local:    compute on the exact receptive-field crop (default) or on the whole image (same result).
    internal_batch_size: path points per forward pass (default: about 65 536 LR pixels per batch).
    options:  method options: ``integration`` (IG quadrature), ``nt_method``, ``nt_type``, ``nt_samples``,
              ``stdevs``, ``seed`` (noise_tunnel).
    """
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}; use one of {sorted(METHODS)}")
    method_cls = METHODS[method]
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if baseline is not None and not method_cls.takes_baseline:
        raise ValueError(f"method {method!r} takes no baseline (got baseline={baseline!r})")
    if method == "lam" and not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"LAM needs a blur sigma > 0 (LR pixels), got {sigma!r}")
    if internal_batch_size is not None and (isinstance(internal_batch_size, bool) or internal_batch_size < 1):
        raise ValueError(f"internal_batch_size must be a positive integer, got {internal_batch_size!r}")
    model = load_model(model)
    image = load_image(lr)
    h, w = image.shape[:2]
    out_hw = output_size(image.shape, None if size is not None else scale, size)
    tgt = make_target(target)
    plan = plan_window((h, w), out_hw, window, model.query_radius, tgt.margin, local)
    stats.block_shares(np.ones((h, w)), plan.footprint, grid_phase, block_size)  # validates the grid early

    param = next(model.parameters())
    dtype, device = param.dtype, param.device
    full = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).to(device=device, dtype=dtype)
    objective = WindowObjective(model, plan, tgt, dtype, device)
    hc, wc = plan.crop_shape
    batch = internal_batch_size or max(1, (1 << 16) // (hc * wc))
    bar = tqdm(desc=f"attribute ({method})", unit="pass", disable=not progress)

    crop = crop_box(full, plan.box)
    if method == "lam":
        # Blur a crop with σ_max's kernel radius of extra context so the blur path of the crop equals the
        # blur path of the whole image restricted to the crop; the objective sees the inner crop only.
        ext = grow_box(plan.box, blur_radius(float(sigma)), (h, w))
        inner = ((plan.box[0][0] - ext[0][0], plan.box[0][1] - ext[0][0]),
                 (plan.box[1][0] - ext[1][0], plan.box[1][1] - ext[1][0]))
        inputs, base_t = crop_box(full, ext), None
        options = {"sigma": float(sigma), **options}

        def forward(t):
            bar.update(1)
            return objective(crop_box(t, inner))
    else:
        inner, inputs, base_t = None, crop.clone().requires_grad_(True), None
        if method_cls.takes_baseline:
            base_np = make_baseline(baseline, image, sigma=float(sigma), jpeg_quality=jpeg_quality,
                                    subsampling=subsampling, grid_phase=grid_phase, block_size=block_size)
            base_t = crop_box(torch.from_numpy(base_np).permute(2, 0, 1).unsqueeze(0), plan.box)
            base_t = base_t.to(device=device, dtype=dtype)

        def forward(t):
            bar.update(1)
            return objective(t)

    was_training = model.training
    model.eval()
    try:
        attr, delta = method_cls(forward).attribute(inputs, base_t, steps=int(steps), internal_batch_size=batch,
                                                    **options)
        with torch.no_grad():
            f_x = float(objective(crop)[0])
            f_0 = None
            if method_cls.path:
                start = blur_path(inputs, float(sigma), [0.0]) if method == "lam" else \
                    (base_t if base_t is not None else torch.zeros_like(crop))
                f_0 = float(objective(crop_box(start, inner) if inner is not None else start)[0])
    finally:
        model.train(was_training)
        bar.close()
    if inner is not None:
        attr = crop_box(attr, inner)
    return _result(attr.detach(), delta, plan, method, tgt, f_x, f_0, grid_phase, block_size, local, {
        "steps": int(steps), "sigma": float(sigma), "baseline": _describe(baseline), "jpeg_quality": jpeg_quality,
        "internal_batch_size": batch, **{k: v for k, v in options.items() if k != "sigma"}})


def _describe(baseline) -> str | float | None:
    if baseline is None or isinstance(baseline, (str, int, float)):
        return baseline
    return "image"


def _result(attr, delta, plan: WindowPlan, method, tgt, f_x, f_0, grid_phase, block_size, local,
            params) -> AttributionResult:
    h, w = plan.lr_size
    full_map = np.zeros((3, h, w), dtype=np.float32)
    (a0, a1), (b0, b1) = plan.box
    full_map[:, a0:a1, b0:b1] = attr[0].float().cpu().numpy()
    mag = np.abs(full_map).sum(0)
    peak = float(mag.max())
    abs_map = (mag / peak if peak > 0 else mag).astype(np.float32)
    H, W = plan.out_size
    return AttributionResult(
        map=full_map, abs_map=abs_map,
        delta=None if delta is None else float(delta.reshape(-1)[0]),
        di=stats.diffusion_index(abs_map), di_receptive=stats.diffusion_index(abs_map[a0:a1, b0:b1]),
        cumulative_area=stats.cumulative_area(abs_map),
        block_shares=stats.block_shares(abs_map, plan.footprint, grid_phase, block_size, region=plan.box),
        window=plan.window, scale=(H / h, W / w), output_size=(H, W), method=method, target=tgt.name,
        receptive_box=plan.box, footprint=plan.footprint, target_value=f_x, baseline_value=f_0,
        grid_phase=tuple(int(p) for p in grid_phase), block_size=int(block_size), local=bool(local), params=params)


def window_objective(model, lr_shape, window, *, scale=None, size=None, target="mean", local=True):
    """The (plan, objective) pair used by :func:`attribute`, for re-evaluating F on modified inputs
    (e.g. deletion curves). ``lr_shape`` (h, w); give ``scale`` or ``size``."""
    model = load_model(model)
    out_hw = output_size(tuple(lr_shape[:2]), scale, size)
    tgt = make_target(target)
    plan = plan_window(tuple(lr_shape[:2]), out_hw, window, model.query_radius, tgt.margin, local)
    param = next(model.parameters())
    return plan, WindowObjective(model, plan, tgt, param.dtype, param.device)
