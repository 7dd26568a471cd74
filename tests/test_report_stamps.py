"""Texts drawn again unchanged are copied back, and the copy is exactly what drawing them gives."""

from __future__ import annotations

import numpy as np


def _plain(fig):
    """The figure drawn by matplotlib's own Agg canvas (the figure keeps its canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    kept = fig.canvas
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_canvas(kept)
    return np.array(canvas.buffer_rgba())


def _stamped(fig):
    from explain.figures.stamps import StampCanvas

    canvas = fig.canvas if isinstance(fig.canvas, StampCanvas) else StampCanvas(fig)
    canvas.draw()
    return np.array(canvas.buffer_rgba()), canvas.get_renderer()


def test_a_text_is_copied_only_onto_the_same_pixels():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.add_axes((0.2, 0.2, 0.7, 0.7))
    im = ax.imshow(np.zeros((4, 4)), cmap="gray", vmin=0, vmax=1)
    ax.text(1.5, 1.5, "over the image", ha="center", color="red")  # its background changes with the image
    ax.set_xlabel("a label on the white figure")  # its background stays
    first, renderer = _stamped(fig)
    assert np.array_equal(first, _plain(fig)) and renderer.hits == 0
    im.set_data(np.ones((4, 4)))
    again, renderer = _stamped(fig)
    assert np.array_equal(again, _plain(fig))  # the text over the image was drawn, not copied
    assert renderer.hits > 0  # the labels and tick labels were copied
    shown = {t.get_text() for t in [ax.xaxis.label, *ax.texts]}
    assert renderer.hits < renderer.drawn + renderer.hits and "over the image" in shown
    im.set_data(np.zeros((4, 4)))
    hits = renderer.hits
    back, renderer = _stamped(fig)
    assert np.array_equal(back, first) and renderer.hits > hits  # now the first drawing's text comes back too


def test_a_refilled_report_figure_drawn_with_copies_equals_a_fresh_one():
    from conftest import _randomise

    from explain.figures.clues import plot_frequency_clue, redraw_frequency_clue
    from explain.headline import jpeg_photo
    from explain.images import crop_to_multiple, downscale, load_image
    from explain.models import LIIF
    from explain.report import explain_photo

    model = _randomise(LIIF(n_resblocks=1, channels=8, hidden=(16, 16)))
    hr = crop_to_multiple(load_image("astronaut")[200:296, 180:276], 16)
    photo, _ = jpeg_photo(downscale(hr, 2), 20)
    rep = explain_photo(photo, None, models=[model], scale=2, windows=2, lam_steps=2, ig_steps=1, randomise="none",
                        progress=False, causal=False, control=None)
    first, second = (w.clues for w in rep.windows)
    fig = plot_frequency_clue(first)
    _stamped(fig)
    redraw_frequency_clue(fig, second, "integrated_gradients")
    pixels, renderer = _stamped(fig)
    assert renderer.hits > 20  # axis labels, tick labels, colour bar labels, legends
    assert np.array_equal(pixels, _plain(plot_frequency_clue(second, "integrated_gradients")))


def test_only_the_last_drawings_texts_are_kept():
    """A view drawn for hours with ever new titles keeps the texts of two drawings, not of every one."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.add_axes((0.2, 0.2, 0.7, 0.6))
    ax.imshow(np.zeros((4, 4)), cmap="gray", vmin=0, vmax=1)
    sizes = []
    for k in range(6):
        ax.set_title(f"window at ({k}, {k})")
        _, renderer = _stamped(fig)
        sizes.append(len(renderer.stamps) + len(renderer.previous))
    assert sizes[-1] == sizes[2] and renderer.hits > 0
    assert np.array_equal(_stamped(fig)[0], _plain(fig))
