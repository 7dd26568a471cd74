"""Interactive codec comparison: codec and quality (or target bit rate) pickers and a window (sliders, or a
click on the image) → the decoded LR image, its artefacts, the SR results of each model and bicubic around
the window, PSNR-Y, and attribution statistics (DI, block shares) of that window per model.

The HR image is downscaled ×scale (PIL bicubic) to a clean LR image, which each codec compresses. Windows
are (row, col, height, width) in HR pixels; the crops show the window plus ``margin`` LR pixels around it.
Decodes, SR crops (queried from cached encoder features) and attributions are memoised, so returning to a
setting is free.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..codecs import available_codecs, compress, compress_to_bpp
from ..figures import plot_crops
from ..figures.compare import redraw_crops
from ..images import crop_to_multiple, downscale, load_image, upscale_bicubic
from ..metrics import psnr_y
from ..probes import attribute
from ._base import SquareWindowPicking, View, as_models, box_or_centre, dropdown, refilled_or_new, slider
from .attribution import format_rows, summary_row
from .cache import image_hash

MODES = ("setting", "target bpp")


ERROR_PANEL = "|decoded − clean| ×8"


class CodecView(SquareWindowPicking, View):
    """Compress the LR image with a chosen codec and look at what the upscalers make of it.

    models:   a model, a shipped name / path or a dict name → model.
    hr:       the HR original (cropped to a multiple of ``scale``); scale: integer downscale factor.
    window:   HR (row, col, side, side) explained and shown (default: a 32×32 square at the centre); moved
              with the sliders, or by a click on the clean LR image (``click``; None: when ipympl is
              installed), which marks the current window.
    codec, quality (jpeg, webp, avif), rate (jpeg2000 compression ratio), bpp and mode ("setting" or
    "target bpp"): initial picker values. ``subsampling`` is passed to the codecs that take it.
    attribution: compute attribution statistics (``method``, ``steps``, ``target`` as in
    :func:`explain.attribute`) per model for the window.

    ``result`` is a dict: info (CodecInfo), decoded (h, w, 3), psnr_lr, psnr_sr (name → dB over the shown
    region), rows (attribution statistics per model, when enabled), region (HR rows/cols shown).
    """

    title = "Codecs: decoded LR, artefacts, upscales"

    def __init__(self, models, hr, scale: int = 4, window=None, codec: str = "jpeg", quality: int = 20,
                 rate: float = 40.0, bpp: float = 1.0, mode: str = "setting", subsampling: str = "4:2:0",
                 margin: int = 8, attribution: bool = True, method: str = "lam", steps: int = 8,
                 target: str = "mean", progress: bool = True, click: bool | None = None, cache=None,
                 render: bool = True):
        super().__init__(cache, render)
        if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
            raise ValueError(f"scale must be a positive integer, got {scale!r}")
        codecs = available_codecs()
        if codec not in codecs:
            raise ValueError(f"unknown or unavailable codec {codec!r}; available: {codecs}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.models = as_models(models)
        self.scale = int(scale)
        self.hr = crop_to_multiple(load_image(hr), self.scale)
        self.lr_clean = downscale(self.hr, self.scale)
        self._clean_key = image_hash(self.lr_clean)
        H, W = self.out_size = self.hr.shape[:2]
        self.lr_shape = self.lr_clean.shape[:2]
        r, c, hh, ww = box_or_centre(window, (H, W), 32, "window")
        if hh != ww:
            raise ValueError(f"the view uses square windows, got {hh}×{ww}")
        self.margin = int(margin) * self.scale
        self.subsampling, self.method, self.steps, self.progress = subsampling, method, int(steps), bool(progress)
        self.target = target
        wide = {"description_width": "initial"}  # labels in full ("JPEG 2000 ratio", not "JPEG 200…")
        self.controls = {
            "codec": dropdown("codec", codecs, codec),
            "mode": widgets.ToggleButtons(options=list(MODES), value=mode, description="pick by", style=wide),
            "quality": slider("quality", quality, 1, 100),
            "rate": widgets.FloatLogSlider(value=float(rate), base=10, min=0.3, max=2.7, step=0.05,
                                           description="JPEG 2000 ratio", continuous_update=False, style=wide),
            "bpp": widgets.FloatSlider(value=float(bpp), min=0.1, max=4.0, step=0.05, description="target bpp",
                                       continuous_update=False, style=wide),
            "size": slider("window side (HR px)", hh, 1, min(H, W, 128)),
            "row": slider("row", r, 0, H - hh),
            "col": slider("col", c, 0, W - ww),
            "attribution": widgets.Checkbox(value=bool(attribution), description="attribution statistics",
                                            style=wide, layout=widgets.Layout(width="auto")),
        }
        self._make_picker(self.lr_clean, click, units="LR px")
        self._wire()
        self.update()

    @property
    def window(self) -> tuple[int, int, int, int]:
        """The explained HR window (row, col, side, side)."""
        return self._square_window()

    @property
    def region(self) -> tuple[int, int, int, int]:
        """The HR region shown: the window plus the margin, clipped to the image."""
        H, W = self.out_size
        r, c, hh, ww = self.window
        m = self.margin
        return (max(0, r - m), max(0, c - m), min(H, r + hh + m) - max(0, r - m), min(W, c + ww + m) - max(0, c - m))

    # ------------------------------------------------------------------------------------- decode
    def _codec_settings(self) -> dict:
        codec = self.value("codec")
        fixed = {"subsampling": self.subsampling} if codec in ("jpeg", "avif") else {}
        if self.value("mode") == "target bpp":
            return {"target_bpp": float(self.value("bpp")), **fixed}
        if codec == "jpeg2000":
            return {"rate": float(self.value("rate")), **fixed}
        return {"quality": int(self.value("quality")), **fixed}

    def _decode_key(self) -> tuple:
        """What the decoded image depends on: the clean LR image, the codec and its settings."""
        return self._clean_key, self.value("codec"), tuple(sorted(self._codec_settings().items()))

    def decode(self):
        """(decoded LR image, CodecInfo) for the current pickers (memoised)."""
        codec, kw = self.value("codec"), self._codec_settings()
        key = ("compress", *self._decode_key())
        if "target_bpp" in kw:
            target = kw.pop("target_bpp")
            return self.cache.memo(key, lambda: compress_to_bpp(self.lr_clean, codec, target, **kw))
        return self.cache.memo(key, lambda: compress(self.lr_clean, codec, **kw))

    def _sync_controls(self) -> None:
        self._limit_square_window(self.out_size)
        by_bpp = self.value("mode") == "target bpp"
        jp2 = self.value("codec") == "jpeg2000"
        self.controls["bpp"].disabled = not by_bpp
        self.controls["quality"].disabled = by_bpp or jp2
        self.controls["rate"].disabled = by_bpp or not jp2

    # ------------------------------------------------------------------------------------ compute
    def _attribution(self, name, decoded):
        model = self.models[name]
        key = (self.cache.model_key(model), "attribute", image_hash(decoded), self.scale, self.window,
               self.method, self.steps, self.target)
        return self.cache.memo(key, lambda: attribute(model, decoded, self.window, self.scale, method=self.method,
                                                      steps=self.steps, target=self.target, progress=self.progress))

    def _decoded_panels(self, decoded) -> dict:
        """The whole-image panels that depend on the decoded image only (memoised: a moved window reuses
        them): nearest-neighbour LR, the ×8 error map, and bicubic, each at output size."""
        key = ("codec-panels", *self._decode_key(), self.scale)

        def make():
            s = self.scale
            err = np.abs(decoded - self.lr_clean).mean(-1, keepdims=True)
            return {"decoded LR (nearest)": np.kron(decoded, np.ones((s, s, 1), dtype=np.float32)),
                    ERROR_PANEL: np.kron(np.clip(8 * err, 0, 1).repeat(3, -1), np.ones((s, s, 1))),
                    "bicubic": upscale_bicubic(decoded, size=self.hr.shape[:2])}

        return dict(self.cache.memo(key, make))

    def _compute(self):
        decoded, info = self.decode()
        H, W = self.hr.shape[:2]
        R, C, RH, RW = self.region
        full = {"HR original": self.hr, **self._decoded_panels(decoded)}
        outputs = {"bicubic": full.pop("bicubic")}
        for name, model in self.models.items():
            sr = np.zeros_like(self.hr)
            sr[R: R + RH, C: C + RW] = self.cache.upscale(model, decoded, (H, W), self.region)
            outputs[name] = sr
        full.update(outputs)
        ref = self.hr[R: R + RH, C: C + RW]
        psnr_sr = {k: psnr_y(ref, v[R: R + RH, C: C + RW]) for k, v in outputs.items()}
        psnr_lr = psnr_y(self.lr_clean, decoded)
        captions = {k: f"PSNR-Y {v:.2f} dB (region)" for k, v in psnr_sr.items()}
        captions["decoded LR (nearest)"] = f"{info.bpp:.3f} bpp · PSNR-Y {psnr_lr:.2f} dB"
        # a moved window of the same size: the figure's artists are refilled, not made again
        fig = refilled_or_new(self.figure, lambda f: redraw_crops(f, full, self.region, captions),
                              lambda: plot_crops(full, self.region, captions, block=8 * self.scale,
                                                 ncols=min(len(full), 4),
                                                 scalar={ERROR_PANEL: "8 × mean |error| of R, G, B, ≤ 1"}))
        fig.suptitle(info.label(), fontsize=11)
        rows = []
        if self.value("attribution"):
            rows = [summary_row(name, self._attribution(name, decoded)) for name in self.models]
        result = {"info": info, "decoded": decoded, "psnr_lr": psnr_lr, "psnr_sr": psnr_sr, "rows": rows,
                  "region": self.region}
        text = [f"{info.label()}: {info.nbytes} bytes; decoded LR PSNR-Y {psnr_lr:.2f} dB vs clean LR",
                "region PSNR-Y: " + ", ".join(f"{k} {v:.2f} dB" for k, v in psnr_sr.items())]
        if rows:
            text += [f"attribution of HR window {self.window} ({self.method}, {self.steps} steps, target "
                     f"{self.target}; 8×8 LR grid):",
                     format_rows(rows)]
        return result, fig, "\n".join(text)
