"""The report's figures with fixed layouts: nothing overlaps or leaves the figure, on a real and a dark photo; the
causal picture's stated contrast stretch and locator; the causal view's figure refilled in place."""

from __future__ import annotations

import numpy as np
import pytest

from explain.figures.causal import contrast_stretch, plot_causal, plot_intervention, redraw_intervention, stretched


@pytest.fixture(scope="module")
def reports():
    """An explain report of a 48×48 astronaut crop (JPEG q=20, ×2, tiny model, causal clues with the original), and
    the same photo darkened ×0.25."""
    from conftest import _randomise

    from explain.headline import jpeg_photo
    from explain.images import crop_to_multiple, downscale, load_image
    from explain.models import LIIF
    from explain.report import explain_photo

    model = _randomise(LIIF(n_resblocks=1, channels=8, hidden=(16, 16)))
    model.name = "tiny-jpeg"
    out = {}
    for name, factor in (("photo", 1.0), ("dark", 0.25)):
        hr = crop_to_multiple(load_image("astronaut")[200:296, 180:276], 16) * factor
        photo, _ = jpeg_photo(downscale(hr, 2), 20)
        out[name] = explain_photo(photo, None, models=[model], scale=2, windows=1, lam_steps=2, ig_steps=1,
                                  randomise="none", progress=False, original=hr, draws=1, control=None)
    return out


def _render(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _texts(fig):
    """(owner, text, bbox in display pixels) of every visible, non-empty text of the figure: each axes' title,
    axis labels and tick labels, texts drawn on it and its legend's; the figure's own texts and legends."""
    renderer = _render(fig)
    found = []

    def add(owner, t):
        if t.get_visible() and t.get_text().strip():
            found.append((owner, t.get_text(), t.get_window_extent(renderer)))

    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        for t in [ax.title, ax._left_title, ax._right_title]:
            add(i, t)
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                add(i, axis.label)
                for tick in axis.get_major_ticks():
                    if tick.get_loc() is not None and tick.label1.get_visible():
                        lo, hi = sorted(axis.get_view_interval())
                        if lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                            add(i, tick.label1)
                        if tick.label2.get_visible() and lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                            add(i, tick.label2)
        if ax.get_legend():
            for t in ax.get_legend().get_texts():
                add(f"legend {i}", t)
    for t in fig.texts + ([fig._suptitle] if fig._suptitle else []):
        add("figure", t)
    for k, leg in enumerate(fig.legends):
        for t in leg.get_texts():
            add(f"figure legend {k}", t)
    return found, [(i, ax.bbox) for i, ax in enumerate(fig.axes) if ax.get_visible() and ax.axison]


def _overlap(a, b) -> float:
    return min(min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0))


def _layout_problems(name: str, fig) -> list[str]:
    """Texts that leave the figure, lie on another panel or overlap a text of another panel."""
    problems = []
    texts, areas = _texts(fig)
    width, height = fig.bbox.width, fig.bbox.height
    for owner, text, b in texts:  # inside the figure (a pixel of slack for antialiasing)
        if not (b.x0 >= -1 and b.y0 >= -1 and b.x1 <= width + 1 and b.y1 <= height + 1):
            problems.append(f"{name}: {text!r} leaves the figure")
        for i, area in areas:  # no text on another panel's image
            if i != owner and not str(owner).endswith(f" {i}") and _overlap(b, area) > 1:
                problems.append(f"{name}: {text!r} lies on panel {i} ({fig.axes[i].get_title()!r})")
    for k, (oa, ta, a) in enumerate(texts):
        for ob, tb, b in texts[k + 1:]:
            if oa != ob and _overlap(a, b) > 1:
                problems.append(f"{name}: {ta!r} overlaps {tb!r}")
    return problems


def test_the_layout_check_finds_overlaps():
    from explain.figures.layout import axes_at, new_figure

    fig = new_figure(4, 2)
    for x in (0.6, 1.9):  # the second panel's row labels fall on the first panel
        ax = axes_at(fig, x, 0.5, 1.5, 1.2)
        ax.set_ylabel("row (LR pixels)")
        ax.set_title("a title wider than its panel")
    assert any("lies on panel 0" in p for p in _layout_problems("test", fig))
    assert any("overlaps" in p for p in _layout_problems("test", fig))


@pytest.mark.parametrize("which", ["photo", "dark"])
def test_report_figures_have_fixed_layouts_and_nothing_overlaps(reports, which):
    from explain.figures.clues import (
        plot_channel_clue,
        plot_ensemble_latent,
        plot_frequency_clue,
        plot_grid_phase,
        plot_spatial_clue,
        plot_window_outputs,
        plot_windows,
    )

    rep = reports[which]
    w = rep.windows[0]
    figures = {"grid phase": plot_grid_phase(rep.facts),
               "windows": plot_windows(rep.photo.image, [w.window_lr], rep.facts.grid_phase),
               "outputs": plot_window_outputs(w.outputs, w.window_lr, w.block_box, rep.facts.grid_phase),
               "spatial": plot_spatial_clue(w.clues), "frequency": plot_frequency_clue(w.clues),
               "channel": plot_channel_clue(w.clues),
               "ensemble": plot_ensemble_latent(w.maps, w.window_lr, w.block_box, rep.facts.grid_phase),
               "causal": plot_causal(w.causal[rep.headline_model], photo=rep.photo.image)}
    problems = []
    for name, fig in figures.items():
        assert fig.get_layout_engine() is None, name  # no layout engine measuring text at each drawing
        problems += _layout_problems(name, fig)
    assert not problems, "\n".join(problems)


def test_contrast_stretch_of_dark_crops_is_stated_and_shared():
    rng = np.random.default_rng(0)
    dark = 0.1 * rng.random((32, 32, 3))
    lo, hi = contrast_stretch(dark, dark * 0.5)
    assert 0 <= lo < 0.01 and 0.09 < hi <= 0.1
    assert stretched(dark, lo, hi).max() == 1.0 and stretched(dark, lo, hi).min() == 0.0
    assert contrast_stretch(np.full((4, 4, 3), 0.3)) == (0.0, 1.0)  # flat: shown as it is


def test_causal_picture_states_its_stretch_and_locates_the_block(reports):
    rep = reports["dark"]
    w = rep.windows[0]
    c = w.causal[rep.headline_model]
    fig = plot_causal(c, photo=rep.photo.image)
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "contrast stretch" in notes and "black" in notes and "white" in notes
    crops = [ax for ax in fig.axes if "HR column" in ax.get_xlabel()]
    assert len(crops) >= 2  # before and the original at least
    shown = crops[0].get_images()[0].get_array()
    assert float(np.max(shown)) > 0.9  # the dark block is stretched to the full range
    locator = next(ax for ax in fig.axes if "where the block sits" in ax.get_title())
    assert locator.get_xlabel() == "column (LR px)" and len(locator.patches) == 2  # the block and its 8 neighbours
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "explained 8×8 block" in labels and "its 8 neighbouring blocks" in labels
    (r0, r1), (c0, c1) = c.block_box
    assert locator.patches[0].get_xy() == (c0, r0) and locator.patches[0].get_width() == c1 - c0
    assert not locator.lines and "around them (large photo)" not in labels  # a small photo: the boxes suffice


def test_on_a_large_photo_a_ring_marks_the_block(reports):
    """The boxes of an 8×8 block shrink to a few pixels on a large photo: a ring of fixed size marks them."""
    rep = reports["photo"]
    c = rep.windows[0].causal[rep.headline_model]
    big = np.tile(rep.photo.image, (1, 8, 1))  # the same block, on a photo eight times as wide
    fig = plot_causal(c, photo=big)
    locator = next(ax for ax in fig.axes if "where the block sits" in ax.get_title())
    (r0, r1), (c0, c1) = c.block_box
    (ring,) = locator.lines
    assert ring.get_marker() == "o" and list(ring.get_xdata()) == [(c0 + c1) / 2]
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "around them (large photo)" in labels


def test_the_intervention_figure_is_refilled_in_place(reports):
    rep = reports["photo"]
    c = rep.windows[0].causal[rep.headline_model]
    fig = plot_intervention(c, "neighbours_ac")
    artists = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    before = [np.array(im.get_array()) for im in artists]
    name = next(k for k in c.outputs_after if k not in ("neighbours_ac", "own_ac"))
    assert redraw_intervention(fig, c, name) is fig
    assert [ax.get_images()[0] for ax in fig.axes if ax.get_images()] == artists  # the same artists
    assert not np.array_equal(np.array(artists[1].get_array()), before[1])  # "after" shows the new intervention
    diff = np.abs(c.outputs_after[name].astype(np.float64) - c.output).mean(-1)
    assert artists[2].get_clim()[1] == pytest.approx(max(diff.max(), 1e-6))
    assert c.effects[name].description in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="no output kept"):
        redraw_intervention(fig, c, "no such intervention")


def _pixels(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.array(canvas.buffer_rgba())


def test_report_figures_refilled_for_another_window_equal_fresh_ones(reports):
    """Each kind of the report's per-window figures, made for one photo's window and filled with another's data,
    draws exactly what a figure made for the second one draws, with the same artists."""
    from explain.figures.causal import plot_causal, redraw_causal
    from explain.figures.clues import (
        plot_channel_clue,
        plot_ensemble_latent,
        plot_frequency_clue,
        plot_spatial_clue,
        plot_window_outputs,
        redraw_channel_clue,
        redraw_ensemble_latent,
        redraw_frequency_clue,
        redraw_spatial_clue,
        redraw_window_outputs,
    )

    photo = reports["photo"].photo.image  # one locator photo for both: a refill keeps the figure's photo

    def args(rep):
        w = rep.windows[0]
        where = (w.window_lr, w.block_box, rep.facts.grid_phase)
        return {"outputs": (w.outputs, *where), "spatial": (w.clues,), "frequency": (w.clues,),
                "frequency_ig": (w.clues, "integrated_gradients"), "channel": (w.clues,),
                "ensemble_latent": (w.maps, *where), "causal": (w.causal[rep.headline_model], "a title", photo)}

    kinds = {"outputs": (plot_window_outputs, redraw_window_outputs),
             "spatial": (plot_spatial_clue, redraw_spatial_clue),
             "frequency": (plot_frequency_clue, redraw_frequency_clue),
             "frequency_ig": (plot_frequency_clue, redraw_frequency_clue),
             "channel": (plot_channel_clue, redraw_channel_clue),
             "ensemble_latent": (plot_ensemble_latent, redraw_ensemble_latent), "causal": (plot_causal, redraw_causal)}
    first, second = args(reports["photo"]), args(reports["dark"])
    for kind, (plot, redraw) in kinds.items():
        fig = plot(*first[kind])
        before = _pixels(fig)
        panels = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]  # a colour bar remakes its colour strip
        children = [list(ax.get_children()) for ax in panels]
        axes = list(fig.axes)
        assert redraw(fig, *second[kind]) is fig
        refilled = _pixels(fig)
        assert fig.axes == axes, kind
        assert [list(ax.get_children()) for ax in panels] == children, kind  # the same artists, none added
        fresh = _pixels(plot(*second[kind]))
        assert refilled.shape == fresh.shape, kind
        assert not np.array_equal(refilled, before), kind  # the other window's data is shown
        assert np.array_equal(refilled, fresh), f"{kind}: {np.sum(np.any(refilled != fresh, axis=-1))} pixels differ"


def test_a_figure_refuses_data_of_another_layout(reports):
    from explain.figures.causal import plot_causal, redraw_causal
    from explain.figures.clues import plot_channel_clue, redraw_frequency_clue
    from explain.figures.layout import FigureMismatch

    rep = reports["photo"]
    w = rep.windows[0]
    fig = plot_channel_clue(w.clues)
    with pytest.raises(FigureMismatch):  # another kind of figure
        redraw_frequency_clue(fig, w.clues)
    causal = plot_causal(w.causal[rep.headline_model], photo=rep.photo.image)
    with pytest.raises(FigureMismatch, match="another photo"):
        redraw_causal(causal, w.causal[rep.headline_model], photo=reports["dark"].photo.image)


def test_report_pngs_are_the_figures_pixels_without_alpha(tmp_path, reports):
    from PIL import Image

    from explain.figures.clues import plot_channel_clue, plot_spatial_clue
    from explain.figures.png import PngWriter
    from explain.report.pictures import DPI

    fig = plot_channel_clue(reports["photo"].windows[0].clues)
    with PngWriter() as writer:
        writer.write(fig, tmp_path / "a.png", DPI)
    fig.savefig(tmp_path / "b.png", dpi=DPI)
    a, b = Image.open(tmp_path / "a.png"), Image.open(tmp_path / "b.png")
    assert a.mode == "RGB" and b.mode == "RGBA"
    assert np.array_equal(np.asarray(a), np.asarray(b)[..., :3]) and np.asarray(b)[..., 3].min() == 255
    # the background writer: each file is the figure as it was when written, though it is changed right after
    other = plot_spatial_clue(reports["photo"].windows[0].clues)
    with PngWriter() as writer:
        writer.write(fig, tmp_path / "c.png", DPI)
        fig.axes[0].set_title("changed after writing")
        writer.write(other, tmp_path / "d.png", DPI)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "c.png")), np.asarray(a))
    other.savefig(tmp_path / "e.png", dpi=DPI)
    d, e = Image.open(tmp_path / "d.png"), Image.open(tmp_path / "e.png")
    assert np.array_equal(np.asarray(d), np.asarray(e)[..., :3])
    with pytest.raises(FileNotFoundError), PngWriter() as writer:  # an error of the writing thread is raised
        writer.write(fig, tmp_path / "no such folder" / "f.png", DPI)


def test_a_png_of_a_frozen_layout_is_drawn_once_and_equals_savefig():
    """A view's figure, laid out once and then frozen, drawn for the view at 90 dpi: one drawing (savefig would lay
    it out again first), the same pixels as savefig, and the figure keeps its own dpi."""
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from explain.figures.png import png_bytes

    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(np.linspace(0, 1, 64).reshape(8, 8), cmap="magma")
    fig.colorbar(im, ax=ax, label="value (a.u.)")
    ax.set_xlabel("column (px)")
    fig.canvas.draw()
    fig.set_layout_engine("none")  # what the views do once a figure has been drawn
    assert fig.get_layout_engine() is not None  # matplotlib keeps a placeholder, which makes savefig draw twice
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    ours = png_bytes(fig, 90)
    assert fig.get_dpi() == 100 and len(draws) == 1
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ours))), np.asarray(Image.open(buf))[..., :3])


def test_a_figure_on_an_interactive_canvas_keeps_it():
    from matplotlib.backends.backend_webagg_core import FigureCanvasWebAggCore
    from matplotlib.figure import Figure

    from explain.figures.png import png_bytes

    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    canvas = FigureCanvasWebAggCore(fig)  # what ipympl's canvas is built on
    assert png_bytes(fig, 90)[:4] == b"\x89PNG" and fig.canvas is canvas


def test_the_window_crops_of_a_dark_photo_are_stretched_and_say_so(reports):
    """The top crops (input, bicubic, each model): a dark window is shown with one stated stretch, a normal one as
    it is."""
    from explain.figures.clues import plot_window_outputs

    for kind, stretched_expected in (("dark", True), ("photo", False)):
        rep = reports[kind]
        w = rep.windows[0]
        fig = plot_window_outputs(w.outputs, w.window_lr, w.block_box, rep.facts.grid_phase)
        notes = " ".join(t.get_text() for t in fig.texts)
        shown = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
        assert len(shown) == len(w.outputs)
        if stretched_expected:
            assert "contrast stretch" in notes and float(np.max(shown[0])) > 0.9
        else:
            assert "shown as they are" in notes
            assert np.allclose(shown[1], np.clip(w.outputs["bicubic"], 0, 1))
