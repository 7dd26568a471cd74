"""Figures for the response probes (:mod:`explain.probes.response`): along a line, against the cell, and the
unclamped answers to an impulse, to a DCT basis function and HyRA's linear / non-linear split.

Unclamped responses use a symmetric diverging colour map centred at 0 (red above, blue below) with a labelled
colour bar; image axes are in output pixels with the LR 8×8 block grid drawn. Layouts are fixed (no constrained
layout), so drawing a figure costs one pass.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..images import load_image
from ..probes.response import (
    CellResponse,
    DctBasisResponse,
    DctEnergyTable,
    HybridResponse,
    ImpulseResponse,
    LineResponse,
)
from .ensemble import CODE_COLOURS, CODE_NAMES
from .grid import draw_block_grid, grid_handle, line_handle, pixel_axes

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


# ------------------------------------------------------------------------------------- unclamped responses
DIVERGING = "RdBu_r"
GRID_COLOUR = "0.35"  # the LR block grid on the white-centred diverging maps
MODEL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f", "#9467bd", "#8c564b")
BOX_STYLE = {"edgecolor": "black", "linewidth": 1.0, "linestyle": "--", "fill": False}
GRID_HANDLE = line_handle("8×8 LR block grid (grey lines)", color=GRID_COLOUR, linewidth=0.9)


def _symmetric_limit(maps) -> float:
    lim = max(float(np.abs(m).max()) for m in maps)
    return lim if lim > 0 else 1.0


def _signed_map(ax, values, lim, grid: tuple, origin=(0, 0)):
    """``values`` (rows, cols) of output pixels, centred at 0 on the diverging map, with the LR block grid.
    grid: (lr_size, scale, grid_phase) of the whole output; origin: (row, col) of values[0, 0] in that output."""
    im = ax.imshow(values, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
    lr_size, scale, phase = grid
    draw_block_grid(ax, lr_size, 8, phase, scale=(scale, scale), origin=origin, shape=values.shape,
                    color=GRID_COLOUR, linewidth=0.9, alpha=0.9)
    return im


def _colour_bar(fig, ax, im, label: str):
    cax = ax.inset_axes([1.04, 0.0, 0.06, 1.0])
    bar = fig.colorbar(im, cax=cax)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return bar


def _fixed_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height))


def plot_impulse_responses(results, reach: int = 3) -> Figure:
    """The unclamped answers to an impulse, side by side, with their cut through the impulse and their spectra.

    results: a list of :class:`ImpulseResponse` (same scale), e.g. bicubic and the trio, or one model at grid
    offsets 0 and 3. Top: each response's gain map (output over impulse amplitude along its colour) within ``reach``
    LR pixels of the impulse, on one symmetric scale; bottom left: the row through the impulse; bottom right: the
    radial amplitude spectrum, with the LR grid's Nyquist frequency marked.
    """
    results = list(results)
    if not results or not all(isinstance(r, ImpulseResponse) for r in results):
        raise ValueError("results must be a non-empty list of ImpulseResponse")
    if len({r.scale for r in results}) != 1:
        raise ValueError("the impulse responses must share one scale")
    n = len(results)
    s = results[0].scale
    width = 2.7 * n + 4.0
    fig = _fixed_figure(width, 6.6)
    gs = fig.add_gridspec(2, n + 1, left=0.75 / width, right=1 - 0.75 / width, top=0.86, bottom=0.1, wspace=0.75,
                          hspace=0.42,
                          width_ratios=[1] * n + [1.4])
    crops = []
    for r in results:
        c0 = (r.centre[0] - reach) * s
        crops.append((r.gain[c0:c0 + (2 * reach + 1) * s, c0:c0 + (2 * reach + 1) * s], c0))
    lim = _symmetric_limit([c for c, _ in crops])
    for i, (r, (crop, c0)) in enumerate(zip(results, crops)):
        ax = fig.add_subplot(gs[0, i])
        size = r.lr.shape[:2]
        im = _signed_map(ax, crop, lim, (size, s, r.grid_phase), origin=(c0, c0))
        k = (r.centre[0] * s - c0, r.centre[1] * s - c0)
        ax.add_patch(_box((k[0] - 0.5, k[1] - 0.5), s, s))
        q = "" if r.quality is None else f", JPEG q{r.quality}"
        ax.set_title(f"{r.name}\n{r.kind}, offset {r.offset[0]}{q}", fontsize=8)
        pixel_axes(ax, "output px", left=i == 0, offset=(c0, c0))
        if i == n - 1:
            _colour_bar(fig, ax, im, "gain (response / amplitude)")
    fig.axes[0].legend(handles=[GRID_HANDLE,
                                line_handle("the raised LR pixel", **BOX_STYLE)],
                       fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.22), ncol=2, frameon=False)
    cut = fig.add_subplot(gs[1, :n])
    for j, r in enumerate(results):
        row = r.centre[0] * s + s // 2
        x = (np.arange(r.gain.shape[1]) + 0.5) / s - (r.centre[1] + 0.5)
        cut.plot(x, r.gain[row], color=MODEL_COLOURS[j % len(MODEL_COLOURS)], linewidth=1.3,
                 label=f"{r.name} ({r.kind}, offset {r.offset[1]})")
    cut.axhline(0, color="black", linewidth=0.8)
    cut.axvspan(-0.5, 0.5, color="0.85", label="the raised LR pixel")
    cut.set_xlim(-reach - 0.5, reach + 0.5)
    cut.set_xlabel("column relative to the raised pixel's centre (LR px)")
    cut.set_ylabel("gain along its row")
    cut.set_title("the row through the impulse (values below 0 vanish when the output is clamped)", fontsize=9)
    cut.legend(fontsize=7, ncol=2)
    spec = fig.add_subplot(gs[:, n])
    for j, r in enumerate(results):
        share = "no response" if not np.isfinite(r.beyond_nyquist) else f"{100 * r.beyond_nyquist:.0f}% above Nyquist"
        spec.plot(r.radius, r.radial, color=MODEL_COLOURS[j % len(MODEL_COLOURS)], linewidth=1.3,
                  label=f"{r.name}, offset {r.offset[1]}: {share}")
    spec.axvline(0.5, color="black", linestyle="--", linewidth=1, label="LR Nyquist (½ cycle / LR px)")
    spec.set_yscale("log")
    top = max(float(r.radial.max()) for r in results) or 1.0
    spec.set_ylim(top * 1e-4, top * 2)
    spec.set_xlabel("spatial frequency (cycles per LR px)")
    spec.set_ylabel("mean amplitude on the ring")
    spec.yaxis.set_label_position("right")
    spec.yaxis.tick_right()
    spec.set_title("radial amplitude spectrum", fontsize=9)
    spec.legend(fontsize=6, loc="upper right", framealpha=0.85)
    fig.suptitle(f"What the models make of one raised LR pixel (×{s}, unclamped)", fontsize=11)
    return fig


def _box(xy_rc, height, width, **style):
    from matplotlib.patches import Rectangle

    return Rectangle((xy_rc[1], xy_rc[0]), width, height, **(BOX_STYLE | style))


def plot_dct_basis_responses(results) -> Figure:
    """One DCT basis function's unclamped responses, side by side (e.g. bicubic and the trio), block outlined.

    results: a list of :class:`DctBasisResponse` of the same (u, v), field and scale. The first panel shows the
    change added to the LR input (LR px); each other panel a model's response (mean over RGB) in output pixels,
    one symmetric scale, with the energy share kept inside the block.
    """
    results = list(results)
    if not results or not all(isinstance(r, DctBasisResponse) for r in results):
        raise ValueError("results must be a non-empty list of DctBasisResponse")
    first = results[0]
    if any((r.u, r.v, r.scale, r.lr.shape) != (first.u, first.v, first.scale, first.lr.shape) for r in results):
        raise ValueError("the DCT basis responses must share (u, v), the field and the scale")
    n = len(results)
    fig = _fixed_figure(2.6 * (n + 1) + 0.8, 3.5)
    gs = fig.add_gridspec(1, n + 1, left=0.05, right=0.94, top=0.74, bottom=0.17, wspace=0.35)
    s, h = first.scale, first.lr.shape[0]
    ax0 = fig.add_subplot(gs[0, 0])
    change = np.zeros(first.lr.shape[:2], dtype=np.float32)
    br, bc = first.block
    change[br * 8:(br + 1) * 8, bc * 8:(bc + 1) * 8] = first.added
    lim_in = _symmetric_limit([change])
    im0 = _signed_map(ax0, change, lim_in, ((h, h), 1, (0, 0)))
    ax0.set_title(f"added to the LR input\n(u, v) = ({first.u}, {first.v}), coefficient {first.coefficient:g}",
                  fontsize=8)
    pixel_axes(ax0, "LR px")
    bar0 = _colour_bar(fig, ax0, im0, "")
    bar0.ax.set_title("LR change", fontsize=7)
    lim = _symmetric_limit([r.gain for r in results])
    for i, r in enumerate(results):
        ax = fig.add_subplot(gs[0, i + 1])
        im = _signed_map(ax, r.gain, lim, ((h, h), s, (0, 0)))
        R, C, side, _ = r.box
        ax.add_patch(_box((R - 0.5, C - 0.5), side, side))
        ax.set_title(f"{r.name}\n{100 * r.inside_share:.1f}% of the energy inside the block", fontsize=8)
        pixel_axes(ax, "output px", left=False)
    _colour_bar(fig, fig.axes[-1], im, "response (mean over RGB)")
    ax0.legend(handles=[GRID_HANDLE, line_handle("the coded block", **BOX_STYLE)],
               fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.32), ncol=2, frameon=False)
    fig.suptitle(f"One 8×8 DCT basis function, unclamped response (×{s})", fontsize=11, x=0.5, y=0.99)
    return fig


def plot_dct_energy_table(table: DctEnergyTable) -> Figure:
    """The share of each basis function's response energy kept inside its block, against the order u + v."""
    if not isinstance(table, DctEnergyTable):
        raise ValueError(f"table must be a DctEnergyTable, got {type(table).__name__}")
    fig = _fixed_figure(6.0, 3.8)
    ax = fig.add_axes((0.12, 0.15, 0.84, 0.74))
    for i, name in enumerate(table.names):
        ax.plot(table.orders, 100 * table.inside_share[i], marker="o", color=MODEL_COLOURS[i % len(MODEL_COLOURS)],
                label=name)
    ax.set_xlabel("DCT order u + v (0: the block's mean, 14: the finest checkerboard)")
    ax.set_ylabel("energy kept inside the block (%)")
    ax.set_title(f"How much of a block's DCT basis stays in its block (×{table.scale})", fontsize=10)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_hybrid(result: HybridResponse) -> Figure:
    """HyRA's split of one window: the output, its linear part, the non-linear rest (diverging, mean over RGB),
    and the non-linear energy per pixel on block edges and inside blocks (bars, with the ratio's interval)."""
    if not isinstance(result, HybridResponse):
        raise ValueError(f"result must be a HybridResponse, got {type(result).__name__}")
    r = result
    fig = _fixed_figure(14.0, 4.0)
    gs = fig.add_gridspec(1, 4, left=0.05, right=0.98, top=0.78, bottom=0.16, wspace=0.62,
                          width_ratios=(1, 1, 1, 0.8))
    lr_size = (r.window[0] + r.lr.shape[0], r.window[1] + r.lr.shape[1])
    origin = (r.window[0] * r.scale, r.window[1] * r.scale)
    for i, (what, img) in enumerate((("output (shown clipped to [0, 1])", r.output),
                                     ("linear part (shown clipped to [0, 1])", r.linear))):
        ax = fig.add_subplot(gs[0, i])
        ax.imshow(np.clip(img, 0, 1), interpolation="nearest")
        draw_block_grid(ax, lr_size, r.block_size, r.grid_phase, scale=(r.scale, r.scale), origin=origin,
                        shape=img.shape[:2])
        ax.set_title(what, fontsize=9)
        pixel_axes(ax, "output px", left=i == 0, offset=origin)
    ax = fig.add_subplot(gs[0, 2])
    nl = r.nonlinear.mean(axis=-1)
    lim = float(np.percentile(np.abs(nl), 99.5)) or 1.0
    im = _signed_map(ax, nl, lim, (lr_size, r.scale, r.grid_phase), origin=origin)
    ax.set_title("non-linear part (mean over RGB)", fontsize=9)
    pixel_axes(ax, "output px", left=False, offset=origin)
    _colour_bar(fig, ax, im, "output − linear (image units)")
    fig.axes[0].legend(handles=[grid_handle(r.block_size, "white", "LR block grid")], fontsize=7, loc="lower left",
                       bbox_to_anchor=(0.0, 1.12), frameon=False)
    bars = fig.add_subplot(gs[0, 3])
    edge = r.edge_energy.sum() / r.edge_pixels.sum()
    inner = r.interior_energy.sum() / r.interior_pixels.sum()
    bars.bar([0, 1], [edge, inner], color=["#d62728", "#1f77b4"], width=0.6)
    bars.set_xticks([0, 1], ["block edges\n(outer LR ring)", "block interiors"], fontsize=8)
    bars.set_ylabel("non-linear energy / output px", fontsize=8)
    lo, hi = r.interval
    bars.set_title(f"edges / interiors = {r.ratio:.2f}\n95% CI [{lo:.2f}, {hi:.2f}] over {r.edge_energy.size} blocks",
                   fontsize=9)
    bars.tick_params(labelsize=7)
    fig.suptitle(f"{r.name}: HyRA's split of the output (×{r.scale}) — linear + non-linear = output; "
                 f"the non-linear part holds {100 * r.nonlinear_share:.0f}% of the energy around grey",
                 fontsize=10)
    return fig
