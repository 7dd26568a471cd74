"""Figures for the local-ensemble probe (:mod:`explain.probes.ensemble`).

Region views show output pixels of the region; thin lines mark LR cell boundaries, thick ones the LR
block grid. Every function returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..probes.ensemble import AblationSeams, EnsembleResult
from .grid import draw_block_grid

# Shift order of the four codes (LIIF's official order): (−,−), (−,+), (+,−), (+,+) half-cells in (row, col).
CODE_NAMES = ("up-left", "up-right", "down-left", "down-right")
CODE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")


def _grids(ax, result: EnsembleResult, block_size: int, grid_phase):
    scale = (result.output_size[0] / result.lr_size[0], result.output_size[1] / result.lr_size[1])
    origin = result.region[:2]
    shape = result.region[2:]
    draw_block_grid(ax, result.lr_size, 1, (0, 0), scale=scale, origin=origin, shape=shape,
                    color="white", linewidth=0.4, alpha=0.5)
    draw_block_grid(ax, result.lr_size, block_size, grid_phase, scale=scale, origin=origin, shape=shape,
                    color="red", linewidth=1.4, alpha=0.9)


def _code_name(result: EnsembleResult, k: int) -> str:
    return CODE_NAMES[k] if result.k == 4 else "nearest code"


def plot_ensemble(result: EnsembleResult, *, block_size: int = 8, grid_phase=(0, 0)) -> Figure:
    """Weight map per code (top row); output, dominant code, disagreement and weighted spread (bottom row)."""
    cols = max(4, result.k)
    fig = Figure(figsize=(3.0 * cols, 6.4), layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    for ax in axes[0, result.k:]:
        ax.set_axis_off()
    for k in range(result.k):
        ax = axes[0, k]
        im = ax.imshow(result.weights[..., k], vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        _grids(ax, result, block_size, grid_phase)
        ax.set_title(f"weight: {_code_name(result, k)}")
        ax.set_axis_off()
    fig.colorbar(im, ax=axes[0, result.k - 1], shrink=0.8)

    ax = axes[1, 0]
    ax.imshow(result.clipped, interpolation="nearest")
    _grids(ax, result, block_size, grid_phase)
    r, c, h, w = result.region
    ax.set_title(f"output rows {r}–{r + h - 1}, cols {c}–{c + w - 1}", fontsize=9)
    ax.set_axis_off()

    ax = axes[1, 1]
    cmap = ListedColormap(CODE_COLOURS[: result.k])
    ax.imshow(result.dominant, cmap=cmap, vmin=-0.5, vmax=result.k - 0.5, interpolation="nearest")
    _grids(ax, result, block_size, grid_phase)
    ax.set_title("dominant code")
    ax.set_axis_off()
    for k in range(result.k):
        ax.plot([], [], "s", color=CODE_COLOURS[k], label=_code_name(result, k))
    ax.legend(fontsize=7, loc="lower right", framealpha=0.7)

    for ax, data, title in ((axes[1, 2], result.disagreement, "disagreement of the predictions"),
                            (axes[1, 3], result.weighted_spread, "weighted spread around the output")):
        im = ax.imshow(data, cmap="magma", interpolation="nearest")
        _grids(ax, result, block_size, grid_phase)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
        fig.colorbar(im, ax=ax, shrink=0.8)
    for ax in axes[1, 4:]:
        ax.set_axis_off()
    return fig


def plot_contributions(result: EnsembleResult, *, block_size: int = 8, grid_phase=(0, 0)) -> Figure:
    """Each code's contribution (weight × prediction, clipped to [0, 1] for display) and their sum."""
    fig = Figure(figsize=(3.0 * (result.k + 1), 3.4), layout="constrained")
    axes = fig.subplots(1, result.k + 1, squeeze=False)[0]
    for k in range(result.k):
        axes[k].imshow(np.clip(result.contributions[:, :, k], 0, 1), interpolation="nearest")
        _grids(axes[k], result, block_size, grid_phase)
        axes[k].set_title(f"w·prediction: {_code_name(result, k)}", fontsize=9)
        axes[k].set_axis_off()
    axes[-1].imshow(result.clipped, interpolation="nearest")
    _grids(axes[-1], result, block_size, grid_phase)
    axes[-1].set_title("sum = output", fontsize=9)
    axes[-1].set_axis_off()
    return fig


def plot_ablation_seams(ablation: AblationSeams) -> Figure:
    """The region's output for each variant (top) and its seam ratio, boundary / interior jump (bottom)."""
    names = ablation.names
    n = len(names)
    fig = Figure(figsize=(3.0 * max(n, 2), 6.2), layout="constrained")
    gs = fig.add_gridspec(2, n, height_ratios=(1.3, 1))
    for i, name in enumerate(names):
        ax = fig.add_subplot(gs[0, i])
        ax.imshow(np.clip(ablation.outputs[name], 0, 1), interpolation="nearest")
        ax.set_title(f"{name}\nseam ratio {ablation.stats[name].ratio:.2f}", fontsize=9)
        ax.set_axis_off()
    ax = fig.add_subplot(gs[1, :])
    x = np.arange(n)
    ax.bar(x - 0.2, [ablation.stats[k].ratio for k in names], 0.4, label="LR cell boundaries / interior")
    ax.bar(x + 0.2, [ablation.stats[k].block_ratio for k in names], 0.4, label="block boundaries / interior")
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set_xticks(x, names)
    ax.set_ylabel("mean |jump| ratio")
    ax.legend(fontsize=8)
    return fig
