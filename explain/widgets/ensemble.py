"""Interactive local-ensemble view: region sliders (or a click on the LR image) and model picker →
:func:`explain.ensemble_weights` (queried from cached encoder features: moving the region never re-encodes) →
:func:`plot_ensemble` or :func:`plot_contributions`.

Regions are (row, col, height, width) in pixels of the SR output of size (round(h·scale), round(w·scale)).
"""

from __future__ import annotations

from ..figures import plot_contributions, plot_ensemble
from ..figures.ensemble import redraw_ensemble
from ..images import load_image
from ..probes import ensemble_weights
from ..upscale import output_size
from ._base import SquareWindowPicking, View, as_models, dropdown, refilled_or_new, slider

VIEWS = ("weights", "contributions")


class EnsembleView(SquareWindowPicking, View):
    """The four latent codes blended at each output pixel of a square region.

    models: a model, a shipped name / path, or a dict name → model; lr: the LR image; scale: output scale.
    region: initial (row, col, side, side) in output pixels (default: a ``size`` square at the centre).
    click:  show the LR image on a canvas where a click centres the region there (the current region is
            marked); None (default): when ipympl is installed.

    ``result`` is the :class:`EnsembleResult`; ``text`` gives the mean largest weight, the disagreement of
    the four predictions and the weighted spread, on and off LR block boundaries.
    """

    title = "Local ensemble"

    def __init__(self, models, lr, scale: float = 4, region=None, size: int = 32, view: str = "weights",
                 block_size: int = 8, grid_phase=(0, 0), click: bool | None = None, cache=None,
                 render: bool = True):
        super().__init__(cache, render)
        self.models = as_models(models)
        self.lr = load_image(lr)
        self.scale = float(scale)
        self.out_size = output_size(self.lr.shape, self.scale)
        H, W = self.out_size
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        if region is None:
            side = min(int(size), H, W)
            region = ((H - side) // 2, (W - side) // 2, side, side)
        r, c, hh, ww = (int(v) for v in region)
        if hh != ww:
            raise ValueError(f"the view uses square regions, got {hh}×{ww}")
        self.block_size, self.grid_phase = int(block_size), tuple(grid_phase)
        self.controls = {
            "model": dropdown("model", list(self.models), next(iter(self.models))),
            "size": slider("region side (SR px)", hh, 2, min(H, W, 128)),
            "row": slider("row", r, 0, H - hh),
            "col": slider("col", c, 0, W - ww),
            "view": dropdown("view", list(VIEWS), view),
        }
        self.lr_shape = self.lr.shape[:2]
        self._make_picker(self.lr, click, title="click to move the region", label="region",
                          block=self.block_size if self.grid_phase == (0, 0) else None)
        self._wire()
        self.update()

    @property
    def region(self) -> tuple[int, int, int, int]:
        return self._square_window()

    def _sync_controls(self) -> None:
        self._limit_square_window(self.out_size)

    def _compute(self):
        name = self.value("model")
        model = self.models[name]
        res = ensemble_weights(model, self.lr, self.region, self.scale, latents=self.cache.latents(model, self.lr))
        kw = {"block_size": self.block_size, "grid_phase": self.grid_phase}
        if self.value("view") == "weights":  # a moved region of the same size: its artists refilled, not made again
            fig = refilled_or_new(self.figure, lambda f: redraw_ensemble(f, res, **kw),
                                  lambda: plot_ensemble(res, **kw))
        else:
            fig = plot_contributions(res, **kw)
        return res, fig, summarise(name, res, self.block_size, self.grid_phase)


def summarise(name: str, res, block_size: int = 8, grid_phase=(0, 0)) -> str:
    """Plain-text numbers of an :class:`EnsembleResult`."""
    near = res.near_block_boundary(block_size, grid_phase)
    lines = [f"{name}: region {res.region} of a {res.output_size[0]}×{res.output_size[1]} output, "
             f"K = {res.k} codes; mean largest weight {res.weights.max(-1).mean():.3f}"]

    def split(a):
        on = float(a[near].mean()) if near.any() else float("nan")
        off = float(a[~near].mean()) if (~near).any() else float("nan")
        return on, off

    for label, arr in (("disagreement of the 4 predictions", res.disagreement),
                       ("weighted spread around the output", res.weighted_spread)):
        on, off = split(arr)
        lines.append(f"{label}: ≤½ px from a block boundary {on:.4f}, elsewhere {off:.4f}")
    return "\n".join(lines)
