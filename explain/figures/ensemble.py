"""Figures for the local-ensemble probe (:mod:`explain.probes.ensemble`).

Region views show output pixels of the region; thin lines mark LR cell boundaries, thick ones the LR
block grid. Every function returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..probes.ensemble import AblationSeams, EnsembleResult
from .grid import draw_block_grid, line_handle, pixel_axes

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


def _grid_legend(fig, result: EnsembleResult, block_size: int, ncol: int = 2) -> None:
    handles = [line_handle("LR cell boundaries (thin white lines)", color="0.55", linewidth=0.6),
               line_handle(f"{block_size}×{block_size} LR block grid (red lines)", color="red", linewidth=1.4)]
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=8, frameon=False)


def _axes_units(axes, result: EnsembleResult) -> None:
    """Output-pixel coordinates (whole-image) on the left column and the bottom row of a grid of axes."""
    rows, cols = axes.shape
    for i in range(rows):
        for j in range(cols):
            if axes[i, j].get_images():
                pixel_axes(axes[i, j], "output px", left=j == 0, bottom=i == rows - 1, offset=result.region[:2])


def _code_name(result: EnsembleResult, k: int) -> str:
    return CODE_NAMES[k] if result.k == 4 else "nearest code"


def plot_ensemble(result: EnsembleResult, *, block_size: int = 8, grid_phase=(0, 0)) -> Figure:
    """Weight map per code (top row); output, dominant code, disagreement and weighted spread (bottom row)."""
    cols = max(4, result.k)
    fig = Figure(figsize=(3.0 * cols, 7.0), layout="constrained")
    # one sub-figure per row: the bottom row's colour bars must not push the top row's panels apart
    top, bottom = fig.subfigures(2, 1)
    axes = np.array([top.subplots(1, cols, squeeze=False)[0], bottom.subplots(1, cols, squeeze=False)[0]])
    st = {"k": result.k, "shape": result.region[2:], "axes": axes, "images": [], "drawn": False,
          "grid": (block_size, tuple(grid_phase))}
    fig.canvas.mpl_connect("draw_event", lambda _event: st.__setitem__("drawn", True))
    for ax in axes[0, result.k:]:
        ax.set_axis_off()
    for k in range(result.k):
        ax = axes[0, k]
        im = ax.imshow(result.weights[..., k], vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        st["images"].append(im)
        ax.set_title(f"weight: {_code_name(result, k)}", fontsize=10)
    top.colorbar(im, ax=axes[0, result.k - 1], shrink=0.8, label="area weight (0–1)")

    ax = axes[1, 0]
    st["images"].append(ax.imshow(result.clipped, interpolation="nearest"))

    ax = axes[1, 1]
    cmap = ListedColormap(CODE_COLOURS[: result.k])
    st["images"].append(ax.imshow(result.dominant, cmap=cmap, vmin=-0.5, vmax=result.k - 0.5,
                                  interpolation="nearest"))
    ax.set_title("dominant code", fontsize=10)
    for k in range(result.k):
        ax.plot([], [], "s", color=CODE_COLOURS[k], label=_code_name(result, k))
    ax.legend(fontsize=7, loc="lower right", framealpha=0.7)

    for ax, data, title, label in (
            (axes[1, 2], result.disagreement, "disagreement of\nthe predictions", "std of the predictions (RGB 0–1)"),
            (axes[1, 3], result.weighted_spread, "weighted spread\naround the output",
             "weighted RMS to the output (RGB 0–1)")):
        im = ax.imshow(data, cmap="magma", interpolation="nearest")
        st["images"].append(im)
        ax.set_title(title, fontsize=10)
        bottom.colorbar(im, ax=ax, shrink=0.8, label=label)
    for ax in axes[1, 4:]:
        ax.set_axis_off()
    _grid_legend(bottom, result, block_size)
    fig._ensemble_state = st
    _fill_ensemble(fig, result)
    return fig


def redraw_ensemble(fig: Figure, result: EnsembleResult, *, block_size: int = 8, grid_phase=(0, 0)) -> Figure:
    """Fill a :func:`plot_ensemble` figure again for another region of the same size (a moved window): the images'
    data, colour limits, grid lines, pixel labels and the output's title change; no axes or colour bar is made and
    the layout found by the first drawing is kept. Returns ``fig``."""
    st = getattr(fig, "_ensemble_state", None)
    if st is None:
        raise ValueError("fig was not made by plot_ensemble")
    if (result.k, tuple(result.region[2:])) != (st["k"], tuple(st["shape"])) or \
            st["grid"] != (block_size, tuple(grid_phase)):
        raise ValueError("the figure shows another region size, number of codes or block grid")
    if st["drawn"]:
        fig.set_layout_engine("none")  # the panels keep the places the first drawing gave them
    _fill_ensemble(fig, result)
    return fig


def _fill_ensemble(fig: Figure, result: EnsembleResult) -> None:
    st = fig._ensemble_state
    axes, images, k = st["axes"], st["images"], st["k"]
    block_size, grid_phase = st["grid"]
    for i in range(k):
        images[i].set_data(result.weights[..., i])
    images[k].set_data(result.clipped)
    images[k + 1].set_data(result.dominant)
    for im, data in zip(images[k + 2:], (result.disagreement, result.weighted_spread)):
        im.set_data(data)
        im.set_clim(float(np.min(data)), max(float(np.max(data)), float(np.min(data)) + 1e-9))
    for ax in [*axes[0, :k], *axes[1, :4]]:
        for coll in [c for c in ax.collections if (c.get_gid() or "").startswith("block-grid-")]:
            coll.remove()
        _grids(ax, result, block_size, grid_phase)
    r, c, h, w = result.region
    axes[1, 0].set_title(f"output, rows {r}–{r + h - 1}\ncols {c}–{c + w - 1}", fontsize=10)
    _axes_units(axes, result)


def plot_contributions(result: EnsembleResult, *, block_size: int = 8, grid_phase=(0, 0)) -> Figure:
    """Each code's contribution (weight × prediction, clipped to [0, 1] for display) and their sum."""
    fig = Figure(figsize=(3.0 * (result.k + 1), 3.9), layout="constrained")
    axes = fig.subplots(1, result.k + 1, squeeze=False)
    row = axes[0]
    for k in range(result.k):
        row[k].imshow(np.clip(result.contributions[:, :, k], 0, 1), interpolation="nearest")
        _grids(row[k], result, block_size, grid_phase)
        row[k].set_title(f"weight × prediction:\n{_code_name(result, k)}", fontsize=10)
    row[-1].imshow(result.clipped, interpolation="nearest")
    _grids(row[-1], result, block_size, grid_phase)
    row[-1].set_title("sum = output", fontsize=10)
    _axes_units(axes, result)
    _grid_legend(fig, result, block_size)
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
