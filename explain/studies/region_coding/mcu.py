"""The MCU grid of a baseline JPEG (minimum coded units on the grid at phase (0, 0)): its side, its shape over an
image, and MCU cells as a pixel mask."""

from __future__ import annotations

import numpy as np

MCU = {"4:2:0": 16, "4:4:4": 8}  # chroma subsampling → MCU side in pixels


def mcu_side(subsampling: str) -> int:
    """MCU side in pixels for a JPEG chroma subsampling ("4:2:0" → 16, "4:4:4" → 8)."""
    if subsampling not in MCU:
        raise ValueError(f"region coding supports subsampling {list(MCU)}, got {subsampling!r}")
    return MCU[subsampling]


def block_grid_shape(shape, block: int) -> tuple[int, int]:
    """(ceil(h/block), ceil(w/block)): the MCU grid of an (h, w, …) image."""
    return -(-int(shape[0]) // block), -(-int(shape[1]) // block)


def cells_to_mask(cells: np.ndarray, shape, block: int) -> np.ndarray:
    """(gh, gw) bool cells → (h, w) bool pixel mask."""
    mask = np.kron(cells.astype(np.uint8), np.ones((block, block), np.uint8)).astype(bool)
    return mask[: shape[0], : shape[1]]
