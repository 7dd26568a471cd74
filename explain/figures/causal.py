"""The causal-clue picture: the explained block and its 8 neighbours coloured by what taking each away costs, with
the block's output before and after (:class:`explain.probes.causal.CausalClues`)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..probes.causal import NEIGHBOUR_WORDS, NEIGHBOURS
from ..probes.frequency import BLOCK
from .layout import (
    BAR,
    BAR_PAD,
    BAR_TEXT,
    BELOW,
    LEFT,
    TITLE2,
    FigureMismatch,
    axes_at,
    colorbar_beside,
    contrast_stretch,
    fix_axis_labels,
    keep_for_refill,
    legend_below,
    new_figure,
    refill_state,
    stretch_words,
    stretched,
    title_at_top,
)


def _figure_words(c) -> tuple[str, float]:
    """(colour-bar label, factor applied to the headline figures)."""
    if c.has_original:
        return "dB lost (PSNR-Y of the block's\noutput, before − after)", 1.0
    return "relative change of the block's\noutput ‖y′ − y‖ / ‖y‖ (%)", 100.0


def _causal_panels(c) -> list:
    """(title, crop) of the output crops shown right of the 3×3 map."""
    panels = [("before (as the model\nrebuilt it)", c.output)]
    if "neighbours_ac" in c.outputs_after:
        panels.append(("the 8 neighbours'\nAC → 0", c.outputs_after["neighbours_ac"]))
    strongest = c.strongest_neighbour()
    if strongest is not None and f"neighbour_{_key(strongest[0])}" in c.outputs_after:
        panels.append((f"{NEIGHBOUR_WORDS[strongest[0]]}:\nAC → 0", c.outputs_after[f"neighbour_{_key(strongest[0])}"]))
    if c.original is not None:
        panels.append(("the original", c.original))
    return panels


def plot_causal(c, title: str | None = None, photo=None):
    """One model's causal clues on one block: a 3×3 map of the single-block interventions (each neighbour's AC → 0;
    the centre: the block's own AC → 0, drawn hatched because it is on another scale) and the block's output before,
    with the neighbours' AC removed, with the strongest neighbour's AC removed, and the original when known.

    The output crops share one contrast stretch (1st–99th percentile of all of them, stated under the panels), so
    a dark block shows its detail and before / after / original compare. ``photo``: the whole LR image (h, w, 3) in
    [0, 1]; when given, a last panel shows where the block and its 8 neighbours sit on it (its own stretch).

    c: :class:`explain.probes.causal.CausalClues`. Returns a matplotlib Figure that :func:`redraw_causal` can fill
    again for another block of the same photo.
    """
    label, _ = _figure_words(c)
    panels = _causal_panels(c)
    side, crop, loc = 2.5, 1.9, 2.6  # the 3×3 map, an output crop, the locator (inches)
    below = BELOW + 0.55  # axis labels, then the legend and the stretch note
    x_crops = LEFT + side + BAR_PAD + BAR + BAR_TEXT + 0.5
    x_locator = x_crops + len(panels) * (crop + 0.25) + 0.45
    width = x_locator + (loc + 0.2 if photo is not None else -0.4)
    fig = new_figure(width, below + side + TITLE2 + 0.4)
    ax = axes_at(fig, LEFT, below, side, side)
    im = ax.imshow(np.zeros((3, 3)), cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0),
                   extent=(-1.5, 1.5, 1.5, -1.5))
    ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, facecolor="0.85", edgecolor="k", hatch="//", lw=1.2))
    values = [ax.text(q - 1, r - 1, "", ha="center", va="center", fontsize=9) for r in range(3) for q in range(3)]
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_xlabel("block column offset (8 LR px)", fontsize=9)
    ax.set_ylabel("block row offset (8 LR px)", fontsize=9)
    ax.set_title("take one block's AC away: what the\nexplained block loses (hatched: its own AC)", fontsize=9)
    colorbar_beside(fig, im, ax, label, fontsize=8)
    hh, ww = c.output.shape[:2]
    ticks = [0, ww // 2, ww]
    crops = []
    for k in range(len(panels)):
        axis = axes_at(fig, x_crops + k * (crop + 0.25), below + (side - crop) / 2, crop, crop)
        crops.append(axis.imshow(np.zeros((hh, ww, 3)), extent=(0, ww, hh, 0), interpolation="nearest"))
        axis.set_xticks(ticks)
        axis.set_yticks([0, hh // 2, hh] if k == 0 else [])
        axis.tick_params(labelsize=8)
        axis.set_xlabel("HR column in the block (px)", fontsize=8)
        if k == 0:
            axis.set_ylabel("HR row in the block (px)", fontsize=8)
    locator = _locator(fig, photo, (x_locator, below, loc, side)) if photo is not None else None
    if locator is not None:
        legend_below(fig, locator["handles"], y=0.3, fontsize=8)
    note = fig.text(0.5, 0.05 / fig.get_size_inches()[1], "", ha="center", va="bottom", fontsize=8)
    keep_for_refill(fix_axis_labels(fig), "causal", (len(panels), hh, ww, c.has_original, photo is not None),
                    map=im, values=values, crops=crops, locator=locator, note=note,
                    title=title_at_top(fig, "", fontsize=11), photo=photo)
    return redraw_causal(fig, c, title, photo)


def redraw_causal(fig, c, title: str | None = None, photo=None):
    """Fill a :func:`plot_causal` figure with another block's causal clues ``c`` (the same photo, as many crops of
    the same size, with or without the original as the figure): new data, colour scale and words, no new artists.
    Returns ``fig``; raises :class:`explain.figures.layout.FigureMismatch` otherwise."""
    label, factor = _figure_words(c)
    panels = _causal_panels(c)
    st = refill_state(fig, "causal", (len(panels), *c.output.shape[:2], c.has_original, photo is not None))
    if st["photo"] is not photo:
        raise FigureMismatch("this causal figure locates its blocks on another photo")
    grid = c.neighbour_grid() * factor
    neighbours = grid.copy()
    neighbours[1, 1] = np.nan
    finite = neighbours[np.isfinite(neighbours)]
    bound = float(np.max(np.abs(finite))) if finite.size and np.max(np.abs(finite)) > 0 else 1.0
    st["map"].set_data(neighbours)
    st["map"].set_clim(-bound, bound)
    unit = "dB" if c.has_original else "%"
    for text, (r, q) in zip(st["values"], [(r, q) for r in range(3) for q in range(3)]):
        v = grid[r, q]
        words = "—" if not np.isfinite(v) else f"{v:+.2f}" if c.has_original else f"{v:.1f}"
        dark = (r, q) != (1, 1) and np.isfinite(v) and abs(v) > 0.6 * bound
        text.set_text(words + ("" if not np.isfinite(v) else f" {unit}"))
        text.set_color("w" if dark else "k")
    lo, hi = contrast_stretch(*(img for _, img in panels))
    for im, (name, img) in zip(st["crops"], panels):
        im.set_data(stretched(img, lo, hi))
        im.axes.set_title(name, fontsize=9)
    if st["locator"] is not None:
        _move_locator(st["locator"], c.block_box)
    st["note"].set_text(stretch_words(lo, hi, "the output crops"))
    (r0, r1), (c0, c1) = c.block_box
    st["title"].set_text(title or f"{c.model}: causal clues of the 8×8 block at LR ({r0}, {c0})")
    return fig


LOCATOR_BLOCK = {"edgecolor": "#00e5ff", "linewidth": 1.4, "fill": False}
LOCATOR_WINDOW = {"edgecolor": "#ffd400", "linewidth": 1.0, "linestyle": "--", "fill": False}
LOCATOR_RING = {"marker": "o", "markersize": 14, "markerfacecolor": "none", "markeredgecolor": "#ff3df5",
                "markeredgewidth": 1.6}


def _locator(fig, photo, rect) -> dict:
    """The whole LR photo in the box ``rect`` (x, y, w, h inches; the image keeps its aspect) with boxes for the
    explained block and its 8 neighbours (placed by :func:`_move_locator`); returns the boxes, the photo's size
    and the legend handles of the boxes."""
    from matplotlib.patches import Patch

    img = np.asarray(photo, dtype=np.float32)
    h, w = img.shape[:2]
    x, y, bw, bh = rect
    ax = axes_at(fig, x, y, bw, bh)
    lo, hi = contrast_stretch(img)
    ax.imshow(stretched(img, lo, hi), extent=(0, w, h, 0),
              interpolation="nearest" if max(h, w) < 600 else "antialiased")
    boxes = [ax.add_patch(Rectangle((0, 0), 1, 1, **LOCATOR_BLOCK)), ax.add_patch(Rectangle((0, 0), 1, 1,
                                                                                            **LOCATOR_WINDOW))]
    large = max(h, w) > 12 * 3 * BLOCK  # the boxes would shrink to a few pixels: a ring of fixed size marks them
    ring = ax.plot([], [], linestyle="none", **LOCATOR_RING)[0] if large else None
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("column (LR px)", fontsize=8)
    ax.set_ylabel("row (LR px)", fontsize=8)
    ax.set_title("where the block sits on the photo" + ("" if (lo, hi) == (0.0, 1.0) else
                                                         f"\n(stretched {lo:.2f}–{hi:.2f} → black–white)"),
                 fontsize=9)
    handles = [Patch(facecolor="none", label="explained 8×8 block", **{k: v for k, v in LOCATOR_BLOCK.items()
                                                                        if k != "fill"}),
               Patch(facecolor="none", label="its 8 neighbouring blocks", **{k: v for k, v in LOCATOR_WINDOW.items()
                                                                             if k != "fill"})]
    if large:
        handles.append(Line2D([], [], linestyle="none", label="around them (large photo)", **LOCATOR_RING))
    return {"boxes": boxes, "ring": ring, "size": (h, w), "handles": handles}


def _move_locator(locator, block_box) -> None:
    """Box the block ``block_box`` ((r0, r1), (c0, c1) LR) and its 8 neighbours (clipped to the photo)."""
    h, w = locator["size"]
    (r0, r1), (c0, c1) = block_box
    a0, a1, b0, b1 = max(0, r0 - BLOCK), min(h, r1 + BLOCK), max(0, c0 - BLOCK), min(w, c1 + BLOCK)
    locator["boxes"][0].set_bounds(c0, r0, c1 - c0, r1 - r0)
    locator["boxes"][1].set_bounds(b0, a0, b1 - b0, a1 - a0)
    if locator["ring"] is not None:
        locator["ring"].set_data([(c0 + c1) / 2], [(r0 + r1) / 2])


def _key(offset) -> str:
    return NEIGHBOURS[tuple(offset)]



def plot_intervention(c, name: str, title: str | None = None):
    """The block's output before and after one intervention ``name`` (see
    :data:`explain.probes.causal.INTERVENTIONS`), their difference, and the original when known; the panel titles
    carry the figures (PSNR-Y against the original, or the relative change). Before, after and the original share
    one contrast stretch (1st–99th percentile of the three, stated under the panels).

    c: :class:`explain.probes.causal.CausalClues` with ``outputs_after`` kept. Returns a matplotlib Figure that
    :func:`redraw_intervention` can fill again for another intervention or block.
    """
    panels = 4 if c.original is not None else 3
    hh, ww = c.output.shape[:2]
    side = 2.0
    below = BELOW + 0.3  # axis labels, then the stretch note
    x = [LEFT + k * (side + 0.3) for k in range(3)]  # before, after, |difference| (its colour bar right of it)
    if panels == 4:
        x.append(x[2] + side + BAR_PAD + BAR + BAR_TEXT + 0.1)
    fig = new_figure(x[-1] + side + (0.15 if panels == 4 else BAR_PAD + BAR + BAR_TEXT), below + side + TITLE2 + 0.35)
    axes = [axes_at(fig, v, below, side, side) for v in x]
    extent = (0, ww, hh, 0)
    blank = np.zeros((hh, ww, 3), dtype=np.float32)
    st = {"panels": panels, "shape": (hh, ww), "axes": axes,
          "images": [ax.imshow(blank, extent=extent, interpolation="nearest") for ax in axes[:2]]}
    st["diff"] = axes[2].imshow(blank[..., 0], cmap="magma", extent=extent, interpolation="nearest", vmin=0, vmax=1)
    colorbar_beside(fig, st["diff"], axes[2], "intensity change\n([0, 1] units)", fontsize=8)
    axes[2].set_title("|after − before|,\nmean of R, G, B", fontsize=8)
    if panels == 4:
        st["images"].append(axes[3].imshow(blank, extent=extent, interpolation="nearest"))
        axes[3].set_title("the original", fontsize=9)
    for k, ax in enumerate(axes):
        ax.set_xticks([0, ww // 2, ww])
        ax.set_yticks([0, hh // 2, hh] if k == 0 else [])
        ax.tick_params(labelsize=8)
        ax.set_xlabel("HR column in the block (px)", fontsize=8)
    axes[0].set_ylabel("HR row in the block (px)", fontsize=8)
    st["note"] = fig.text(0.5, 0.05 / fig.get_size_inches()[1], "", ha="center", va="bottom", fontsize=8)
    st["title"] = title_at_top(fig, "", fontsize=10)
    fig._intervention_state = st
    return redraw_intervention(fix_axis_labels(fig), c, name, title)


def redraw_intervention(fig, c, name: str, title: str | None = None):
    """Fill a :func:`plot_intervention` figure again (new data, limits of the colour scale, titles and note; no
    new artists) for intervention ``name`` of ``c``; ``c`` must have the figure's output size and, as the figure,
    an original or none. Returns ``fig``."""
    st = getattr(fig, "_intervention_state", None)
    if st is None:
        raise ValueError("fig was not made by plot_intervention")
    if name not in c.outputs_after:
        raise ValueError(f"no output kept for intervention {name!r}; have {sorted(c.outputs_after)}")
    if c.output.shape[:2] != st["shape"] or (c.original is not None) != (st["panels"] == 4):
        raise ValueError("the figure shows another block size or was made with(out) an original")
    e = c.effects[name]
    before, after = c.output.astype(np.float64), c.outputs_after[name].astype(np.float64)
    diff = np.abs(after - before).mean(-1)
    if c.has_original:
        t_before = f"before: PSNR-Y\n{c.psnr_model:.2f} dB"
        t_after = f"after: PSNR-Y {c.psnr_model - e.db_lost_model:.2f} dB\n({-e.db_lost_model:+.2f} dB)"
    else:
        t_before, t_after = "before", f"after: changed\nby {100 * e.change_model:.1f} %"
    shown = [before, after] + ([c.original] if c.original is not None else [])
    lo, hi = contrast_stretch(*shown)
    for im, img in zip(st["images"], shown):
        im.set_data(stretched(img, lo, hi))
    st["axes"][0].set_title(t_before, fontsize=9)
    st["axes"][1].set_title(t_after, fontsize=9)
    st["diff"].set_data(diff)
    st["diff"].set_clim(0, max(float(diff.max()), 1e-6))
    st["note"].set_text(stretch_words(lo, hi, "before, after and the original" if c.original is not None else
                                      "before and after"))
    st["title"].set_text(title or f"{c.model}: {e.description}")
    return fig


__all__ = ["plot_causal", "redraw_causal", "plot_intervention", "redraw_intervention", "contrast_stretch"]
