"""Figures of the clue taxonomy (:mod:`explain.probes.clues`) and of a photo's JPEG facts.

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot. Image panels use the LR pixel
frame with units on the axes: LR pixel (r, c) covers [c, c + 1] × [r, r + 1] (an axis of n pixels spans [0, n]),
and HR crops are drawn into the same frame, so boxes and the 8×8 block grid line up across panels. Frequency
panels index DCT coefficients by u (horizontal frequency, columns) and v (vertical frequency, rows).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..probes.frequency import BLOCK, COMPONENTS
from .layout import (
    BAR,
    BAR_PAD,
    BAR_TEXT,
    BELOW,
    LEFT,
    TITLE,
    TITLE2,
    axes_at,
    colorbar_beside,
    fix_axis_labels,
    legend_below,
    new_figure,
    title_at_top,
)

GRID = {"color": "white", "linewidth": 0.7, "alpha": 0.8}
OWN = {"edgecolor": "#00e5ff", "linewidth": 1.8, "fill": False}
RING = {"edgecolor": "#ffd400", "linewidth": 1.2, "linestyle": "--", "fill": False}
RECEPTIVE = {"edgecolor": "#ff4fd8", "linewidth": 1.0, "linestyle": ":", "fill": False}


def _grid(ax, rows, cols, phase, **style):
    """Block boundaries (rows ≡ phase[0], cols ≡ phase[1] mod 8) inside the view rows × cols (LR units), drawn as
    one line collection per direction spanning the axes (as axhline / axvline would, at a fraction of the cost)."""
    from matplotlib.collections import LineCollection

    kw = {**GRID, **style}
    ys = [phase[0] + BLOCK * k for k in range(int(np.ceil((rows[0] - phase[0]) / BLOCK)),
                                              int(np.floor((rows[1] - phase[0]) / BLOCK)) + 1)]
    xs = [phase[1] + BLOCK * k for k in range(int(np.ceil((cols[0] - phase[1]) / BLOCK)),
                                              int(np.floor((cols[1] - phase[1]) / BLOCK)) + 1)]
    colour = kw.pop("color")
    for segments, transform in (([((0, y), (1, y)) for y in ys if rows[0] < y < rows[1]], ax.get_yaxis_transform()),
                                ([((x, 0), (x, 1)) for x in xs if cols[0] < x < cols[1]], ax.get_xaxis_transform())):
        if segments:
            ax.add_collection(LineCollection(segments, colors=colour, transform=transform, **kw), autolim=False)


def _rect(ax, box, **style):
    (r0, r1), (c0, c1) = box
    ax.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, **style))


def _lr_axes(ax, rows, cols, title=None):
    from matplotlib.ticker import MaxNLocator

    ax.set_xlim(cols[0], cols[1])
    ax.set_ylim(rows[1], rows[0])
    for axis in (ax.xaxis, ax.yaxis):  # a few round pixel numbers (each tick is drawn, and made, at a cost)
        axis.set_major_locator(MaxNLocator(4, integer=True))
    ax.set_xlabel("column (LR pixels)")
    ax.set_ylabel("row (LR pixels)")
    if title:
        ax.set_title(title, fontsize=9)


def _legend(ax, own=True, ring=True, receptive=False, grid=True, loc="lower right", fig=None):
    """The legend of the boxes and grid lines; with ``fig``, one legend below all panels (it hides no data)."""
    handles = []
    if grid:
        handles.append(Line2D([], [], color="white", linewidth=1.0, label="8×8 JPEG block grid"))
    if own:
        handles.append(Patch(facecolor="none", edgecolor=OWN["edgecolor"], linewidth=1.8, label="explained block"))
    if ring:
        handles.append(Patch(facecolor="none", edgecolor=RING["edgecolor"], linestyle="--",
                             label="its 8 neighbouring blocks"))
    if receptive:
        handles.append(Patch(facecolor="none", edgecolor=RECEPTIVE["edgecolor"], linestyle=":",
                             label="receptive field"))
    if fig is not None:
        for h in handles:
            if isinstance(h, Line2D):
                h.set_color("#888888")  # white grid lines on a white figure background would not show
        legend_below(fig, handles)
        return
    ax.legend(handles=handles, fontsize=7, loc=loc, facecolor="#444444", labelcolor="white", framealpha=0.85)


def _ring_box(block_box, lr_size):
    (r0, r1), (c0, c1) = block_box
    h, w = lr_size
    return (max(0, r0 - BLOCK), min(h, r1 + BLOCK)), (max(0, c0 - BLOCK), min(w, c1 + BLOCK))


# --------------------------------------------------------------------------------------------- the photo
def plot_grid_phase(facts) -> Figure:
    """Blockiness of the 64 placements of the 8×8 grid (:class:`explain.jpeg_facts.GridEstimate`), with the
    detected phase and, for a JPEG, the file's own phase marked."""
    g = facts.grid
    fig = new_figure(8.9, 3.7)
    ax = axes_at(fig, 0.75, 1.0, 2.3, 2.3)
    ax2 = axes_at(fig, 5.1, 1.0, 3.6, 2.3)
    im = ax.imshow(g.blockiness, cmap="viridis", origin="upper", extent=(-0.5, 7.5, 7.5, -0.5))
    colorbar_beside(fig, im, ax, "blockiness (8-bit luma steps:\nacross boundaries − inside blocks)")
    ax.plot(g.phase[1], g.phase[0], "o", mfc="none", mec="red", ms=14, mew=2, label=f"best phase {g.phase}")
    if facts.header_phase is not None:
        ax.plot(facts.header_phase[1], facts.header_phase[0], "x", color="black", ms=9, mew=2,
                label=f"the file's own grid {tuple(facts.header_phase)}")
    ax.set_xticks(range(8))
    ax.set_yticks(range(8))
    ax.set_xlabel("column phase (pixels)")
    ax.set_ylabel("row phase (pixels)")
    ax.set_title("where the 8×8 grid lies", fontsize=9)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="lower left", bbox_to_anchor=(0.01, 0.01), ncol=2,
               facecolor="#dddddd")
    k = np.arange(8)
    ax2.plot(k, g.row_profile, "-o", ms=4, label=f"rows (contrast {g.contrast[0]:.2f})")
    ax2.plot(k, g.col_profile, "-s", ms=4, label=f"columns (contrast {g.contrast[1]:.2f})")
    ax2.set_xlabel("position of the step modulo 8 (pixels)")
    ax2.set_ylabel("mean |luma step| (8-bit units)")
    ax2.set_title("grid " + ("found" if g.found else "not found") + " in the pixels", fontsize=9)
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    return fix_axis_labels(fig)


def plot_windows(image: np.ndarray, windows, grid_phase, title: str = "") -> Figure:
    """The whole photo with the explained windows numbered; ``windows``: list of (row, col, height, width) LR."""
    h, w = image.shape[:2]
    side = 6.0  # the image's longer side (inches)
    iw, ih = (side, side * h / w) if w >= h else (side * w / h, side)
    fig = new_figure(iw + LEFT + 0.25, ih + BELOW + TITLE + 0.1)
    ax = axes_at(fig, LEFT, BELOW, iw, ih)
    ax.imshow(np.clip(image, 0, 1), extent=(0, w, h, 0), interpolation="nearest" if max(h, w) < 800 else "antialiased")
    for k, (r, c, hh, ww) in enumerate(windows, 1):
        ax.add_patch(Rectangle((c, r), ww, hh, fill=False, edgecolor="#00e5ff", linewidth=2))
        right = c + ww + 0.06 * w < w
        ax.text(c + ww + 0.01 * w if right else c - 0.01 * w, r, str(k), color="#00e5ff", fontsize=11,
                fontweight="bold", va="top", ha="left" if right else "right",
                bbox={"facecolor": "black", "alpha": 0.5, "pad": 1})
    _lr_axes(ax, (0, h), (0, w), title or f"explained windows (3×3 blocks each), grid phase {tuple(grid_phase)}")
    ax.legend(handles=[Patch(facecolor="none", edgecolor="#00e5ff", linewidth=2,
                             label="explained window: a block and its 8 neighbours")], fontsize=8, loc="lower right")
    return fix_axis_labels(fig)


def plot_window_outputs(outputs: dict, window_lr, block_box, grid_phase, ncols: int | None = None,
                        captions: dict | None = None) -> Figure:
    """Crops of one window: input (nearest), bicubic and each model's output, all in the LR pixel frame;
    ``captions`` (name → text) adds a second title line to a panel (e.g. its crop PSNR-Y)."""
    r, c, hh, ww = window_lr
    n = len(outputs)
    ncols = ncols or min(n, 4)
    nrows = int(np.ceil(n / ncols))
    side = 2.5  # the longer side of a panel (inches)
    pw, ph = (side, side * hh / ww) if ww >= hh else (side * ww / hh, side)
    top = TITLE2 if captions else TITLE
    cell_w, cell_h = LEFT + pw + 0.1, ph + BELOW + top
    fig = new_figure(cell_w * ncols + 0.1, cell_h * nrows + 0.05)
    axes = np.array([[axes_at(fig, LEFT + j * cell_w, BELOW + (nrows - 1 - i) * cell_h, pw, ph)
                      for j in range(ncols)] for i in range(nrows)])
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    for ax, (name, img) in zip(axes.ravel(), outputs.items()):
        ax.imshow(np.clip(img, 0, 1), extent=(c, c + ww, r + hh, r), interpolation="nearest")
        _grid(ax, (r, r + hh), (c, c + ww), grid_phase, alpha=0.45, linestyle=(0, (4, 4)))
        _rect(ax, block_box, **OWN)
        caption = (captions or {}).get(name)
        _lr_axes(ax, (r, r + hh), (c, c + ww), f"{name}\n{caption}" if caption else name)
        if ax is not axes[np.unravel_index(list(axes.ravel()).index(ax), axes.shape)[0], 0]:
            ax.set_yticks([])  # every panel shows the same rows: numbered on the first of each row
            ax.set_ylabel("")
    _legend(axes.ravel()[0], ring=False, loc="upper right")
    return fix_axis_labels(fig)


# ------------------------------------------------------------------------------------------------ spatial
def plot_spatial_clue(clues_by_model: dict, gamma: float = 0.5) -> Figure:
    """|LAM| of each model around the explained block (LR pixel axes, colour bar), and the share of the evidence
    per distance from the block, in LR pixels and in block rings."""
    items = list(clues_by_model.items())
    n = len(items)
    side, curve_w, below = 2.8, 3.2, BELOW + 0.35  # panel side, curve panel width, room for the legend
    after_maps = LEFT + n * side + (n - 1) * LEFT + BAR_PAD + BAR + BAR_TEXT
    fig = new_figure(after_maps + LEFT + curve_w + 0.2, below + side + TITLE2 + 0.05)
    axes = [axes_at(fig, LEFT + k * (side + LEFT), below, side, side) for k in range(n)]
    axes.append(axes_at(fig, after_maps + LEFT, below, curve_w, side))
    im = None
    for ax, (name, c) in zip(axes, items):
        lam = c.spatial.lam
        (a0, a1), (b0, b1) = lam.receptive_box
        im = ax.imshow(np.clip(lam.abs_map[a0:a1, b0:b1], 0, 1) ** gamma, extent=(b0, b1, a1, a0), cmap="inferno",
                       vmin=0, vmax=1, interpolation="nearest")
        _grid(ax, (a0, a1), (b0, b1), c.grid_phase, alpha=0.5, linewidth=0.5)
        _rect(ax, c.block_box, **OWN)
        _rect(ax, _ring_box(c.block_box, c.lr_size), **RING)
        s = lam.block_shares
        _lr_axes(ax, (a0, a1), (b0, b1), f"{name}\nown {100 * s['own']:.0f} % · neighbours "
                                         f"{100 * s['neighbours']:.0f} % · beyond {100 * s['beyond']:.0f} %")
    colorbar_beside(fig, im, axes[n - 1], "|LAM attribution| / max" + (f", shown ^{gamma:g}" if gamma != 1 else ""))
    _legend(axes[0], fig=fig)
    ax = axes[-1]
    reach = 1
    for k, (name, c) in enumerate(items):
        d = c.spatial.distance_px
        ax.plot(np.arange(d.size), np.cumsum(d), "-o", ms=2.5, color=f"C{k}", label=name)
        reach = max(reach, d.size - 1)
    for k in range(1, reach // BLOCK + 1):
        ax.axvline(BLOCK * k + 0.5, color="grey", linewidth=0.6, linestyle="--", alpha=0.6,
                   label="edge of block ring 1, 2, …" if k == 1 else None)
    ax.set_xlim(0, reach)
    ax.set_xlabel("distance from the block (LR pixels, Chebyshev)")
    ax.set_ylabel("share of |LAM| within that distance")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("how far the evidence reaches", fontsize=9)
    return fix_axis_labels(fig)


# ---------------------------------------------------------------------------------------------- frequency
def _freq_axes(ax, title, left: bool = True):
    """u, v axes of an 8×8 coefficient panel; ``left``: the first of a row, which carries the v label."""
    ax.set_xticks(range(0, BLOCK, 2))  # every other index: the cells read off between them (labels cost)
    ax.set_yticks(range(0, BLOCK, 2) if left else [])  # the panels of a row share v: ticks on the first only
    ax.set_xlabel("u (horizontal frequency, DCT index)", fontsize=9)
    if left:
        ax.set_ylabel("v (vertical frequency, DCT index)", fontsize=9)
    ax.set_title(title, fontsize=9)


def plot_frequency_clue(clues_by_model: dict, method: str = "gradient_x_coefficient") -> Figure:
    """Per model: the share of |attribution| on each DCT coefficient (u, v) for Y, Cb and Cr (summed over the
    blocks around the explained one), and the Y coefficients of the explained block and its 8 neighbours as a
    3×3 mosaic of 8×8 heat maps."""
    if method not in ("gradient_x_coefficient", "integrated_gradients"):
        raise ValueError(f"method must be 'gradient_x_coefficient' or 'integrated_gradients', got {method!r}")
    items = list(clues_by_model.items())
    side, mosaic = 2.45, 3.0  # one 8×8 panel, the 3×3-block mosaic (inches)
    row_h = BELOW + max(side, mosaic) + TITLE2
    step = side + 0.45  # panels of a row share the y axis: tick labels only between them
    x_mosaic = LEFT + 2 * step + side + BAR_PAD + BAR + BAR_TEXT + LEFT + 0.15
    fig = new_figure(x_mosaic + mosaic + BAR_PAD + BAR + BAR_TEXT, row_h * len(items) + 0.35)
    axes = np.array([[*(axes_at(fig, LEFT + k * step, BELOW + (len(items) - 1 - i) * row_h + (mosaic - side) / 2,
                                side, side) for k in range(3)),
                      axes_at(fig, x_mosaic, BELOW + (len(items) - 1 - i) * row_h, mosaic, mosaic)]
                     for i in range(len(items))])
    label = {"gradient_x_coefficient": "gradient × coefficient",
             "integrated_gradients": "integrated gradients from the coarser JPEG"}[method]
    for row, (name, c) in enumerate(items):
        m = getattr(c.frequency, method)
        shares = [100 * m.frequency_shares(k) for k in range(3)]
        top = max(float(np.nanmax(s)) for s in shares) or 1.0
        im = None
        for k in range(3):
            ax = axes[row, k]
            im = ax.imshow(shares[k], cmap="magma", norm=PowerNorm(0.5, vmin=0, vmax=top),
                           extent=(-0.5, 7.5, 7.5, -0.5))
            cs = m.component_shares()[COMPONENTS[k]]
            _freq_axes(ax, f"{name}: input {COMPONENTS[k]} ({100 * cs:.0f} % of all)", left=k == 0)
        colorbar_beside(fig, im, axes[row, 2], "share of |attribution|\n(%, √ colour scale)")
        ax = axes[row, 3]
        mosaic = 100 * m.neighbourhood(0).transpose(0, 2, 1, 3).reshape(3 * BLOCK, 3 * BLOCK)
        im2 = ax.imshow(mosaic, cmap="magma", norm=PowerNorm(0.5, vmin=0, vmax=float(mosaic.max()) or 1.0),
                        extent=(-0.5, 3 * BLOCK - 0.5, 3 * BLOCK - 0.5, -0.5))
        for k in (1, 2):
            ax.axhline(BLOCK * k - 0.5, color="white", linewidth=1.2)
            ax.axvline(BLOCK * k - 0.5, color="white", linewidth=1.2)
        ax.add_patch(Rectangle((BLOCK - 0.5, BLOCK - 0.5), BLOCK, BLOCK, fill=False, edgecolor=OWN["edgecolor"],
                               linewidth=2))
        ticks = [BLOCK * k + t for k in range(3) for t in (0, 4)]
        ax.set_xticks(ticks, [str(t) for _ in range(3) for t in (0, 4)])
        ax.set_yticks(ticks, [str(t) for _ in range(3) for t in (0, 4)])
        ax.set_xlabel("u within each block (columns of blocks: left, own, right)", fontsize=9)
        ax.set_ylabel("v within each block (rows: above, own, below)", fontsize=9)
        b = m.band_shares("neighbours")
        ax.set_title(f"Y coefficients of the block (cyan) and its 8 neighbours\nneighbours: DC {100 * b['dc']:.0f} %"
                     f" · low AC {100 * b['low_ac']:.0f} % · high AC {100 * b['high_ac']:.0f} %", fontsize=9)
        colorbar_beside(fig, im2, ax, "share of |attribution|\n(%, √ colour scale)")
        ax.legend(handles=[Patch(facecolor="none", edgecolor=OWN["edgecolor"], linewidth=2, label="explained block"),
                           Line2D([], [], color="white", linewidth=1.2, label="block boundaries")],
                  fontsize=7, loc="lower right", facecolor="grey", framealpha=0.6)
    title_at_top(fig, f"frequency clue: {label} on the blockwise 8×8 DCT (JFIF Y, Cb, Cr)")
    return fix_axis_labels(fig)


# ------------------------------------------------------------------------------------------------ channel
def plot_channel_clue(clues_by_model: dict) -> Figure:
    """Output component × input component shares of each model (rows add up to 100 %)."""
    items = list(clues_by_model.items())
    side, left = 2.4, 1.0  # panel side; room for the two-line row labels of the first panel
    fig = new_figure(left + len(items) * (side + 0.25) + BAR_PAD + BAR + BAR_TEXT, BELOW + side + TITLE2 + 0.05)
    axes = [axes_at(fig, left + k * (side + 0.25), BELOW, side, side) for k in range(len(items))]
    im = None
    for ax, (name, c) in zip(axes, items):
        s = 100 * c.channel.shares
        im = ax.imshow(s, cmap="Blues", vmin=0, vmax=100)
        for i in range(3):
            for j in range(3):
                if np.isfinite(s[i, j]):
                    ax.text(j, i, f"{s[i, j]:.0f} %", ha="center", va="center",
                            color="white" if s[i, j] > 60 else "black", fontsize=10)
        ax.set_xticks(range(3), [f"input {k}" for k in COMPONENTS])
        ax.set_yticks(range(3), [f"output {k}\ndetail" for k in COMPONENTS] if ax is axes[0] else [])
        ax.set_title(f"{name}\ncolour detail from luma {100 * c.channel.colour_from_luma:.0f} %", fontsize=9)
    colorbar_beside(fig, im, axes[-1], "share of the row's |attribution| (%)")
    return fix_axis_labels(fig)


# ------------------------------------------------------------------------------------- ensemble & latent
def plot_ensemble_latent(maps_by_model: dict, window_lr, block_box, grid_phase) -> Figure:
    """Per model: the weighted spread of the 4 local-ensemble predictions over the window's output (how much
    blending work each output pixel needs) and the latent codes' first three principal components as RGB."""
    r, c, hh, ww = window_lr
    items = list(maps_by_model.items())
    side = 2.7
    pw, ph = (side, side * hh / ww) if ww >= hh else (side * ww / hh, side)
    x2 = LEFT + pw + BAR_PAD + BAR + BAR_TEXT + LEFT + 0.1
    row_h = BELOW + ph + TITLE
    fig = new_figure(x2 + pw + 0.15, row_h * len(items) + 0.05)
    axes = np.array([[axes_at(fig, x, BELOW + (len(items) - 1 - i) * row_h, pw, ph) for x in (LEFT, x2)]
                     for i in range(len(items))])
    for row, (name, maps) in enumerate(items):
        ax = axes[row, 0]
        im = ax.imshow(maps["spread"], extent=(c, c + ww, r + hh, r), cmap="magma", interpolation="nearest")
        colorbar_beside(fig, im, ax, "weighted spread of the 4\npredictions (image units, 0–1)")
        _grid(ax, (r, r + hh), (c, c + ww), grid_phase)
        _rect(ax, block_box, **OWN)
        _lr_axes(ax, (r, r + hh), (c, c + ww), f"{name}: local ensemble")
        ax = axes[row, 1]
        ax.imshow(maps["pca"], extent=(c, c + ww, r + hh, r), interpolation="nearest")
        _grid(ax, (r, r + hh), (c, c + ww), grid_phase)
        _rect(ax, block_box, **OWN)
        _lr_axes(ax, (r, r + hh), (c, c + ww), f"{name}: latent codes (PCA 1–3 → RGB)")
    _legend(axes[0, 0], ring=False, loc="upper right")
    return fix_axis_labels(fig)
