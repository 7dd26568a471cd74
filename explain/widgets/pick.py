"""Click to pick: an interactive matplotlib canvas (ipympl) showing an image with the explained window marked.

A click on the image calls ``on_pick(row, col)`` with the clicked position in the image's pixel units (pixel
(r, c) covers [r − ½, r + ½] × [c − ½, c + ½]); the view then moves its window there and calls
:meth:`WindowPicker.mark`. The canvas is an ipympl widget built for this figure only, whatever the notebook's
matplotlib backend (``%matplotlib inline`` stays in effect for every other figure). ipympl is an optional
dependency (the ``lab`` extra); :func:`ipympl_available` says whether it is installed.

Why a first click could seem lost: the browser sends a canvas's events to the kernel on the same queue as the
notebook's cells, so while later cells of a "Run All" still run, the canvas is not even set up on the kernel's side
(its "initialized" handshake waits in that queue too) and a click is answered only when the kernel is idle — in a
fresh run of notebook 00 that is minutes later, after a click that showed nothing. The picker therefore says so on
its canvas until the handshake arrives ("waiting for the kernel…"), and a click moves the marked window at once,
before the view computes anything for it (the new image is pushed to the browser, not requested by it).
"""

from __future__ import annotations

import importlib.util
import warnings

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..figures.attribution import WINDOW_STYLE
from ..figures.grid import draw_block_grid, grid_handle

WAITING = "(waiting for the kernel: clicks are answered once the cells have run)"


def ipympl_available() -> bool:
    """True when ipympl is installed, so views can offer click-to-pick."""
    return importlib.util.find_spec("ipympl") is not None


class WindowPicker:
    """An image (h, w, 3) on an ipympl canvas with one rectangle marking the current window.

    on_pick:  called with (row, col) floats in image pixels on a left click inside the image.
    units:    what a pixel of the image is, for the axis labels (e.g. "LR px").
    block:    draw the block grid of this size (phase (0, 0)); None for none. label: the window's legend entry.
    ``canvas`` is the widget to put in a layout; ``figure`` the matplotlib Figure; ``clicks`` counts the
    clicks handled.
    """

    def __init__(self, image, on_pick, *, title: str = "click to move the window", units: str = "LR px",
                 block: int | None = 8, label: str = "explained window", size: float = 3.6):
        from ipympl.backend_nbagg import Canvas, FigureManager

        self.on_pick = on_pick
        self.clicks = 0
        h, w = image.shape[:2]
        self.figure = fig = Figure(figsize=(size, size * min(1.4, max(0.6, h / w)) + 0.5), layout="constrained")
        ax = self.ax = fig.subplots()
        ax.imshow(image, interpolation="nearest")
        handles = [Line2D([], [], color=WINDOW_STYLE["edgecolor"], linewidth=WINDOW_STYLE["linewidth"], label=label)]
        if block:
            draw_block_grid(ax, (h, w), block)
            handles.append(grid_handle(block))
        self.rect = Rectangle((-0.5, -0.5), 1, 1, **WINDOW_STYLE)
        ax.add_patch(self.rect)
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.set_xlabel(f"column ({units})", fontsize=9)
        ax.set_ylabel(f"row ({units})", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
                  frameon=False)
        with warnings.catch_warnings():  # ipympl's toolbar passes traitlets an argument it deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            self.canvas = Canvas(fig)
            self.manager = FigureManager(self.canvas, 0)  # ipympl routes the browser's events through it
        self.canvas.header_visible = False
        self.canvas.footer_visible = False  # no cursor read-out in (x, y) order below the image
        self.canvas.toolbar_visible = False  # no pan/zoom mode that would swallow the click
        self.canvas.resizable = False
        self.canvas.capture_scroll = False
        self.canvas.mpl_connect("button_press_event", self._on_press)
        # Until the browser's handshake reaches the kernel, the canvas shows the image made here: say that clicks
        # wait for the kernel (see the module docstring); the handshake puts the real title back.
        self.title = title
        self.ready = False
        ax.set_title(f"{title}\n{WAITING}", fontsize=10)
        self.canvas.on_msg(self._on_frontend_message)

    def _on_frontend_message(self, _widget, content, _buffers) -> None:
        if not self.ready and isinstance(content, dict) and content.get("type") == "initialized":
            self.ready = True
            self.ax.set_title(self.title, fontsize=10)
            self.canvas.draw_idle()

    def _on_press(self, event) -> None:
        if event.inaxes is not self.ax or event.xdata is None or event.ydata is None:
            return
        if getattr(event, "button", None) not in (1, None):  # the left button (MouseButton.LEFT == 1)
            return
        self.clicks += 1
        self.on_pick(float(event.ydata), float(event.xdata))

    def mark(self, box) -> None:
        """Draw the window (row, col, height, width) in image pixels (fractions allowed) and show it now: the
        image is drawn and pushed to the browser at once (a plain ``draw_idle`` would wait for the browser to ask,
        and its request would wait behind the computation the click started)."""
        r, c, hh, ww = box
        self.rect.set_bounds(c - 0.5, r - 0.5, ww, hh)
        self.push()

    def push(self) -> None:
        """Draw the figure and send the image to the browser now (where it is set up; else a later drawing)."""
        if self.ready:
            self.canvas.draw()  # webagg's draw sends the new image (a diff) to the browser itself
        else:
            self.canvas.draw_idle()

    @property
    def marked(self) -> tuple[float, float, float, float]:
        """The rectangle drawn now, as (row, col, height, width) in image pixels."""
        x, y = self.rect.get_xy()
        return y + 0.5, x + 0.5, self.rect.get_height(), self.rect.get_width()
