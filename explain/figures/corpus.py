"""Figures of a corpus (:mod:`explain.corpus`): each figure's distribution over images, per model or codec.

Inputs are plain tables (pandas DataFrames) as :mod:`explain.corpus.answer` makes them; nothing here imports the
corpus package. Each function returns a :class:`matplotlib.figure.Figure` made without pyplot.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.figure import Figure

_UNITS = {"share": "share (%)", "check": "passes (% of images)", "ratio": "ratio (×)", "index": "index (0–100)",
          "dB": "dB lost (PSNR-Y before − after)", "change": "relative change of the block's output (%)"}
_PERCENT = {"share", "check", "change"}


def _scaled(kind: str, v):
    return 100 * np.asarray(v, dtype=np.float64) if kind in _PERCENT else np.asarray(v, dtype=np.float64)


def plot_corpus_distributions(values, summary, keys=None, group: str = "model", title: str | None = None,
                              columns: int = 3) -> Figure:
    """One panel per figure: every image's value (a dot, jittered sideways) for each ``group`` (model, or codec),
    with the mean over images and its bootstrap 95 % interval (a bar).

    values:  one row per (image, group, figure_key) with columns ``group``, figure_key, figure, kind, value.
    summary: per (group, figure_key) with columns ``group``, figure_key, mean, lo, hi (the rows of all images).
    keys:    the figure keys to draw, in order (default: every key of ``values``, in order of appearance).
    Shares and checks are drawn in per cent. Raises ValueError when there is nothing to draw.
    """
    if values is None or len(values) == 0:
        raise ValueError("no values to draw: no image of the corpus was explained")
    keys = list(dict.fromkeys(values["figure_key"])) if keys is None else list(keys)
    groups = list(dict.fromkeys(values[group]))
    ncol = min(columns, len(keys))
    nrow = math.ceil(len(keys) / ncol)
    fig = Figure(figsize=(3.3 * ncol + 0.4, 2.7 * nrow + 0.5), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    rng = np.random.default_rng(0)
    for ax, key in zip(axes, keys):
        sel = values[values["figure_key"] == key]
        if sel.empty:
            ax.set_visible(False)
            continue
        kind, name = sel["kind"].iloc[0], sel["figure"].iloc[0]
        for i, g in enumerate(groups):
            v = _scaled(kind, sel[sel[group] == g]["value"])
            v = v[np.isfinite(v)]
            ax.scatter(i + rng.uniform(-0.18, 0.18, v.size), v, s=9, alpha=0.45, color=f"C{i}",
                       label="one image" if i == 0 else None)
            s = summary[(summary[group] == g) & (summary["figure_key"] == key)]
            if not s.empty:
                m, lo, hi = (_scaled(kind, s[c].iloc[0]) for c in ("mean", "lo", "hi"))
                err = [[m - lo], [hi - m]] if np.isfinite(lo) and np.isfinite(hi) else None
                ax.errorbar([i + 0.32], [m], yerr=err, fmt="D", color="black", ms=4, capsize=3,
                            label="mean, 95 % bootstrap interval" if i == 0 else None)
        ax.set_xticks(range(len(groups)), [str(g) for g in groups], fontsize=7, rotation=15)
        ax.set_xlim(-0.6, len(groups) - 0.3)
        ax.set_ylabel(_UNITS.get(kind, kind), fontsize=8)
        ax.set_title(textwrap.fill(name, 44), fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
