"""Interactive latent-feature view: model and view pickers → :func:`explain.latent_features` (from cached
encoder features, computed once per model and image) → PCA-RGB, top channels, channel scores or the
clean-vs-compressed difference. Changing the view, ranking or number of channels only redraws.
"""

from __future__ import annotations

import numpy as np

from ..figures import plot_channel_scores, plot_feature_difference, plot_latent_pca, plot_top_channels
from ..images import load_image
from ..probes import latent_features
from ._base import View, as_models, dropdown, slider

VIEWS = ("PCA", "top channels", "channel scores", "difference")
RANKINGS = ("variance", "boundary", "periodicity", "difference")


class LatentView(View):
    """Latent grid of ``lr`` for one or more models.

    models:    a model, a shipped name / path, or a dict name → model (picked with a dropdown).
    lr:        the (compressed) LR image; reference: optional clean LR image of the same size (enables the
               "difference" view and ranking).
    top_k, block_size, grid_phase: as in :func:`explain.latent_features`.

    ``result`` is the :class:`LatentFeatures` of the selected model; ``text`` summarises it.
    """

    title = "Latent features"

    def __init__(self, models, lr, reference=None, top_k: int = 8, block_size: int = 8, grid_phase=(0, 0),
                 view: str = "PCA", by: str = "boundary", cache=None, render: bool = True):
        super().__init__(cache, render)
        self.models = as_models(models)
        self.lr = load_image(lr)
        self.reference = None if reference is None else load_image(reference)
        if self.reference is not None and self.reference.shape != self.lr.shape:
            raise ValueError(f"reference has shape {self.reference.shape}, the LR image {self.lr.shape}")
        views = VIEWS if self.reference is not None else VIEWS[:-1]
        rankings = RANKINGS if self.reference is not None else RANKINGS[:-1]
        if view not in views:
            raise ValueError(f"view must be one of {views}, got {view!r}")
        if by not in rankings:
            raise ValueError(f"by must be one of {rankings}, got {by!r}")
        self.top_k, self.block_size, self.grid_phase = int(top_k), int(block_size), tuple(grid_phase)
        self.controls = {
            "model": dropdown("model", list(self.models), next(iter(self.models))),
            "view": dropdown("view", list(views), view),
            "by": dropdown("rank channels by", list(rankings), by),
            "k": slider("channels shown", min(4, self.top_k), 1, self.top_k),
        }
        self._wire()
        self.update()

    def features(self, name: str):
        """The (memoised) :class:`LatentFeatures` of model ``name``."""
        model = self.models[name]
        key = (self.cache.model_key(model), "latent", self.cache.key(model, self.lr)[1],
               None if self.reference is None else self.cache.key(model, self.reference)[1],
               self.top_k, self.block_size, self.grid_phase)

        def compute():
            ref = None if self.reference is None else self.cache.latents(model, self.reference)
            return latent_features(model, self.lr, top_k=self.top_k, block_size=self.block_size,
                                   grid_phase=self.grid_phase, reference=ref,
                                   latents=self.cache.latents(model, self.lr))

        return self.cache.memo(key, compute)

    def _sync_controls(self) -> None:
        view = self.value("view")
        self.controls["by"].disabled = view != "top channels"
        self.controls["k"].disabled = view not in ("top channels", "difference")

    def _compute(self):
        name = self.value("model")
        res = self.features(name)
        view, k = self.value("view"), int(self.value("k"))
        if view == "PCA":
            fig = plot_latent_pca(res, self.lr)
        elif view == "top channels":
            fig = plot_top_channels(res, by=self.value("by"), k=k)
        elif view == "channel scores":
            fig = plot_channel_scores(res)
        else:
            fig = plot_feature_difference(res, self.lr, k=k)
        return res, fig, summarise(name, res)


def summarise(name: str, res) -> str:
    """Plain-text numbers of a :class:`LatentFeatures`: boundary-preferring channels, periodicity vs chance."""
    br = res.boundary_response
    finite = np.isfinite(br)
    lines = [f"{name}: {res.channels} channels on a {res.size[0]}×{res.size[1]} grid; PCA 1–3 explain "
             + ", ".join(f"{100 * v:.1f}%" for v in res.explained_variance_ratio[:3])]
    if finite.any():
        lines.append(f"boundary response (|jump| across / inside {res.block_size}×{res.block_size} blocks): "
                     f"median {np.median(br[finite]):.2f}; channels > 1.5: {int((br[finite] > 1.5).sum())}; "
                     f"top {list(map(int, res.top_boundary[:3]))}")
    per = res.periodicity
    if np.isfinite(per).any():
        lines.append(f"periodicity at 1/{res.block_size} cycle/px: median {np.nanmedian(per):.3f} "
                     f"(white-noise level {res.periodicity_chance:.3f}); "
                     f"channels above 2× chance: {int((per > 2 * res.periodicity_chance).sum())}")
    if res.difference_norm is not None:
        lines.append(f"‖f(compressed) − f(clean)‖₂: mean {res.difference_norm.mean():.3g}, "
                     f"max {res.difference_norm.max():.3g}")
    return "\n".join(lines)
