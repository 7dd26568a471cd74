"""The PNG figures of an explain report (one function writes them all into a folder)."""

from __future__ import annotations

import gc
from pathlib import Path

from ..figures import png
from ..figures.causal import plot_causal, redraw_causal
from ..figures.clues import (
    plot_channel_clue,
    plot_ensemble_latent,
    plot_frequency_clue,
    plot_grid_phase,
    plot_spatial_clue,
    plot_window_outputs,
    plot_windows,
    redraw_channel_clue,
    redraw_ensemble_latent,
    redraw_frequency_clue,
    redraw_spatial_clue,
    redraw_window_outputs,
)
from ..figures.layout import FigureMismatch

DPI = 100


class _Refilled:
    """One figure per kind, made for the first window and filled again for the next ones when its layout fits
    (making a figure's axes, ticks and colour bars costs about as much as drawing it)."""

    def __init__(self):
        self.figures = {}

    def __call__(self, kind: str, plot, redraw, *args):
        fig = self.figures.get(kind)
        if fig is not None:
            try:
                return redraw(fig, *args)
            except FigureMismatch:
                pass
        self.figures[kind] = fig = plot(*args)
        return fig


def figure_names(k: int) -> dict[str, str]:
    """File names of window ``k``'s figures."""
    return {kind: f"window{k}_{kind}.png" for kind in ("outputs", "spatial", "frequency", "frequency_ig", "channel",
                                                       "ensemble_latent", "causal")}


def make_figures(report, folder: Path) -> list[str]:
    """Write every figure of ``report`` into ``folder``; returns the file names."""
    # Matplotlib makes tens of thousands of small objects per figure; each of the collector's full passes then
    # walks every object of the process (the report's own included): a fifth of the time here. It is paused while
    # the figures are made, and their cycles are collected at the end (young objects only).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _make_figures(report, folder)
    finally:
        if enabled:
            gc.enable()
        gc.collect(0)


def _make_figures(report, folder: Path) -> list[str]:
    with png.PngWriter() as writer:  # each figure drawn here, its file compressed and written in the background
        return _draw_figures(report, Path(folder), writer)


def _draw_figures(report, folder: Path, writer: png.PngWriter) -> list[str]:
    files: list[str] = []

    def save(fig, name):
        writer.write(fig, folder / name, DPI)
        files.append(name)

    facts = report.facts
    refilled = _Refilled()
    save(plot_grid_phase(facts), "grid_phase.png")
    save(plot_windows(report.photo.image, [w.window_lr for w in report.windows], facts.grid_phase), "windows.png")
    for w in report.windows:
        names = figure_names(w.index)
        where = (w.window_lr, w.block_box, facts.grid_phase)
        save(refilled("outputs", plot_window_outputs, redraw_window_outputs, w.outputs, *where), names["outputs"])
        save(refilled("spatial", plot_spatial_clue, redraw_spatial_clue, w.clues), names["spatial"])
        save(refilled("frequency", plot_frequency_clue, redraw_frequency_clue, w.clues), names["frequency"])
        save(refilled("frequency", plot_frequency_clue, redraw_frequency_clue, w.clues, "integrated_gradients"),
             names["frequency_ig"])
        save(refilled("channel", plot_channel_clue, redraw_channel_clue, w.clues), names["channel"])
        save(refilled("ensemble_latent", plot_ensemble_latent, redraw_ensemble_latent, w.maps, *where),
             names["ensemble_latent"])
        if report.headline_model in w.causal:
            title = f"window {w.index}, {report.headline_model}: take each block's fine patterns (AC) away"
            save(refilled("causal", plot_causal, redraw_causal, w.causal[report.headline_model], title,
                          report.photo.image), names["causal"])
    return files
