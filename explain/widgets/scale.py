"""Arbitrary-scale view: a scale slider → the same LR region upscaled by LIIF (queried from cached encoder
features: changing the scale changes only the query coordinates and cells, never the latent grid) next to
bicubic. LIIF decodes any real scale; the cell (2/H, 2/W) tells the MLP how large the output pixel is.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..figures.compare import plot_scale
from ..images import load_image, upscale_bicubic
from ..upscale import output_size
from ._base import View, as_models, box_or_centre, dropdown


class ScaleView(View):
    """An LR region upscaled at a chosen scale.

    models: a model, a shipped name / path or a dict name → model; lr: the LR image.
    region: (row, col, height, width) in LR pixels (default: a 16×16 square at the centre).
    scale:  initial scale; the slider spans [min_scale, max_scale].

    ``result`` is a dict: scale, output_size (H, W) of the whole image, hr_region (row, col, height, width)
    in output pixels, cell (LIIF units), and the arrays "lr", "bicubic", "liif" of the region.
    """

    title = "Arbitrary scale"

    def __init__(self, models, lr, region=None, scale: float = 3.5, min_scale: float = 1.0,
                 max_scale: float = 8.0, cache=None, render: bool = True):
        super().__init__(cache, render)
        self.models = as_models(models)
        self.lr = load_image(lr)
        h, w = self.lr.shape[:2]
        r, c, hh, ww = box_or_centre(region, (h, w), 16, "region (LR pixels)")
        if not 0 < min_scale <= scale <= max_scale:
            raise ValueError(f"need 0 < min_scale <= scale <= max_scale, got {min_scale}, {scale}, {max_scale}")
        self.region = (r, c, hh, ww)
        self.controls = {
            "model": dropdown("model", list(self.models), next(iter(self.models))),
            "scale": widgets.FloatSlider(value=float(scale), min=float(min_scale), max=float(max_scale), step=0.1,
                                         description="scale ×", continuous_update=False),
        }
        self._wire()
        self.update()

    def hr_region(self, scale: float) -> tuple[tuple[int, int], tuple[int, int, int, int]]:
        """Output size (H, W) at ``scale`` and the output pixels (row, col, height, width) covering the region."""
        H, W = output_size(self.lr.shape, scale)
        h, w = self.lr.shape[:2]
        r, c, hh, ww = self.region
        R0, R1 = int(np.floor(r * H / h)), int(np.ceil((r + hh) * H / h))
        C0, C1 = int(np.floor(c * W / w)), int(np.ceil((c + ww) * W / w))
        return (H, W), (R0, C0, R1 - R0, C1 - C0)

    def _compute(self):
        name = self.value("model")
        s = float(self.value("scale"))
        (H, W), (R0, C0, RH, CW) = self.hr_region(s)
        liif = self.cache.upscale(self.models[name], self.lr, (H, W), (R0, C0, RH, CW))
        bicubic = upscale_bicubic(self.lr, size=(H, W))[R0: R0 + RH, C0: C0 + CW]
        r, c, hh, ww = self.region
        h, w = self.lr.shape[:2]
        # where the output pixels lie in LR pixel units, relative to the region's corner
        extent = (C0 * w / W - c, (C0 + CW) * w / W - c, (R0 + RH) * h / H - r, R0 * h / H - r)
        res = {"scale": s, "output_size": (H, W), "hr_region": (R0, C0, RH, CW), "cell": (2.0 / H, 2.0 / W),
               "extent": extent, "lr": self.lr[r: r + hh, c: c + ww], "bicubic": bicubic, "liif": liif,
               "model": name}
        text = (f"×{s:g}: whole output {H}×{W}; region {RH}×{CW} output px; cell (2/H, 2/W) = "
                f"({2.0 / H:.4g}, {2.0 / W:.4g}) in LIIF units, i.e. {h / H:.3g} LR px per output px")
        return res, plot_scale(res), text
