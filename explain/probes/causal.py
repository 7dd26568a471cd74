"""Causal clues: take a clue away in the JPEG's own domain and measure what the rebuilt block loses.

Gradient maps say where a model *could* look; an intervention says what it *uses*. For one explained 8×8 block
(the output of the LR block that holds pixel ``block``), the decoded image's blockwise 8×8 DCT (JFIF Y / Cb / Cr
at full resolution, on the file's grid phase: :mod:`explain.probes.frequency`) is edited in the block and its 8
neighbours, decoded back to pixels, clipped to [0, 1], and run through the model on the block's exact receptive
crop (forward passes only, batched). The block's output before and after is compared:

* always: the **relative change** ‖y′ − y‖₂ / ‖y‖₂ of the block's output (RGB, clamped to [0, 1] as
  :func:`explain.upscale` clamps), for the model and for bicubic on the same intervened input, so "the model reacts
  k× as much as an interpolator";
* with the original (HR = scale × the photo): ``db_lost`` = PSNR-Y of the block's output before minus after (a
  positive number is detail lost), for the model and for bicubic, and the share of the model's gain over bicubic
  that the intervention removes.

This is Causal Effect Maps' question (Hu et al., arXiv 2407.19789: replace an input region, measure the signed
ΔPSNR of an output region) asked of the JPEG's own parts: coefficients, bands, components and 8×8 blocks. A
network with random weights has no rebuilt detail to lose, so these figures are about what training taught the
model, not about its architecture (compare with :func:`randomised_copy`'s, and with the control model's, using
:func:`compare_effects`).

Interventions (names as in ``report.json``), all on the 3×3 blocks around the explained one, DC kept unless said:

* ``own_ac``: the block's own AC → 0 (Y, Cb, Cr);
* ``neighbours_ac``: every AC of the 8 neighbours → 0, the explained block untouched;
* ``neighbours_low_ac`` / ``neighbours_high_ac``: only the neighbours' AC with 1 ≤ u + v ≤ 2 / with u + v > 2;
* ``neighbours_coarse``: the neighbours requantised with the IJG tables of the coarser baseline quality;
* ``chroma_ac``: the Cb and Cr AC of all 9 blocks → 0;
* ``neighbour_above_left`` … ``neighbour_below_right``: one neighbour's AC → 0 (which neighbour mattered most);
* ``neighbours_natural``: each neighbour's AC replaced by that of a natural 8×8 block drawn from a bank of images
  scikit-image ships (``draws`` draws, mean and 95 % interval): "this content" against "any content".

Coordinates: LR pixel (row, col), 0-based; blocks start at rows ≡ grid_phase[0], cols ≡ grid_phase[1] (mod 8).
The model is used through ``encode`` / ``query`` only (via :func:`explain.probes.attribution.make_objective`).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..checks import check_positive_int
from ..images import bicubic_window, downscale, load_image
from ..jpeg_facts import ijg_table
from ..metrics import rgb_to_y
from ..models import load_model
from ..models.local import evaluating
from ..upscale import output_size
from ._lr_query import block_phase
from .attribution import make_objective
from .clues import _hr_window, block_of  # the block and its HR window exactly as the gradient clues take them
from .edited_forward import changed_box, edited_outputs
from .frequency import BLOCK, JFIF_INV, band_masks, block_dct, block_idct, coefficients_of, rgb_to_centred
from .locality import plan_window

# (row, col) block offset → the name part and the words of each neighbour
NEIGHBOURS = {(-1, -1): "above_left", (-1, 0): "above", (-1, 1): "above_right", (0, -1): "left", (0, 1): "right",
              (1, -1): "below_left", (1, 0): "below", (1, 1): "below_right"}
NEIGHBOUR_WORDS = {(-1, -1): "the block above-left", (-1, 0): "the block above", (-1, 1): "the block above-right",
                   (0, -1): "the block to the left", (0, 1): "the block to the right",
                   (1, -1): "the block below-left", (1, 0): "the block below", (1, 1): "the block below-right"}
INTERVENTIONS = {
    "own_ac": "the block's own AC coefficients → 0 (DC kept)",
    "neighbours_ac": "every AC coefficient of the 8 neighbouring blocks → 0 (DC kept)",
    "neighbours_low_ac": "the 8 neighbours' lowest AC (1 ≤ u + v ≤ 2) → 0",
    "neighbours_high_ac": "the 8 neighbours' higher AC (u + v > 2) → 0",
    "neighbours_coarse": "the 8 neighbours requantised at the coarser baseline quality",
    "chroma_ac": "the Cb and Cr AC of the 3×3 blocks → 0",
    **{f"neighbour_{k}": f"{NEIGHBOUR_WORDS[o]}: its AC → 0" for o, k in NEIGHBOURS.items()},
    "neighbours_natural": "each neighbour's AC replaced by a natural block's (same DC)",
}
DRAWS = 16  # natural-content draws (the issue asks for at least 16)
BANK_IMAGES = ("coffee", "chelsea", "rocket")  # natural photos scikit-image ships (not the tour's astronaut)
TILE = 4  # HR pixels a side of the tiles the paired bootstrap resamples (one LR pixel at ×4)


# ------------------------------------------------------------------------------------------------ results
@dataclass
class Effect:
    """What one intervention did to the explained block's output.

    name, description:  see :data:`INTERVENTIONS`.
    change_model, change_bicubic: relative change ‖y′ − y‖₂ / ‖y‖₂ of the block's output (RGB in [0, 1]).
    db_lost_model, db_lost_bicubic: PSNR-Y before minus after, dB (None without the original).
    gain_lost_share:    (gain − gain′) / gain of the model's PSNR-Y gain over bicubic (before, and on the intervened
                        input); None without the original or when the model does not beat bicubic here (gain ≤ 0.05
                        dB).
    draws:              for ``neighbours_natural``: the per-draw db_lost (with the original) or change (without);
                        ``interval`` their 2.5 / 97.5 percentiles; the ``*_model`` figures are the draws' means.
    """

    name: str
    description: str
    change_model: float
    change_bicubic: float
    db_lost_model: float | None = None
    db_lost_bicubic: float | None = None
    gain_lost_share: float | None = None
    draws: list[float] | None = None
    interval: tuple[float, float] | None = None

    @property
    def reaction_ratio(self) -> float:
        """How many times as much the model's output changed as bicubic's (NaN when bicubic did not change)."""
        return self.change_model / self.change_bicubic if self.change_bicubic > 0 else float("nan")

    @property
    def figure(self) -> float:
        """The headline figure: db_lost_model with the original, else the relative change."""
        return self.db_lost_model if self.db_lost_model is not None else self.change_model

    def to_dict(self) -> dict:
        return {"description": self.description, "change_model": self.change_model,
                "change_bicubic": self.change_bicubic, "reaction_ratio": self.reaction_ratio,
                "db_lost_model": self.db_lost_model, "db_lost_bicubic": self.db_lost_bicubic,
                "gain_lost_share": self.gain_lost_share, "draws": self.draws, "interval": self.interval}


@dataclass
class CausalClues:
    """Every intervention on one block, for one model.

    model:         the model's name; ``block`` the (i, j) grid index of the block, ``block_box`` its LR rows/cols.
    window:        the block's output window (row, col, height, width) in HR pixels of ``output_size``.
    effects:       name → :class:`Effect`, in :data:`INTERVENTIONS` order (neighbours outside the image are left out).
    output:        (hh, ww, 3) the block's output before any intervention, in [0, 1]; ``bicubic`` the same for bicubic.
    outputs_after: name → (hh, ww, 3) output after each single intervention (``neighbours_natural``: the first draw).
    original:      (hh, ww, 3) the original's window, or None.
    psnr_model, psnr_bicubic: PSNR-Y of the block's output before (None without the original).
    pixel_terms:   name → (n_tiles, 2) per-tile sums used by :func:`compare_effects`' paired bootstrap: with the
                   original, the squared Y error after and before; without, the squared change and the squared
                   output (RGB). Tiles are :data:`TILE`² HR pixels.
    """

    model: str
    block: tuple[int, int]
    block_box: tuple[tuple[int, int], tuple[int, int]]
    window: tuple[int, int, int, int]
    output_size: tuple[int, int]
    grid_phase: tuple[int, int]
    baseline_quality: int
    effects: dict[str, Effect]
    output: np.ndarray = field(repr=False)
    bicubic: np.ndarray = field(repr=False)
    outputs_after: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    original: np.ndarray | None = field(default=None, repr=False)
    psnr_model: float | None = None
    psnr_bicubic: float | None = None
    pixel_terms: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    @property
    def has_original(self) -> bool:
        return self.original is not None

    @property
    def gain_db(self) -> float | None:
        """The model's PSNR-Y gain over bicubic on this block (None without the original)."""
        if self.psnr_model is None or self.psnr_bicubic is None:
            return None
        return self.psnr_model - self.psnr_bicubic

    def neighbour_grid(self) -> np.ndarray:
        """(3, 3) headline figure of each single-block intervention: the 8 neighbours' ``neighbour_*``, the centre
        ``own_ac``; NaN for a neighbour outside the image."""
        grid = np.full((3, 3), np.nan)
        for (dr, dc), key in NEIGHBOURS.items():
            e = self.effects.get(f"neighbour_{key}")
            if e is not None:
                grid[dr + 1, dc + 1] = e.figure
        grid[1, 1] = self.effects["own_ac"].figure
        return grid

    def strongest_neighbour(self) -> tuple[tuple[int, int], Effect] | None:
        """(offset, effect) of the neighbour whose AC mattered most (largest headline figure)."""
        found = [(o, self.effects[f"neighbour_{k}"]) for o, k in NEIGHBOURS.items() if f"neighbour_{k}" in self.effects]
        return max(found, key=lambda oe: oe[1].figure) if found else None

    def strongest(self) -> str:
        """Name of the single intervention with the largest headline figure (own block and neighbours included)."""
        return max((n for n in self.effects if n != "neighbours_natural"), key=lambda n: self.effects[n].figure)

    def to_dict(self) -> dict:
        from ..jpeg_facts import _json_safe

        return _json_safe({
            "model": self.model, "block": self.block, "block_box": self.block_box, "window_hr": self.window,
            "output_size": self.output_size, "grid_phase": self.grid_phase, "baseline_quality": self.baseline_quality,
            "has_original": self.has_original, "psnr_model": self.psnr_model, "psnr_bicubic": self.psnr_bicubic,
            "gain_db": self.gain_db, "figure": "db_lost_model" if self.has_original else "change_model",
            "interventions": {k: e.to_dict() for k, e in self.effects.items()}, "seconds": self.seconds})


# --------------------------------------------------------------------------------------- the natural bank
@functools.lru_cache(maxsize=2)
def natural_bank(seed: int = 0, per_image: int = 400) -> np.ndarray:
    """(N, 3, 8, 8) DCT coefficients (JPEG units, Y / Cb / Cr, indexed [v, u]) of natural 8×8 blocks: every
    block of :data:`BANK_IMAGES` downscaled ×2 (PIL bicubic), ``per_image`` drawn from each with ``seed``."""
    rng = np.random.default_rng(seed)
    parts = []
    for name in BANK_IMAGES:
        img = downscale(load_image(name), 2)
        h, w = (s - s % BLOCK for s in img.shape[:2])
        coeffs = block_dct(rgb_to_centred(img[:h, :w].astype(np.float64).transpose(2, 0, 1)))  # (3, nr, nc, 8, 8)
        flat = coeffs.transpose(1, 2, 0, 3, 4).reshape(-1, 3, BLOCK, BLOCK)
        parts.append(flat[rng.choice(len(flat), size=min(per_image, len(flat)), replace=False)])
    return np.concatenate(parts)


# ------------------------------------------------------------------------------------------ interventions
def _requantise(x: np.ndarray, quality: int) -> np.ndarray:
    """(3, …, 8, 8) coefficients rounded to the IJG quantiser of ``quality`` (luma table for Y, chroma for Cb/Cr)."""
    q = np.stack([ijg_table(quality), ijg_table(quality, chroma=True), ijg_table(quality, chroma=True)])
    q = q.reshape((3,) + (1,) * (x.ndim - 3) + (BLOCK, BLOCK)).astype(np.float64)
    return np.round(x / q) * q


def coefficient_edits(x: np.ndarray, present: np.ndarray, baseline_quality: int, draws: int, seed: int
                      ) -> dict[str, list[np.ndarray]]:
    """The edited coefficients of every intervention, as changes δ (3, 3, 3, 8, 8) to ``x`` (the 3×3 blocks'
    coefficients [component, block row, block col, v, u], centre = the explained block).

    present: (3, 3) bool, the blocks inside the image (edits of the others are skipped).
    Returns name → list of δ (one, or ``draws`` for ``neighbours_natural``).
    """
    masks = band_masks()
    ac = ~masks["dc"]
    low, high = masks["low_ac"], masks["high_ac"]
    neighbours = np.ones((3, 3), dtype=bool)
    neighbours[1, 1] = False
    neighbours &= present

    def zero(blocks: np.ndarray, freq: np.ndarray, comps=(0, 1, 2)) -> np.ndarray:
        sel = np.zeros(x.shape, dtype=bool)
        for c in comps:
            sel[c] = blocks[:, :, None, None] & freq[None, None]
        return np.where(sel, -x, 0.0)

    own = np.zeros((3, 3), dtype=bool)
    own[1, 1] = True
    edits = {"own_ac": [zero(own, ac)], "neighbours_ac": [zero(neighbours, ac)],
             "neighbours_low_ac": [zero(neighbours, low)], "neighbours_high_ac": [zero(neighbours, high)]}
    coarse = np.where(neighbours[None, :, :, None, None], _requantise(x, baseline_quality) - x, 0.0)
    edits["neighbours_coarse"] = [coarse]
    edits["chroma_ac"] = [zero(present, ac, comps=(1, 2))]
    for (dr, dc), key in NEIGHBOURS.items():
        one = np.zeros((3, 3), dtype=bool)
        one[dr + 1, dc + 1] = True
        if (one & present).any():
            edits[f"neighbour_{key}"] = [zero(one, ac)]
    bank = natural_bank()
    rng = np.random.default_rng(seed)
    natural = []
    for _ in range(draws):
        pick = bank[rng.integers(0, len(bank), size=(3, 3))]  # (3, 3, 3c, 8, 8)
        new_ac = np.where(ac, pick.transpose(2, 0, 1, 3, 4), x)  # bank AC, own DC
        natural.append(np.where(neighbours[None, :, :, None, None], new_ac - x, 0.0))
    edits["neighbours_natural"] = natural
    return edits


def _pixel_delta(delta_coeffs: np.ndarray) -> np.ndarray:
    """Coefficient change (3, nr, nc, 8, 8) → RGB change (3, 8·nr, 8·nc) in [0, 1] units (the map is linear)."""
    return np.tensordot(JFIF_INV / 255.0, block_idct(delta_coeffs), axes=1)


# ----------------------------------------------------------------------------------------------- helpers
def _tile_sums(a: np.ndarray) -> np.ndarray:
    """(hh, ww) → (n_tiles,) sums over :data:`TILE`² tiles (a partial last row/column of tiles included)."""
    hh, ww = a.shape
    nr, nc = -(-hh // TILE), -(-ww // TILE)
    padded = np.zeros((nr * TILE, nc * TILE))
    padded[:hh, :ww] = a
    return padded.reshape(nr, TILE, nc, TILE).sum(axis=(1, 3)).ravel()


def _psnr_from_se(se_sum: float, n: int) -> float:
    return float("inf") if se_sum <= 0 else float(10.0 * np.log10(n / se_sum))


def check_original(original, out_size) -> np.ndarray | None:
    """The HR original (anything :func:`explain.load_image` takes) as (H, W, 3) in [0, 1], or None; ValueError when
    it is not the output's size (scale × the photo)."""
    if original is None:
        return None
    hr = load_image(original)
    if hr.shape[:2] != tuple(out_size):
        raise ValueError(f"the original is {hr.shape[1]}×{hr.shape[0]} pixels but the output is "
                         f"{out_size[1]}×{out_size[0]} (scale × the photo): give the original at that size")
    return hr


def _model_outputs(model, crops: torch.Tensor, plan, batch: int, labels: list[str]) -> np.ndarray:
    """(B, 3, hc, wc) LR crops on ``plan.box`` (the first unedited, the rest its edits named by ``labels``) →
    (B, hh, ww, 3) the window's output, clamped to [0, 1]. Crops whose edits lie in the same box run together,
    and each encoder layer is recomputed only where the edit has reached (:mod:`explain.probes.edited_forward`)."""
    objective = make_objective(model, plan, "mean", crops.dtype, crops.device)
    by_label: dict[str, list[int]] = {}
    for k, name in enumerate(labels[1:], start=1):
        by_label.setdefault(name, []).append(k)
    by_box: dict = {}
    for idx in by_label.values():
        box = changed_box(crops[0], crops[idx], plan.box)
        by_box.setdefault(box, []).extend(idx)
    order = [0] + [k for idx in by_box.values() for k in idx]
    with evaluating(model):  # inference mode: forward passes only
        groups = [("before", crops[:1], None)] + [(box, crops[idx], box) for box, idx in by_box.items()]
        got = edited_outputs(objective, crops[0], groups, batch)
        outs = torch.cat([got[key] for key, _, _ in groups]).clamp(0, 1).float().cpu().numpy()
    result = np.empty_like(outs)
    result[order] = outs
    return result


# ------------------------------------------------------------------------------------------------- entry
def causal_clues(model, lr, block, scale: float | None = 4, *, size: tuple[int, int] | None = None,
                 grid_phase=(0, 0), baseline_quality: int = 5, original=None, draws: int = DRAWS, seed: int = 0,
                 batch: int = 8, keep_outputs: bool = True, name: str | None = None) -> CausalClues:
    """Intervene on the JPEG's blocks around ``block`` and measure what the model's output of that block loses.

    model:            a model of the contract, a model name or a checkpoint path.
    lr:               the LR image as the model sees it (anything :func:`explain.load_image` takes), [0, 1].
    block:            any LR pixel (row, col) inside the block to explain (found on ``grid_phase``).
    scale / size:     the output: (round(h·scale), round(w·scale)) or ``size`` = (H, W).
    baseline_quality: the coarser quality whose IJG tables ``neighbours_coarse`` requantises with.
    original:         the HR original (H, W, 3) at the output size (anything load_image takes), or None.
    draws:            natural-content draws for ``neighbours_natural`` (≥ 1; 16 by default), seeded by ``seed``.
    Cost: 15 + ``draws`` forward passes of the model on the block's receptive crop, and as many bicubic windows.
    Returns :class:`CausalClues`; raises ValueError naming the problem for bad input.
    """
    t0 = time.perf_counter()
    model = load_model(model)
    image = load_image(lr)
    h, w = image.shape[:2]
    phase = block_phase(grid_phase)
    phase = (phase[0] % BLOCK, phase[1] % BLOCK)
    check_positive_int(draws, "draws")
    if isinstance(baseline_quality, bool) or not isinstance(baseline_quality, (int, np.integer)) or \
            not 1 <= baseline_quality <= 100:
        raise ValueError(f"baseline_quality must be an integer in 1..100, got {baseline_quality!r}")
    out_size = output_size(image.shape, None if size is not None else scale, size)
    hr = check_original(original, out_size)
    index, box = block_of(block, phase, (h, w))
    window = _hr_window(box, (h, w), out_size)
    r, c, hh, ww = window

    # The 3×3 blocks around the explained one, as coefficients; edits become pixel changes on that region.
    i, j = index
    rows = (phase[0] + BLOCK * (i - 1), phase[0] + BLOCK * (i + 2))
    cols = (phase[1] + BLOCK * (j - 1), phase[1] + BLOCK * (j + 2))
    x = coefficients_of(image, (rows, cols))  # (3, 3, 3, 8, 8)
    present = np.array([[rows[0] + BLOCK * a < h and rows[0] + BLOCK * (a + 1) > 0 and
                         cols[0] + BLOCK * b < w and cols[0] + BLOCK * (b + 1) > 0 for b in range(3)]
                        for a in range(3)])
    edits = coefficient_edits(x, present, int(baseline_quality), int(draws), int(seed))
    names = [n for n in INTERVENTIONS if n in edits]

    plan = plan_window((h, w), out_size, window, model.query_radius, 0, True)
    (a0, a1), (b0, b1) = plan.box
    base = np.ascontiguousarray(image[a0:a1, b0:b1].transpose(2, 0, 1), dtype=np.float64)  # (3, hc, wc)
    # where the 3×3 region sits in the crop (parts outside the image are dropped)
    r_lo, r_hi, c_lo, c_hi = max(rows[0], 0, a0), min(rows[1], h, a1), max(cols[0], 0, b0), min(cols[1], w, b1)
    crops, labels = [base], ["before"]
    for n in names:
        for d in edits[n]:
            delta = _pixel_delta(d)
            edited = base.copy()
            edited[:, r_lo - a0: r_hi - a0, c_lo - b0: c_hi - b0] += \
                delta[:, r_lo - rows[0]: r_hi - rows[0], c_lo - cols[0]: c_hi - cols[0]]
            crops.append(np.clip(edited, 0.0, 1.0))
            labels.append(n)
    param = next(iter(model.parameters()))
    stack = torch.from_numpy(np.stack(crops).astype(np.float32)).to(device=param.device, dtype=param.dtype)
    outs = _model_outputs(model, stack, plan, batch, labels)  # (N, hh, ww, 3)

    # Bicubic on the same inputs: the window's LR crop (pad 4) of each edited image.
    lr_win = (box[0][0], box[1][0], box[0][1] - box[0][0], box[1][1] - box[1][0])
    pad = 4
    p0, p1, q0, q1 = max(0, lr_win[0] - pad), min(h, lr_win[0] + lr_win[2] + pad), \
        max(0, lr_win[1] - pad), min(w, lr_win[1] + lr_win[3] + pad)
    big = (round((p1 - p0) * out_size[0] / h), round((q1 - q0) * out_size[1] / w))
    inner = (lr_win[0] - p0, lr_win[1] - q0, lr_win[2], lr_win[3])
    bic = [bicubic_window(crop[:, p0 - a0: p1 - a0, q0 - b0: q1 - b0].transpose(1, 2, 0).astype(np.float32),
                          inner, big, pad=pad) for crop in crops]
    bic = np.stack(bic)[:, :hh, :ww]

    y0, b0_out = outs[0], bic[0]
    truth = None if hr is None else hr[r: r + hh, c: c + ww].astype(np.float64)
    n_px = hh * ww
    result = CausalClues(name or getattr(model, "name", None) or "model", index, box, window, out_size, phase,
                         int(baseline_quality), {}, y0, b0_out, original=truth)
    if truth is not None:
        y_truth = rgb_to_y(truth)
        se_m0 = (rgb_to_y(y0) - y_truth) ** 2
        se_b0 = (rgb_to_y(b0_out) - y_truth) ** 2
        result.psnr_model = _psnr_from_se(se_m0.sum(), n_px)
        result.psnr_bicubic = _psnr_from_se(se_b0.sum(), n_px)

    def rel(a, b):
        norm = float(np.sqrt((b.astype(np.float64) ** 2).sum()))
        return float(np.sqrt(((a.astype(np.float64) - b) ** 2).sum()) / norm) if norm > 0 else float("nan")

    per = {}  # name → list of (change_m, change_b, db_m, db_b, gain_share, terms, output)
    for n, y1, b1 in zip(labels[1:], outs[1:], bic[1:]):
        cm, cb = rel(y1, y0), rel(b1, b0_out)
        dbm = dbb = share = None
        if truth is not None:
            se_m1 = (rgb_to_y(y1) - y_truth) ** 2
            se_b1 = (rgb_to_y(b1) - y_truth) ** 2
            pm1, pb1 = _psnr_from_se(se_m1.sum(), n_px), _psnr_from_se(se_b1.sum(), n_px)
            dbm, dbb = result.psnr_model - pm1, result.psnr_bicubic - pb1
            gain0 = result.psnr_model - result.psnr_bicubic
            share = (gain0 - (pm1 - pb1)) / gain0 if gain0 > 0.05 else None
            terms = np.stack([_tile_sums(se_m1), _tile_sums(se_m0)], axis=1)
        else:
            d = ((y1.astype(np.float64) - y0) ** 2).sum(-1)
            terms = np.stack([_tile_sums(d), _tile_sums((y0.astype(np.float64) ** 2).sum(-1))], axis=1)
        per.setdefault(n, []).append((cm, cb, dbm, dbb, share, terms, y1))

    for n in names:
        rows_ = per[n]
        if n == "neighbours_natural":
            cols_ = list(zip(*rows_))  # per field, over the draws
            figs = list(cols_[2] if truth is not None else cols_[0])
            shares = [v for v in cols_[4] if v is not None]
            eff = Effect(n, INTERVENTIONS[n], float(np.mean(cols_[0])), float(np.mean(cols_[1])),
                         float(np.mean(cols_[2])) if truth is not None else None,
                         float(np.mean(cols_[3])) if truth is not None else None,
                         float(np.mean(shares)) if shares else None, [float(v) for v in figs],
                         (float(np.percentile(figs, 2.5)), float(np.percentile(figs, 97.5))))
            result.pixel_terms[n] = np.mean([row[5] for row in rows_], axis=0)
        else:
            cm, cb, dbm, dbb, share, terms, _ = rows_[0]
            eff = Effect(n, INTERVENTIONS[n], cm, cb, dbm, dbb, share)
            result.pixel_terms[n] = terms
        result.effects[n] = eff
        if keep_outputs:
            result.outputs_after[n] = rows_[0][6]
    result.seconds = time.perf_counter() - t0
    return result


# ------------------------------------------------------------------------------------------- comparisons
@dataclass
class EffectComparison:
    """The difference of one intervention's effect between two models over the same blocks.

    name:        the intervention; ``figure``: "db_lost" (with the original) or "change" (relative change).
    first, second: the effect's mean over the blocks for each model; ``difference`` = first − second.
    interval:    95 % paired bootstrap interval of the difference (output tiles of :data:`TILE`² HR pixels
                 resampled within each block, the same tiles for both models).
    differs:     the interval excludes 0.
    """

    name: str
    figure: str
    first: float
    second: float
    difference: float
    interval: tuple[float, float]
    differs: bool

    def to_dict(self) -> dict:
        return {"figure": self.figure, "first": self.first, "second": self.second, "difference": self.difference,
                "interval": list(self.interval), "differs": self.differs}


def _statistic(terms: np.ndarray, with_original: bool, n_px: int) -> np.ndarray:
    """(..., n_tiles, 2) tile sums → the effect: db_lost = 10 log10(SE_after / SE_before), or the relative change
    √(Σ change² / Σ output²)."""
    a, b = terms[..., 0].sum(-1), terms[..., 1].sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if with_original:
            return 10.0 * np.log10(np.maximum(a, 1e-20) / np.maximum(b, 1e-20))
        return np.sqrt(a / b)


def compare_effects(first: list[CausalClues], second: list[CausalClues], n_boot: int = 1000, seed: int = 0
                    ) -> dict[str, EffectComparison]:
    """Intervention by intervention, does ``first``'s effect differ from ``second``'s beyond the noise?

    ``first`` and ``second`` are the causal clues of two models on the same blocks (same order). The per-block
    effect is recomputed from tiles resampled with replacement (the same draw for both models), averaged over the
    blocks; 95 % percentile interval of the difference over ``n_boot`` draws.
    """
    if len(first) != len(second) or not first:
        raise ValueError("compare the causal clues of two models on the same, non-empty list of blocks")
    with_original = all(c.has_original for c in first + second)
    names = [n for n in first[0].effects if all(n in c.pixel_terms for c in first + second)]
    rng = np.random.default_rng(seed)
    out = {}
    draws = [rng.integers(0, c.pixel_terms[names[0]].shape[0], size=(n_boot, c.pixel_terms[names[0]].shape[0]))
             for c in first] if names else []
    for n in names:
        diffs = np.zeros(n_boot)
        point_a, point_b = [], []
        for k, (a, b) in enumerate(zip(first, second)):
            ta, tb = a.pixel_terms[n], b.pixel_terms[n]
            n_px = a.window[2] * a.window[3]
            point_a.append(float(_statistic(ta, with_original, n_px)))
            point_b.append(float(_statistic(tb, with_original, n_px)))
            diffs += _statistic(ta[draws[k]], with_original, n_px) - _statistic(tb[draws[k]], with_original, n_px)
        diffs /= len(first)
        lo, hi = (float(v) for v in np.percentile(diffs, [2.5, 97.5]))
        fa, fb = float(np.mean(point_a)), float(np.mean(point_b))
        out[n] = EffectComparison(n, "db_lost" if with_original else "change", fa, fb, fa - fb, (lo, hi),
                                  bool(lo > 0 or hi < 0))
    return out


__all__ = ["causal_clues", "check_original", "CausalClues", "Effect", "EffectComparison", "compare_effects",
           "coefficient_edits", "natural_bank", "INTERVENTIONS", "NEIGHBOURS", "NEIGHBOUR_WORDS", "DRAWS"]
