"""Figures for the latent-feature probe (:func:`explain.probes.latent.latent_features`).

Every function returns a :class:`matplotlib.figure.Figure` (made without pyplot, so nothing is left
open in a global figure manager). Images are drawn with imshow's default pixel-centre coordinates: pixel j
covers [j − ½, j + ½].
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..images import load_image
from ..probes.latent import LatentFeatures
from .grid import draw_block_grid, grid_handle, line_handle, pixel_axes


def _lr_panel(ax, lr, result: LatentFeatures, title: str = "LR input"):
    img = load_image(lr)
    if img.shape[:2] != result.size:
        raise ValueError(f"lr has size {img.shape[:2]}, the latent grid {result.size}")
    ax.imshow(img, interpolation="nearest")
    draw_block_grid(ax, result.size, result.block_size, result.grid_phase)
    ax.set_title(title)
    ax.set_axis_off()


def plot_latent_pca(result: LatentFeatures, lr=None) -> Figure:
    """PCA-RGB view of the latent grid (next to the LR image when given), both with the block grid."""
    panels = 2 if lr is not None else 1
    fig = Figure(figsize=(3.9 * panels, 5.2), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    if lr is not None:
        _lr_panel(axes[0], lr, result)
    ax = axes[-1]
    ax.imshow(result.pca_rgb, interpolation="nearest")
    draw_block_grid(ax, result.size, result.block_size, result.grid_phase)
    evr = result.explained_variance_ratio[:3]
    ax.set_title("latent PCA → RGB\nexplained " + ", ".join(f"{100 * v:.1f}%" for v in evr))
    for j, a in enumerate(axes):
        pixel_axes(a, left=j == 0)
    fig.legend(handles=[grid_handle(result.block_size)], loc="outside lower center", fontsize=8, frameon=False)
    return fig


def _ranking(result: LatentFeatures, by: str) -> np.ndarray:
    rankings = {"variance": result.top_variance, "boundary": result.top_boundary,
                "periodicity": result.top_periodicity, "difference": result.top_difference}
    if by not in rankings:
        raise ValueError(f"by must be one of {tuple(rankings)}, got {by!r}")
    if rankings[by] is None:
        raise ValueError("by='difference' needs a result computed with reference=")
    return rankings[by]


def plot_top_channels(result: LatentFeatures, by: str = "variance", k: int | None = None, cols: int = 4) -> Figure:
    """The top-``k`` channels (by variance, boundary response, periodicity or difference) as maps.

    Titles give the channel, its periodicity score P (chance level in the suptitle) and its boundary
    response B (mean |jump| across block boundaries / inside blocks). Block grid drawn on each map.
    """
    channels = _ranking(result, by)
    if k is not None:
        channels = channels[: int(k)]
    n = len(channels)
    cols = max(1, min(cols, n))
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(3.2 * cols, 3.1 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_axis_off()
    for ax, ch in zip(axes, channels):
        im = ax.imshow(result.features[ch], cmap="viridis", interpolation="nearest")
        draw_block_grid(ax, result.size, result.block_size, result.grid_phase)
        ax.set_title(f"ch {ch}: P={result.periodicity[ch]:.2f} B={result.boundary_response[ch]:.2f}", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8, label=f"channel {ch} value")
    for j, ax in enumerate(axes[:n]):
        pixel_axes(ax, left=j % cols == 0, bottom=j + cols >= n)
    fig.suptitle(f"top channels by {by} (periodicity chance level {result.periodicity_chance:.2f})")
    fig.legend(handles=[grid_handle(result.block_size)], loc="outside lower center", fontsize=8, frameon=False)
    return fig


def plot_channel_scores(result: LatentFeatures) -> Figure:
    """Every channel as a point: boundary response (x) vs periodicity score (y), chance levels as lines."""
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.subplots()
    ax.scatter(result.boundary_response, result.periodicity, s=14, c=result.channel_variance, cmap="viridis")
    for ch in result.top_boundary[:3]:
        ax.annotate(str(ch), (result.boundary_response[ch], result.periodicity[ch]), fontsize=8)
    ax.axhline(result.periodicity_chance, color="grey", linestyle=":", label="periodicity of white noise")
    ax.axvline(1.0, color="grey", linestyle="--", label="no boundary preference")
    ax.set_xlabel("boundary response (|jump| across / inside blocks)")
    ax.set_ylabel(f"periodicity score (1/{result.block_size} cycle/px + harmonics)")
    ax.legend(fontsize=8)
    ax.set_title("latent channels (colour: variance)")
    return fig


def plot_feature_difference(result: LatentFeatures, lr=None, k: int = 4) -> Figure:
    """Clean-vs-compressed latent difference: per-pixel L2 norm and the ``k`` most changed channels (signed)."""
    if result.difference_norm is None:
        raise ValueError("this result has no difference maps: call latent_features(..., reference=clean_image)")
    channels = result.top_difference[: int(k)]
    panels = 1 + (lr is not None) + len(channels)
    cols = min(panels, 3)  # at most 3 a row, so titles and colour bars stay readable
    rows = int(np.ceil(panels / cols))
    fig = Figure(figsize=(3.7 * cols, 3.5 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    flat = axes.ravel()
    for ax in flat[panels:]:
        ax.set_axis_off()
    i = 0
    if lr is not None:
        _lr_panel(flat[0], lr, result, "compressed LR")
        i = 1
    im = flat[i].imshow(result.difference_norm, cmap="magma", interpolation="nearest")
    draw_block_grid(flat[i], result.size, result.block_size, result.grid_phase)
    flat[i].set_title("‖f(compressed) − f(clean)‖₂", fontsize=10)
    fig.colorbar(im, ax=flat[i], shrink=0.8, label="L2 change of the code")
    for ax, ch in zip(flat[i + 1:], channels):
        d = result.channel_difference[ch]
        lim = float(np.abs(d).max()) or 1.0
        im = ax.imshow(d, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        draw_block_grid(ax, result.size, result.block_size, result.grid_phase, color="black", alpha=0.4)
        ax.set_title(f"channel {ch}: mean |Δ| {result.channel_difference_mean[ch]:.3g}", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8, label=f"Δ channel {ch} (compressed − clean)")
    for j, ax in enumerate(flat[:panels]):
        pixel_axes(ax, left=j % cols == 0, bottom=j + cols >= panels)
    b = result.block_size
    fig.legend(handles=[grid_handle(b), line_handle(f"{b}×{b} JPEG block grid on the Δ maps (grey lines)",
                                                    color="black", alpha=0.4)],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig
