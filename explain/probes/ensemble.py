"""Local-ensemble probe: which latent codes make each output pixel, with what weights, and seams.

LIIF predicts an output pixel at x from the four latent codes around it, one MLP prediction per code,
blended with bilinear area weights (Chen et al. 2021, Eq. 3–4: each code is weighted by the area of the
rectangle between x and the diagonally opposite code). For an HR region this probe returns, per output
pixel, the four codes, weights, predictions and contributions (weight × prediction, summing to the output),
the dominant code and the disagreement of the four predictions (large where the blend does real work).

Without the ensemble the output jumps where the nearest code changes, i.e. at LR cell boundaries (the
"blocky" artefact the ensemble was introduced to remove); :func:`ablation_seams` measures those jumps for
the model and its ablations.

Coordinates: the output has (H, W) = (round(h·scale), round(w·scale)) pixels (or ``size``); ``region`` is
(row, col, height, width) in output pixels; output pixel i along an axis sits at LR position
(i + 0.5)·h / H (LR pixel units: pixel j spans [j, j + 1)). Only the LR crop the region needs is encoded
(margin ``model.query_radius + 1``), so results equal the full-image computation and the cost does not grow
with the image size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..models import LatentGrid, load_model
from ..models.base import capabilities_of, require
from ..upscale import check_window as _check_output_window
from ..upscale import output_size
from ._lr_query import (
    block_phase,
    check_block_size,
    check_latents,
    evaluating,
    liif_from_positions,
    prepare,
    query_positions,
)


# ------------------------------------------------------------------------------------------ regions
def check_region(region, out_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Validate (row, col, height, width) against an output of ``out_size``; returns plain ints."""
    return _check_output_window(region, out_size, "region")


def region_positions(region, lr_size, out_size) -> tuple[np.ndarray, np.ndarray]:
    """LR positions (pixel units) of the output pixel centres of a region: rows (height,), cols (width,)."""
    row, col, height, width = region
    rows = (np.arange(row, row + height) + 0.5) * lr_size[0] / out_size[0]
    cols = (np.arange(col, col + width) + 0.5) * lr_size[1] / out_size[1]
    return rows, cols


def _output_size(image_shape, scale, size) -> tuple[int, int]:
    if size is not None:
        scale = None
    return output_size(image_shape, scale, size)


def _evaluate_region(model, x: torch.Tensor, region, out_size, latents: LatentGrid | None = None,
                     internals: bool = True):
    h, w = x.shape[-2:]
    rows, cols = region_positions(region, (h, w), out_size)
    grid = np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1)  # (height, width, 2)
    cell_px = np.array([h / out_size[0], w / out_size[1]])
    return query_positions(model, x, grid.reshape(-1, 2), cell_px, latents, internals), grid, rows, cols


# ------------------------------------------------------------------------------------------ weights
@dataclass
class EnsembleResult:
    """The local ensemble of every output pixel of an HR region (K = 4 codes, or 1 with the ensemble off).

    region:        (row, col, height, width) in output pixels; output_size (H, W); lr_size (h, w).
    crop:          (row0, row1, col0, col1) the LR crop that was encoded.
    positions:     (height, width, 2) LR positions (pixel units) of the output pixel centres.
    coords:        (height, width, 2) the same in LIIF (−1, 1) coordinates of the whole LR image.
    cell:          (2,) query cell in LIIF units, (2/H, 2/W).
    weights:       (height, width, K) ensemble weights, summing to 1 (bilinear in the position).
    codes:         (height, width, K, 2) int (row, col) of each code on the LR grid.
    rel_coords:    (height, width, K, 2) position minus code centre, one LR cell spans 2.
    predictions:   (height, width, K, 3) each code's MLP prediction, image units.
    contributions: (height, width, K, 3) weights × predictions.
    output:        (height, width, 3) sum of the contributions: the model's raw output, *not* clamped
                   (:func:`explain.upscale` clamps to [0, 1]; see :attr:`clipped`).
    dominant:      (height, width) int index k of the largest weight.
    disagreement:  (height, width) spread of the K predictions: sqrt(mean over RGB of their variance over k).
    weighted_spread: (height, width) sqrt(Σ_k w_k · mean over RGB (p_k − output)²): the spread the blend
                   actually averages away.
    """

    region: tuple[int, int, int, int]
    output_size: tuple[int, int]
    lr_size: tuple[int, int]
    crop: tuple[int, int, int, int]
    positions: np.ndarray
    coords: np.ndarray
    cell: np.ndarray
    weights: np.ndarray
    codes: np.ndarray
    rel_coords: np.ndarray
    predictions: np.ndarray
    contributions: np.ndarray
    output: np.ndarray
    dominant: np.ndarray
    disagreement: np.ndarray
    weighted_spread: np.ndarray

    @property
    def clipped(self) -> np.ndarray:
        """The output as :func:`explain.upscale` returns it, clamped to [0, 1]."""
        return np.clip(self.output, 0.0, 1.0)

    @property
    def k(self) -> int:
        return self.weights.shape[-1]

    def near_block_boundary(self, block_size: int = 8, grid_phase=(0, 0), within: float = 0.5) -> np.ndarray:
        """(height, width) bool: output pixels whose LR position lies within ``within`` LR pixels of a block
        boundary (boundaries at LR rows ≡ grid_phase[0], cols ≡ grid_phase[1] mod ``block_size``)."""
        block_size = check_block_size(block_size)
        phase = block_phase(grid_phase)
        near = np.zeros(self.positions.shape[:2], dtype=bool)
        for axis in (0, 1):
            p = self.positions[..., axis] - phase[axis]
            near |= np.abs(p - block_size * np.round(p / block_size)) <= within
        return near


def ensemble_weights(model, lr, region, scale: float | None = 4, *, size: tuple[int, int] | None = None,
                     latents: LatentGrid | None = None) -> EnsembleResult:
    """Local ensemble of each output pixel of ``region`` = (row, col, height, width) of the upscaled image.

    model:   a model that declares ensemble internals (LIIF does), a shipped model name or a checkpoint path.
    lr:      LR image, anything :func:`explain.load_image` accepts.
    scale:   output size (round(h·scale), round(w·scale)); or give ``size`` = (H, W) instead.
    latents: ``model.encode(lr)`` of the whole image if already computed (widgets); otherwise only the LR
             crop the region needs is encoded.
    Raises ValueError for a region outside the output or a bad scale/size.
    """
    model, image, x = prepare(model, lr)
    require(model, "internals", "the ensemble probe (ensemble_weights)")
    lr_size = image.shape[:2]
    out_size = _output_size(image.shape, scale, size)
    region = check_region(region, out_size)
    if latents is not None:
        latents = check_latents(latents, lr_size, model)
    with evaluating(model):
        q, grid, _, _ = _evaluate_region(model, x, region, out_size, latents)
    height, width = region[2], region[3]
    k = q.weights.shape[-1]
    weights = q.weights.reshape(height, width, k)
    preds = q.predictions.reshape(height, width, k, 3)
    contributions = weights[..., None] * preds
    output = q.output.reshape(height, width, 3)
    spread = np.sqrt(preds.var(axis=2).mean(axis=-1))
    wspread = np.sqrt((weights * ((preds - output[:, :, None, :]) ** 2).mean(axis=-1)).sum(axis=-1))
    return EnsembleResult(
        region=region, output_size=out_size, lr_size=tuple(lr_size), crop=q.crop,
        positions=grid.astype(np.float32), coords=liif_from_positions(grid, lr_size).astype(np.float32),
        cell=np.array([2.0 / out_size[0], 2.0 / out_size[1]], dtype=np.float32),
        weights=weights, codes=q.codes.reshape(height, width, k, 2), rel_coords=q.rel_coords.reshape(height, width,
                                                                                                       k, 2),
        predictions=preds, contributions=contributions.astype(np.float32), output=output,
        dominant=weights.argmax(axis=-1), disagreement=spread.astype(np.float32),
        weighted_spread=wspread.astype(np.float32),
    )


# -------------------------------------------------------------------------------------------- seams
@dataclass
class SeamStats:
    """Mean absolute jump between adjacent output pixels (mean over RGB), pooled over rows and columns.

    boundary:       across LR cell boundaries (the two pixel centres lie in different LR pixels).
    interior:       inside one LR cell.
    ratio:          boundary / interior (≈ 1 for a seamless output, ≫ 1 — inf — for piecewise-constant cells).
    block_boundary: across block boundaries of the LR block grid (a subset of ``boundary``).
    block_ratio:    block_boundary / interior.
    n_boundary, n_interior, n_block: numbers of pairs. Means over no pairs are NaN.
    """

    boundary: float
    interior: float
    ratio: float
    block_boundary: float
    block_ratio: float
    n_boundary: int
    n_interior: int
    n_block: int


def seam_measure(output, rows_lr, cols_lr, *, block_size: int = 8, grid_phase=(0, 0)) -> SeamStats:
    """Jumps of an output across LR cell boundaries vs within cells.

    output:  (height, width) or (height, width, C) output values.
    rows_lr: (height,) LR positions (pixel units) of the output rows' centres, increasing; cols_lr likewise.
    block_size, grid_phase: LR block grid (blocks start at LR rows ≡ grid_phase[0], cols ≡ grid_phase[1]).
    """
    block_size = check_block_size(block_size)
    pr, pc = block_phase(grid_phase)
    out = np.asarray(output, dtype=np.float64)
    if out.ndim == 2:
        out = out[..., None]
    rows = np.asarray(rows_lr, dtype=np.float64)
    cols = np.asarray(cols_lr, dtype=np.float64)
    if out.ndim != 3 or rows.shape != (out.shape[0],) or cols.shape != (out.shape[1],):
        raise ValueError(f"output {np.shape(output)} must be (height, width[, C]) with rows_lr ({rows.shape}) and "
                         f"cols_lr ({cols.shape}) giving one LR position per row / column")
    if np.any(np.diff(rows) <= 0) or np.any(np.diff(cols) <= 0):
        raise ValueError("rows_lr and cols_lr must be strictly increasing")
    dy = np.abs(np.diff(out, axis=0)).mean(axis=-1)  # (height-1, width)
    dx = np.abs(np.diff(out, axis=1)).mean(axis=-1)  # (height, width-1)

    def crossings(pos, phase):
        cell = np.diff(np.floor(pos)) != 0
        block = np.diff(np.floor((pos - phase) / block_size)) != 0
        return cell, block

    row_cell, row_block = crossings(rows, pr)
    col_cell, col_block = crossings(cols, pc)

    def pooled(mask_r, mask_c):
        s = dy[mask_r].sum() + dx[:, mask_c].sum()
        n = int(mask_r.sum() * dy.shape[1] + mask_c.sum() * dx.shape[0])
        return (s / n if n else float("nan")), n

    boundary, nb = pooled(row_cell, col_cell)
    interior, ni = pooled(~row_cell, ~col_cell)
    block, nk = pooled(row_block, col_block)
    ratio, block_ratio = _ratio(boundary, interior), _ratio(block, interior)
    return SeamStats(float(boundary), float(interior), float(ratio), float(block), float(block_ratio), nb, ni, nk)


def _ratio(num: float, den: float) -> float:
    """num / den with 0/0 → NaN and x/0 → inf (a piecewise-constant output has no interior jumps)."""
    if np.isnan(num) or np.isnan(den) or (num == 0 and den == 0):
        return float("nan")
    return float(num / den) if den > 0 else float("inf")


# ---------------------------------------------------------------------------------------- ablations
FULL_NOTE = "the model as given"


def ablation_variants(model) -> tuple[dict[str, object], dict[str, str]]:
    """{"full", and every ablation the model declares (LIIF: "ensemble off", "unfold off", "cell off" for the
    switches that are on)} → model; and a note on how each was built. A family that declares no ablations
    gets {"full": model}."""
    models, notes = {"full": model}, {"full": FULL_NOTE}
    for name, note in capabilities_of(model).ablations:
        models[name] = model.ablated(name)
        notes[name] = note
    return models, notes


@dataclass
class AblationSeams:
    """Seam statistics of one HR region for several models.

    stats:   name → :class:`SeamStats`; outputs: name → (height, width, 3) raw output; notes: name → how
    the variant was built. region, output_size, lr_size as in :class:`EnsembleResult`.
    """

    region: tuple[int, int, int, int]
    output_size: tuple[int, int]
    lr_size: tuple[int, int]
    stats: dict[str, SeamStats] = field(default_factory=dict)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.stats)

    def summary(self) -> str:
        """A plain-text table: one row per variant."""
        lines = [f"{'variant':<14} {'boundary':>9} {'interior':>9} {'ratio':>7} {'block':>9}"]
        for name, s in self.stats.items():
            lines.append(f"{name:<14} {s.boundary:9.5f} {s.interior:9.5f} {s.ratio:7.3f} {s.block_boundary:9.5f}")
        return "\n".join(lines)


def ablation_seams(model_or_models, lr, region, scale: float | None = 4, *, size: tuple[int, int] | None = None,
                   block_size: int = 8, grid_phase=(0, 0), progress: bool = False) -> AblationSeams:
    """Seam measure (:func:`seam_measure`) of a region for a model and its ablations.

    model_or_models: a model (or name/path): the variants of :func:`ablation_variants` are built from it — for LIIF
        "ensemble off" keeps the weights exactly; "unfold off" and "cell off" change the MLP's input size, so
        their first layer is adapted from the trained one (see ``notes``; not retrained). For trained
        ablations pass a mapping name → model (or name/path) instead; each is used as given.
    lr, region, scale, size: as in :func:`ensemble_weights`: the LR image ((h, w, 3) in [0, 1]), the output
        region (row, col, height, width) in output pixels, and the output scale or size (H, W).
    block_size, grid_phase: the compression block grid (LR pixels; phase (py, px) as in :mod:`explain.metrics`)
        whose boundaries the seam measure separates from the other LR cell edges.
    """
    if isinstance(model_or_models, Mapping):
        if not model_or_models:
            raise ValueError("model_or_models is an empty mapping")
        models = {str(k): load_model(v) for k, v in model_or_models.items()}
        notes = {k: "user-supplied model" for k in models}
    else:
        models, notes = ablation_variants(load_model(model_or_models))
    first = next(iter(models.values()))
    _, image, _ = prepare(first, lr)
    out_size = _output_size(image.shape, scale, size)
    region = check_region(region, out_size)
    result = AblationSeams(region, out_size, tuple(image.shape[:2]), notes=notes)
    for name, m in tqdm(models.items(), desc="ablations", disable=not progress):
        _, _, xm = prepare(m, image)
        with evaluating(m):
            q, _, rows, cols = _evaluate_region(m, xm, region, out_size, internals=False)
        out = q.output.reshape(region[2], region[3], 3)
        result.outputs[name] = out
        result.stats[name] = seam_measure(out, rows, cols, block_size=block_size, grid_phase=grid_phase)
    return result
