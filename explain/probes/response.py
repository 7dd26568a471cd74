"""MLP-response probes: LIIF's output along a line of coordinates and as the query cell size varies.

LIIF is a continuous function of the query coordinate and of the cell (the query pixel size, Chen et al.
2021, Sec. 3.4). :func:`line_response` samples it along a segment — e.g. across a compression block edge —
together with the local-ensemble weights, so one can see whether the output steps at LR cell boundaries
or block boundaries. :func:`cell_response` holds the coordinate fixed and varies the cell (equivalently
the output scale), showing how the decoder's prediction changes with the requested resolution.

Coordinates: ``units="liif"`` (default) takes (row, col) in LIIF's (−1, 1) pixel-centre frame of the LR
image (pixel i of n has centre −1 + (2i + 1)/n); ``units="lr"`` takes LR pixel units (pixel i spans
[i, i + 1), centre i + 0.5). Cells are in LIIF units: (2/H, 2/W) for an (H, W) output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import LatentGrid
from ..models.base import require
from ._lr_query import (
    block_phase,
    check_block_size,
    check_latents,
    evaluating,
    liif_from_positions,
    positions_from_liif,
    prepare,
    query_positions,
)
from .hybrid import HybridResponse, edge_interior_ratio, hybrid_response
from .impulse import (
    BICUBIC,
    DctBasisResponse,
    DctEnergyTable,
    ImpulseResponse,
    dct_basis_response,
    dct_energy_table,
    impulse_response,
)

# The answers to the simplest inputs (HyRA: an impulse, a DCT basis function, the linear / non-linear split) live
# in their own modules (:mod:`.impulse`, :mod:`.hybrid`) and are offered here too.
__all__ = ["UNITS", "LineResponse", "line_response", "CellResponse", "cell_response", "BICUBIC", "ImpulseResponse",
           "impulse_response", "DctBasisResponse", "dct_basis_response", "DctEnergyTable", "dct_energy_table",
           "HybridResponse", "hybrid_response", "edge_interior_ratio"]

UNITS = ("liif", "lr")


def _point(value, name: str, units: str, lr_size) -> np.ndarray:
    """A (row, col) point in the given units → LR pixel units, validated to lie on the image."""
    try:
        p = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (row, col) pair of numbers, got {value!r}") from None
    if p.shape != (2,) or not np.isfinite(p).all():
        raise ValueError(f"{name} must be a finite (row, col) pair, got {value!r}")
    if units not in UNITS:
        raise ValueError(f"units must be one of {UNITS}, got {units!r}")
    if units == "liif":
        if np.any(np.abs(p) > 1):
            raise ValueError(f"{name} {tuple(p)} lies outside LIIF's (-1, 1) coordinate range")
        return positions_from_liif(p, lr_size)
    n = np.asarray(lr_size, dtype=np.float64)
    if np.any(p < 0) or np.any(p > n):
        raise ValueError(f"{name} {tuple(p)} lies outside the LR image [0, {lr_size[0]}] × [0, {lr_size[1]}]")
    return p


def _cell_from(cell, scale, lr_size) -> np.ndarray:
    """(2,) query cell in LIIF units from an explicit ``cell`` (scalar or pair) or a ``scale``."""
    h, w = lr_size
    if cell is not None:
        try:
            c = np.broadcast_to(np.asarray(cell, dtype=np.float64), (2,)).copy()
        except (TypeError, ValueError):
            raise ValueError(f"cell must be a positive number or a (row, col) pair, got {cell!r}") from None
    else:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        c = np.array([2.0 / (h * scale), 2.0 / (w * scale)])
    if not np.isfinite(c).all() or np.any(c <= 0):
        raise ValueError(f"cell must be positive, got {cell!r}")
    return c


def _crossings(p0: float, p1: float, n: int) -> np.ndarray:
    """Integer LR grid lines k (0 < k < n) strictly between p0 and p1, with their line parameter t."""
    if p0 == p1:
        return np.empty((0, 2))
    lo, hi = min(p0, p1), max(p0, p1)
    ks = np.arange(max(1, int(np.floor(lo)) + 1), min(n - 1, int(np.ceil(hi)) - 1) + 1, dtype=np.float64)
    ks = ks[(ks > lo) & (ks < hi)]
    return np.stack([ks, (ks - p0) / (p1 - p0)], axis=-1)


@dataclass
class LineResponse:
    """LIIF sampled along a segment.

    coords:      (n, 2) LIIF (−1, 1) coordinates of the samples; positions: (n, 2) the same in LR pixel units.
    distance:    (n,) distance from the start in LR pixels.
    rgb:         (n, 3) output, image units, not clamped.
    weights:     (n, K) ensemble weights; codes: (n, K, 2) int (row, col) of the codes; predictions: (n, K, 3).
    cell:        (2,) query cell, LIIF units.
    cell_boundaries:  (m,) distances where the segment crosses an LR pixel boundary.
    block_boundaries: (b,) distances where it crosses a block boundary (blocks start at LR rows ≡
                 grid_phase[0], cols ≡ grid_phase[1] (mod block_size)).
    """

    coords: np.ndarray
    positions: np.ndarray
    distance: np.ndarray
    rgb: np.ndarray
    weights: np.ndarray
    codes: np.ndarray
    predictions: np.ndarray
    cell: np.ndarray
    cell_boundaries: np.ndarray
    block_boundaries: np.ndarray
    block_size: int
    grid_phase: tuple[int, int]
    lr_size: tuple[int, int]


def line_response(model, lr, start, end, n: int = 200, *, scale: float = 4.0, cell=None, units: str = "liif",
                  latents: LatentGrid | None = None, block_size: int = 8, grid_phase=(0, 0)) -> LineResponse:
    """Output along the segment from ``start`` to ``end``, ``n`` ≥ 2 evenly spaced samples.

    lr:      the LR image, anything :func:`explain.load_image` takes ((h, w, 3) in [0, 1]).
    start, end: (row, col) points; ``units="liif"`` (default): LIIF's (−1, 1) pixel-centre frame of the LR
             image (pixel i of n has centre −1 + (2i + 1)/n); ``units="lr"``: LR pixel units (centre i + 0.5).
    scale / cell: the query cell — (2/(h·scale), 2/(w·scale)) or an explicit LIIF cell (scalar or pair).
    latents: ``model.encode(lr)`` of the whole image if already computed; otherwise only the LR crop
             around the segment is encoded (exact, see :mod:`explain.probes._lr_query`).
    block_size, grid_phase: the compression block grid (LR pixels; phase (py, px) as in
             :mod:`explain.metrics`) whose boundaries the result marks along the segment.
    Returns a :class:`LineResponse` (RGB (n, 3) and the ensemble weights (n, K) per sample, numpy).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    block_size = check_block_size(block_size)
    grid_phase = block_phase(grid_phase)
    model, image, x = prepare(model, lr)
    require(model, "internals", "line_response")
    lr_size = image.shape[:2]
    p0, p1 = _point(start, "start", units, lr_size), _point(end, "end", units, lr_size)
    cell = _cell_from(cell, scale, lr_size)
    if latents is not None:
        latents = check_latents(latents, lr_size, model)
    t = np.linspace(0.0, 1.0, int(n))
    positions = p0 + t[:, None] * (p1 - p0)
    with evaluating(model):
        q = query_positions(model, x, positions, cell * np.asarray(lr_size) / 2.0, latents)
    length = float(np.hypot(*(p1 - p0)))
    cells, blocks = [], []
    for axis, phase in zip((0, 1), grid_phase):
        for k, tk in _crossings(p0[axis], p1[axis], lr_size[axis]):
            cells.append(tk * length)
            if (int(k) - phase) % block_size == 0:
                blocks.append(tk * length)
    return LineResponse(
        coords=liif_from_positions(positions, lr_size).astype(np.float32), positions=positions.astype(np.float32),
        distance=(t * length).astype(np.float32), rgb=q.output, weights=q.weights, codes=q.codes,
        predictions=q.predictions, cell=cell.astype(np.float32), cell_boundaries=np.unique(np.array(cells)),
        block_boundaries=np.unique(np.array(blocks)), block_size=block_size, grid_phase=grid_phase,
        lr_size=tuple(lr_size),
    )


@dataclass
class CellResponse:
    """LIIF at one coordinate for a series of cell sizes.

    coord:       (2,) LIIF coordinate; position: (2,) LR pixel units.
    cells:       (m, 2) query cells, LIIF units; scales: (m, 2) the equivalent output scale per axis, 2/(n·cell).
    rgb:         (m, 3) output, image units, not clamped; predictions: (m, K, 3) per code.
    weights:     (K,) ensemble weights and codes (K, 2): these do not depend on the cell.
    """

    coord: np.ndarray
    position: np.ndarray
    cells: np.ndarray
    scales: np.ndarray
    rgb: np.ndarray
    predictions: np.ndarray
    weights: np.ndarray
    codes: np.ndarray


def cell_response(model, lr, coord, *, scales=None, cells=None, units: str = "liif",
                  latents: LatentGrid | None = None) -> CellResponse:
    """Output at ``coord`` as the cell varies.

    lr:     the LR image, anything :func:`explain.load_image` takes ((h, w, 3) in [0, 1]).
    coord:  one (row, col) point, in LIIF's (−1, 1) pixel-centre frame of the LR image (``units="liif"``,
            default) or in LR pixel units (``units="lr"``, pixel i centred at i + 0.5).
    scales: output scales s (cell (2/(h·s), 2/(w·s))); default 41 scales from ×1 to ×32, log-spaced.
    cells:  instead of scales, LIIF cells (m, 2), or (m,) applied to both axes.
    latents: ``model.encode(lr)`` of the whole image if already computed.
    Returns a :class:`CellResponse` (RGB (m, 3) per cell, numpy).
    """
    model, image, x = prepare(model, lr)
    require(model, "internals", "cell_response")
    lr_size = image.shape[:2]
    h, w = lr_size
    p = _point(coord, "coord", units, lr_size)
    if cells is not None and scales is not None:
        raise ValueError("give scales or cells, not both")
    if cells is not None:
        c = np.asarray(cells, dtype=np.float64)
        if c.ndim == 1:
            c = np.stack([c, c], axis=-1)
        if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 1:
            raise ValueError(f"cells must have shape (m, 2) or (m,), got {np.shape(cells)}")
    else:
        s = np.geomspace(1.0, 32.0, 41) if scales is None else np.asarray(scales, dtype=np.float64).reshape(-1)
        if s.size < 1 or not np.isfinite(s).all() or np.any(s <= 0):
            raise ValueError(f"scales must be positive numbers, got {scales!r}")
        c = np.stack([2.0 / (h * s), 2.0 / (w * s)], axis=-1)
    if not np.isfinite(c).all() or np.any(c <= 0):
        raise ValueError("cells must be positive and finite")
    if latents is not None:
        latents = check_latents(latents, lr_size, model)
    positions = np.repeat(p[None], c.shape[0], axis=0)
    with evaluating(model):
        q = query_positions(model, x, positions, c * np.asarray(lr_size) / 2.0, latents)
    return CellResponse(
        coord=liif_from_positions(p, lr_size).astype(np.float32), position=p.astype(np.float32),
        cells=c.astype(np.float32), scales=(2.0 / (np.asarray(lr_size) * c)).astype(np.float32), rgb=q.output,
        predictions=q.predictions, weights=q.weights[0], codes=q.codes[0],
    )
