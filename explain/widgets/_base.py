"""What every interactive view shares: controls → :meth:`View.update` → ``result`` / ``figure`` / ``text``.

A view holds plain results so that tests (and users) can inspect them without a browser: change a control's
``value`` programmatically and the view recomputes synchronously (ipywidgets' ``observe``), exactly as a
slider drag in JupyterLab would. Only what a control affects is recomputed; encoder features come from a
shared :class:`~explain.widgets.cache.FeatureCache`.

Static first: displaying a view also displays a static snapshot of its initial figure and numbers (an HTML
output with the PNG inline), so renderers without a live kernel or widget support (nbviewer, GitHub, an
HTML export opened offline) still show the result. Where the widgets render, a style rule carried by the
view hides that snapshot, so a live notebook shows each figure once. Progress bars of a computation are
drawn inside the view and cleared when it ends.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML, Image, display

from ..figures.png import png_bytes
from ..models import LIIF, load_model
from ..upscale import check_window
from .cache import FeatureCache, default_cache


def as_models(models) -> dict[str, LIIF]:
    """name → LIIF from a model, a shipped name / checkpoint path, or a mapping name → either."""
    if isinstance(models, Mapping):
        if not models:
            raise ValueError("models is an empty mapping; give at least one model")
        return {str(k): load_model(v) for k, v in models.items()}
    if isinstance(models, (list, tuple)):
        if not models:
            raise ValueError("models is empty; give at least one model")
        if not all(isinstance(m, str) for m in models):
            raise TypeError("a list of models must hold names or paths; use a dict name → model for LIIF objects")
        return {m: load_model(m) for m in models}
    if isinstance(models, str):
        return {models: load_model(models)}
    return {"model": load_model(models)}


def box_or_centre(box, size, side: int, name: str) -> tuple[int, int, int, int]:
    """``box`` (row, col, height, width) checked inside ``size`` (H, W); None → a centred square of ``side`` (at
    most the image)."""
    H, W = size
    if box is None:
        side = min(int(side), H, W)
        box = ((H - side) // 2, (W - side) // 2, side, side)
    return check_window(box, (H, W), name)


class View:
    """Base of the views. Subclasses fill ``self.controls`` (name → ipywidget), call :meth:`_wire` and
    implement :meth:`_compute` (→ result, figure, text). ``display_only`` names controls that only change
    the drawing; the view still recomputes the figure, and subclasses memoise the expensive part.

    result: the probe result(s) behind the current figure; figure: a matplotlib Figure; text: a plain-text
    summary of the numbers shown; error: the message of the last rejected input (ValueError), else None.
    """

    title = ""

    def __init__(self, cache: FeatureCache | None = None, render: bool = True):
        self.cache = cache if cache is not None else default_cache()
        self.render = bool(render)
        self.controls: dict[str, widgets.Widget] = {}
        self.output = widgets.Output()
        self.progress_area = widgets.Output()  # tqdm bars of a running computation; cleared when it ends
        # "computing …" while an update runs: a widget's value reaches the browser at once, so a click or a
        # control is seen to be taken even when what it asks for takes seconds
        self.status = widgets.HTML("", layout=widgets.Layout(min_height="1.4em"))
        self.picker = None  # a WindowPicker where the view lets you click to pick
        self.result = None
        self.figure = None
        self.text = ""
        self.error: str | None = None
        self.updates = 0
        self._hold = False

    # ------------------------------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")

    def _on_change(self, _change) -> None:
        if not self._hold:
            self.update()

    def set(self, **values) -> None:
        """Set several controls at once (by name) and update once."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; this view has {sorted(self.controls)}")
        self._hold = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._hold = False
        self.update()

    def value(self, name: str):
        return self.controls[name].value

    def _limit_square_window(self, out_size) -> None:
        """Keep the "row"/"col" sliders of a square window of side "size" inside an (H, W) output."""
        H, W = out_size
        side = self.value("size")
        self._hold, held = True, self._hold
        try:
            self.controls["row"].max = H - side
            self.controls["col"].max = W - side
        finally:
            self._hold = held

    # ------------------------------------------------------------------------------------------ update
    def update(self) -> None:
        """Recompute from the current control values and redraw."""
        self._sync_controls()
        try:
            self._mark_window()  # the new window shows at once, before the computation for it
        except ValueError:
            pass  # a window the computation will refuse (and say why)
        self.status.value = f"<i>computing {html.escape(self._status_words())} …</i>"
        try:
            with self.progress_area:
                result, figure, text = self._compute()
        except ValueError as exc:  # bad input from a control: show it, keep the previous result
            self.error = str(exc)
            self._show_error()
            return
        finally:
            clear_progress(self.progress_area)
            self.status.value = ""
        self.error = None
        self.result, self.figure, self.text = result, figure, text
        self.updates += 1
        self._mark_window()
        self._show()

    def _mark_window(self) -> None:
        """Mark the current window on the pick canvas (override where the view has one)."""

    def _status_words(self) -> str:
        """What an update computes, for the status line (override for more precise words)."""
        return "the view"

    def _sync_controls(self) -> None:
        """Enable/disable or re-range controls that depend on others (override)."""

    def _compute(self):
        raise NotImplementedError

    # ----------------------------------------------------------------------------------------- display
    def _show(self) -> None:
        if not self.render:
            return
        self.output.clear_output(wait=True)
        with self.output:
            show_figure(self.figure)
            if self.text:
                display(HTML(text_block(self.text)))

    def _show_error(self) -> None:
        if not self.render:
            return
        self.output.clear_output(wait=True)
        with self.output:
            display(HTML(f"<b style='color:#b00'>{html.escape(self.error or '')}</b>"))

    def _control_box(self) -> widgets.Widget:
        return widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))

    @property
    def widget(self) -> widgets.Widget:
        """The whole view (controls above the output) for display in a notebook."""
        if getattr(self, "_widget", None) is None:
            style = widgets.HTML(f"<style>.{STATIC_CLASS} {{display: none;}}</style>",
                                 layout=widgets.Layout(display="none"))
            parts = [style] + ([widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else [])
            body = [self.output] if self.picker is None else [widgets.HBox(
                [self.picker.canvas, self.output], layout=widgets.Layout(align_items="flex-start",
                                                                         flex_flow="row wrap"))]
            self._widget = widgets.VBox(parts + [self._control_box(), self.status, self.progress_area, *body,
                                                 *self._extra_widgets()])
            self._widget.add_class(VIEW_CLASS)  # hooks for styling and for the browser test
            self.output.add_class(f"{VIEW_CLASS}-output")
            if self.picker is not None:
                self.picker.canvas.add_class(f"{VIEW_CLASS}-picker")
        return self._widget

    def _extra_widgets(self) -> list:
        return []

    def snapshot(self) -> dict:
        """A static MIME bundle of the current figure and numbers: text/html (PNG inline, in a container
        the live view hides), image/png and text/plain."""
        png = figure_png(self.figure) if self.figure is not None else b""
        data = base64.b64encode(png).decode("ascii")
        caption = html.escape(f"{self.title or type(self).__name__}: initial state (static copy for renderers "
                              "without widgets)")
        body = (f'<div class="{STATIC_CLASS}"><p><i>{caption}</i></p>'
                + (f'<img src="data:image/png;base64,{data}" alt="{caption}"/>' if png else "")
                + (text_block(self.text) if self.text else "") + "</div>")
        bundle = {"text/html": body, "text/plain": self.text or caption}
        if png:
            bundle["image/png"] = data
        return bundle

    def _ipython_display_(self) -> None:
        display(self.widget)
        display(self.snapshot(), raw=True)


STATIC_CLASS = "explain-static-view"  # the snapshot container a rendered view hides
VIEW_CLASS = "explain-view"  # the CSS class of a view's widget (its output: explain-view-output)


def refilled_or_new(figure, redraw: Callable, plot: Callable):
    """``redraw(figure)`` — the view's figure filled again, its artists reused — when ``figure`` can show the new
    data (same kind and layout), else ``plot()``, a new figure. The ``redraw_*`` functions of
    :mod:`explain.figures` raise ValueError for a figure made for another layout."""
    if figure is not None:
        try:
            return redraw(figure)
        except ValueError:
            pass
    return plot()


def figure_png(figure, dpi: int = 90) -> bytes:
    """A matplotlib Figure as PNG bytes (one drawing: :func:`explain.figures.png.png_bytes`)."""
    return png_bytes(figure, dpi)


class SquareWindowPicking:
    """Click-to-pick for views whose window is a square of output pixels set by "row", "col" and "size"
    sliders over an image of ``lr_shape`` (h, w) upscaled to ``out_size`` (H, W)."""

    out_size: tuple[int, int]
    lr_shape: tuple[int, int]
    picker = None

    def _make_picker(self, image, click, **kw) -> None:
        from .pick import WindowPicker, ipympl_available

        if click is None:
            click = ipympl_available()
        if click:
            if not ipympl_available():
                raise ValueError("click=True needs ipympl (pip install -e '.[lab]')")
            self.picker = WindowPicker(image, self._on_pick_lr, **kw)

    def _square_window(self) -> tuple[int, int, int, int]:
        side = self.value("size")
        return self.value("row"), self.value("col"), side, side

    def pick(self, row: int, col: int) -> None:
        """Centre the window on output pixel (row, col) (clamped to the image) and update."""
        H, W = self.out_size
        side = self.value("size")
        self.set(row=int(np.clip(int(row) - side // 2, 0, H - side)),
                 col=int(np.clip(int(col) - side // 2, 0, W - side)))

    def _per_lr_pixel(self) -> tuple[float, float]:
        return self.out_size[0] / self.lr_shape[0], self.out_size[1] / self.lr_shape[1]

    def _on_pick_lr(self, row: float, col: float) -> None:
        """Centre the window on the output pixel under image position (row, col) (pixel-centre frame)."""
        sy, sx = self._per_lr_pixel()
        self.pick(int((row + 0.5) * sy), int((col + 0.5) * sx))

    def on_click(self, event) -> None:
        """Matplotlib button-press handler: ``event.xdata``/``ydata`` are positions in the picked image's
        pixels (as drawn on the pick canvas); events outside the axes are ignored."""
        if event is None or getattr(event, "inaxes", None) is None or event.xdata is None or event.ydata is None:
            return
        self._on_pick_lr(event.ydata, event.xdata)

    def _mark_window(self) -> None:
        if self.picker is not None:
            r, c, hh, ww = self._square_window()
            sy, sx = self._per_lr_pixel()
            self.picker.mark((r / sy, c / sx, hh / sy, ww / sx))


def clear_progress(area: widgets.Output) -> None:
    """Remove the progress bars drawn into ``area`` (only under a kernel: elsewhere there is nothing to clear,
    and IPython's clear_output would print terminal escape codes)."""
    from IPython import get_ipython

    if getattr(get_ipython(), "kernel", None) is not None:
        area.clear_output()


def show_figure(figure, dpi: int = 90) -> None:
    """Display a matplotlib Figure as a PNG, whatever the notebook's matplotlib backend (inline or ipympl)."""
    display(Image(data=figure_png(figure, dpi), format="png"))


def text_block(text: str) -> str:
    """``text`` as preformatted HTML that keeps its lines (scrolls sideways instead of breaking words)."""
    return ('<pre style="white-space: pre; overflow-x: auto; word-break: normal; overflow-wrap: normal; '
            f'font-size: 12px; margin: 4px 0">{html.escape(text)}</pre>')


def slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    """An IntSlider that updates on release (continuous_update off: each value triggers one computation)."""
    return widgets.IntSlider(value=int(value), min=int(lo), max=int(hi), step=int(step), description=description,
                             continuous_update=False, style={"description_width": "initial"})


def dropdown(description: str, options, value) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description,
                            style={"description_width": "initial"})
