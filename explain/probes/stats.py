"""Figures of merit of an attribution map: Gini / Diffusion Index, cumulative area, 8×8 block shares.

All functions take a non-negative map (h, w) on the LR pixel grid, typically
``AttributionResult.abs_map`` (|attribution| summed over colour channels).

Block grid convention: with ``grid_phase = (pr, pc)`` and block size ``b``, block boundaries (the first
row/column of a block) lie at rows ``r ≡ pr (mod b)`` and columns ``c ≡ pc (mod b)``; pixel (r, c) belongs
to block ``((r − pr) // b, (c − pc) // b)``. A JPEG decoded from its own top-left corner has phase (0, 0);
cropping ``k`` rows off the top of such an image gives phase ``(−k) mod b``.
"""

from __future__ import annotations

import numpy as np

Box = tuple[tuple[int, int], tuple[int, int]]  # ((row0, row1), (col0, col1)), half-open


def _as_map(values, name: str = "map") -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (x < 0).any():
        raise ValueError(f"{name} must be non-negative (pass |attribution|)")
    return x


def gini(values) -> float:
    """Gini coefficient of non-negative values (any shape): 0 = perfectly even, (n − 1)/n = one-hot.

    G = Σ_i (2i − n − 1) x_(i) / (n Σ x), with x sorted ascending and i = 1..n (the mean-difference
    form of the Gini index, as used for LAM's Diffusion Index). An all-zero input gives NaN.
    """
    x = np.sort(_as_map(values, "values").ravel())
    n = x.size
    total = x.sum()
    if total <= 0:
        return float("nan")
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def diffusion_index(abs_map) -> float:
    """Diffusion Index of Gu & Dong (CVPR 2021, Sec. 4): DI = (1 − Gini) · 100.

    High DI: the attribution is spread over many input pixels; DI → 0: a few pixels carry it.
    Computed over every pixel of the map given (zeros included), so DI of maps of different
    sizes are not comparable.
    """
    return (1.0 - gini(abs_map)) * 100.0


def cumulative_area(abs_map, fraction: float = 0.95) -> int:
    """Smallest number of pixels whose attribution adds up to ``fraction`` of the total (0 for an empty map)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    x = np.sort(_as_map(abs_map).ravel())[::-1]
    total = x.sum()
    if total <= 0:
        return 0
    cum = np.cumsum(x)
    # Tolerate float rounding so that fraction = 1 reaches the last non-zero pixel.
    return int(np.searchsorted(cum, fraction * total * (1 - 1e-12), side="left") + 1)


def block_index(coord, phase: int, block_size: int):
    """Index of the block holding pixel ``coord`` along one axis (pixels before the phase are block −1)."""
    return np.floor_divide(np.asarray(coord) - phase, block_size)


def boundary_mask(shape: tuple[int, int], grid_phase=(0, 0), block_size: int = 8) -> np.ndarray:
    """(h, w) bool: pixels in the first or last row/column of their block (the pixels next to a block edge)."""
    _check_grid(grid_phase, block_size)
    h, w = shape
    pos_r = np.mod(np.arange(h) - grid_phase[0], block_size)
    pos_c = np.mod(np.arange(w) - grid_phase[1], block_size)
    edge_r = (pos_r == 0) | (pos_r == block_size - 1)
    edge_c = (pos_c == 0) | (pos_c == block_size - 1)
    return edge_r[:, None] | edge_c[None, :]


def block_shares(abs_map, footprint: Box, grid_phase=(0, 0), block_size: int = 8, region: Box | None = None) -> dict:
    """Where the attribution lies relative to the JPEG block grid.

    abs_map:   (h, w) non-negative attribution on the LR grid.
    footprint: LR box ((r0, r1), (c0, c1)) the output window covers; the window's *own* blocks are the
               blocks this box overlaps.
    region:    LR box over which the area share of boundary pixels is counted (default: the whole map;
               pass the receptive box, where attribution can be non-zero).

    Returns a dict of floats:
      ``own``          share inside the own block(s);
      ``neighbours``   share in the ring of blocks around them (the 8 neighbours of a single block);
      ``beyond``       the rest (own + neighbours + beyond = 1);
      ``boundary``     share on block-boundary pixels (first/last row or column of a block);
      ``boundary_area`` the fraction of ``region`` pixels that are boundary pixels (28/64 for 8×8 blocks);
      ``boundary_enrichment`` boundary / boundary_area (> 1: edges attract more than their area);
      ``own_blocks``   number of own blocks.
    Shares are NaN when the map is all zero.
    """
    x = _as_map(abs_map, "abs_map")
    if x.ndim != 2:
        raise ValueError(f"abs_map must be (h, w), got shape {x.shape}")
    _check_grid(grid_phase, block_size)
    h, w = x.shape
    (r0, r1), (c0, c1) = _check_box(footprint, (h, w), "footprint")
    br = block_index(np.arange(h), grid_phase[0], block_size)
    bc = block_index(np.arange(w), grid_phase[1], block_size)
    own_r = (br >= block_index(r0, grid_phase[0], block_size)) & (br <= block_index(r1 - 1, grid_phase[0], block_size))
    own_c = (bc >= block_index(c0, grid_phase[1], block_size)) & (bc <= block_index(c1 - 1, grid_phase[1], block_size))
    near_r = (br >= block_index(r0, grid_phase[0], block_size) - 1) & \
        (br <= block_index(r1 - 1, grid_phase[0], block_size) + 1)
    near_c = (bc >= block_index(c0, grid_phase[1], block_size) - 1) & \
        (bc <= block_index(c1 - 1, grid_phase[1], block_size) + 1)
    own = own_r[:, None] & own_c[None, :]
    near = (near_r[:, None] & near_c[None, :]) & ~own
    edges = boundary_mask((h, w), grid_phase, block_size)
    (g0, g1), (k0, k1) = _check_box(region, (h, w), "region") if region is not None else ((0, h), (0, w))
    total = x.sum()
    n_own = int(len(np.unique(br[own_r])) * len(np.unique(bc[own_c])))
    area = float(edges[g0:g1, k0:k1].mean())
    if total <= 0:
        nan = float("nan")
        return {"own": nan, "neighbours": nan, "beyond": nan, "boundary": nan, "boundary_area": area,
                "boundary_enrichment": nan, "own_blocks": n_own}
    own_s = float(x[own].sum() / total)
    near_s = float(x[near].sum() / total)
    boundary = float(x[edges].sum() / total)
    return {"own": own_s, "neighbours": near_s, "beyond": float(x[~(own | near)].sum() / total),
            "boundary": boundary, "boundary_area": area,
            "boundary_enrichment": boundary / area if area > 0 else float("nan"), "own_blocks": n_own}


def _check_grid(grid_phase, block_size) -> None:
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"block_size must be an integer >= 2, got {block_size!r}")
    if len(grid_phase) != 2 or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in grid_phase):
        raise ValueError(f"grid_phase must be two integers (row, col), got {grid_phase!r}")


def _check_box(box, shape, name) -> Box:
    try:
        (a0, a1), (b0, b1) = box
        a0, a1, b0, b1 = int(a0), int(a1), int(b0), int(b1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be ((row0, row1), (col0, col1)), got {box!r}") from None
    if not (0 <= a0 < a1 <= shape[0] and 0 <= b0 < b1 <= shape[1]):
        raise ValueError(f"{name} {box} is empty or outside the {shape[0]}×{shape[1]} map")
    return (a0, a1), (b0, b1)
