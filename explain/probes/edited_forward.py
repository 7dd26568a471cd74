"""Forward passes of crops that differ from one base crop only inside a small box, recomputing only what changed.

The causal clues (:mod:`explain.probes.causal`) run the model on 30-odd copies of one receptive crop, each edited in
one or a few 8×8 blocks around the explained block. A 3×3 convolution spreads a change by one pixel per layer, so at
depth d of the encoder only the edited box grown by d pixels differs from the unedited crop's activations; the rest
is the same. :class:`EditedForward` runs the unedited crop once through :class:`explain.probes.attribution.
ShrinkingObjective` (each layer only where the window still needs it), keeps every layer's activations, and for an
edited batch recomputes each layer only on (edited box grown by d) ∩ (what depth d must deliver), taking the
unchanged rest from the kept activations. The latent codes, and so the decoder's queries, are then exactly those of
the full computation up to float rounding (a test compares them). On the causal clues' edits (one block, or the 8
neighbours) this is about half of the encoder's convolutions.

Boxes are LR pixel boxes ((r0, r1), (c0, c1)), half-open, in the coordinates of the whole image.
"""

from __future__ import annotations

import torch

from .attribution import ShrinkingObjective, _sub, border_padded_conv
from .locality import grow_box

Box = tuple[tuple[int, int], tuple[int, int]]


def intersect(a: Box, b: Box) -> Box | None:
    """The intersection of two boxes, or None when it is empty."""
    (r0, r1), (c0, c1) = (max(a[0][0], b[0][0]), min(a[0][1], b[0][1])), (max(a[1][0], b[1][0]), min(a[1][1], b[1][1]))
    return ((r0, r1), (c0, c1)) if r0 < r1 and c0 < c1 else None


def changed_box(base: torch.Tensor, crops: torch.Tensor, frame: Box) -> Box | None:
    """The smallest box holding every pixel where any of ``crops`` (B, C, h, w) differs from ``base`` (C, h, w);
    both cover ``frame``. None when nothing differs."""
    diff = (crops != base[None]).any(dim=0).any(dim=0)  # (h, w)
    rows, cols = diff.any(dim=1).nonzero().flatten(), diff.any(dim=0).nonzero().flatten()
    if rows.numel() == 0:
        return None
    (a0, _), (b0, _) = frame
    return (a0 + int(rows[0]), a0 + int(rows[-1]) + 1), (b0 + int(cols[0]), b0 + int(cols[-1]) + 1)


class _Part:
    """A batch's activations on ``box`` only (B, C, h, w); elsewhere they equal the base's."""

    def __init__(self, values: torch.Tensor, box: Box):
        self.values, self.box = values, box


class EditedForward:
    """The window's output for crops that equal ``base`` outside a known box (see the module docstring).

    objective: a :class:`ShrinkingObjective` (its plan fixes the crop frame, the layer regions and the queries).
    base:      (3, hc, wc) the unedited LR crop on ``objective.plan.box``, in [0, 1].
    Call :meth:`region` with edited crops (B, 3, hc, wc) and the box their edits lie in; forward passes only
    (run under ``torch.inference_mode`` / ``no_grad``).
    """

    def __init__(self, objective: ShrinkingObjective, base: torch.Tensor):
        if not isinstance(objective, ShrinkingObjective):
            raise TypeError("EditedForward needs a ShrinkingObjective (see explain.probes.attribution.make_objective)")
        self.obj = objective
        self.base = base
        self.size = objective.plan.lr_size
        self._keep_base()

    # -- the base crop, every layer kept --------------------------------------------------------------------
    def _keep_base(self) -> None:
        x = self.base[None]
        self.kept = {}
        self.obj.features(x, keep=self.kept)
        self.base_region = self.obj.decode(x, self.kept["features"])[0]

    # -- one layer on the changed box only --------------------------------------------------------------------
    def _patched(self, kept: torch.Tensor, depth: int, part: _Part, want: Box) -> torch.Tensor:
        """(B, C, want) the activations at ``depth`` on ``want``: the base's, with ``part`` written over them."""
        out = _sub(kept, self.obj.regions[depth], want).expand(part.values.shape[0], -1, -1, -1).clone()
        over = intersect(part.box, want)
        if over is not None:
            _sub(out, want, over).copy_(_sub(part.values, part.box, over))
        return out

    def _conv(self, conv, kept: torch.Tensor, depth: int, part: _Part) -> _Part | None:
        """The 3×3 convolution from ``depth`` to ``depth + 1`` where its input changed (``part``); None when the
        change has left the region depth + 1 must deliver."""
        out_box = intersect(grow_box(part.box, 1, self.size), self.obj.regions[depth + 1])
        if out_box is None:
            return None
        need = grow_box(out_box, 1, self.size)  # inside regions[depth] (regions grow by one pixel per depth)
        out, got = border_padded_conv(conv, self._patched(kept, depth, part, need), need, self.size)
        return _Part(out, got)  # got == out_box: need is out_box grown by one pixel, clipped to the image

    def features(self, crops: torch.Tensor, box: Box | None) -> torch.Tensor:
        """Latent codes (B, C, lh, lw) on the latent box of ``crops`` (B, 3, hc, wc) that equal the base outside
        ``box`` (LR image coordinates; None: they equal the base)."""
        obj, reg, kept = self.obj, self.obj.regions, self.kept
        out = kept["features"].expand(crops.shape[0], -1, -1, -1).clone()
        change = None if box is None else intersect(box, reg[0])
        if change is None:
            return out
        enc = obj.model.encoder
        # each step returns None once the change can no longer reach the latent codes: they are then the base's
        head = self._conv(enc.head[0], kept["image"], 0, _Part(_sub((crops - 0.5) / 0.5, obj.plan.box, change), change))
        t, depth = head, 1
        for k, block in enumerate(enc.body[:-1]):
            y = None if t is None else self._conv(block.body[0], kept["stream"][k], depth, t)
            if y is None:
                return out
            y.values = torch.relu(y.values)
            y = self._conv(block.body[2], kept["mid"][k], depth + 1, y)
            if y is None:
                return out
            t = _Part(self._patched(kept["stream"][k], depth, t, y.box) + y.values * block.res_scale, y.box)
            depth += 2
        body = None if t is None else self._conv(enc.body[-1], kept["stream"][-1], depth, t)
        if body is not None:
            _sub(out, reg[-1], body.box).copy_(self._patched(kept["head"], 1, head, body.box) + body.values)
        return out

    def region(self, crops: torch.Tensor, box: Box | None) -> torch.Tensor:
        """The SR output (B, rh, rw, 3) over the plan's region for ``crops`` that equal the base outside ``box``."""
        if box is None:
            return self.base_region.expand(crops.shape[0], -1, -1, -1).clone()
        return self.obj.decode(crops, self.features(crops, box))


def edited_outputs(objective, base: torch.Tensor, groups, batch: int) -> dict:
    """{key: (B, rh, rw, 3) outputs} of edited crops, grouped ``[(key, crops (B, 3, hc, wc), box), …]``, each
    group in batches of ``batch``; through :class:`EditedForward` for a :class:`ShrinkingObjective`, else the plain
    ``objective.region``."""
    fast = EditedForward(objective, base) if isinstance(objective, ShrinkingObjective) else None
    outs = {}
    for key, crops, box in groups:
        parts = []
        for s in range(0, crops.shape[0], batch):
            chunk = crops[s: s + batch]
            parts.append(fast.region(chunk, box) if fast is not None else objective.region(chunk))
        outs[key] = torch.cat(parts)
    return outs
