"""Fixed figure layouts: axes placed at positions given in inches, with no layout engine.

A constrained layout measures every tick label and title at each drawing (a third of the cost of writing a report's
PNGs); these helpers place the axes once, from sizes chosen for the text they hold. Positions are inches from the
figure's lower-left corner; a figure keeps its size, so a panel is where it was put whatever the data.
"""

from __future__ import annotations

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


def axes_at(fig: Figure, x: float, y: float, w: float, h: float, **kw):
    """An axes whose box is ``w`` × ``h`` inches with its lower-left corner at (x, y) inches."""
    W, H = fig.get_size_inches()
    return fig.add_axes((x / W, y / H, w / W, h / H), **kw)


def colorbar_beside(fig: Figure, mappable, axes, label: str, *, pad: float = BAR_PAD, width: float = BAR,
                    shrink: float = 1.0, fontsize: float | None = None):
    """A colour bar right of ``axes`` (one or a list), as tall as their drawn boxes (images keep their aspect,
    so the box can be smaller than the space given), labelled ``label``."""
    axes = axes if isinstance(axes, (list, tuple)) else [axes]
    for ax in axes:
        ax.apply_aspect()
    boxes = [ax.get_position() for ax in axes]
    x1 = max(b.x1 for b in boxes)
    y0, y1 = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
    W, _ = fig.get_size_inches()
    h = (y1 - y0) * shrink
    cax = fig.add_axes((x1 + pad / W, y0 + (y1 - y0 - h) / 2, width / W, h))
    bar = fig.colorbar(mappable, cax=cax)
    bar.set_label(label, fontsize=fontsize)
    if fontsize:
        bar.ax.tick_params(labelsize=fontsize)
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
