"""The one block-grid drawer every figure uses (JPEG's 8×8 grid, or any block size and phase)."""

from __future__ import annotations

import numpy as np

GRID_STYLE = {"color": "white", "linewidth": 0.6, "alpha": 0.7}


def draw_block_grid(ax, lr_size, block_size: int = 8, grid_phase=(0, 0), *, scale=(1.0, 1.0), origin=(0, 0),
                    shape=None, **style):
    """Draw the LR block grid on an image axis drawn in imshow's pixel-centre frame (pixel j covers
    [j − ½, j + ½]).

    lr_size:  (h, w) of the LR image. A boundary lies at LR position k (pixel units) for k ≡ phase (mod
              block_size), 0 < k < size.
    scale:    displayed pixels per LR pixel (row, col) — (1, 1) for an LR image, (H/h, W/w) for an output.
    origin:   (row, col) index of the first displayed pixel in that displayed grid (a region's corner).
    shape:    (rows, cols) displayed; lines outside are skipped (default: the whole scaled image).
    Lines span the whole axis, so an axis zoomed to a sub-view shows exactly the boundaries inside it.
    Returns the two LineCollections (rows, cols); :func:`grid_positions` reads the positions back.
    """
    from matplotlib.collections import LineCollection

    kw = {**GRID_STYLE, **style}
    sr, sc = (float(scale), float(scale)) if np.isscalar(scale) else (float(scale[0]), float(scale[1]))
    if shape is None:
        shape = (lr_size[0] * sr, lr_size[1] * sc)
    drawn = []
    for axis, (n, s, o, extent, phase) in enumerate(zip(lr_size, (sr, sc), origin, shape, grid_phase)):
        positions = [k * s - o - 0.5 for k in range(1, int(n)) if not (k - phase) % block_size]
        positions = [p for p in positions if -0.5 < p < extent - 0.5]
        # One collection per direction (not one Line2D per boundary: a 256² image has 62 of them, and a
        # redrawn figure pays for each). Rows span the axes' width, columns its height, as axhline/axvline.
        if axis == 0:
            segments = [((0.0, p), (1.0, p)) for p in positions]
            transform = ax.get_yaxis_transform()
        else:
            segments = [((p, 0.0), (p, 1.0)) for p in positions]
            transform = ax.get_xaxis_transform()
        lines = LineCollection(segments, transform=transform, gid=f"block-grid-{'rows' if axis == 0 else 'cols'}",
                               **{k: v for k, v in kw.items() if k != "color"}, colors=kw.get("color"))
        ax.add_collection(lines, autolim=False)
        drawn.append(lines)
    return drawn


def grid_positions(ax) -> tuple[list[float], list[float]]:
    """The (rows, cols) positions of the block-grid lines :func:`draw_block_grid` drew on ``ax`` (displayed
    pixel-centre frame), sorted."""
    found = {"rows": [], "cols": []}
    for coll in ax.collections:
        gid = coll.get_gid() or ""
        if gid.startswith("block-grid-"):
            which = gid.removeprefix("block-grid-")
            found[which] += [float(seg[0][1] if which == "rows" else seg[0][0]) for seg in coll.get_segments()]
    return sorted(found["rows"]), sorted(found["cols"])


def line_handle(label: str, **style):
    """A legend entry drawn as a line with ``style`` (for grid lines and box outlines, which legends do not
    pick up from axhline/Rectangle artists by themselves)."""
    from matplotlib.lines import Line2D

    style = {k: v for k, v in style.items() if k in ("color", "linewidth", "linestyle", "alpha")} | (
        {"color": style["edgecolor"]} if "edgecolor" in style else {})
    return Line2D([], [], label=label, **style)


def grid_handle(block_size: int = 8, colour: str = "white", what: str = "JPEG block grid"):
    """The legend entry of the block grid (drawn grey when the grid is white, so it shows on the legend)."""
    shown = "0.55" if colour == "white" else colour
    return line_handle(f"{block_size}×{block_size} {what} ({colour} lines)", color=shown,
                       linewidth=GRID_STYLE["linewidth"] * 1.5)


def pixel_axes(ax, units: str = "LR px", *, left: bool = True, bottom: bool = True, size: int = 7,
               offset=(0, 0)) -> None:
    """Show an image axis' pixel coordinates with their units (row on the left, column at the bottom);
    ``offset`` (row, col) is added to the labels (an image of a region drawn from 0, labelled in whole-image
    pixels)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    ax.set_axis_on()
    for axis, off, lim in ((ax.yaxis, offset[0], ax.get_ylim()), (ax.xaxis, offset[1], ax.get_xlim())):
        # round numbers in whole-image pixels (this also undoes set_xticks([]) of figures that hid the ticks)
        lo, hi = sorted(lim)
        ticks = MaxNLocator(nbins=5, steps=[1, 2, 4, 8, 10], integer=True).tick_values(lo + off, hi + off)
        axis.set_major_locator(FixedLocator([t - off for t in ticks if lo <= t - off <= hi]))
        if off:
            axis.set_major_formatter(FuncFormatter(lambda v, _pos, o=off: f"{v + o:.0f}"))
    ax.tick_params(labelsize=size, length=2, labelleft=left, labelbottom=bottom, left=left, bottom=bottom)
    if left:
        ax.set_ylabel(f"row ({units})", fontsize=size + 1)
    if bottom:
        ax.set_xlabel(f"column ({units})", fontsize=size + 1)
