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
from torch import nn
from tqdm.auto import tqdm

from ..images import load_image
from ..models import LatentGrid, load_model
from ..models.coords import crop_frame_coords
from ..models.encoder import EDSREncoder, ResidualBlock
from ..models.local import CropFrame, inputs_only
from ..parallel import default_workers, run_side_by_side
from ..upscale import output_size
from . import stats
from .baselines import blur_path, blur_radius, gaussian_kernels, make_baseline
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


# ---------------------------------------------------------------------------------- shrinking objective
def _conv_regions(target, size, n: int) -> list:
    """LR boxes R_0 ⊇ … ⊇ R_n = ``target``, R_{k−1} = R_k grown by one pixel (clipped to ``size`` (h, w)):
    what n stacked 3×3 convolutions need at each depth to produce ``target`` exactly."""
    regions = [target]
    for _ in range(n):
        regions.append(grow_box(regions[-1], 1, size))
    return regions[::-1]


def _sub(t: torch.Tensor, have, want) -> torch.Tensor:
    """(…, h, w) tensor covering LR box ``have`` restricted to the box ``want`` ⊆ ``have``."""
    (a0, _), (b0, _) = have
    (r0, r1), (c0, c1) = want
    return t[..., r0 - a0: r1 - a0, c0 - b0: c1 - b0]


class ShrinkingObjective(nn.Module):
    """F(crop) → (B,) like :class:`explain.probes.locality.WindowObjective`, but each layer of the EDSR encoder
    is computed only where the window still needs it.

    The full-crop computation evaluates every one of the encoder's n 3×3 convolutions on the whole receptive
    crop, although the queries read latent codes only near the window's footprint: depth k needs its output
    only on the latent box grown by (n − k) pixels. Here each convolution is a *valid* convolution (zero
    padding only on sides that are the image's own border, as the whole-image computation pads there), so
    the activations shrink by one pixel per layer towards the latent box; the numbers are the whole-image
    ones up to float rounding. For a 32² window at ×4 of EDSR-baseline this is about 40 % of the work.

    Input: (B, 3, hc, wc) LR crops in [0, 1] whose frame is ``plan.box``. Output: the target of the queried
    region (window + ``plan.margin`` HR pixels, edge-replicated past the output), unclamped model values.
    Use :func:`shrinking_supported` to check a model; others go through ``WindowObjective``.
    """

    def __init__(self, model, plan: WindowPlan, target: Callable[[torch.Tensor], torch.Tensor],
                 dtype=torch.float32, device=None):
        super().__init__()
        if not shrinking_supported(model):
            raise ValueError("ShrinkingObjective needs a LIIF with an EDSR encoder and no skip")
        self.model = model
        self.plan = plan
        self.target = target
        h, w = plan.lr_size
        enc_r = model.encoder.receptive_radius
        # The latent box: exactly the codes the queries read, i.e. the LR pixels holding the queried region's
        # centres grown by the decoder's reach (query radius − encoder radius: the 3×3 unfolding and the ensemble's
        # neighbour), clipped to the image. Away from the border this is the receptive crop shrunk by the encoder's
        # radius; at the border the old rule (keep the crop's clipped side) kept codes nobody reads, so a window
        # near the border computed every layer on up to the whole crop — the cost cliff of small photos.
        (R0, R1), (C0, C1) = plan.region
        self.latent_box = CropFrame.around_output((h, w), plan.out_size, (R0, R1), (C0, C1),
                                                  model.query_radius - enc_r).box
        self.regions = _conv_regions(self.latent_box, (h, w), enc_r)  # depth 0 (input) … enc_r (latents)
        if any(lo < b[0] or hi > b[1] for (lo, hi), b in zip(self.regions[0], plan.box)):
            raise ValueError(f"the receptive crop {plan.box} does not hold the encoder's input box {self.regions[0]}")
        (R0, R1), (C0, C1) = plan.region
        (H, W), (l0, l1), (m0, m1) = plan.out_size, *self.latent_box
        rows = crop_frame_coords((R0, R1), H, (l0, l1), h)
        cols = crop_frame_coords((C0, C1), W, (m0, m1), w)
        grid = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1).reshape(-1, 2)
        cell = torch.tensor([2.0 * h / H / (l1 - l0), 2.0 * w / W / (m1 - m0)], dtype=torch.float64)
        self.register_buffer("coords", grid.to(dtype=dtype, device=device), persistent=False)
        self.register_buffer("cells", cell.expand_as(grid).to(dtype=dtype, device=device), persistent=False)
        self.region_shape = (R1 - R0, C1 - C0)

    def _conv(self, conv: nn.Conv2d, t: torch.Tensor, depth: int) -> torch.Tensor:
        """3×3 convolution of ``t`` on regions[depth] → its output on regions[depth + 1]."""
        out, got = border_padded_conv(conv, t, self.regions[depth], self.plan.lr_size)
        return _sub(out, got, self.regions[depth + 1])

    def features(self, x: torch.Tensor, keep: dict | None = None) -> torch.Tensor:
        """Encoder features (B, C, lh, lw) on ``latent_box`` from LR crops (B, 3, hc, wc) on ``plan.box``.

        keep: a dict that receives every layer's activations, each on its region (``regions[depth]``): "image"
              (depth 0), "head" (1), "stream" (the residual stream entering each block and leaving the last, depths
              1, 3, …), "mid" (each block's ReLU output, depths 2, 4, …) and "features"
              (:class:`explain.probes.edited_forward.EditedForward` recomputes edited crops from them).
        """
        if x.ndim != 4 or tuple(x.shape[-2:]) != self.plan.crop_shape:
            raise ValueError(f"expected crops (B, 3, {self.plan.crop_shape[0]}, {self.plan.crop_shape[1]}), "
                             f"got {tuple(x.shape)}")
        enc, reg = self.model.encoder, self.regions
        image = _sub((x - 0.5) / 0.5, self.plan.box, reg[0])
        head = self._conv(enc.head[0], image, 0)
        if keep is not None:
            keep.update(image=image, head=head, mid=[], stream=[head])
        t, depth = head, 1
        for block in enc.body[:-1]:
            y = torch.relu(self._conv(block.body[0], t, depth))
            if keep is not None:
                keep["mid"].append(y)
            y = self._conv(block.body[2], y, depth + 1)
            t = _sub(t, reg[depth], reg[depth + 2]) + y * block.res_scale
            if keep is not None:
                keep["stream"].append(t)
            depth += 2
        body = self._conv(enc.body[-1], t, depth)
        feats = _sub(head, reg[1], reg[-1]) + body
        if keep is not None:
            keep["features"] = feats
        return feats

    def region(self, x: torch.Tensor) -> torch.Tensor:
        """The SR output over the planned region: (B, rh, rw, 3)."""
        return self.decode(x, self.features(x))

    def decode(self, x: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        """The SR output (B, rh, rw, 3) over the planned region from the crops ``x`` (B, 3, hc, wc) and their latent
        codes ``feats`` (B, C, lh, lw) on ``latent_box``."""
        b = x.shape[0]
        image = _sub((x - 0.5) / 0.5, self.plan.box, self.latent_box)
        out = self.model.query(LatentGrid(feats, image), self.coords, self.cells).reshape(b, *self.region_shape, 3)
        top, bottom, left, right = self.plan.pad
        if top or bottom or left or right:
            out = F.pad(out.permute(0, 3, 1, 2), (left, right, top, bottom), mode="replicate").permute(0, 2, 3, 1)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value = self.target(self.region(x))
        if value.ndim != 1 or value.shape[0] != x.shape[0]:
            raise ValueError(f"the target must return one value per image (B,) = ({x.shape[0]},), "
                             f"got shape {tuple(value.shape)}")
        return value


def border_padded_conv(conv: nn.Conv2d, t: torch.Tensor, box, size) -> tuple[torch.Tensor, tuple]:
    """A 3×3 convolution of ``t`` (…, C, h, w), which covers the LR box ``box`` of an image of ``size`` (h, w), as
    the whole image computes it: zero padding only on the sides of ``box`` that are the image's own border, a valid
    convolution elsewhere. Returns (output, the box it covers: ``box`` shrunk by one pixel on its inner sides)."""
    (r0, r1), (c0, c1) = box
    h, w = size
    top, bottom, left, right = int(r0 == 0), int(r1 == h), int(c0 == 0), int(c1 == w)
    if top or bottom or left or right:
        t = F.pad(t, (left, right, top, bottom))
    return F.conv2d(t, conv.weight, conv.bias), ((r0 + 1 - top, r1 - 1 + bottom), (c0 + 1 - left, c1 - 1 + right))


def shrinking_supported(model) -> bool:
    """Whether :class:`ShrinkingObjective` computes ``model`` exactly: a LIIF whose encoder is exactly the
    EDSR-baseline stack (head conv, conv–ReLU–conv residual blocks, closing conv, global skip) and no
    bicubic skip."""
    enc = getattr(model, "encoder", None)
    config = getattr(model, "config", None)
    if type(enc) is not EDSREncoder or config is None or getattr(config, "skip", None) != "none":
        return False
    blocks = list(enc.body[:-1])
    if not all(type(b) is ResidualBlock and len(b.body) == 3 and isinstance(b.body[1], nn.ReLU) for b in blocks):
        return False
    convs = [enc.head[0]] + [m for blk in blocks for m in (blk.body[0], blk.body[2])] + [enc.body[-1]]
    return all(isinstance(c, nn.Conv2d) and c.kernel_size == (3, 3) and c.padding == (1, 1) and c.stride == (1, 1)
               and c.dilation == (1, 1) and c.groups == 1 for c in convs) and len(convs) == enc.receptive_radius


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


# The quadratures of LAM's blur path (see LAMMethod); "steps" counts gradient evaluations for each of them.
LAM_INTEGRATIONS = ("midpoint", "trapezoid", "gausslegendre", "arclength")
DEFAULT_LAM_INTEGRATION = "arclength"
_ARC_TABLE = 256  # path points tabulated to place the arc-length nodes
_FD_STEP = 1e-4  # α step of the central difference giving γ'(α) for Gauss–Legendre


def arclength_nodes(sigma: float, n: int, table: int = _ARC_TABLE) -> np.ndarray:
    """α nodes 0 = α_0 < … < α_n = 1 splitting LAM's blur path γ(α) = blur(x, σ·(1 − α)) into n pieces of
    equal length of the *kernel's* path: Σ‖K(α_{k+1}) − K(α_k)‖₂ with K(α) the 2-D Gaussian kernel of
    σ·(1 − α) (float64 (n + 1,)). For a white-noise image this is the expected path length of γ; it does
    not depend on the image, so a crop and the whole image get the same nodes (locality stays exact).

    The blur barely changes the image once σ < ~0.3 px (the kernel's side taps fall below e^−5), so uniform
    α wastes steps there; equal-length pieces spend them where the blur changes. The path is tabulated at
    ``table`` + 1 uniform α and its cumulative length inverted piecewise linearly.
    """
    grid = np.linspace(0.0, 1.0, table + 1)
    k = gaussian_kernels(float(sigma) * (1.0 - grid), blur_radius(float(sigma)), torch.float64)  # (T + 1, K)
    # ‖a⊗a − b⊗b‖² = ‖a‖⁴ + ‖b‖⁴ − 2(a·b)² for the separable 2-D kernels, without building them
    sq = (k * k).sum(1)
    dot = (k[1:] * k[:-1]).sum(1)
    seg = (sq[1:] ** 2 + sq[:-1] ** 2 - 2 * dot ** 2).clamp_min(0).sqrt().numpy()
    length = np.concatenate([[0.0], np.cumsum(seg)])
    length = length + np.linspace(0.0, 1e-9 * length[-1], table + 1)  # strictly increasing for the inversion
    nodes = np.interp(np.linspace(0.0, length[-1], n + 1), length, grid)
    nodes[0], nodes[-1] = 0.0, 1.0
    return nodes


def lam_rule(x: torch.Tensor, sigma: float, steps: int, integration: str):
    """The quadrature of LAM's path integral with ``steps`` gradient evaluations: (alphas (steps,) float64,
    directions(k) → (len(k), C, h, w) tensor), so that LAM ≈ Σ_k ∂F/∂x|_{γ(α_k)} · direction_k.

    midpoint:      uniform α nodes, gradients at the interval midpoints, directions γ(α_{k+1}) − γ(α_k)
                   (they telescope to x − γ(0): the gap is pure quadrature error; the method's original rule);
    trapezoid:     steps − 1 uniform intervals, gradients at the steps nodes (both ends included), directions
                   ½(Δ_{k−1} + Δ_k) (telescoping as well);
    gausslegendre: Gauss–Legendre nodes and weights w_k on [0, 1], directions w_k·γ'(α_k) (γ' by a float64
                   central difference; not telescoping);
    arclength:     the midpoint rule on :func:`arclength_nodes` (equal kernel path length per step; telescoping).
    """
    if integration not in LAM_INTEGRATIONS:
        raise ValueError(f"LAM integration must be one of {LAM_INTEGRATIONS}, got {integration!r}")
    if integration == "trapezoid" and steps < 2:
        raise ValueError("the trapezoid rule needs steps >= 2 (both ends of the path)")
    x = x.detach()
    blur_path(x, sigma, [0.0])  # refuses a kernel far wider than the image before tabulating it

    def blur(alphas):
        return blur_path(x, sigma, alphas)

    if integration in ("midpoint", "arclength"):
        if integration == "midpoint":
            nodes = np.arange(steps + 1, dtype=np.float64) / steps
            alphas = (np.arange(steps, dtype=np.float64) + 0.5) / steps
        else:
            nodes = arclength_nodes(sigma, steps)
            alphas = 0.5 * (nodes[:-1] + nodes[1:])
        return alphas, lambda k: blur(nodes[k + 1]) - blur(nodes[k])
    if integration == "trapezoid":
        nodes = np.arange(steps, dtype=np.float64) / (steps - 1)

        def trapezoid(k):
            prev = np.maximum(k - 1, 0)
            nxt = np.minimum(k + 1, steps - 1)
            return 0.5 * (blur(nodes[nxt]) - blur(nodes[prev]))  # ½(Δ_{k−1} + Δ_k); ends: ½Δ_0, ½Δ_{n−2}

        return nodes, trapezoid
    t, w = np.polynomial.legendre.leggauss(steps)
    alphas, weights = 0.5 * (t + 1.0), 0.5 * w
    xd = x.double()

    def gauss(k):
        lo, hi = np.clip(alphas[k] - _FD_STEP, 0, 1), np.clip(alphas[k] + _FD_STEP, 0, 1)
        d = (blur_path(xd, sigma, hi) - blur_path(xd, sigma, lo)) / torch.from_numpy(hi - lo).reshape(-1, 1, 1, 1)
        return (d * torch.from_numpy(weights[k]).reshape(-1, 1, 1, 1)).to(x.dtype)

    return alphas, gauss


class LAMMethod(AttributionMethod):
    """Local Attribution Map (Gu & Dong, CVPR 2021): path-integrated gradients along the progressive blur
    γ(α) = blur(x, σ_max·(1 − α)), α ∈ [0, 1], from the blurred baseline γ(0) to the input γ(1):

        LAM_i = ∫₀¹ ∂F(γ(α))/∂γ_i · ∂γ_i(α)/∂α dα  ≈  Σ_k ∂F/∂x|_{γ(α_k)} · direction_k,

    with the quadrature ``integration`` of :func:`lam_rule` (``"arclength"`` by default: midpoint rule on
    nodes of equal path length; ``"midpoint"``, uniform α, is the original rule). The ``steps`` path points
    go through the model ``internal_batch_size`` at a time, each batch one forward and one backward pass.
    The blur uses replicate padding at the border of ``inputs``: pass an input with ``blur_radius(sigma)``
    extra pixels around the region that matters. After :meth:`attribute`, ``values`` holds (F(x), F(γ(0))).
    """

    name = "lam"
    path = True

    def attribute(self, inputs, baselines=None, steps=50, internal_batch_size=None, sigma=DEFAULT_SIGMA,
                  integration=DEFAULT_LAM_INTEGRATION):
        self._no_baseline(baselines)
        if inputs.ndim != 4 or inputs.shape[0] != 1:
            raise ValueError(f"LAM attributes one image (1, 3, h, w), got shape {tuple(inputs.shape)}")
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"LAM needs a blur sigma > 0 (LR pixels), got {sigma!r}")
        steps = int(steps)
        alphas, directions = lam_rule(inputs, float(sigma), steps, integration)
        batch = steps if internal_batch_size is None else max(1, int(internal_batch_size))
        x = inputs.detach()

        def part(s: int) -> torch.Tensor:
            # one batch of path points: one forward and one backward pass, its share of the integral
            k = np.arange(s, min(steps, s + batch))
            point = blur_path(x, sigma, alphas[k]).requires_grad_(True)
            with torch.enable_grad():
                out = self.forward_func(point)
                (grad,) = torch.autograd.grad(out.sum(), point)
            with torch.no_grad():
                return (grad * directions(k)).sum(0, keepdim=True)

        # the batches side by side on a few cores (explain.parallel), summed in path order
        total = torch.zeros_like(x)
        for piece in run_side_by_side(part, range(0, steps, batch)):
            total += piece
        with torch.no_grad():
            ends = self.forward_func(torch.cat([x, blur_path(x, sigma, [0.0])]))
        f_x, f_0 = ends[:1], ends[1:]
        self.values = (float(f_x[0]), float(f_0[0]))
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
    objective = make_objective(model, plan, tgt, dtype, device)
    hc, wc = plan.crop_shape
    # about 65 536 LR pixels per pass, and at least one batch per core that runs side by side (explain.parallel)
    batch = internal_batch_size or max(1, min((1 << 16) // (hc * wc), math.ceil(int(steps) / default_workers())))
    bar = tqdm(desc=f"attribute ({method})", unit="pass", disable=not progress)

    crop = crop_box(full, plan.box)
    if method == "lam":
        # Blur a crop with σ_max's kernel radius of extra context so the blur path of the crop equals the
        # blur path of the whole image restricted to the crop; the objective sees the inner crop only.
        ext = grow_box(plan.box, blur_radius(float(sigma)), (h, w))
        inner = ((plan.box[0][0] - ext[0][0], plan.box[0][1] - ext[0][0]),
                 (plan.box[1][0] - ext[1][0], plan.box[1][1] - ext[1][0]))
        inputs, base_t = crop_box(full, ext), None
        options = {"sigma": float(sigma), "integration": DEFAULT_LAM_INTEGRATION, **options}

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
        seen = {}

        def forward(t):
            bar.update(1)
            out = objective(t)
            if t is inputs:  # the unperturbed crop itself (saliency, input × gradient): F(x) comes for free
                seen["f_x"] = float(out.detach()[0])
            return out

    try:
        with inputs_only(model):  # gradients with respect to the input only: the weights' are never formed
            runner = method_cls(forward)
            attr, delta = runner.attribute(inputs, base_t, steps=int(steps), internal_batch_size=batch, **options)
            with torch.no_grad():
                if method == "lam":
                    f_x, f_0 = runner.values
                else:
                    f_x = seen["f_x"] if "f_x" in seen else float(objective(crop)[0])
                    f_0 = None
                    if method_cls.path:
                        start = base_t if base_t is not None else torch.zeros_like(crop)
                        f_0 = float(objective(start)[0])
    finally:
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


def make_objective(model, plan: WindowPlan, target, dtype=torch.float32, device=None) -> nn.Module:
    """The window objective F (B, 3, hc, wc) crops on ``plan.box`` → (B,): :class:`ShrinkingObjective` for a
    local plan of a model it supports (same numbers, less work), else
    :class:`explain.probes.locality.WindowObjective`."""
    # A whole-image box (a small photo, or ``local=False``) shrinks too: the latent box is what the queries read, so a
    # window costs no more near the border or on a small photo than in the interior.
    if shrinking_supported(model):
        return ShrinkingObjective(model, plan, target, dtype, device)
    return WindowObjective(model, plan, target, dtype, device)


def window_objective(model, lr_shape, window, *, scale=None, size=None, target="mean", local=True):
    """The (plan, objective) pair used by :func:`attribute`, for re-evaluating F on modified inputs
    (e.g. deletion curves). ``lr_shape`` (h, w); give ``scale`` or ``size``."""
    model = load_model(model)
    out_hw = output_size(tuple(lr_shape[:2]), scale, size)
    tgt = make_target(target)
    plan = plan_window(tuple(lr_shape[:2]), out_hw, window, model.query_radius, tgt.margin, local)
    param = next(model.parameters())
    return plan, make_objective(model, plan, tgt, param.dtype, param.device)
