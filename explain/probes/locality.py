"""Exact locality of an output window: which LR pixels it can depend on, and the window's objective on a crop.

A model's output at an HR pixel depends only on the LR pixels within ``model.query_radius`` (Chebyshev) of
the LR pixel holding that output pixel's centre (the contract of :mod:`explain.models.base`; for LIIF: the
encoder is a stack of zero-padded 3×3 convolutions (``receptive_radius``), unfolding adds one pixel, the local
ensemble reads codes at most one pixel away, the bicubic skip reads two). So a window needs only the LR crop
spanning its footprint plus that radius. Query coordinates are re-expressed in the crop's (−1, 1) frame by
:class:`explain.models.local.CropFrame` (as :mod:`explain.upscale` does); every latent code the queries read
is then computed from exactly the same pixels as on the whole image.

Coordinates: HR output pixel i of an axis of N pixels, over an LR axis of n pixels, has its centre at
u = (i + ½)·n/N in LR pixel units; its own LR pixel is floor(u).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..models.local import CropFrame, lr_footprint
from ..upscale import check_window as _check_output_window

Box = tuple[tuple[int, int], tuple[int, int]]

__all__ = ["Box", "WindowPlan", "WindowObjective", "check_window", "lr_footprint", "plan_window", "crop_box",
           "grow_box"]


@dataclass(frozen=True)
class WindowPlan:
    """Where a window lives in the HR output and which LR crop computes it exactly.

    lr_size:   (h, w) of the LR input.
    out_size:  (H, W) of the HR output.
    window:    (row, col, height, width) in HR pixels.
    margin:    HR pixels of context the target needs around the window (1 for the gradient detector).
    region:    ((R0, R1), (C0, C1)) HR rows/cols actually queried: the window grown by ``margin``, clipped
               to the output; ``pad`` (top, bottom, left, right) restores the clipped part by edge replication.
    footprint: ((r0, r1), (c0, c1)) LR pixels holding the centres of the window's own output pixels.
    box:       ((a0, a1), (b0, b1)) LR crop the objective is computed on (the whole image when not local).
    """

    lr_size: tuple[int, int]
    out_size: tuple[int, int]
    window: tuple[int, int, int, int]
    margin: int
    region: Box
    pad: tuple[int, int, int, int]
    footprint: Box
    box: Box

    @property
    def crop_shape(self) -> tuple[int, int]:
        return self.box[0][1] - self.box[0][0], self.box[1][1] - self.box[1][0]

    @property
    def frame(self) -> CropFrame:
        """The crop ``box`` as a :class:`~explain.models.local.CropFrame` of the LR image."""
        return CropFrame(self.box[0], self.box[1], self.lr_size)

    def crop_coords(self, dtype=torch.float32, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Query coordinates (Q, 2) of the region's pixels (row-major) in the crop's frame, and cells (Q, 2)."""
        frame = self.frame
        rows, cols = frame.output_axes(self.region[0], self.region[1], self.out_size)
        grid = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1).reshape(-1, 2)
        cell = torch.tensor(frame.output_cell(self.out_size), dtype=torch.float64)
        return grid.to(dtype=dtype, device=device), cell.expand_as(grid).to(dtype=dtype, device=device)


def check_window(window, out_size) -> tuple[int, int, int, int]:
    """Validate (row, col, height, width) against the output size (H, W) (see :func:`explain.upscale.check_window`)."""
    return _check_output_window(window, out_size, "window")


def plan_window(lr_size, out_size, window, radius: int, margin: int = 0, local: bool = True) -> WindowPlan:
    """Plan the exact local computation of ``window`` for a model of query radius ``radius`` (LR px)."""
    h, w = (int(v) for v in lr_size)
    H, W = (int(v) for v in out_size)
    r, c, hh, ww = check_window(window, (H, W))
    if radius < 0 or margin < 0:
        raise ValueError(f"radius and margin must be >= 0, got {radius}, {margin}")
    R0, R1 = max(0, r - margin), min(H, r + hh + margin)
    C0, C1 = max(0, c - margin), min(W, c + ww + margin)
    pad = (R0 - (r - margin), (r + hh + margin) - R1, C0 - (c - margin), (c + ww + margin) - C1)
    footprint = (lr_footprint(r, r + hh, H, h), lr_footprint(c, c + ww, W, w))
    if local:
        box = CropFrame.around_output((h, w), (H, W), (R0, R1), (C0, C1), radius).box
    else:
        box = ((0, h), (0, w))
    return WindowPlan((h, w), (H, W), (r, c, hh, ww), int(margin), ((R0, R1), (C0, C1)), pad, footprint, box)


class WindowObjective(nn.Module):
    """F(crop) → (B,): the target applied to the window of the SR output, computed from an LR crop.

    Input: (B, 3, hc, wc) float LR crops in [0, 1] whose frame is ``plan.box``. The model is used only
    through ``encode`` and ``query`` (the contract of :mod:`explain.models.base`); outputs are the model's
    unclamped values. ``target`` maps the queried region (B, rh, rw, 3), the window plus ``plan.margin`` pixels
    on each side, to (B,).

    Two steps, usable apart: :meth:`encode` (crops → latents) and :meth:`query_region` (latents → region), so
    a caller that perturbs latents, or reuses one encoding for several targets, needs no second objective.
    """

    def __init__(self, model, plan: WindowPlan, target: Callable[[torch.Tensor], torch.Tensor],
                 dtype=torch.float32, device=None):
        super().__init__()
        self.model = model
        self.plan = plan
        self.target = target
        coords, cells = plan.crop_coords(dtype, device)
        self.register_buffer("coords", coords, persistent=False)
        self.register_buffer("cells", cells, persistent=False)
        self.region_shape = (plan.region[0][1] - plan.region[0][0], plan.region[1][1] - plan.region[1][0])

    def encode(self, x: torch.Tensor):
        """Encode-crop step: (B, 3, hc, wc) crops in the frame of ``plan.box`` → the model's latents."""
        if x.ndim != 4 or tuple(x.shape[-2:]) != self.plan.crop_shape:
            raise ValueError(f"expected crops (B, 3, {self.plan.crop_shape[0]}, {self.plan.crop_shape[1]}), "
                             f"got {tuple(x.shape)}")
        return self.model.encode(x)

    def query_region(self, latents) -> torch.Tensor:
        """Query-region step: latents of the crops → the SR output over the planned region (window + margin,
        edge-replicated past the output): (B, rh, rw, 3), unclamped."""
        b = latents.features.shape[0]
        out = self.model.query(latents, self.coords, self.cells).reshape(b, *self.region_shape, 3)
        top, bottom, left, right = self.plan.pad
        if top or bottom or left or right:
            out = F.pad(out.permute(0, 3, 1, 2), (left, right, top, bottom), mode="replicate").permute(0, 2, 3, 1)
        return out

    def region(self, x: torch.Tensor) -> torch.Tensor:
        """``query_region(encode(x))``: the SR output over the planned region, (B, rh, rw, 3)."""
        return self.query_region(self.encode(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value = self.target(self.region(x))
        if value.ndim != 1 or value.shape[0] != x.shape[0]:
            raise ValueError(f"the target must return one value per image (B,) = ({x.shape[0]},), "
                             f"got shape {tuple(value.shape)}")
        return value


def crop_box(t: torch.Tensor, box: Box) -> torch.Tensor:
    """(…, h, w) tensor restricted to an LR box."""
    (a0, a1), (b0, b1) = box
    return t[..., a0:a1, b0:b1]


def grow_box(box: Box, by: int, size) -> Box:
    """The box grown by ``by`` pixels on every side, clipped to ``size`` (h, w)."""
    (a0, a1), (b0, b1) = box
    return (max(0, a0 - by), min(size[0], a1 + by)), (max(0, b0 - by), min(size[1], b1 + by))
