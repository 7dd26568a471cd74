"""Figures to PNG: one Agg drawing, texts drawn again unchanged copied back, opaque figures without alpha.

``Figure.savefig`` draws a figure twice when it has (or had) a layout engine — once to lay it out, once to render —
even after the layout is frozen (matplotlib keeps a placeholder engine, and any engine triggers the first pass). The
views, the report and the page draw their figures again and again with new data in a fixed layout, so they draw
here instead: once, with :class:`~explain.figures.stamps.StampCanvas` (a text drawn again at the same place onto the
same pixels is copied back), and write the pixels with Pillow at zlib's fastest level (``compress_level`` 1).
The result equals ``savefig`` at the same dpi for a figure whose layout is already fixed (tests).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .stamps import StampCanvas

COMPRESS_LEVEL = 1  # zlib's fastest level: a fraction of the default's time, a somewhat larger file


def draw_pixels(fig, dpi: float) -> np.ndarray:
    """Draw ``fig`` at ``dpi`` and return its pixels, (H, W, 4) uint8 RGBA (a view of the canvas's buffer, valid
    until the next drawing). The figure's own dpi is left as it was. A figure without an interactive canvas keeps
    the StampCanvas it is drawn with (the next drawing copies unchanged texts back); one shown by an interactive
    backend (ipympl) keeps its own canvas and is drawn on a new one each time."""
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    own = fig.canvas
    canvas = own if isinstance(own, StampCanvas) else StampCanvas(fig)
    kept = fig.get_dpi()
    if kept != dpi:
        fig.set_dpi(dpi)
    try:
        canvas.draw()
    finally:
        if kept != dpi:
            fig.set_dpi(kept)
        if canvas is not own and type(own) not in (FigureCanvasBase, FigureCanvasAgg):
            fig.set_canvas(own)
    return np.asarray(canvas.buffer_rgba())


def _image(fig, dpi: float):
    """The figure drawn as a PIL image of its own (not the canvas's buffer, which the next drawing overwrites)."""
    from PIL import Image

    rgba = draw_pixels(fig, dpi)
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
    return image.convert("RGB") if rgba[..., 3].min() == 255 else image.copy()  # opaque: a quarter less to write


def png_bytes(fig, dpi: float = 100) -> bytes:
    """``fig`` drawn at ``dpi`` as PNG bytes."""
    buf = io.BytesIO()
    _image(fig, dpi).save(buf, "PNG", dpi=(dpi, dpi), compress_level=COMPRESS_LEVEL)
    return buf.getvalue()


def _save(image, path, dpi: float) -> None:
    image.save(Path(path), "PNG", dpi=(dpi, dpi), compress_level=COMPRESS_LEVEL)


class PngWriter:
    """Writes many figures as PNG files: each is drawn at once (so the caller may refill the figure right after)
    and compressed and written on one background thread while the next one is drawn (zlib runs without Python's
    lock, so on two cores the writing costs next to nothing). Use as a context manager; leaving it waits for every
    file and raises the first error of any."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(1, thread_name_prefix="png")
        self._pending = []

    def write(self, fig, path, dpi: float = 100) -> None:
        """Draw ``fig`` at ``dpi`` now; the file ``path`` is written in the background."""
        self._pending.append(self._pool.submit(_save, _image(fig, dpi), path, dpi))

    def __enter__(self) -> PngWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self._pool.shutdown(wait=True)
        if exc_type is None:  # an error while drawing is the one to see, not a file's that followed from it
            for job in self._pending:
                job.result()  # the first error, if any
