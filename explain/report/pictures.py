"""The PNG figures of an explain report (one function writes them all into a folder)."""

from __future__ import annotations

import gc
from pathlib import Path

from ..figures.causal import plot_causal
from ..figures.clues import (
    plot_channel_clue,
    plot_ensemble_latent,
    plot_frequency_clue,
    plot_grid_phase,
    plot_spatial_clue,
    plot_window_outputs,
    plot_windows,
)

DPI = 100
PNG = {"compress_level": 1}  # zlib's fastest level: the report's PNGs are written in a fraction of the default's time


def _save(fig, folder: Path, name: str, files: list[str]) -> None:
    fig.savefig(folder / name, dpi=DPI, pil_kwargs=PNG)
    files.append(name)


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
    folder = Path(folder)
    files: list[str] = []
    facts = report.facts
    _save(plot_grid_phase(facts), folder, "grid_phase.png", files)
    _save(plot_windows(report.photo.image, [w.window_lr for w in report.windows], facts.grid_phase), folder,
          "windows.png", files)
    for w in report.windows:
        names = figure_names(w.index)
        _save(plot_window_outputs(w.outputs, w.window_lr, w.block_box, facts.grid_phase), folder, names["outputs"],
              files)
        _save(plot_spatial_clue(w.clues), folder, names["spatial"], files)
        _save(plot_frequency_clue(w.clues), folder, names["frequency"], files)
        _save(plot_frequency_clue(w.clues, "integrated_gradients"), folder, names["frequency_ig"], files)
        _save(plot_channel_clue(w.clues), folder, names["channel"], files)
        _save(plot_ensemble_latent(w.maps, w.window_lr, w.block_box, facts.grid_phase), folder,
              names["ensemble_latent"], files)
        if report.headline_model in w.causal:
            _save(plot_causal(w.causal[report.headline_model],
                              title=f"window {w.index}, {report.headline_model}: take each block's fine patterns "
                                    "(AC) away", photo=report.photo.image), folder, names["causal"], files)
    return files
