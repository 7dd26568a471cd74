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
    contrast_stretch,
    fix_axis_labels,
    keep_for_refill,
    legend_below,
    move_colorbar,
    new_figure,
    refill_state,
    stretch_words,
    stretched,
    title_at_top,
)

GRID = {"color": "white", "linewidth": 0.7, "alpha": 0.8}
OWN = {"edgecolor": "#00e5ff", "linewidth": 1.8, "fill": False}
RING = {"edgecolor": "#ffd400", "linewidth": 1.2, "linestyle": "--", "fill": False}
RECEPTIVE = {"edgecolor": "#ff4fd8", "linewidth": 1.0, "linestyle": ":", "fill": False}


def _grid_segments(rows, cols, phase):
    """Block boundaries (rows ≡ phase[0], cols ≡ phase[1] mod 8) strictly inside the view rows × cols (LR units):
    (horizontal lines as ((0, y), (1, y)) in axes-x / data-y, vertical lines as ((x, 0), (x, 1)))."""
    ys = [phase[0] + BLOCK * k for k in range(int(np.ceil((rows[0] - phase[0]) / BLOCK)),
                                              int(np.floor((rows[1] - phase[0]) / BLOCK)) + 1)]
    xs = [phase[1] + BLOCK * k for k in range(int(np.ceil((cols[0] - phase[1]) / BLOCK)),
                                              int(np.floor((cols[1] - phase[1]) / BLOCK)) + 1)]
    return ([((0, y), (1, y)) for y in ys if rows[0] < y < rows[1]],
            [((x, 0), (x, 1)) for x in xs if cols[0] < x < cols[1]])


def _grid(ax, rows, cols, phase, **style):
    """Block boundaries inside the view rows × cols (LR units), drawn as one line collection per direction
    spanning the axes (as axhline / axvline would, at a fraction of the cost); returns the two collections
    (:func:`_move_grid` moves them to another view)."""
    from matplotlib.collections import LineCollection

    kw = {**GRID, **style}
    colour = kw.pop("color")
    return tuple(ax.add_collection(LineCollection(segments, colors=colour, transform=transform, **kw), autolim=False)
                 for segments, transform in zip(_grid_segments(rows, cols, phase),
                                                (ax.get_yaxis_transform(), ax.get_xaxis_transform())))


def _move_grid(lines, rows, cols, phase):
    for collection, segments in zip(lines, _grid_segments(rows, cols, phase)):
        collection.set_segments(segments)


def _rect(ax, box, **style):
    (r0, r1), (c0, c1) = box
    return ax.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, **style))


def _move_rect(rect, box):
    (r0, r1), (c0, c1) = box
    rect.set_bounds(c0, r0, c1 - c0, r1 - r0)


def _lr_axes(ax, rows, cols, title=None):
    from matplotlib.ticker import MaxNLocator

    for axis in (ax.xaxis, ax.yaxis):  # a few round pixel numbers (each tick is drawn, and made, at a cost)
        axis.set_major_locator(MaxNLocator(4, integer=True))
    ax.set_xlabel("column (LR pixels)")
    ax.set_ylabel("row (LR pixels)")
    _lr_view(ax, rows, cols, title)


def _lr_view(ax, rows, cols, title=None):
    """Show rows × cols (LR units, rows downwards) on an :func:`_lr_axes` panel, with ``title``."""
    ax.set_xlim(cols[0], cols[1])
    ax.set_ylim(rows[1], rows[0])
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
    ``captions`` (name → text) adds a second title line to a panel (e.g. its crop PSNR-Y).
    :func:`redraw_window_outputs` fills the figure again for another window of the same size."""
    r, c, hh, ww = window_lr
    n = len(outputs)
    ncols = ncols or min(n, 4)
    nrows = int(np.ceil(n / ncols))
    side = 2.5  # the longer side of a panel (inches)
    pw, ph = (side, side * hh / ww) if ww >= hh else (side * ww / hh, side)
    top = TITLE2 if captions else TITLE
    cell_w, cell_h = LEFT + pw + 0.1, ph + BELOW + top
    note_h = 0.22  # one line under the panels: how the crops are shown (a dark window is stretched)
    fig = new_figure(cell_w * ncols + 0.1, cell_h * nrows + 0.05 + note_h)
    axes = np.array([[axes_at(fig, LEFT + j * cell_w, note_h + BELOW + (nrows - 1 - i) * cell_h, pw, ph)
                      for j in range(ncols)] for i in range(nrows)])
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    view = (r, r + hh), (c, c + ww)
    images, grids, rects = [], [], []
    for k, (ax, img) in enumerate(zip(axes.ravel(), outputs.values())):
        images.append(ax.imshow(np.clip(img, 0, 1), extent=(c, c + ww, r + hh, r), interpolation="nearest"))
        grids.append(_grid(ax, *view, grid_phase, alpha=0.45, linestyle=(0, (4, 4))))
        rects.append(_rect(ax, block_box, **OWN))
        _lr_axes(ax, *view)
        if k % ncols:
            ax.set_yticks([])  # every panel shows the same rows: numbered on the first of each row
            ax.set_ylabel("")
    _legend(axes.ravel()[0], ring=False, loc="upper right")
    note = fig.text(0.5, 0.04 / fig.get_size_inches()[1], "", ha="center", va="bottom", fontsize=8)
    keep_for_refill(fig, "outputs", (n, hh, ww, captions is not None), axes=axes.ravel()[:n], images=images,
                    grids=grids, rects=rects, note=note)
    return redraw_window_outputs(fig, outputs, window_lr, block_box, grid_phase, captions)


def redraw_window_outputs(fig: Figure, outputs: dict, window_lr, block_box, grid_phase,
                          captions: dict | None = None) -> Figure:
    """Fill a :func:`plot_window_outputs` figure with another window's crops (as many, of the same size and with
    captions or without, as it was made for): no new artists. Returns ``fig``; raises
    :class:`explain.figures.layout.FigureMismatch` otherwise."""
    r, c, hh, ww = window_lr
    st = refill_state(fig, "outputs", (len(outputs), hh, ww, captions is not None))
    view = (r, r + hh), (c, c + ww)
    lo, hi = window_stretch(next(iter(outputs.values())))
    for ax, im, grid, rect, (name, img) in zip(st["axes"], st["images"], st["grids"], st["rects"], outputs.items()):
        im.set_data(stretched(img, lo, hi))
        im.set_extent((c, c + ww, r + hh, r))
        _move_grid(grid, *view, grid_phase)
        _move_rect(rect, block_box)
        caption = (captions or {}).get(name)
        _lr_view(ax, *view, f"{name}\n{caption}" if caption else name)
    st["note"].set_text(stretch_words(lo, hi, "the crops", f"the {next(iter(outputs))} crop"))
    return fix_axis_labels(fig)


DARK_RANGE = 0.5  # crops whose 1st–99th percentile span less than this are shown stretched (a dark or flat window)


def window_stretch(image) -> tuple[float, float]:
    """(lo, hi) to show a window's crops with, from the first crop (the photo's own pixels): its 1st–99th
    percentile stretch when that spans less than :data:`DARK_RANGE` (a dark photo), else (0, 1), as they are."""
    lo, hi = contrast_stretch(image)
    return (lo, hi) if hi - lo < DARK_RANGE else (0.0, 1.0)


# ------------------------------------------------------------------------------------------------ spatial
def plot_spatial_clue(clues_by_model: dict, gamma: float = 0.5) -> Figure:
    """|LAM| of each model around the explained block (LR pixel axes, colour bar), and the share of the evidence
    per distance from the block, in LR pixels and in block rings. :func:`redraw_spatial_clue` fills the figure
    again for the same models' clues on another block."""
    items = list(clues_by_model.items())
    n = len(items)
    side, curve_w, below = 2.8, 3.2, BELOW + 0.35  # panel side, curve panel width, room for the legend
    after_maps = LEFT + n * side + (n - 1) * LEFT + BAR_PAD + BAR + BAR_TEXT
    fig = new_figure(after_maps + LEFT + curve_w + 0.2, below + side + TITLE2 + 0.05)
    axes = [axes_at(fig, LEFT + k * (side + LEFT), below, side, side) for k in range(n)]
    axes.append(axes_at(fig, after_maps + LEFT, below, curve_w, side))
    images, grids, own, ring = [], [], [], []
    for ax, (_, c) in zip(axes, items):
        (a0, a1), (b0, b1) = c.spatial.lam.receptive_box
        images.append(ax.imshow(np.zeros((a1 - a0, b1 - b0)), extent=(b0, b1, a1, a0), cmap="inferno", vmin=0,
                                vmax=1, interpolation="nearest"))
        grids.append(_grid(ax, (a0, a1), (b0, b1), c.grid_phase, alpha=0.5, linewidth=0.5))
        own.append(_rect(ax, c.block_box, **OWN))
        ring.append(_rect(ax, _ring_box(c.block_box, c.lr_size), **RING))
        _lr_axes(ax, (a0, a1), (b0, b1))
    bar = colorbar_beside(fig, images[-1], axes[n - 1], "|LAM attribution| / max" +
                          (f", shown ^{gamma:g}" if gamma != 1 else ""))
    _legend(axes[0], fig=fig)
    ax = axes[-1]
    curves = [ax.plot([], [], "-o", ms=2.5, color=f"C{k}", label=name)[0] for k, (name, _) in enumerate(items)]
    reach = _reach(clues_by_model)
    for k in range(1, reach // BLOCK + 1):
        ax.axvline(BLOCK * k + 0.5, color="grey", linewidth=0.6, linestyle="--", alpha=0.6,
                   label="edge of block ring 1, 2, …" if k == 1 else None)
    ax.set_xlabel("distance from the block (LR pixels, Chebyshev)")
    ax.set_ylabel("share of |LAM| within that distance")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("how far the evidence reaches", fontsize=9)
    keep_for_refill(fig, "spatial", (tuple(clues_by_model), gamma, reach // BLOCK), axes=axes, images=images,
                    grids=grids, own=own, ring=ring, bar=bar, curves=curves)
    return redraw_spatial_clue(fig, clues_by_model, gamma)


def _reach(clues_by_model: dict) -> int:
    """The farthest distance (LR pixels) of the curves of :func:`plot_spatial_clue` (at least 1)."""
    return max([1] + [c.spatial.distance_px.size - 1 for c in clues_by_model.values()])


def redraw_spatial_clue(fig: Figure, clues_by_model: dict, gamma: float = 0.5) -> Figure:
    """Fill a :func:`plot_spatial_clue` figure with the same models' clues on another block (as many block rings
    reached): new maps, boxes, curves and titles, no new artists. Returns ``fig``; raises
    :class:`explain.figures.layout.FigureMismatch` otherwise."""
    reach = _reach(clues_by_model)
    st = refill_state(fig, "spatial", (tuple(clues_by_model), gamma, reach // BLOCK))
    for ax, im, grid, own, ring, (name, c) in zip(st["axes"], st["images"], st["grids"], st["own"], st["ring"],
                                                  clues_by_model.items()):
        lam = c.spatial.lam
        (a0, a1), (b0, b1) = lam.receptive_box
        im.set_data(np.clip(lam.abs_map[a0:a1, b0:b1], 0, 1) ** gamma)
        im.set_extent((b0, b1, a1, a0))
        _move_grid(grid, (a0, a1), (b0, b1), c.grid_phase)
        _move_rect(own, c.block_box)
        _move_rect(ring, _ring_box(c.block_box, c.lr_size))
        s = lam.block_shares
        _lr_view(ax, (a0, a1), (b0, b1), f"{name}\nown {100 * s['own']:.0f} % · neighbours "
                                         f"{100 * s['neighbours']:.0f} % · beyond {100 * s['beyond']:.0f} %")
    move_colorbar(fig, st["bar"], st["axes"][len(clues_by_model) - 1])
    for curve, c in zip(st["curves"], clues_by_model.values()):
        d = c.spatial.distance_px
        curve.set_data(np.arange(d.size), np.cumsum(d))
    st["axes"][-1].set_xlim(0, reach)
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
    3×3 mosaic of 8×8 heat maps. :func:`redraw_frequency_clue` fills the figure again for other clues."""
    _frequency_method(method)
    return redraw_frequency_clue(_frequency_figure(len(clues_by_model)), clues_by_model, method)


def _frequency_method(method: str) -> str:
    if method not in ("gradient_x_coefficient", "integrated_gradients"):
        raise ValueError(f"method must be 'gradient_x_coefficient' or 'integrated_gradients', got {method!r}")
    return {"gradient_x_coefficient": "gradient × coefficient",
            "integrated_gradients": "integrated gradients from the coarser JPEG"}[method]


def _frequency_figure(rows: int) -> Figure:
    """The empty frequency figure of ``rows`` models: images, colour bars, axes, legends; data and titles come
    from :func:`redraw_frequency_clue`."""
    side, mosaic = 2.45, 3.0  # one 8×8 panel, the 3×3-block mosaic (inches)
    row_h = BELOW + max(side, mosaic) + TITLE2
    step = side + 0.45  # panels of a row share the y axis: tick labels only between them
    x_mosaic = LEFT + 2 * step + side + BAR_PAD + BAR + BAR_TEXT + LEFT + 0.15
    fig = new_figure(x_mosaic + mosaic + BAR_PAD + BAR + BAR_TEXT, row_h * rows + 0.35)
    axes = np.array([[*(axes_at(fig, LEFT + k * step, BELOW + (rows - 1 - i) * row_h + (mosaic - side) / 2,
                                side, side) for k in range(3)),
                      axes_at(fig, x_mosaic, BELOW + (rows - 1 - i) * row_h, mosaic, mosaic)]
                     for i in range(rows)])
    blank = np.zeros((BLOCK, BLOCK))
    images = []
    for row in range(rows):
        row_images = []
        for k in range(3):
            ax = axes[row, k]
            row_images.append(ax.imshow(blank, cmap="magma", norm=PowerNorm(0.5, vmin=0, vmax=1.0),
                                        extent=(-0.5, 7.5, 7.5, -0.5)))
            _freq_axes(ax, "", left=k == 0)
        colorbar_beside(fig, row_images[-1], axes[row, 2], "share of |attribution|\n(%, √ colour scale)")
        ax = axes[row, 3]
        row_images.append(ax.imshow(np.zeros((3 * BLOCK, 3 * BLOCK)), cmap="magma",
                                    norm=PowerNorm(0.5, vmin=0, vmax=1.0),
                                    extent=(-0.5, 3 * BLOCK - 0.5, 3 * BLOCK - 0.5, -0.5)))
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
        colorbar_beside(fig, row_images[-1], ax, "share of |attribution|\n(%, √ colour scale)")
        ax.legend(handles=[Patch(facecolor="none", edgecolor=OWN["edgecolor"], linewidth=2, label="explained block"),
                           Line2D([], [], color="white", linewidth=1.2, label="block boundaries")],
                  fontsize=7, loc="lower right", facecolor="grey", framealpha=0.6)
        images.append(row_images)
    return keep_for_refill(fix_axis_labels(fig), "frequency", rows, axes=axes, images=images,
                           title=title_at_top(fig, ""))


def redraw_frequency_clue(fig: Figure, clues_by_model: dict, method: str = "gradient_x_coefficient") -> Figure:
    """Fill a :func:`plot_frequency_clue` figure with ``clues_by_model`` (as many models as it was made for) and
    ``method``: new data, colour scales and titles, no new artists. Returns ``fig``; raises
    :class:`explain.figures.layout.FigureMismatch` for another number of models."""
    label = _frequency_method(method)
    st = refill_state(fig, "frequency", len(clues_by_model))
    for row, (name, c) in enumerate(clues_by_model.items()):
        m = getattr(c.frequency, method)
        shares = [100 * m.frequency_shares(k) for k in range(3)]
        top = max(float(np.nanmax(s)) for s in shares) or 1.0
        component = m.component_shares()
        for k in range(3):
            st["images"][row][k].set_data(shares[k])
            st["images"][row][k].set_clim(0, top)
            st["axes"][row, k].set_title(f"{name}: input {COMPONENTS[k]} ({100 * component[COMPONENTS[k]]:.0f} % "
                                         "of all)", fontsize=9)
        mosaic = 100 * m.neighbourhood(0).transpose(0, 2, 1, 3).reshape(3 * BLOCK, 3 * BLOCK)
        st["images"][row][3].set_data(mosaic)
        st["images"][row][3].set_clim(0, float(mosaic.max()) or 1.0)
        b = m.band_shares("neighbours")
        st["axes"][row, 3].set_title(f"Y coefficients of the block (cyan) and its 8 neighbours\nneighbours: DC "
                                     f"{100 * b['dc']:.0f} % · low AC {100 * b['low_ac']:.0f} % · high AC "
                                     f"{100 * b['high_ac']:.0f} %", fontsize=9)
    st["title"].set_text(f"frequency clue: {label} on the blockwise 8×8 DCT (JFIF Y, Cb, Cr)")
    return fig


# ------------------------------------------------------------------------------------------------ channel
def plot_channel_clue(clues_by_model: dict) -> Figure:
    """Output component × input component shares of each model (rows add up to 100 %).
    :func:`redraw_channel_clue` fills the figure again for other clues of as many models."""
    n = len(clues_by_model)
    side, left = 2.4, 1.0  # panel side; room for the two-line row labels of the first panel
    fig = new_figure(left + n * (side + 0.25) + BAR_PAD + BAR + BAR_TEXT, BELOW + side + TITLE2 + 0.05)
    axes = [axes_at(fig, left + k * (side + 0.25), BELOW, side, side) for k in range(n)]
    images, texts = [], []
    for ax in axes:
        images.append(ax.imshow(np.zeros((3, 3)), cmap="Blues", vmin=0, vmax=100))
        texts.append([ax.text(j, i, "", ha="center", va="center", fontsize=10) for i in range(3) for j in range(3)])
        ax.set_xticks(range(3), [f"input {k}" for k in COMPONENTS])
        ax.set_yticks(range(3), [f"output {k}\ndetail" for k in COMPONENTS] if ax is axes[0] else [])
    colorbar_beside(fig, images[-1], axes[-1], "share of the row's |attribution| (%)")
    keep_for_refill(fix_axis_labels(fig), "channel", n, axes=axes, images=images, texts=texts)
    return redraw_channel_clue(fig, clues_by_model)


def redraw_channel_clue(fig: Figure, clues_by_model: dict) -> Figure:
    """Fill a :func:`plot_channel_clue` figure with the clues of as many models: new shares, numbers and titles,
    no new artists. Returns ``fig``; raises :class:`explain.figures.layout.FigureMismatch` otherwise."""
    st = refill_state(fig, "channel", len(clues_by_model))
    for ax, im, texts, (name, c) in zip(st["axes"], st["images"], st["texts"], clues_by_model.items()):
        s = 100 * c.channel.shares
        im.set_data(s)
        for text, v in zip(texts, s.ravel()):
            text.set_text(f"{v:.0f} %" if np.isfinite(v) else "")
            text.set_color("white" if v > 60 else "black")
        ax.set_title(f"{name}\ncolour detail from luma {100 * c.channel.colour_from_luma:.0f} %", fontsize=9)
    return fig


# ------------------------------------------------------------------------------------- ensemble & latent
def plot_ensemble_latent(maps_by_model: dict, window_lr, block_box, grid_phase) -> Figure:
    """Per model: the weighted spread of the 4 local-ensemble predictions over the window's output (how much
    blending work each output pixel needs) and the latent codes' first three principal components as RGB.
    :func:`redraw_ensemble_latent` fills the figure again for another window of the same size."""
    r, c, hh, ww = window_lr
    items = list(maps_by_model)
    side = 2.7
    pw, ph = (side, side * hh / ww) if ww >= hh else (side * ww / hh, side)
    x2 = LEFT + pw + BAR_PAD + BAR + BAR_TEXT + LEFT + 0.1
    row_h = BELOW + ph + TITLE
    fig = new_figure(x2 + pw + 0.15, row_h * len(items) + 0.05)
    axes = np.array([[axes_at(fig, x, BELOW + (len(items) - 1 - i) * row_h, pw, ph) for x in (LEFT, x2)]
                     for i in range(len(items))])
    view = (r, r + hh), (c, c + ww)
    images, grids, rects = [], [], []
    for row, maps in enumerate(maps_by_model.values()):
        ax = axes[row, 0]
        images.append(ax.imshow(maps["spread"], extent=(c, c + ww, r + hh, r), cmap="magma", interpolation="nearest"))
        colorbar_beside(fig, images[-1], ax, "weighted spread of the 4\npredictions (image units, 0–1)")
        grids.append(_grid(ax, *view, grid_phase))
        rects.append(_rect(ax, block_box, **OWN))
        _lr_axes(ax, *view)
        ax = axes[row, 1]
        images.append(ax.imshow(maps["pca"], extent=(c, c + ww, r + hh, r), interpolation="nearest"))
        grids.append(_grid(ax, *view, grid_phase))
        rects.append(_rect(ax, block_box, **OWN))
        _lr_axes(ax, *view)
    _legend(axes[0, 0], ring=False, loc="upper right")
    keep_for_refill(fig, "ensemble_latent", (len(items), hh, ww), axes=axes.ravel(), images=images, grids=grids,
                    rects=rects)
    return redraw_ensemble_latent(fig, maps_by_model, window_lr, block_box, grid_phase)


def redraw_ensemble_latent(fig: Figure, maps_by_model: dict, window_lr, block_box, grid_phase) -> Figure:
    """Fill a :func:`plot_ensemble_latent` figure with another window's maps (as many models, a window of the same
    size): no new artists. Returns ``fig``; raises :class:`explain.figures.layout.FigureMismatch` otherwise."""
    r, c, hh, ww = window_lr
    st = refill_state(fig, "ensemble_latent", (len(maps_by_model), hh, ww))
    view = (r, r + hh), (c, c + ww)
    panels = [(maps[key], f"{name}: {what}") for name, maps in maps_by_model.items()
              for key, what in (("spread", "local ensemble"), ("pca", "latent codes (PCA 1–3 → RGB)"))]
    for ax, im, grid, rect, (data, title) in zip(st["axes"], st["images"], st["grids"], st["rects"], panels):
        im.set_data(data)
        if data.ndim == 2:
            im.autoscale()  # the colour bar spans this window's spread
        im.set_extent((c, c + ww, r + hh, r))
        _move_grid(grid, *view, grid_phase)
        _move_rect(rect, block_box)
        _lr_view(ax, *view, title)
    return fix_axis_labels(fig)
