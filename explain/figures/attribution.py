"""Figures for window attribution (:mod:`explain.probes.attribution`) and its faithfulness checks.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot. All image panels share
the LR pixel frame: LR pixel (r, c) covers [c − ½, c + ½] × [r − ½, r + ½], and the SR output is drawn
into the same frame (an HR pixel spans h/H LR pixels), so boxes and the 8×8 grid line up across panels.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Rectangle

from ..images import load_image
from ..probes.attribution import AttributionResult
from ..probes.faithfulness import DeletionCurve, SanityCheckResult
from .grid import draw_block_grid, grid_handle, line_handle, pixel_axes

WINDOW_STYLE = {"edgecolor": "#00e5ff", "linewidth": 1.6, "fill": False}
BOX_STYLE = {"edgecolor": "#ffd400", "linewidth": 1.0, "linestyle": "--", "fill": False}


def _lr(lr, size) -> np.ndarray:
    img = load_image(lr)
    if img.shape[:2] != tuple(size):
        raise ValueError(f"lr has size {img.shape[:2]}, the attribution map {tuple(size)}")
    return img


def _view(result: AttributionResult, zoom: str, pad: int = 2):
    """LR box ((r0, r1), (c0, c1)) to display."""
    h, w = result.lr_size
    if zoom == "full":
        return (0, h), (0, w)
    if zoom != "receptive":
        raise ValueError(f"zoom must be 'receptive' or 'full', got {zoom!r}")
    (a0, a1), (b0, b1) = result.receptive_box
    return (max(0, a0 - pad), min(h, a1 + pad)), (max(0, b0 - pad), min(w, b1 + pad))


def displayed_output_box(result: AttributionResult, zoom: str = "receptive") -> tuple[int, int, int, int]:
    """The output pixels (row0, row1, col0, col1), half-open, that :func:`plot_attribution` shows of the SR
    image: the LR view (the receptive box plus 2 LR pixels, or the whole image) scaled to the output."""
    (a0, a1), (b0, b1) = _view(result, zoom)
    sy, sx = result.scale
    H, W = result.output_size
    return (int(np.floor(a0 * sy)), min(H, int(np.ceil(a1 * sy))),
            int(np.floor(b0 * sx)), min(W, int(np.ceil(b1 * sx))))


def _show(ax, img, view, **kw):
    (a0, a1), (b0, b1) = view
    return ax.imshow(img[a0:a1, b0:b1], extent=(b0 - 0.5, b1 - 0.5, a1 - 0.5, a0 - 0.5),
                     interpolation="nearest", **kw)


def _window_box_lr(result: AttributionResult):
    """The window in the LR frame (fractional LR pixel edges)."""
    r, c, hh, ww = result.window
    sy, sx = result.scale
    return (r / sy, (r + hh) / sy), (c / sx, (c + ww) / sx)


def _finish(ax, view, title):
    (a0, a1), (b0, b1) = view
    ax.set_xlim(b0 - 0.5, b1 - 0.5)
    ax.set_ylim(a1 - 0.5, a0 - 0.5)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def lam_blend(lr_rgb: np.ndarray, abs_map: np.ndarray, alpha: float = 0.6, cmap: str = "inferno") -> np.ndarray:
    """LAM-style overlay: (1 − α)·LR + α·cmap(|map|), (h, w, 3) in [0, 1]."""
    heat = colormaps[cmap](np.clip(abs_map, 0, 1))[..., :3]
    return np.clip((1 - alpha) * lr_rgb + alpha * heat, 0, 1)


def _summary(result: AttributionResult) -> str:
    s = result.block_shares
    return (f"DI {result.di:.1f} · 95% in {result.cumulative_area} px\n"
            f"own {100 * s['own']:.0f}% · neigh {100 * s['neighbours']:.0f}% · beyond {100 * s['beyond']:.0f}%\n"
            f"edge px {100 * s['boundary']:.0f}% (area {100 * s['boundary_area']:.0f}%)")


def plot_attribution(result: AttributionResult, lr, sr=None, *, zoom: str = "receptive", alpha: float = 0.6,
                     cmap: str = "inferno", gamma: float = 1.0, grid: bool = True, title: str | None = None) -> Figure:
    """Overview of one attribution: LR with the receptive box and window, |map| with a colour bar, signed
    map, LAM-style blend, and (if ``sr`` (H, W, 3) is given) the SR output with the window boxed.

    zoom:  "receptive" shows the receptive box (plus 2 px); "full" the whole LR image.
    gamma: display exponent on |map| (< 1 brings out the weak tail). The grid is drawn at the result's phase.
    """
    img = _lr(lr, result.lr_size)
    h, w = result.lr_size
    whole = ((0, h), (0, w))
    _view(result, zoom)  # validates zoom
    panels = 5 if sr is not None else 4
    fig = Figure(figsize=(3.3 * panels, 4.5), layout="constrained")
    axes = fig.subplots(1, panels)
    st = {"kind": "single", "zoom": zoom, "alpha": alpha, "cmap": cmap, "gamma": gamma, "grid": grid,
          "axes": axes, "lr": img, "lr_size": result.lr_size, "output_size": result.output_size, "sr": sr is not None}
    _show(axes[0], img, whole)
    st["box"] = _rect(axes[0], **BOX_STYLE)
    _finish(axes[0], whole, "LR input (receptive box dashed)")
    pixel_axes(axes[0])
    st["abs"] = axes[1].imshow(np.zeros((1, 1)), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    fig.colorbar(st["abs"], ax=axes[1], shrink=0.8,
                 label="|attribution| / max" + (f" ^{gamma:g}" if gamma != 1 else ""))
    st["signed"] = axes[2].imshow(np.zeros((1, 1)), cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -1.0, 1.0),
                                  interpolation="nearest")
    fig.colorbar(st["signed"], ax=axes[2], shrink=0.8, label="signed attribution (Σ RGB)")
    st["blend"] = axes[3].imshow(np.zeros((1, 1, 3)), interpolation="nearest")
    if sr is not None:
        st["out"] = axes[4].imshow(np.zeros((1, 1, 3)), interpolation="nearest")
    for a in axes[1:]:
        if grid:
            draw_block_grid(a, result.lr_size, result.block_size, result.grid_phase)
    st["windows"] = [_rect(a, **WINDOW_STYLE) for a in axes]
    st["legend"] = fig.legend(handles=_legend_handles(result, grid, receptive=True), loc="outside lower center",
                              ncol=3, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    st["view_shape"] = _shape(_view(result, zoom))
    fig._attribution_state = st
    _track_drawing(fig, st)
    _fill_single(fig, result, sr)
    return fig


def redraw_attribution(fig: Figure, result: AttributionResult, sr=None) -> Figure:
    """Redraw a :func:`plot_attribution` figure in place for another result on the same LR image (a moved
    window, another method): the images' data, boxes, limits, titles and legend change, nothing is rebuilt,
    and the layout found by the first drawing is kept. ``sr`` as in :func:`plot_attribution` (given iff it
    was given there). Returns ``fig``; the result equals a new :func:`plot_attribution` but for the layout."""
    st = getattr(fig, "_attribution_state", None)
    if st is None or st["kind"] != "single":
        raise ValueError("fig was not made by plot_attribution")
    if result.lr_size != st["lr_size"] or result.output_size != st["output_size"]:
        raise ValueError(f"the figure shows a {st['lr_size']} LR image → {st['output_size']}, the result is "
                         f"{result.lr_size} → {result.output_size}")
    if (sr is not None) != st["sr"]:
        raise ValueError("give sr exactly when the figure was made with one")
    _keep_layout(fig, _view(result, st["zoom"]))
    _fill_single(fig, result, sr)
    return fig


def _fill_single(fig: Figure, result: AttributionResult, sr) -> None:
    st = fig._attribution_state
    axes, img, zoom, gamma = st["axes"], st["lr"], st["zoom"], st["gamma"]
    view = _view(result, zoom)
    shown = np.clip(result.abs_map, 0, 1) ** gamma
    win = _window_box_lr(result)
    _place(st["box"], result.receptive_box)
    for rect in st["windows"]:
        _place(rect, win)
    _set_image(st["abs"], shown, view)
    signed = result.map.sum(0)
    lim = float(np.abs(signed).max()) or 1.0
    _set_image(st["signed"], signed, view)
    st["signed"].set_clim(-lim, lim)
    _set_image(st["blend"], lam_blend(img, shown, st["alpha"], st["cmap"]), view)
    for a, t in ((axes[1], f"|{result.method}| · {result.target}\n" + _summary(result)),
                 (axes[2], "signed map"), (axes[3], "LAM-style blend")):
        _finish(a, view, t)
    if sr is not None:
        out = load_image(sr)
        if out.shape[:2] != tuple(result.output_size):
            raise ValueError(f"sr has size {out.shape[:2]}, the attribution's output is {result.output_size}")
        sy, sx = result.scale
        R0, R1, C0, C1 = displayed_output_box(result, zoom)
        st["out"].set_data(out[R0:R1, C0:C1])
        st["out"].set_extent((C0 / sx - 0.5, C1 / sx - 0.5, R1 / sy - 0.5, R0 / sy - 0.5))
        r, c, hh, ww = result.window
        _finish(axes[4], view, f"SR ×{sy:g}, window {hh}×{ww} at ({r}, {c})")
    for a in axes[1:]:
        pixel_axes(a, left=False)
    _set_legend(st["legend"], _legend_handles(result, st["grid"], receptive=True))


def plot_attribution_comparison(results: dict, lr, *, alpha: float = 0.6, cmap: str = "inferno",
                                common_scale: bool = False, gamma: float = 1.0, grid: bool = True,
                                title: str | None = None) -> Figure:
    """Side by side: one column per result (e.g. two models on the same window and image), |map| on top and
    the LAM-style blend below, zoomed to the union of the receptive boxes.

    common_scale: normalise all maps by one global maximum of |map| (compare magnitudes across models)
    instead of each by its own maximum.
    """
    items = _check_results(results)
    size = items[0][1].lr_size
    img = _lr(lr, size)
    view = _union_view(items)
    # panel height from the shown box's aspect, so rows sit close together (no empty bands between them)
    (a0, a1), (b0, b1) = view
    panel_w = 3.4
    panel_h = float(np.clip(panel_w * (a1 - a0) / max(1, b1 - b0), 1.4, 4.6))
    fig = Figure(figsize=(panel_w * len(items) + 1.2, 2 * panel_h + 1.7), layout="constrained")
    axes = fig.subplots(2, len(items), squeeze=False)
    st = {"kind": "comparison", "names": [n for n, _ in items], "alpha": alpha, "cmap": cmap, "gamma": gamma,
          "grid": grid, "common_scale": common_scale, "axes": axes, "lr": img, "lr_size": size, "abs": [],
          "blend": [], "windows": [], "view_shape": _shape(view)}
    for j, (_name, res) in enumerate(items):
        st["abs"].append(axes[0, j].imshow(np.zeros((1, 1)), cmap=cmap, vmin=0, vmax=1, interpolation="nearest"))
        st["blend"].append(axes[1, j].imshow(np.zeros((1, 1, 3)), interpolation="nearest"))
        for i in (0, 1):
            if grid:
                draw_block_grid(axes[i, j], res.lr_size, res.block_size, res.grid_phase)
            st["windows"].append(_rect(axes[i, j], **WINDOW_STYLE))
    fig.colorbar(st["abs"][-1], ax=axes[0, :].tolist(), shrink=0.8,
                 label="|attribution| / " + ("global max" if common_scale else "own max")
                 + (f", shown ^{gamma:g}" if gamma != 1 else ""))
    st["legend"] = fig.legend(handles=_legend_handles(items[-1][1], grid), loc="outside lower center", ncol=2,
                              fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    fig._attribution_state = st
    _track_drawing(fig, st)
    _fill_comparison(fig, items)
    return fig


def redraw_attribution_comparison(fig: Figure, results: dict) -> Figure:
    """Redraw a :func:`plot_attribution_comparison` figure in place for new results of the same names on the
    same LR image (a moved window): data, boxes, limits, titles and legend change, the layout is kept.
    Returns ``fig``; the result equals a new figure but for the layout (panel sizes stay those of the first)."""
    st = getattr(fig, "_attribution_state", None)
    if st is None or st["kind"] != "comparison":
        raise ValueError("fig was not made by plot_attribution_comparison")
    items = _check_results(results)
    if [n for n, _ in items] != st["names"]:
        raise ValueError(f"the figure compares {st['names']}, got {[n for n, _ in items]}")
    if items[0][1].lr_size != st["lr_size"]:
        raise ValueError(f"the figure shows a {st['lr_size']} LR image, the results {items[0][1].lr_size}")
    _keep_layout(fig, _union_view(items))
    _fill_comparison(fig, items)
    return fig


def _check_results(results) -> list:
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict name → AttributionResult")
    items = list(results.items())
    size = items[0][1].lr_size
    if any(r.lr_size != size for _, r in items):
        raise ValueError("all results must be on the same LR image size")
    return items


def _union_view(items):
    views = [_view(r, "receptive") for _, r in items]
    return ((min(v[0][0] for v in views), max(v[0][1] for v in views)),
            (min(v[1][0] for v in views), max(v[1][1] for v in views)))


def _fill_comparison(fig: Figure, items) -> None:
    st = fig._attribution_state
    axes, img, gamma = st["axes"], st["lr"], st["gamma"]
    view = _union_view(items)
    mags = [np.abs(r.map).sum(0) for _, r in items]
    top = max(float(m.max()) for m in mags) or 1.0
    rects = iter(st["windows"])
    for j, ((name, res), mag) in enumerate(zip(items, mags)):
        shown = (mag / top if st["common_scale"] else res.abs_map) ** gamma
        win = _window_box_lr(res)
        _set_image(st["abs"][j], shown, view)
        _set_image(st["blend"][j], lam_blend(img, shown, st["alpha"], st["cmap"]), view)
        for i, t in ((0, f"{name}\n" + _summary(res)), (1, f"{name}: blend")):
            _place(next(rects), win)
            _finish(axes[i, j], view, t)
            pixel_axes(axes[i, j], left=j == 0, bottom=i == 1)
    _set_legend(st["legend"], _legend_handles(items[-1][1], st["grid"]))


def _rect(ax, **style) -> Rectangle:
    """An (empty) box patch on ``ax``, placed later by :func:`_place`."""
    rect = Rectangle((0, 0), 0, 0, **style)
    ax.add_patch(rect)
    return rect


def _place(rect: Rectangle, box) -> None:
    """Put a box ((r0, r1), (c0, c1)) in LR pixel edges (integers or fractions) on ``rect``."""
    (a0, a1), (b0, b1) = box
    rect.set_bounds(b0 - 0.5, a0 - 0.5, b1 - b0, a1 - a0)


def _set_image(im, img, view) -> None:
    """:func:`_show` on an existing image artist: the view's part of ``img`` in the LR pixel frame."""
    (a0, a1), (b0, b1) = view
    im.set_data(img[a0:a1, b0:b1])
    im.set_extent((b0 - 0.5, b1 - 0.5, a1 - 0.5, a0 - 0.5))


def _set_legend(legend, handles) -> None:
    for text, handle in zip(legend.get_texts(), handles):
        text.set_text(handle.get_label())


def _track_drawing(fig: Figure, st: dict) -> None:
    """Record in ``st["drawn"]`` that the figure has been drawn (its layout computed) at least once."""
    st["drawn"] = False
    fig.canvas.mpl_connect("draw_event", lambda _event: st.__setitem__("drawn", True))


def _shape(view) -> tuple[int, int]:
    (a0, a1), (b0, b1) = view
    return a1 - a0, b1 - b0


def _keep_layout(fig: Figure, view) -> None:
    """Freeze the axes where the last drawing's layout put them (a redraw with new data need not lay out
    again: the panels, colour bars and legend keep their sizes) while the LR box shown keeps its shape. A box of
    another shape (a window near the border shows a clipped receptive box) makes the next drawing lay the figure
    out again: its images keep their aspect, and in the old panels they would cover the titles. A figure never
    drawn keeps its layout engine, which then lays it out at its first drawing."""
    st = fig._attribution_state
    if _shape(view) != st["view_shape"]:
        fig.set_layout_engine("constrained")
        st["view_shape"], st["drawn"] = _shape(view), False
    elif st.get("drawn") and not isinstance(fig.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
        fig.set_layout_engine("none")


def _legend_handles(result: AttributionResult, grid: bool, receptive: bool = False) -> list:
    r, c, hh, ww = result.window
    handles = [line_handle(f"explained window: {hh}×{ww} output px at ({r}, {c})", **WINDOW_STYLE)]
    if receptive:
        handles.append(line_handle("receptive box (LR pixels that can reach the window)", **BOX_STYLE))
    if grid:
        handles.append(grid_handle(result.block_size))
    return handles


def plot_deletion_curve(curves, *, title: str | None = None) -> Figure:
    """|Δ target| against the fraction of receptive-box pixels replaced: attributed order (solid) vs random
    (dashed, ± one standard deviation over draws). ``curves``: a DeletionCurve or a dict name → curve."""
    if isinstance(curves, DeletionCurve):
        curves = {"": curves}
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a DeletionCurve or a non-empty dict of them")
    fig = Figure(figsize=(5.2, 3.8), layout="constrained")
    ax = fig.subplots()
    for i, (name, c) in enumerate(curves.items()):
        color = f"C{i}"
        label = f"{name} " if name else ""
        ax.plot(c.fractions, c.attributed_change, "-o", color=color, ms=3,
                label=f"{label}top attributed (area {c.area_attributed:.3g})")
        rc = np.abs(c.random - c.original)
        ax.plot(c.fractions, rc.mean(0), "--", color=color, label=f"{label}random (area {c.area_random:.3g})")
        ax.fill_between(c.fractions, rc.mean(0) - rc.std(0), rc.mean(0) + rc.std(0), color=color, alpha=0.15)
    first = next(iter(curves.values()))
    ax.set_xlabel(f"fraction of receptive-box pixels replaced ({first.replacement})")
    ax.set_ylabel("|Δ window target|")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(title or "deletion curve")
    return fig


def plot_sanity_check(result: SanityCheckResult, *, max_maps: int = 4, cmap: str = "inferno") -> Figure:
    """Model randomisation test: the original |map|, |maps| after randomisation, and the rank correlations
    per stage (|map| and signed)."""
    idx = np.unique(np.linspace(0, len(result.stages) - 1, min(max_maps, len(result.stages))).round().astype(int))
    (a0, a1), (b0, b1) = result.receptive_box
    view = ((a0, a1), (b0, b1))
    fig = Figure(figsize=(2.8 * (len(idx) + 1) + 4.2, 3.4), layout="constrained")
    axes = fig.subplots(1, len(idx) + 2, width_ratios=[1] * (len(idx) + 1) + [1.6])
    im = _show(axes[0], result.original, view, cmap=cmap, vmin=0, vmax=1)
    _finish(axes[0], view, f"original ({result.method})")
    pixel_axes(axes[0])
    for ax, i in zip(axes[1:], idx):
        _show(ax, result.maps[i], view, cmap=cmap, vmin=0, vmax=1)
        _finish(ax, view, f"randomised to {result.stages[i]}\nρ = {result.spearman[i]:.2f}")
        pixel_axes(ax, left=False)
    fig.colorbar(im, ax=list(axes[: len(idx) + 1]), shrink=0.8, label="|attribution| / own max")
    ax = axes[-1]
    x = np.arange(len(result.stages))
    ax.plot(x, result.spearman, "-o", ms=3, label="Spearman |map|")
    ax.plot(x, result.spearman_signed, "-s", ms=3, label="Spearman signed")
    ax.plot(x, result.spearman_core, "-^", ms=3, label="Spearman |map| core (95% area)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xticks(x)
    # upright labels while they fit (a one-stage test: "all"); slanted for a cascade of layer names
    slant = len(result.stages) > 3 or max(len(str(st)) for st in result.stages) > 8
    ax.set_xticklabels(result.stages, rotation=60 if slant else 0, ha="right" if slant else "center", fontsize=7)
    cascade = " (cumulative, output layer first)" if result.layers == "cascade" else ""
    ax.set_xlabel("weights re-initialised" + cascade)
    ax.set_ylabel("rank correlation with original")
    ax.legend(fontsize=8)
    ax.set_title(f"randomisation ({result.layers})", fontsize=9)
    return fig
