"""Swap view: a slider over the fraction of the twin's top units (FAIG ranking) put back to the control's values
→ the twin's output on one window morphing into the control's (notebook 08)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..figures.skill import plot_morph
from ..images import load_image
from ..models import load_model
from ..studies.skill.morph import morph
from ..upscale import check_window
from ._base import View

DEFAULT_FRACTIONS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 1.0)


class SwapView(View):
    """The twin's ×``scale`` output on ``window_lr`` (row, col, height, width in LR pixels) with the top fraction
    of ``ranking`` (unit indices, best first) swapped for ``control``'s values, next to the twin and the control.

    ``result``: {"fraction", "outputs" (fraction → (H, W, 3) window output)}; outputs are memoised per fraction.
    """

    title = "Swap units: twin → control"

    def __init__(self, twin, control, ranking, lr, window_lr, scale: int = 4, fractions=DEFAULT_FRACTIONS,
                 cache=None, render: bool = True):
        super().__init__(cache, render)
        self.twin, self.control = load_model(twin), load_model(control)
        self.ranking = np.asarray(ranking, dtype=np.int64)
        self.lr = load_image(lr)
        self.window = check_window(window_lr, self.lr.shape[:2], "window_lr (LR pixels)")
        self.scale = int(scale)
        fractions = sorted({float(f) for f in fractions} | {0.0, 1.0})
        if fractions[0] < 0 or fractions[-1] > 1:
            raise ValueError(f"fractions must lie in [0, 1], got {fractions}")
        self.outputs: dict[float, np.ndarray] = {}
        inner = [f for f in fractions if 0 < f < 1]
        self.controls = {"fraction": widgets.SelectionSlider(
            options=[(f"{100 * f:g} %", f) for f in fractions], value=inner[0] if inner else 1.0,
            description="swapped", continuous_update=False)}
        self._wire()
        self.update()

    def _outputs(self, fractions) -> None:
        missing = [f for f in fractions if f not in self.outputs]
        if missing:
            self.outputs.update(morph(self.twin, self.control, self.ranking, missing, self.lr, self.window,
                                      self.scale))

    def _compute(self):
        f = float(self.value("fraction"))
        self._outputs([0.0, f, 1.0])
        twin, now, control = self.outputs[0.0], self.outputs[f], self.outputs[1.0]
        moved = float(np.abs(now - twin).mean() / max(np.abs(control - twin).mean(), 1e-12))
        text = (f"top {100 * f:g} % of units swapped: the window moved {100 * moved:.0f} % of the way from the twin "
                "to the control (mean |Δ|)")
        return {"fraction": f, "outputs": dict(self.outputs)}, plot_morph(self.outputs, f, self.window,
                                                                          self.scale), text
