"""Shared plumbing of the latent, ensemble and response probes: inputs, LR crops and local queries.

Positions are given in *LR pixel units*: an axis of n LR pixels spans [0, n], pixel i covers [i, i + 1)
and has its centre at i + 0.5. LIIF's (−1, 1) coordinate of a position p is ``2 p / n − 1``.

A query at LR position p reads the (at most 4) latent codes of the pixels within one pixel of p, and each
code depends on the input within ``model.receptive_radius``; so encoding the LR crop that covers the queries
plus a margin of ``model.query_radius + 1`` pixels (as :mod:`explain.upscale` does) gives exactly the codes of
the whole image, and the cost depends on the size of the probed region, not of the image.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from ..images import load_image
from ..models import LIIF, LatentGrid, load_model

CHUNK = 65536  # queries per MLP call


def prepare(model, lr) -> tuple[LIIF, np.ndarray, torch.Tensor]:
    """(model, image (h, w, 3) float32 in [0, 1], tensor (1, 3, h, w) on the model's device and dtype)."""
    model = load_model(model)
    if not isinstance(model, LIIF):
        raise TypeError(f"model must be a LIIF, a shipped model name or a checkpoint path, got {type(model).__name__}")
    image = load_image(lr)
    param = next(model.parameters())
    x = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).to(device=param.device, dtype=param.dtype)
    return model, image, x


@contextmanager
def evaluating(model: LIIF):
    """Eval mode and no gradient for the duration; restores the model's training flag."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def check_latents(latents, lr_size: tuple[int, int], model, name: str = "latents") -> LatentGrid:
    """Validate a user-supplied LatentGrid of a single image of LR size ``lr_size``, encoded by ``model``."""
    if not isinstance(latents, LatentGrid):
        raise TypeError(f"{name} must be the LatentGrid returned by model.encode(lr), got {type(latents).__name__}")
    if latents.features.shape[0] != 1:
        raise ValueError(f"{name} must hold one image (batch 1), got batch {latents.features.shape[0]}")
    if tuple(latents.size) != tuple(lr_size):
        raise ValueError(f"{name} has size {tuple(latents.size)} but the LR image is {tuple(lr_size)}")
    if latents.features.shape[1] != model.config.channels:
        raise ValueError(f"{name} hold {latents.features.shape[1]} channels but the model's encoder makes "
                         f"{model.config.channels}: they were encoded by another model")
    return latents


def crop_range(lo: float, hi: float, n: int, margin: int) -> tuple[int, int]:
    """LR index range [a0, a1) covering positions in [lo, hi] (LR pixel units) plus ``margin`` pixels."""
    first = min(max(int(np.floor(lo)), 0), n - 1)
    last = min(max(int(np.floor(hi)), 0), n - 1)
    return max(0, first - margin), min(n, last + 1 + margin)


@dataclass
class LocalQuery:
    """Query results as numpy arrays; code indices are in the frame of the whole LR image.

    output:      (Q, 3) image units, not clamped.
    weights:     (Q, K) ensemble weights (K = 4 with the local ensemble, else 1).
    codes:       (Q, K, 2) int (row, col) of the latent codes read.
    rel_coords:  (Q, K, 2) query minus code centre, one latent cell spans 2.
    predictions: (Q, K, 3) each code's MLP prediction in image units.
    crop:        (row0, row1, col0, col1) LR crop that was encoded.
    """

    output: np.ndarray
    weights: np.ndarray
    codes: np.ndarray
    rel_coords: np.ndarray
    predictions: np.ndarray
    crop: tuple[int, int, int, int]


def query_positions(model: LIIF, x: torch.Tensor, positions: np.ndarray, cell_px: np.ndarray,
                    latents: LatentGrid | None = None) -> LocalQuery:
    """Evaluate LIIF at LR positions.

    model:     LIIF (the caller sets eval mode / no_grad).
    x:         (1, 3, h, w) LR tensor in [0, 1].
    positions: (Q, 2) (row, col) in LR pixel units, inside [0, h] × [0, w].
    cell_px:   (2,) or (Q, 2) query cell size in LR pixels (1/scale for an output at that scale).
    latents:   optional LatentGrid of the whole image; without it only the needed crop is encoded.
    """
    _, _, h, w = x.shape
    positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    cell_px = np.broadcast_to(np.asarray(cell_px, dtype=np.float64), positions.shape)
    if latents is None:
        margin = model.query_radius + 1
        r0, r1 = crop_range(positions[:, 0].min(), positions[:, 0].max(), h, margin)
        c0, c1 = crop_range(positions[:, 1].min(), positions[:, 1].max(), w, margin)
        latents = model.encode(x[:, :, r0:r1, c0:c1])
    else:
        r0, r1, c0, c1 = 0, h, 0, w
    hc, wc = r1 - r0, c1 - c0
    origin = np.array([r0, c0], dtype=np.float64)
    extent = np.array([hc, wc], dtype=np.float64)
    coords = (positions - origin) * 2.0 / extent - 1.0  # (−1, 1) frame of the crop
    cells = cell_px * 2.0 / extent
    dtype, device = x.dtype, x.device
    coords_t = torch.from_numpy(coords).to(dtype=dtype, device=device)
    cells_t = torch.from_numpy(np.ascontiguousarray(cells)).to(dtype=dtype, device=device)
    parts = []
    for s in range(0, coords_t.shape[0], CHUNK):
        out, internals = model.query(latents, coords_t[s: s + CHUNK].unsqueeze(0),
                                     cells_t[s: s + CHUNK].unsqueeze(0), return_internals=True)
        parts.append((out[0], internals.indices[0], internals.rel_coord[0], internals.weights[0],
                      internals.predictions[0]))
    out, idx, rel, wts, preds = (torch.cat(p).detach().cpu().numpy() for p in zip(*parts))
    codes = idx.astype(np.int64) + np.array([r0, c0], dtype=np.int64)
    return LocalQuery(out.astype(np.float32), wts.astype(np.float32), codes, rel.astype(np.float32),
                      preds.astype(np.float32), (r0, r1, c0, c1))


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
