"""Agg drawing that reuses the pixels of a text drawn again where it was, for figures refilled and drawn again.

Laying out and rendering text glyph by glyph is the largest part of drawing a report figure, and a refilled figure
draws most of its texts (axis labels, fixed tick labels, colour bar labels, legends) exactly as before. The
renderer here keeps, for each text it draws, the pixels of a box around the text before and after drawing it. When
the same text is drawn again at the same place, in the same font and colour, onto the same pixels, the pixels
after are copied back instead: the result is the same as drawing it, by construction (drawing is deterministic
and touches only the box). Any other case (another background, a clipped or math text) is drawn as usual.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


class StampRenderer(RendererAgg):
    """:class:`RendererAgg` that copies back the pixels of a text drawn before at the same place onto the same
    pixels. ``hits`` and ``drawn`` count the texts copied and drawn."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self.stamps = {}  # this drawing's texts: key → (box, pixels before, pixels after)
        self.previous = {}  # the last drawing's (only those: a view drawn for hours keeps two drawings' texts)
        self.hits = self.drawn = 0

    def clear(self):
        # a new drawing starts: the texts of the one before are the ones that can be copied back
        self.previous, self.stamps = self.stamps, {}
        super().clear()

    def _box(self, mtext, prop) -> tuple[slice, slice] | None:
        """Buffer rows and columns around ``mtext`` (its extent and a margin of half its font size + 2 pixels)."""
        box = mtext.get_window_extent(self)
        if not np.all(np.isfinite(box.extents)):
            return None
        pad = int(0.5 * prop.get_size_in_points() * self.dpi / 72) + 2
        h, w = int(self.height), int(self.width)
        r0, r1 = max(0, math.floor(h - box.y1) - pad), min(h, math.ceil(h - box.y0) + pad)
        c0, c1 = max(0, math.floor(box.x0) - pad), min(w, math.ceil(box.x1) + pad)
        return (slice(r0, r1), slice(c0, c1)) if r1 > r0 and c1 > c0 else None

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        # docstring inherited
        if ismath or mtext is None or gc.get_clip_rectangle() is not None or gc.get_clip_path()[0] is not None:
            self.drawn += 1
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        key = (s, float(x), float(y), float(angle), _font_key(prop), tuple(gc.get_rgb()), gc.get_alpha(),
               gc.get_forced_alpha(), gc.get_antialiased(),
               *(str(getattr(mtext, f"get_{k}", lambda: None)()) for k in ("fontfeatures", "language")))
        pixels = np.asarray(self.buffer_rgba())
        stamp = self.stamps.get(key) or self.previous.get(key)
        if stamp is not None:
            box, before, after = stamp
            if np.array_equal(pixels[box], before):
                pixels[box] = after
                self.stamps[key] = stamp
                self.hits += 1
                return None
        box = self._box(mtext, prop)
        self.drawn += 1
        if box is None:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        before = pixels[box].copy()
        super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        self.stamps[key] = (box, before, pixels[box].copy())
        return None


class StampCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`StampRenderer` (kept while the figure's size and dpi stay)."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if getattr(self, "_lastKey", None) != key:
            self.renderer = StampRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
