"""Figures for the MLP-response probes (:mod:`explain.probes.response`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..images import load_image
from ..probes.response import CellResponse, LineResponse
from .ensemble import CODE_COLOURS, CODE_NAMES
from .grid import draw_block_grid

RGB_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")


def _mark_boundaries(ax, result: LineResponse):
    for i, d in enumerate(result.cell_boundaries):
        ax.axvline(d, color="grey", linestyle=":", linewidth=0.8, label="LR cell boundary" if i == 0 else None)
    for i, d in enumerate(result.block_boundaries):
        ax.axvline(d, color="black", linestyle="--", linewidth=1.4,
                   label=f"{result.block_size}×{result.block_size} block boundary" if i == 0 else None)


def plot_line_response(result: LineResponse, lr=None) -> Figure:
    """RGB output (top) and ensemble weights (bottom) along the line, LR cell and block boundaries marked.

    With ``lr`` a third panel shows the segment on the LR image with its block grid.
    """
    fig = Figure(figsize=(11 if lr is not None else 8, 5.6), layout="constrained")
    gs = fig.add_gridspec(2, 2 if lr is not None else 1, width_ratios=(2.2, 1) if lr is not None else None)
    ax = fig.add_subplot(gs[0, 0])
    for ch, colour in enumerate(RGB_COLOURS):
        ax.plot(result.distance, result.rgb[:, ch], color=colour, linewidth=1.2, label="RGB"[ch])
    _mark_boundaries(ax, result)
    ax.set_ylabel("output")
    c = result.cell
    ax.set_title(f"LIIF along a line (cell {c[0]:.4g} × {c[1]:.4g})")
    ax.legend(fontsize=7, ncol=2)
    axw = fig.add_subplot(gs[1, 0], sharex=ax)
    k = result.weights.shape[1]
    for j in range(k):
        axw.plot(result.distance, result.weights[:, j], color=CODE_COLOURS[j],
                 label=CODE_NAMES[j] if k == 4 else "nearest code")
    _mark_boundaries(axw, result)
    axw.set_ylim(-0.02, 1.02)
    axw.set_xlabel("distance along the line (LR pixels)")
    axw.set_ylabel("ensemble weight")
    axw.legend(fontsize=7, ncol=2)
    if lr is not None:
        img = load_image(lr)
        if img.shape[:2] != tuple(result.lr_size):
            raise ValueError(f"lr has size {img.shape[:2]}, the line was computed on {tuple(result.lr_size)}")
        axi = fig.add_subplot(gs[:, 1])
        axi.imshow(img, interpolation="nearest")
        draw_block_grid(axi, result.lr_size, result.block_size, result.grid_phase)
        p = result.positions - 0.5  # LR pixel units → imshow pixel-centre coordinates
        axi.plot(p[:, 1], p[:, 0], color="yellow", linewidth=1.5)
        axi.plot(p[0, 1], p[0, 0], "o", color="yellow")
        lo = np.floor(p.min(axis=0)) - 6
        hi = np.ceil(p.max(axis=0)) + 6
        axi.set_xlim(max(lo[1], -0.5), min(hi[1], result.lr_size[1] - 0.5))
        axi.set_ylim(min(hi[0], result.lr_size[0] - 0.5), max(lo[0], -0.5))
        axi.set_title("line on the LR input (dot = start)")
        axi.set_axis_off()
    return fig


def plot_cell_response(result: CellResponse, train_range=(1.0, 4.0)) -> Figure:
    """Output RGB (top) and each code's prediction, mean over RGB (bottom), against the output scale.

    ``train_range``: the scales seen in training, shaded (LIIF trains on ×1–×4); None to omit.
    """
    fig = Figure(figsize=(7, 5.4), layout="constrained")
    ax, axp = fig.subplots(2, 1, sharex=True)
    s = result.scales[:, 0]
    for ch, colour in enumerate(RGB_COLOURS):
        ax.plot(s, result.rgb[:, ch], color=colour, marker=".", label="RGB"[ch])
    k = result.predictions.shape[1]
    for j in range(k):
        axp.plot(s, result.predictions[:, j].mean(axis=-1), color=CODE_COLOURS[j],
                 label=f"{CODE_NAMES[j] if k == 4 else 'nearest'} (w={result.weights[j]:.2f})")
    for a in (ax, axp):
        a.set_xscale("log")
        if train_range is not None:
            a.axvspan(*train_range, color="grey", alpha=0.15, label="training scales")
    r, c = result.coord
    ax.set_title(f"LIIF at ({r:.3f}, {c:.3f}) as the cell varies")
    ax.set_ylabel("output")
    ax.legend(fontsize=7, ncol=2)
    axp.set_ylabel("code prediction (mean RGB)")
    axp.set_xlabel("output scale (2 / (h · cell))")
    axp.legend(fontsize=7)
    return fig
