"""The lesson's linked cursor figure (:class:`explain.widgets.lesson.CursorView`): one output pixel, its 4 latent
codes and their ensemble weights, the LAM map of that pixel and the 8×8 DCT block it falls in."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .ensemble import CODE_COLOURS, CODE_NAMES
from .grid import draw_block_grid, grid_handle, line_handle, pixel_axes

BLOCK_STYLE = {"edgecolor": "yellow", "linewidth": 2.0, "fill": False}
PIXEL_STYLE = {"color": "white", "marker": "+", "markersize": 11, "markeredgewidth": 2.0, "linestyle": "none"}


def plot_cursor(cursor) -> Figure:
    """Four linked panels for one output pixel (``cursor``: a :class:`explain.widgets.lesson.Cursor`).

    1. the LR region with the pixel's position (+), its 4 latent codes (coloured squares) and its 8×8 block;
    2. the LAM map of that pixel on the same region, same marks;
    3. the 4 ensemble weights (bars in the codes' colours);
    4. the block's luma DCT coefficients, |X| in JPEG units on a log scale, indexed (v, u).
    """
    c = cursor
    fig = Figure(figsize=(13.5, 4.5))
    gs = fig.add_gridspec(1, 4, left=0.045, right=0.93, top=0.74, bottom=0.15, wspace=0.62,
                          width_ratios=(1, 1, 0.75, 0.95))
    (r0, r1), (c0, c1) = c.region
    lr = c.lr[r0:r1, c0:c1]
    lam = c.lam[r0:r1, c0:c1]
    pos = c.position - np.array([r0, c0]) - 0.5  # LR pixel units → imshow pixel-centre frame of the region
    handles = []
    for i, (what, show) in enumerate((("LR input: the pixel, its 4 codes, its block", None),
                                      ("LAM map of that output pixel", lam))):
        ax = fig.add_subplot(gs[0, i])
        if show is None:
            ax.imshow(lr, interpolation="nearest")
        else:
            im = ax.imshow(show, cmap="magma", vmin=0, vmax=max(float(show.max()), 1e-12), interpolation="nearest")
            bar = fig.colorbar(im, cax=ax.inset_axes([1.03, 0.0, 0.05, 1.0]))
            bar.set_label("|attribution| (max = 1)", fontsize=8)
            bar.ax.tick_params(labelsize=7)
        draw_block_grid(ax, c.lr.shape[:2], 8, c.grid_phase, origin=(r0, c0), shape=lr.shape[:2])
        br, bc = c.block
        ax.add_patch(Rectangle((bc - c0 - 0.5, br - r0 - 0.5), 8, 8, **BLOCK_STYLE))
        for k, (cr, cc) in enumerate(c.codes):
            ax.add_patch(Rectangle((cc - c0 - 0.5, cr - r0 - 0.5), 1, 1, edgecolor=CODE_COLOURS[k], linewidth=2.2,
                                   fill=False))
        ax.plot(pos[1], pos[0], **PIXEL_STYLE)
        ax.set_title(what, fontsize=9)
        pixel_axes(ax, "LR px", left=i == 0, offset=(r0, c0))
        if i == 0:
            handles = [line_handle(f"code {CODE_NAMES[k] if len(c.codes) == 4 else 'nearest'}",
                                   color=CODE_COLOURS[k], linewidth=2.2) for k in range(len(c.codes))]
            handles += [line_handle("its 8×8 JPEG block", color="gold", linewidth=2.0), grid_handle(8),
                        line_handle("the output pixel (+)", color="0.3", linewidth=2.0)]
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.93), ncol=4, fontsize=7, frameon=False)
    ax = fig.add_subplot(gs[0, 2])
    k = len(c.weights)
    ax.bar(np.arange(k), c.weights, color=CODE_COLOURS[:k])
    ax.set_xticks(np.arange(k), [CODE_NAMES[j] if k == 4 else "nearest" for j in range(k)], fontsize=7,
                  rotation=30)
    ax.set_ylim(0, 1)
    ax.set_ylabel("ensemble weight", fontsize=8)
    ax.set_title("how the 4 codes are blended", fontsize=9)
    ax.tick_params(labelsize=7)
    ax = fig.add_subplot(gs[0, 3])
    mag = np.log10(np.abs(c.dct) + 1.0)
    im = ax.imshow(mag, cmap="viridis", vmin=0, vmax=max(float(mag.max()), 1.0), interpolation="nearest")
    bar = fig.colorbar(im, cax=ax.inset_axes([1.03, 0.0, 0.05, 1.0]))
    bar.set_label("log₁₀(1 + |coefficient|), JPEG units", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_xticks(range(8))
    ax.set_yticks(range(8))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("u (horizontal frequency)", fontsize=8)
    ax.set_ylabel("v (vertical frequency)", fontsize=8)
    ax.set_title(f"luma DCT of its block (LR {c.block})", fontsize=9)
    r, col = c.pixel
    fig.suptitle(f"{c.name}: output pixel (row {r}, col {col}) at ×{c.scale:g} — {100 * c.lam_in_block:.0f}% of its "
                 "LAM attribution lies in its own block", fontsize=10, x=0.6, y=0.99)
    return fig


def plot_first_picture(panels: dict, zoom, block: int | None = None) -> Figure:
    """The lesson's first picture: each image of ``panels`` (name → (H, W, 3), same size: e.g. the blocky JPEG
    enlarged, bicubic, the twin, the original) whole with the ``zoom`` window (row, col, height, width) boxed, and
    below it the zoom. ``block``: the block grid in these images' pixels (8·scale for an upscaled JPEG), drawn
    on the zooms."""
    from .grid import line_handle, pixel_axes

    if not panels:
        raise ValueError("panels is empty; give at least one image")
    shapes = {np.shape(img)[:2] for img in panels.values()}
    if len(shapes) != 1:
        raise ValueError(f"the panels must share one size, got {sorted(shapes)}")
    r, c, h, w = zoom
    n = len(panels)
    fig = Figure(figsize=(3.1 * n, 6.9))
    gs = fig.add_gridspec(2, n, left=0.05, right=0.99, top=0.9, bottom=0.11, hspace=0.3, wspace=0.18)
    for i, (name, img) in enumerate(panels.items()):
        top, bottom = fig.add_subplot(gs[0, i]), fig.add_subplot(gs[1, i])
        top.imshow(np.clip(img, 0, 1), interpolation="nearest")
        top.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, edgecolor="yellow", linewidth=1.5, fill=False))
        top.set_title(name, fontsize=10)
        pixel_axes(top, "output px", left=i == 0, size=6)
        bottom.imshow(np.clip(img[r:r + h, c:c + w], 0, 1), interpolation="nearest")
        if block:
            draw_block_grid(bottom, np.shape(img)[:2], block, (0, 0), origin=(r, c), shape=(h, w))
        pixel_axes(bottom, "output px", left=i == 0, size=6, offset=(r, c))
        bottom.set_title("zoom", fontsize=9)
    handles = [line_handle("the zoomed window (yellow)", color="yellow", linewidth=1.5)]
    if block:
        handles.append(grid_handle(block, what="JPEG block grid, in output px"))
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle("One picture first: what each method rebuilds from the same blocky JPEG", fontsize=11)
    return fig
