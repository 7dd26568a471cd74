"""Interactive gradient attribution: window (sliders, or a click on the LR image where ipympl is installed),
method, steps, baseline and target → :func:`explain.attribute` per model → :func:`plot_attribution` (one
model, with the SR output) or :func:`plot_attribution_comparison` (several side by side), plus a table of DI
and block shares and, on request, Adebayo et al.'s randomisation test (:func:`explain.sanity_check`).

Windows are (row, col, height, width) in pixels of the SR output of size (round(h·scale), round(w·scale)).
Attributions are memoised per (model, image, settings): returning to a window costs nothing, and the SR
panel is queried from cached encoder features (only the displayed region).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..figures import plot_attribution, plot_attribution_comparison, plot_sanity_check
from ..figures.attribution import displayed_output_box, redraw_attribution, redraw_attribution_comparison
from ..images import load_image
from ..probes import METHODS, attribute, sanity_check
from ..upscale import output_size
from ._base import SquareWindowPicking, View, as_models, clear_progress, dropdown, show_figure, slider
from .pick import ipympl_available  # noqa: F401  (re-exported: where clicks can be used)

SR_TILE = 32  # output pixels per side of the SR panel's memoised tiles

BASELINES = (("zero (black)", "zero"), ("blur", "blur"), ("JPEG at low quality", "jpeg"),
             ("8×8 block means", "block_mean"))


class AttributionView(SquareWindowPicking, View):
    """Attribution of an SR window for one or more models.

    models:       a model, a shipped name / path, or a dict name → model (two or more: side by side).
    lr:           the (compressed) LR image, anything :func:`explain.load_image` accepts.
    scale:        output scale; window: initial (row, col, height, width) in output pixels (default: a
                  ``window_size`` square at the centre).
    method, steps, baseline ("zero", "blur", "jpeg", "block_mean"; used by methods that take one), target
                  ("mean" / "gradient"), jpeg_quality (of the "jpeg" baseline), sigma, grid_phase,
                  block_size: as in :func:`explain.attribute`.
    click:        show the LR image on a canvas where a click moves the window there (the current window
                  is marked); None (default): when ipympl is installed (:func:`ipympl_available`).
    progress:     show tqdm progress bars (inside the view, cleared when done) while attributing.

    After each update: ``results`` (name → AttributionResult), ``result`` (the first), ``figure``, ``text``,
    ``rows`` (one dict of statistics per model); after :meth:`run_sanity_check`: ``sanity``,
    ``sanity_figure``.
    """

    title = "Gradient attribution of an SR window"
    # Path steps by default: interactive, at a map error of about 5 % against a 256-step reference (32 steps:
    # about 2.5 %, 50: under 2 %; benchmarks/widget_latency.py prints the table). Raise "steps" for a final figure.
    DEFAULT_STEPS = 16

    def __init__(self, models, lr, scale: float = 4, window=None, window_size: int = 16, method: str = "lam",
                 steps: int | None = None, baseline: str = "jpeg", target: str = "mean", jpeg_quality: int = 5,
                 sigma: float = 1.2, grid_phase=(0, 0), block_size: int = 8, click: bool | None = None,
                 progress: bool = True, cache=None, render: bool = True, max_steps: int = 100):
        super().__init__(cache, render)
        self.models = as_models(models)
        steps = self.DEFAULT_STEPS if steps is None else steps
        self.lr = load_image(lr)
        self.scale = float(scale)
        self.out_size = output_size(self.lr.shape, self.scale)
        H, W = self.out_size
        if method not in METHODS:
            raise ValueError(f"unknown attribution method {method!r}; use one of {sorted(METHODS)}")
        if baseline not in dict((v, k) for k, v in BASELINES):
            raise ValueError(f"baseline must be one of {[v for _, v in BASELINES]}, got {baseline!r}")
        if window is None:
            side = min(int(window_size), H, W)
            window = ((H - side) // 2, (W - side) // 2, side, side)
        r, c, hh, ww = (int(v) for v in window)
        if hh != ww:
            raise ValueError(f"the view uses square windows, got {hh}×{ww}")
        self.options = {"jpeg_quality": int(jpeg_quality), "sigma": float(sigma), "grid_phase": tuple(grid_phase),
                        "block_size": int(block_size)}
        self.progress = bool(progress)
        self._image_key = None
        self._figure_layout = None  # (model names, γ, common scale) of the figure, to redraw it in place
        self.controls = {
            "size": slider("window side (SR px)", hh, 1, min(H, W, 128)),
            "row": slider("row", r, 0, H - hh),
            "col": slider("col", c, 0, W - ww),
            "method": dropdown("method", sorted(METHODS), method),
            "steps": slider("steps", steps, 1, max(max_steps, steps)),
            "baseline": dropdown("baseline", BASELINES, baseline),
            "target": dropdown("target", ["mean", "gradient"], target),
            "common_scale": widgets.Checkbox(value=False, description="one colour scale for all models",
                                             style={"description_width": "initial"},
                                             layout=widgets.Layout(width="auto")),  # the whole label, not "mo…"
            "gamma": widgets.FloatSlider(value=1.0, min=0.2, max=1.0, step=0.1, description="display γ",
                                         continuous_update=False),
        }
        self.sanity = None
        self.sanity_figure = None
        self.sanity_output = widgets.Output()
        self.sanity_button = widgets.Button(description="sanity check (randomise weights)",
                                            layout=widgets.Layout(width="auto"))
        self.sanity_button.on_click(lambda _b: self.run_sanity_check())
        self.lr_shape = self.lr.shape[:2]
        self._make_picker(self.lr, click, units="LR px")
        self._wire()
        self.update()

    # ------------------------------------------------------------------------------------- window
    @property
    def window(self) -> tuple[int, int, int, int]:
        return self._square_window()

    def _extra_widgets(self) -> list:
        return [self.sanity_button, self.sanity_output]

    # ------------------------------------------------------------------------------------- compute
    def _sync_controls(self) -> None:
        self._limit_square_window(self.out_size)
        self.controls["baseline"].disabled = not METHODS[self.value("method")].takes_baseline
        self.controls["common_scale"].disabled = len(self.models) < 2

    def _settings(self) -> dict:
        method = self.value("method")
        kw = {"method": method, "target": self.value("target"), **self.options}
        if method not in ("saliency", "input_x_gradient"):  # the others integrate over steps
            kw["steps"] = int(self.value("steps"))
        if METHODS[method].takes_baseline:
            base = self.value("baseline")
            kw["baseline"] = None if base == "zero" else base
        return kw

    def attribution(self, name: str, window=None, **overrides):
        """The (memoised) attribution of ``window`` (default: the current one) for model ``name``."""
        model = self.models[name]
        window = tuple(self.window if window is None else window)
        kw = {**self._settings(), **overrides}
        if self._image_key is None:
            self._image_key = self.cache.key(model, self.lr)[1]
        key = (self.cache.model_key(model), "attribute", self._image_key, self.scale, window,
               tuple(sorted(kw.items())))
        return self.cache.memo(key, lambda: attribute(model, self.lr, window, self.scale, progress=self.progress,
                                                      **kw))

    def _sr_for(self, name: str, result) -> np.ndarray:
        """An output-size array holding the SR image where plot_attribution shows it (receptive view)."""
        H, W = self.out_size
        R0, R1, C0, C1 = displayed_output_box(result)
        sr = np.zeros((H, W, 3), dtype=np.float32)
        # from memoised tiles of one JPEG block at ×4: a window moved by a block re-queries one strip
        sr[R0:R1, C0:C1] = self.cache.upscale(self.models[name], self.lr, (H, W), (R0, C0, R1 - R0, C1 - C0),
                                              tile=SR_TILE)
        return sr

    def _compute(self):
        results = {name: self.attribution(name) for name in self.models}
        self.results = results
        self.rows = [summary_row(name, res) for name, res in results.items()]
        gamma = float(self.value("gamma"))
        common = bool(self.value("common_scale"))
        # What fixes the figure's structure; a moved window (or another method) only changes its data, so
        # the figure is redrawn in place (no new axes, colour bars, grid lines or layout).
        layout = (tuple(results), gamma, common if len(results) > 1 else None)
        reuse = self.figure is not None and self._figure_layout == layout
        if len(results) == 1:
            name, res = next(iter(results.items()))
            sr = self._sr_for(name, res)
            fig = redraw_attribution(self.figure, res, sr) if reuse else \
                plot_attribution(res, self.lr, sr, gamma=gamma, title=name)
        else:
            fig = redraw_attribution_comparison(self.figure, results) if reuse else \
                plot_attribution_comparison(results, self.lr, common_scale=common, gamma=gamma)
        self._figure_layout = layout
        return next(iter(results.values())), fig, format_rows(self.rows)

    # -------------------------------------------------------------------------------- sanity check
    def run_sanity_check(self, layers: str = "all"):
        """Randomise the first model's weights and recompute the map (Adebayo et al. 2018); memoised."""
        name, model = next(iter(self.models.items()))
        kw = self._settings()
        key = (self.cache.model_key(model), "sanity", self.cache.key(model, self.lr)[1], self.scale, self.window,
               layers, tuple(sorted(kw.items())))
        with self.progress_area:
            self.sanity = self.cache.memo(key, lambda: sanity_check(model, self.lr, self.window, self.scale,
                                                                    layers=layers, progress=self.progress, **kw))
        clear_progress(self.progress_area)
        self.sanity_figure = plot_sanity_check(self.sanity)
        if self.render:
            self.sanity_output.clear_output(wait=True)
            with self.sanity_output:
                show_figure(self.sanity_figure)
        return self.sanity


def summary_row(name: str, res) -> dict:
    """The statistics the view tabulates for one attribution result."""
    s = res.block_shares
    return {"model": name, "DI": res.di, "DI (receptive box)": res.di_receptive, "95% area (px)": res.cumulative_area,
            "own blocks": s["own"], "neighbour blocks": s["neighbours"], "beyond": s["beyond"],
            "edge-pixel enrichment": s["boundary_enrichment"],
            "relative gap": res.relative_delta if res.relative_delta is not None else float("nan")}


SHORT = {"DI (receptive box)": "DI box", "95% area (px)": "95% px", "own blocks": "own", "neighbour blocks": "neighb.",
         "beyond": "beyond", "edge-pixel enrichment": "edge enr.", "relative gap": "rel. gap"}


def format_rows(rows: list[dict]) -> str:
    """A plain-text table of :func:`summary_row` dicts (shares in %)."""
    if not rows:
        return ""
    keys = list(rows[0])
    width = max(len(str(r["model"])) for r in rows) + 2
    lines = [f"{keys[0]:<{width}}" + "".join(f"{SHORT.get(k, k):>10}" for k in keys[1:])]
    for r in rows:
        cells = []
        for k in keys[1:]:
            v = r[k]
            if k in ("own blocks", "neighbour blocks", "beyond"):
                cells.append(f"{100 * v:9.1f}%")
            elif isinstance(v, (int, np.integer)):
                cells.append(f"{v:10d}")
            else:
                cells.append(f"{v:10.3g}")
        lines.append(f"{r['model']:<{width}}" + "".join(cells))
    return "\n".join(lines)
