"""Figures of the skill study (FAIG, Xie et al., NeurIPS 2021): swap curves, where the top units sit, and what
they respond to. Each function takes a :class:`explain.studies.skill.SkillResult`-like object (read through its
attributes only; this module imports no study) and returns a matplotlib Figure."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..models.units import layer_label
from .grid import draw_block_grid

STYLE = {"faig": ("FAIG (JPEG − clean)", "C3", "o"), "absdelta": ("|Δθ|", "C0", "s"),
         "ig-twin": ("IG of the twin alone", "C2", "^"), "random": ("random units (mean of seeds)", "0.4", "x")}


def plot_swap_curves(result) -> Figure:
    """Left: share of the twin's JPEG advantage removed by swapping each ranking's top units for the control's,
    against the % of units swapped; right: the gain over bicubic on clean input (dB) of the same swaps."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_j, ax_c = fig.subplots(1, 2)
    x = 100 * np.asarray(result.fractions)
    for method, (label, color, marker) in STYLE.items():
        try:
            removed = 100 * result.removed(method, "jpeg")
        except ValueError:
            continue
        ax_j.plot(x, removed, color=color, marker=marker, label=label)
        ax_c.plot(x, result.mean_gain(method, "clean"), color=color, marker=marker, label=label)
    for ax in (ax_j, ax_c):
        ax.set_xscale("log")
        ax.set_xlabel("units swapped from the control into the twin (% of all units, log)")
        ax.grid(alpha=0.3)
    ax_j.axhline(0, color="k", lw=0.8)
    ax_j.axhline(100, color="k", lw=0.8, ls=":")
    ax_j.set_ylabel("share of the twin's JPEG advantage removed (%)")
    ax_j.set_title(f"JPEG input: twin {result.twin_gain[0].mean():+.2f} dB, control "
                   f"{result.control_gain[0].mean():+.2f} dB over bicubic", fontsize=10)
    ax_c.axhline(result.twin_gain[1].mean(), color="C3", ls="--", lw=0.8, label="twin")
    ax_c.axhline(result.control_gain[1].mean(), color="k", ls=":", lw=0.8, label="control")
    ax_c.set_ylabel("Y-PSNR gain over bicubic, clean input (dB)")
    ax_c.set_title("clean input", fontsize=10)
    ax_j.legend(fontsize=8, loc="upper left")
    ax_c.legend(fontsize=8)
    fig.suptitle(f"Swapping units {result.meta['from']} → {result.meta['to']} "
                 f"({len(result.eval_names)} evaluation images)", fontsize=11)
    return fig


def plot_layer_top(result, fraction: float = 0.01, method: str = "faig") -> Figure:
    """Per weight: the share of its units among the top ``fraction`` of ``method`` (bars) and their count."""
    counts = result.layer_counts(fraction, method)
    sizes = np.diff(result.units.offsets)
    labels = [layer_label(p) for p in result.units.params]
    share = 100 * counts / sizes
    fig = Figure(figsize=(7, max(4, 0.2 * len(labels))), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(labels))
    colors = ["C1" if p.startswith("imnet") else "C0" for p in result.units.params]
    ax.barh(y, share, color=colors)
    for yi, (s, c) in enumerate(zip(share, counts)):
        if c:
            ax.text(s, yi, f" {c}", va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"units of the layer in the top {100 * fraction:g} % (%; the number: how many)")
    ax.set_ylabel("layer (encoder blue, MLP orange)")
    total = int(counts.sum())
    ax.set_title(f"Where the top {100 * fraction:g} % ({total:,} units) by {STYLE.get(method, (method,))[0]} sit",
                 fontsize=10)
    return fig


def plot_unit_maps(result) -> Figure:
    """The top units' feature maps on one blocky JPEG (left) and on the same image clean (right), on the LR grid
    with the 8×8 JPEG grid; one shared colour scale per unit, colour bar in the layer's activation units."""
    v = result.views
    units = np.asarray(v["example_units"])
    n = len(units)
    fig = Figure(figsize=(6.4, 2.3 * (n + 1)), layout="constrained")
    axes = fig.subplots(n + 1, 2, squeeze=False)
    lr_size = v["example_lr_jpeg"].shape[:2]
    for ax, img, title in zip(axes[0], (v["example_lr_jpeg"], v["example_lr_clean"]),
                              (f"JPEG input ({result.eval_names[0]})", "the same image, clean")):
        ax.imshow(np.clip(img, 0, 1), interpolation="nearest")
        draw_block_grid(ax, lr_size)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("LR column (px)")
        ax.set_ylabel("LR row (px)")
    p_idx, outs, ins = result.units.locate(units)
    for row, (p, o, i) in enumerate(zip(p_idx, outs, ins), start=1):
        jm, cm = v["example_jpeg"][row - 1], v["example_clean"][row - 1]
        lim = float(max(np.abs(jm).max(), np.abs(cm).max(), 1e-12))
        for ax, m, what in zip(axes[row], (jm, cm), ("JPEG", "clean")):
            im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
            draw_block_grid(ax, lr_size, color="k", alpha=0.3)
            ax.set_title(f"#{row} {layer_label(result.units.params[p])} ({o}, {i}), {what}", fontsize=8)
            ax.set_xlabel("LR column (px)")
            ax.set_ylabel("LR row (px)")
        fig.colorbar(im, ax=axes[row].tolist(), shrink=0.8, label="unit's contribution (activation)")
    return fig


def plot_enrichment(result) -> Figure:
    """Block-edge enrichment (mean |activation| next to 8×8 boundaries over the interior mean) of the top FAIG
    units on JPEG and clean input, and of random units of the same layers on JPEG input."""
    v = result.views
    series = [("top FAIG units, JPEG input", v["enrichment"], "C3"),
              ("top FAIG units, clean input", v["clean_enrichment"], "C1"),
              ("random units of the same layers, JPEG", v["random_enrichment"], "0.4")]
    fig = Figure(figsize=(7, 3.8), layout="constrained")
    ax = fig.subplots()
    finite = np.concatenate([s[np.isfinite(s)] for _, s, _ in series])
    lo, hi = (float(np.percentile(finite, 1)), float(np.percentile(finite, 99))) if finite.size else (0.5, 2)
    bins = np.linspace(min(lo, 0.9), max(hi, 1.1), 40)
    for label, s, color in series:
        s = s[np.isfinite(s)]
        ax.hist(np.clip(s, bins[0], bins[-1]), bins=bins, histtype="step", lw=1.5, color=color,
                label=f"{label}: median {np.median(s):.2f}×" if s.size else label)
    ax.axvline(1, color="k", lw=0.8, ls=":")
    ax.set_xlabel("block-edge enrichment (mean |activation| on 8×8 edge pixels / interior mean)")
    ax.set_ylabel("units")
    ax.set_title(f"What the top {len(v['units'])} spatial units respond to (mean over "
                 f"{len(result.eval_names)} evaluation images)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def plot_morph(outputs: dict, fraction: float, lr_window, scale: int) -> Figure:
    """The twin (0 %), the twin with the top ``fraction`` of units swapped, the control (100 %), and
    |swapped − twin| on one window; ``outputs`` maps fractions to (H, W, 3) window outputs in [0, 1]."""
    r, c, h, w = lr_window
    fig = Figure(figsize=(12, 3.4), layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [(0.0, "the twin (0 % swapped)"), (fraction, f"top {100 * fraction:g} % swapped"),
              (1.0, "the control (100 %)")]
    for ax, (f, title) in zip(axes, panels):
        ax.imshow(np.clip(outputs[f], 0, 1), interpolation="nearest")
        draw_block_grid(ax, (h, w), scale=scale)
        ax.set_title(title, fontsize=9)
    diff = np.abs(outputs[fraction] - outputs[0.0]).mean(axis=-1) * 255
    im = axes[3].imshow(diff, cmap="magma", interpolation="nearest")
    draw_block_grid(axes[3], (h, w), scale=scale)
    axes[3].set_title("|swapped − twin|", fontsize=9)
    fig.colorbar(im, ax=axes[3], shrink=0.8, label="mean |Δ| over RGB (of 255)")
    for ax in axes:
        ax.set_xlabel("output column (px)")
        ax.set_ylabel("output row (px)")
    fig.suptitle(f"LR window rows {r}–{r + h - 1}, columns {c}–{c + w - 1}, ×{scale}; 8×8 JPEG grid in white",
                 fontsize=10)
    return fig
