"""The causal-clue picture: the explained block and its 8 neighbours coloured by what taking each away costs, with
the block's output before and after (:class:`explain.probes.causal.CausalClues`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from ..probes.causal import NEIGHBOUR_WORDS, NEIGHBOURS


def _figure_words(c) -> tuple[str, float]:
    """(colour-bar label, factor applied to the headline figures)."""
    if c.has_original:
        return "dB lost (PSNR-Y of the block's\noutput, before − after)", 1.0
    return "relative change of the block's\noutput ‖y′ − y‖ / ‖y‖ (%)", 100.0


def plot_causal(c, title: str | None = None):
    """One model's causal clues on one block: a 3×3 map of the single-block interventions (each neighbour's AC → 0;
    the centre: the block's own AC → 0, drawn hatched because it is on another scale) and the block's output before,
    with the neighbours' AC removed, with the strongest neighbour's AC removed, and the original when known.

    c: :class:`explain.probes.causal.CausalClues`. Returns a matplotlib Figure.
    """
    label, factor = _figure_words(c)
    grid = c.neighbour_grid() * factor
    neighbours = grid.copy()
    neighbours[1, 1] = np.nan
    finite = neighbours[np.isfinite(neighbours)]
    bound = float(np.max(np.abs(finite))) if finite.size and np.max(np.abs(finite)) > 0 else 1.0
    panels = [("before (as the model rebuilt it)", c.output)]
    if "neighbours_ac" in c.outputs_after:
        panels.append(("the 8 neighbours' AC → 0", c.outputs_after["neighbours_ac"]))
    strongest = c.strongest_neighbour()
    if strongest is not None and f"neighbour_{_key(strongest[0])}" in c.outputs_after:
        panels.append((f"{NEIGHBOUR_WORDS[strongest[0]]}: AC → 0", c.outputs_after[f"neighbour_{_key(strongest[0])}"]))
    if c.original is not None:
        panels.append(("the original", c.original))
    fig = plt.figure(figsize=(3.6 + 2.6 * len(panels), 3.9), layout="constrained")
    axes = fig.subplots(1, 1 + len(panels), gridspec_kw={"width_ratios": [1.35] + [1] * len(panels)})
    ax = axes[0]
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound)
    im = ax.imshow(neighbours, cmap="RdBu_r", norm=norm, extent=(-1.5, 1.5, 1.5, -1.5))
    ax.add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, facecolor="0.85", edgecolor="k", hatch="//", lw=1.2))
    unit = "dB" if c.has_original else "%"
    for r in range(3):
        for q in range(3):
            v = grid[r, q]
            text = "—" if not np.isfinite(v) else f"{v:+.2f}" if c.has_original else f"{v:.1f}"
            dark = (r, q) != (1, 1) and np.isfinite(v) and abs(v) > 0.6 * bound
            ax.text(q - 1, r - 1, text + ("" if not np.isfinite(v) else f" {unit}"), ha="center", va="center",
                    fontsize=9, color="w" if dark else "k")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_xlabel("block column offset (8 LR px)")
    ax.set_ylabel("block row offset (8 LR px)")
    ax.set_title("take one block's AC away: what the\nexplained block loses (hatched: its own AC)", fontsize=9)
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(label, fontsize=8)
    hh, ww = c.output.shape[:2]
    for axis, (name, img) in zip(axes[1:], panels):
        axis.imshow(np.clip(img, 0, 1), extent=(0, ww, hh, 0), interpolation="nearest")
        axis.set_title(name, fontsize=9)
        axis.set_xlabel("HR column in the block (px)")
        axis.set_ylabel("HR row in the block (px)")
    (r0, _), (c0, _) = c.block_box
    fig.suptitle(title or f"{c.model}: causal clues of the 8×8 block at LR ({r0}, {c0})", fontsize=11)
    return fig


def _key(offset) -> str:
    return NEIGHBOURS[tuple(offset)]



def plot_intervention(c, name: str, title: str | None = None):
    """The block's output before and after one intervention ``name`` (see
    :data:`explain.probes.causal.INTERVENTIONS`), their difference, and the original when known; the panel titles
    carry the figures (PSNR-Y against the original, or the relative change).

    c: :class:`explain.probes.causal.CausalClues` with ``outputs_after`` kept. Returns a matplotlib Figure.
    """
    if name not in c.outputs_after:
        raise ValueError(f"no output kept for intervention {name!r}; have {sorted(c.outputs_after)}")
    e = c.effects[name]
    before, after = c.output.astype(np.float64), c.outputs_after[name].astype(np.float64)
    diff = np.abs(after - before).mean(-1)
    panels = 4 if c.original is not None else 3
    fig = plt.figure(figsize=(2.4 * panels + 0.8, 3.3), layout="constrained")
    axes = fig.subplots(1, panels)
    hh, ww = before.shape[:2]
    extent = (0, ww, hh, 0)
    if c.has_original:
        t_before = f"before: PSNR-Y {c.psnr_model:.2f} dB"
        t_after = f"after: PSNR-Y {c.psnr_model - e.db_lost_model:.2f} dB ({-e.db_lost_model:+.2f} dB)"
    else:
        t_before, t_after = "before", f"after: changed by {100 * e.change_model:.1f} %"
    axes[0].imshow(np.clip(before, 0, 1), extent=extent, interpolation="nearest")
    axes[0].set_title(t_before, fontsize=9)
    axes[1].imshow(np.clip(after, 0, 1), extent=extent, interpolation="nearest")
    axes[1].set_title(t_after, fontsize=9)
    im = axes[2].imshow(diff, cmap="magma", extent=extent, interpolation="nearest", vmin=0)
    axes[2].set_title("|after − before|, mean of R, G, B", fontsize=8)
    cb = fig.colorbar(im, ax=axes[2], shrink=0.8)
    cb.set_label("intensity change ([0, 1] units)", fontsize=8)
    if c.original is not None:
        axes[3].imshow(np.clip(c.original, 0, 1), extent=extent, interpolation="nearest")
        axes[3].set_title("the original", fontsize=9)
    for ax in axes:
        ax.set_xlabel("HR column in the block (px)", fontsize=8)
        ax.set_ylabel("HR row in the block (px)", fontsize=8)
    fig.suptitle(title or f"{c.model}: {e.description}", fontsize=10)
    return fig


__all__ = ["plot_causal", "plot_intervention"]
