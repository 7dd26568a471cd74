"""Interactive causal view: pick an 8×8 block, then take a clue away and see what the rebuilt block loses.

A click on the LR image (ipympl) inside one of the 8 blocks around the explained one removes that block's AC
coefficients (DC kept) and redraws the block's output before and after, beside the original when it is known,
with the dB lost (:func:`explain.probes.causal.causal_clues`, :func:`explain.figures.plot_intervention`); a click
on the explained block itself removes its own AC; a click farther away makes the clicked block the explained one.
The "erase" dropdown offers every intervention. All interventions of a (model, block) are computed together once
(15 + ``draws`` forward passes on the block's receptive crop) and memoised, so switching between them is instant.

Coordinates: blocks are given by an LR pixel (row, col) inside them, on the grid at ``grid_phase``.
"""

from __future__ import annotations

from ..figures.causal import plot_intervention, redraw_intervention
from ..images import load_image
from ..probes.causal import INTERVENTIONS, NEIGHBOURS, causal_clues
from ..probes.clues import block_of
from ..report.causal_words import CLUE_WORDS
from ..upscale import output_size
from ._base import View, as_models, dropdown, refilled_or_new, slider

BLOCK = 8


class CausalView(View):
    """What one model loses on one block when a clue is taken away.

    models: a model, a shipped name / path, or a dict name → model; lr: the LR image (the decoded JPEG);
    scale: output scale; block: an LR pixel (row, col) inside the block to explain (default: the centre);
    grid_phase: the JPEG grid; original: the HR original at the output size (for dB), or None;
    baseline_quality: the coarser quality of ``neighbours_coarse``; draws: natural-content draws;
    click: show the LR image on a canvas where a click picks a neighbour (or a new block); None: when ipympl is
    installed.

    ``result`` is the :class:`explain.probes.causal.CausalClues` of the current model and block; ``text`` lists
    every intervention's figure.
    """

    title = "Take a clue away"

    def __init__(self, models, lr, scale: float = 4, block=None, grid_phase=(0, 0), original=None,
                 baseline_quality: int = 5, draws: int = 16, erase: str = "neighbours_ac",
                 click: bool | None = None, cache=None, render: bool = True):
        super().__init__(cache, render)
        self.models = as_models(models)
        self.lr = load_image(lr)
        self.scale = float(scale)
        self.out_size = output_size(self.lr.shape, self.scale)
        h, w = self.lr.shape[:2]
        self.grid_phase = (int(grid_phase[0]) % BLOCK, int(grid_phase[1]) % BLOCK)
        self.original = None if original is None else load_image(original)
        if self.original is not None and self.original.shape[:2] != self.out_size:
            raise ValueError(f"the original is {self.original.shape[1]}×{self.original.shape[0]} pixels but the "
                             f"output is {self.out_size[1]}×{self.out_size[0]} (scale × the image)")
        if erase not in INTERVENTIONS:
            raise ValueError(f"erase must be one of {list(INTERVENTIONS)}, got {erase!r}")
        self.baseline_quality, self.draws = int(baseline_quality), int(draws)
        r, c = block if block is not None else (h // 2, w // 2)
        block_of((r, c), self.grid_phase, (h, w))  # a block outside the image is refused here
        self._memo: dict = {}
        self.controls = {
            "model": dropdown("model", list(self.models), next(iter(self.models))),
            "row": slider("block row (LR px)", r, 0, h - 1),
            "col": slider("block col (LR px)", c, 0, w - 1),
            # words for people on the list, the intervention's name (as in report.json) as the value
            "erase": dropdown("erase", [(CLUE_WORDS.get(k, k), k) for k in INTERVENTIONS], erase),
        }
        if click is None:
            from .pick import ipympl_available

            click = ipympl_available()
        if click:
            from .pick import WindowPicker, ipympl_available

            if not ipympl_available():
                raise ValueError("click=True needs ipympl (pip install -e '.[lab]')")
            self.picker = WindowPicker(self.lr, self._on_pick_lr, title="click a neighbouring block to erase it",
                                       label="explained block",
                                       block=BLOCK if self.grid_phase == (0, 0) else None)
        self._wire()
        self.update()

    @property
    def block_box(self):
        """((r0, r1), (c0, c1)) LR rows/cols of the explained block."""
        return block_of((self.value("row"), self.value("col")), self.grid_phase, self.lr.shape[:2])[1]

    def pick(self, row: int, col: int) -> None:
        """A click at LR pixel (row, col): a neighbouring block → erase it; the explained block → its own AC;
        anything else → explain the block there (the erased clue stays)."""
        (r0, r1), (c0, c1) = self.block_box
        dr = -1 if row < r0 else (1 if row >= r1 else 0)
        dc = -1 if col < c0 else (1 if col >= c1 else 0)
        near = r0 - BLOCK <= row < r1 + BLOCK and c0 - BLOCK <= col < c1 + BLOCK
        if near and (dr, dc) == (0, 0):
            self.set(erase="own_ac")
        elif near:
            self.set(erase=f"neighbour_{NEIGHBOURS[(dr, dc)]}")
        else:
            self.set(row=int(row), col=int(col))

    def _on_pick_lr(self, row: float, col: float) -> None:
        h, w = self.lr.shape[:2]
        self.pick(min(max(int(round(row)), 0), h - 1), min(max(int(round(col)), 0), w - 1))

    def _status_words(self) -> str:
        (r0, _), (c0, _) = self.block_box
        return f"{self.value('erase')} on the block at LR ({r0}, {c0}), {self.value('model')}"

    def _mark_window(self) -> None:
        if self.picker is not None:
            (r0, r1), (c0, c1) = self.block_box
            self.picker.mark((r0, c0, r1 - r0, c1 - c0))

    def _clues(self, name: str):
        key = (name, self.block_box)
        if key not in self._memo:
            self._memo[key] = causal_clues(self.models[name], self.lr, (self.value("row"), self.value("col")),
                                           size=self.out_size, grid_phase=self.grid_phase,
                                           baseline_quality=self.baseline_quality, original=self.original,
                                           draws=self.draws, name=name)
        return self._memo[key]

    def _compute(self):
        name = self.value("model")
        c = self._clues(name)
        erase = self.value("erase")
        if erase not in c.outputs_after:
            raise ValueError(f"{erase} is not possible here: that block lies outside the image")
        # the same figure filled again (its artists reused), or a new one where the block's shape changed
        fig = refilled_or_new(self.figure, lambda f: redraw_intervention(f, c, erase),
                              lambda: plot_intervention(c, erase))
        return c, fig, summarise(c)


def summarise(c) -> str:
    """Plain-text figures of every intervention of a :class:`explain.probes.causal.CausalClues`."""
    (r0, _), (c0, _) = c.block_box
    head = f"{c.model}, the 8×8 block at LR ({r0}, {c0})"
    if c.has_original:
        head += (f": PSNR-Y {c.psnr_model:.2f} dB, bicubic {c.psnr_bicubic:.2f} dB; figures are dB lost "
                 "(before − after), model / bicubic")
    else:
        head += ": figures are the relative change of the block's output, model / bicubic (no original given)"
    lines = [head]
    for name, e in c.effects.items():
        if c.has_original:
            lines.append(f"{name:<22} {e.db_lost_model:+7.2f} / {e.db_lost_bicubic:+6.2f} dB")
        else:
            lines.append(f"{name:<22} {100 * e.change_model:6.1f} % / {100 * e.change_bicubic:5.1f} %")
    return "\n".join(lines)
