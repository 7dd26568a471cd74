"""Fixed figure layouts: axes placed at positions given in inches, with no layout engine.

A constrained layout measures every tick label and title at each drawing (a third of the cost of writing a report's
PNGs); these helpers place the axes once, from sizes chosen for the text they hold. Positions are inches from the
figure's lower-left corner; a figure keeps its size, so a panel is where it was put whatever the data.
Also the one contrast stretch that shows dark crops side by side (:func:`contrast_stretch`).
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

# Room for the text around a panel at the figures' font sizes (inches): y tick labels + y label on the left,
# x tick labels + x label below, a one-line title above, a colour bar with ticks and a two-line label.
LEFT = 0.75
BELOW = 0.55
TITLE = 0.3
TITLE2 = 0.5
BAR = 0.13  # colour bar width
BAR_PAD = 0.1
BAR_TEXT = 0.95  # colour bar tick labels and label, right of the bar


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` × ``height`` inches without a layout engine."""
    return Figure(figsize=(width, height), layout="none")


# Titles at a fixed height above the axes (matplotlib otherwise measures every tick label at each drawing to lift
# the title over any that reach above the axes; these figures put none there).
FIXED_TITLE = {"axes.titley": 1.0}


def axes_at(fig: Figure, x: float, y: float, w: float, h: float, **kw):
    """An axes whose box is ``w`` × ``h`` inches with its lower-left corner at (x, y) inches."""
    W, H = fig.get_size_inches()
    with mpl.rc_context(FIXED_TITLE):
        return fig.add_axes((x / W, y / H, w / W, h / H), **kw)


def fix_axis_labels(fig: Figure, skip=()) -> Figure:
    """Put the axis labels of ``fig``'s axes (but those in ``skip``, e.g. colour bars) at a fixed distance from
    their axes instead of measuring the tick labels at each drawing: an x label 0.36 inch below the axes, a y label
    left of the widest tick label its axis shows (its width estimated from the number of characters). Call it when
    the figure is complete. Returns ``fig``."""
    from matplotlib.ticker import FixedFormatter

    W, H = fig.get_size_inches()
    for ax in fig.axes:
        if ax in skip or hasattr(ax, "_colorbar"):
            continue
        box = ax.get_position()
        if ax.xaxis.label.get_text():
            ax.xaxis.set_label_coords(0.5, -0.36 / (box.height * H))
        if ax.yaxis.label.get_text():
            fmt = ax.yaxis.get_major_formatter()
            lo, hi = sorted(ax.get_ylim())
            if isinstance(fmt, FixedFormatter):
                texts = [str(t) for t in fmt.seq]
            else:
                texts = [f"{t:g}" for t in ax.get_yticks() if lo <= t <= hi]
            width = max((len(t) for t in texts if t), default=0)
            labels = ax.yaxis.get_ticklabels()
            size = labels[0].get_fontsize() if labels else mpl.rcParams["ytick.labelsize"]
            size = size if isinstance(size, (int, float)) else 10
            inches = 0.06 + (width * 0.6 * size / 72 + 0.07 if width and ax.yaxis.get_tick_params()["labelleft"]
                             else 0.0)
            ax.yaxis.set_label_coords(-inches / (box.width * W), 0.5)
            ax.yaxis.label.set_verticalalignment("bottom")
    return fig


def colorbar_beside(fig: Figure, mappable, axes, label: str, *, pad: float = BAR_PAD, width: float = BAR,
                    shrink: float = 1.0, fontsize: float | None = None):
    """A colour bar right of ``axes`` (one or a list), as tall as their drawn boxes (images keep their aspect,
    so the box can be smaller than the space given), labelled ``label``."""
    with mpl.rc_context(FIXED_TITLE):
        cax = fig.add_axes(_beside(fig, axes, pad, width, shrink))
    bar = fig.colorbar(mappable, cax=cax)
    if not isinstance(mappable.norm, mpl.colors.TwoSlopeNorm):
        bar.locator = mpl.ticker.MaxNLocator(5)  # five round values are enough to read a colour
    bar.set_label(label, fontsize=fontsize)
    if fontsize:
        bar.ax.tick_params(labelsize=fontsize)
    return bar


def _beside(fig: Figure, axes, pad: float, width: float, shrink: float) -> tuple:
    """(x, y, w, h) in figure fractions of a bar ``width`` inches wide, ``pad`` inches right of ``axes`` (one or a
    list) and as tall as their drawn boxes (times ``shrink``, centred)."""
    axes = axes if isinstance(axes, (list, tuple)) else [axes]
    for ax in axes:
        ax.apply_aspect()
    boxes = [ax.get_position() for ax in axes]
    x1 = max(b.x1 for b in boxes)
    y0, y1 = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
    W, _ = fig.get_size_inches()
    h = (y1 - y0) * shrink
    return x1 + pad / W, y0 + (y1 - y0 - h) / 2, width / W, h


def move_colorbar(fig: Figure, bar, axes, *, pad: float = BAR_PAD, width: float = BAR, shrink: float = 1.0):
    """Put the :func:`colorbar_beside` colour bar ``bar`` beside ``axes`` again (after their images changed
    shape: an image keeps its aspect, so its drawn box follows its shape)."""
    bar.ax.set_position(_beside(fig, axes, pad, width, shrink))
    return bar


def title_at_top(fig: Figure, text: str, fontsize: float = 10, margin: float = 0.08):
    """The figure's title, its top ``margin`` inches below the figure's top edge."""
    _, H = fig.get_size_inches()
    return fig.suptitle(text, fontsize=fontsize, y=1 - margin / H, va="top")


def legend_below(fig: Figure, handles, *, ncol: int | None = None, fontsize: float = 8, y: float = 0.04, **kw):
    """One legend for the whole figure, centred along its bottom edge (``y`` inches above it)."""
    _, H = fig.get_size_inches()
    return fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, y / H), ncol=ncol or len(handles),
                      fontsize=fontsize, frameon=False, **kw)


class FigureMismatch(ValueError):
    """A figure asked to show data it was not laid out for (another number of panels, another shape)."""


def keep_for_refill(fig: Figure, kind: str, layout, **artists) -> Figure:
    """Note on ``fig`` the artists a refill of the same ``kind`` and ``layout`` (anything comparable: the panel
    count, a crop's shape) sets again. Returns ``fig``."""
    fig._refill_state = {"kind": kind, "layout": layout, **artists}
    return fig


def refill_state(fig: Figure, kind: str, layout) -> dict:
    """The artists :func:`keep_for_refill` noted on ``fig``; :class:`FigureMismatch` when ``fig`` was made for
    another kind or layout."""
    st = getattr(fig, "_refill_state", None)
    if st is None or st["kind"] != kind or st["layout"] != layout:
        raise FigureMismatch(f"this figure cannot show a {kind} figure laid out as {layout!r}")
    return st


# ------------------------------------------------------------------ showing dark crops
def contrast_stretch(*images, low: float = 1.0, high: float = 99.0) -> tuple[float, float]:
    """(lo, hi): the ``low``-th and ``high``-th percentiles of all values of ``images`` (arrays in [0, 1]), the
    one linear stretch that shows them side by side (lo → black, hi → white). A flat set gives (0, 1)."""
    values = np.concatenate([np.asarray(im, dtype=np.float64).ravel() for im in images if im is not None])
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = (float(v) for v in np.percentile(values, [low, high]))
    if hi - lo < 1e-3:
        return 0.0, 1.0
    return lo, hi


def stretched(img, lo: float, hi: float) -> np.ndarray:
    """``img`` with the stretch (lo, hi) applied: (img − lo) / (hi − lo), clipped to [0, 1]."""
    return np.clip((np.asarray(img, dtype=np.float32) - lo) / (hi - lo), 0, 1)


def stretch_words(lo: float, hi: float, what: str = "the crops", basis: str = "all of them") -> str:
    """The note stating a stretch in words (intensities in [0, 1] units); ``basis``: whose percentiles set it."""
    if (lo, hi) == (0.0, 1.0):
        return f"{what} shown as they are (intensity 0–1)"
    return (f"{what} shown with one contrast stretch: intensity {lo:.2f} → black, {hi:.2f} → white "
            f"(1st–99th percentile of {basis})")
