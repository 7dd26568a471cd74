"""What every interactive view shares: controls → :meth:`View.update` → ``result`` / ``figure`` / ``text``.

A view holds plain results so that tests (and users) can inspect them without a browser: change a control's
``value`` programmatically and the view recomputes synchronously (ipywidgets' ``observe``), exactly as a
slider drag in JupyterLab would. Only what a control affects is recomputed; encoder features come from a
shared :class:`~explain.widgets.cache.FeatureCache`.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping

import ipywidgets as widgets
from IPython.display import HTML, Image, display

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
            result, figure, text = self._compute()
        except ValueError as exc:  # bad input from a control: show it, keep the previous result
            self.error = str(exc)
            self._show_error()
            return
        self.error = None
        self.result, self.figure, self.text = result, figure, text
        self.updates += 1
        self._show()

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
                display(HTML(f"<pre>{html.escape(self.text)}</pre>"))

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
        parts = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        return widgets.VBox(parts + [self._control_box(), *self._extra_widgets(), self.output])

    def _extra_widgets(self) -> list:
        return []

    def _ipython_display_(self) -> None:
        display(self.widget)


def show_figure(figure, dpi: int = 90) -> None:
    """Display a matplotlib Figure as a PNG, whatever the notebook's matplotlib backend (inline or ipympl)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi)
    display(Image(data=buf.getvalue(), format="png"))


def slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    """An IntSlider that updates on release (continuous_update off: each value triggers one computation)."""
    return widgets.IntSlider(value=int(value), min=int(lo), max=int(hi), step=int(step), description=description,
                             continuous_update=False, style={"description_width": "initial"})


def dropdown(description: str, options, value) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description,
                            style={"description_width": "initial"})
