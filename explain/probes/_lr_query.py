"""Shared plumbing of the latent, ensemble and response probes, over the crop-local engine.

Positions are given in *LR pixel units*: an axis of n LR pixels spans [0, n], pixel i covers [i, i + 1) and has
its centre at i + 0.5. LIIF's (−1, 1) coordinate of a position p is ``2 p / n − 1``.

Inputs, eval mode, crops and local queries live in :mod:`explain.models.local` (re-exported here): encoding the
LR crop that covers the queries plus a margin of ``model.query_radius + 1`` pixels gives exactly the codes of the
whole image, so the cost depends on the size of the probed region, not of the image. The probes talk to a model
only through the contract of :mod:`explain.models.base`.
"""

from __future__ import annotations

import numpy as np

from ..models.base import LatentGrid, check_latent_grid
from ..models.local import CHUNK, LocalQuery, crop_range, evaluating, query_positions
from ..models.local import model_input as prepare

__all__ = ["CHUNK", "LocalQuery", "crop_range", "evaluating", "query_positions", "prepare", "check_latents",
           "positions_from_liif", "liif_from_positions", "block_phase", "check_block_size"]


def check_latents(latents, lr_size: tuple[int, int], model, name: str = "latents") -> LatentGrid:
    """Validate a user-supplied LatentGrid of a single image of LR size ``lr_size``, encoded by ``model``."""
    if not isinstance(latents, LatentGrid):
        raise TypeError(f"{name} must be the LatentGrid returned by model.encode(lr), got {type(latents).__name__}")
    if latents.features.shape[0] != 1:
        raise ValueError(f"{name} must hold one image (batch 1), got batch {latents.features.shape[0]}")
    if tuple(latents.size) != tuple(lr_size):
        raise ValueError(f"{name} has size {tuple(latents.size)} but the LR image is {tuple(lr_size)}")
    return check_latent_grid(latents, model, name)


def positions_from_liif(coords: np.ndarray, lr_size: tuple[int, int]) -> np.ndarray:
    """LIIF (−1, 1) coordinates (..., 2) → LR pixel units."""
    n = np.asarray(lr_size, dtype=np.float64)
    return (np.asarray(coords, dtype=np.float64) + 1.0) * n / 2.0


def liif_from_positions(positions: np.ndarray, lr_size: tuple[int, int]) -> np.ndarray:
    """LR pixel units (..., 2) → LIIF (−1, 1) coordinates."""
    n = np.asarray(lr_size, dtype=np.float64)
    return np.asarray(positions, dtype=np.float64) * 2.0 / n - 1.0


def block_phase(grid_phase) -> tuple[int, int]:
    """Validate a (row, col) block-grid phase: blocks start at rows/cols ≡ phase (mod block size)."""
    try:
        pr, pc = grid_phase
    except (TypeError, ValueError):
        raise ValueError(f"grid_phase must be (row, col) integers, got {grid_phase!r}") from None
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in (pr, pc)):
        raise ValueError(f"grid_phase must be (row, col) integers, got {grid_phase!r}")
    return int(pr), int(pc)


def check_block_size(block_size) -> int:
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"block_size must be an integer >= 2, got {block_size!r}")
    return int(block_size)
