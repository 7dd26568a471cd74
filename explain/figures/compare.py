"""Side-by-side views of upscaled images: full frames with the explained window boxed, and crops."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def _box(ax, window, color="yellow"):
    r, c, h, w = window
    ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, edgecolor=color, linewidth=1.5))


def plot_overview(image: np.ndarray, window, title: str = "", figsize=(6, 6)) -> Figure:
    """The whole image (H, W, 3) with ``window`` = (row, col, height, width) boxed."""
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.imshow(np.clip(image, 0, 1), interpolation="nearest")
    _box(ax, window)
    ax.set_title(title)
    ax.axis("off")
    return fig


def plot_crops(images: dict, window, captions: dict | None = None, block: int | None = None, ncols=None,
               scalar: dict | None = None) -> Figure:
    """Crops of several same-size images at ``window`` (row, col, height, width), nearest-neighbour shown, with
    the pixel coordinates of the whole image on the axes.

    ``block`` draws the block grid (in pixels of these images, phase 0), e.g. 8·scale for an upscaled JPEG.
    ``scalar`` maps the names of grey-level panels (a map in [0, 1], e.g. an error image; channel 0 is shown)
    to the label of their colour bar.
    """
    from .grid import line_handle

    r, c, h, w = window
    n = len(images)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(2.9 * ncols, 3.05 * nrows + (0.4 if block else 0)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    st = {"names": list(images), "shape": (h, w), "block": block, "scalar": dict(scalar or {}), "ncols": ncols,
          "axes": axes.ravel()[:n], "images": [], "lines": [], "drawn": False}
    fig.canvas.mpl_connect("draw_event", lambda _event: st.__setitem__("drawn", True))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name in zip(axes.ravel(), images):
        ax.axis("on")
        if scalar and name in scalar:
            im = ax.imshow(np.zeros((h, w)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            bar = fig.colorbar(im, ax=ax, shrink=0.8)
            bar.set_label(scalar[name], fontsize=7)
            bar.ax.tick_params(labelsize=7)
        else:
            im = ax.imshow(np.zeros((h, w, 3)), interpolation="nearest")
        st["images"].append(im)
    if block:
        fig.legend(handles=[line_handle(f"block grid every {block} px (white lines)", color="0.55", linewidth=0.8)],
                   loc="outside lower center", fontsize=8, frameon=False)
    fig._crops_state = st
    _fill_crops(fig, images, window, captions)
    return fig


def redraw_crops(fig: Figure, images: dict, window, captions: dict | None = None) -> Figure:
    """Fill a :func:`plot_crops` figure again for the same panels at another ``window`` of the same size (a moved
    window): the crops, grid lines, titles and pixel labels change, no axes or colour bar is made, and the layout
    found by the first drawing is kept. Returns ``fig``; raises ValueError where the panels or the size differ."""
    st = getattr(fig, "_crops_state", None)
    if st is None:
        raise ValueError("fig was not made by plot_crops")
    if list(images) != st["names"] or tuple(window[2:]) != st["shape"]:
        raise ValueError("the figure shows other panels or another window size")
    if st["drawn"]:
        fig.set_layout_engine("none")  # the panels keep the places the first drawing gave them
    _fill_crops(fig, images, window, captions)
    return fig


def _fill_crops(fig: Figure, images: dict, window, captions) -> None:
    from .grid import pixel_axes

    st = fig._crops_state
    r, c, h, w = window
    block, n, ncols = st["block"], len(st["names"]), st["ncols"]
    for line in st["lines"]:
        line.remove()
    st["lines"] = []
    for i, (ax, im, (name, img)) in enumerate(zip(st["axes"], st["images"], images.items())):
        crop = np.clip(img[r: r + h, c: c + w], 0, 1)
        im.set_data(crop[..., 0] if name in st["scalar"] and crop.ndim == 3 else crop)
        if block:
            for k in range(-(r % block) + block, h, block):
                st["lines"].append(ax.axhline(k - 0.5, color="white", lw=0.4, alpha=0.5))
            for k in range(-(c % block) + block, w, block):
                st["lines"].append(ax.axvline(k - 0.5, color="white", lw=0.4, alpha=0.5))
        ax.set_title(name + ("\n" + captions[name] if captions and name in captions else ""), fontsize=10)
        pixel_axes(ax, "px", left=i % ncols == 0, bottom=i + ncols >= n, offset=(r, c))


def plot_scale(res: dict) -> Figure:
    """LR region (nearest), bicubic and LIIF at the same scale, drawn in the region's LR pixel frame.

    res: :class:`explain.widgets.ScaleView`'s result: "lr" (hh, ww, 3), "bicubic" and "liif" (RH, RW, 3) in
    [0, 1], "extent" (left, right, bottom, top) of the output region in LR pixels from the region's corner,
    "scale" and "model".
    """
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    hh, ww = res["lr"].shape[:2]
    for ax, key, title in ((axes[0], "lr", f"LR region {hh}×{ww}"), (axes[1], "bicubic", "bicubic"),
                           (axes[2], "liif", f"LIIF ({res['model']})")):
        img = np.clip(res[key], 0, 1)
        ax.imshow(img, interpolation="nearest", extent=(0, ww, hh, 0) if key == "lr" else res["extent"])
        ax.set_xlim(0, ww)
        ax.set_ylim(hh, 0)
        if key != "lr":
            title += f" ×{res['scale']:g}: {img.shape[0]}×{img.shape[1]} px"
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    return fig
