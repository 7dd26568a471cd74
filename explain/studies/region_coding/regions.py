"""Regions to code at high quality, as MCU cells: from a box, or where a model's attribution mass concentrates."""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from .mcu import block_grid_shape, mcu_side
from .results import DEFAULT_AREA


def region_from_box(shape, box, subsampling: str = "4:2:0") -> np.ndarray:
    """MCU cells covering the LR box (row0, col0, row1, col1) (half-open, snapped outwards to the grid)."""
    block = mcu_side(subsampling)
    try:
        r0, c0, r1, c1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be (row0, col0, row1, col1) in LR pixels, got {box!r}") from None
    h, w = shape[:2]
    if not (0 <= r0 < r1 <= h and 0 <= c0 < c1 <= w):
        raise ValueError(f"box {box} is empty or outside the {h}×{w} LR image")
    cells = np.zeros(block_grid_shape(shape, block), dtype=bool)
    cells[r0 // block: -(-r1 // block), c0 // block: -(-c1 // block)] = True
    return cells


def attribution_mass(model, lr, scale: int, window: int = 32, method: str = "saliency",
                     progress: bool = False) -> np.ndarray:
    """(h, w) |∂F/∂x| summed over channels, F = LAM's gradient-magnitude detector summed over the whole SR
    output, assembled from output windows of ``window`` LR pixels (the gradient of a sum is the sum of the
    windows' gradients; signed maps are added before taking the magnitude)."""
    from ...probes import attribute

    image = np.asarray(lr, dtype=np.float32)
    h, w = image.shape[:2]
    total = np.zeros((3, h, w), dtype=np.float64)
    steps = [(r, c) for r in range(0, h, window) for c in range(0, w, window)]
    for r, c in tqdm(steps, desc="attribution mass", disable=not progress):
        hh, ww = min(window, h - r), min(window, w - c)
        res = attribute(model, image, (r * scale, c * scale, hh * scale, ww * scale), scale=scale, method=method,
                        target="gradient")
        total += res.map
    return np.abs(total).sum(0)


def region_from_mass(mass: np.ndarray, area: float = DEFAULT_AREA, subsampling: str = "4:2:0") -> np.ndarray:
    """The ceil(area · #cells) MCU cells holding the most attribution mass (ties: first in row-major order)."""
    if not (isinstance(area, (int, float)) and 0 < area < 1):
        raise ValueError(f"area must be a fraction in (0, 1), got {area!r}")
    block = mcu_side(subsampling)
    mass = np.asarray(mass, dtype=np.float64)
    gh, gw = block_grid_shape(mass.shape, block)
    padded = np.zeros((gh * block, gw * block))
    padded[: mass.shape[0], : mass.shape[1]] = mass
    per_cell = padded.reshape(gh, block, gw, block).sum((1, 3)).ravel()
    n = max(1, math.ceil(area * per_cell.size))
    cells = np.zeros(per_cell.size, dtype=bool)
    cells[np.argsort(-per_cell, kind="stable")[:n]] = True
    return cells.reshape(gh, gw)
