"""Local ensemble over the 4 nearest latent codes (LIIF, Chen et al. 2021, Eq. 3–4).

For a query coordinate x (row, col in (-1, 1), pixel-centre convention of the latent grid), LIIF looks
up the code nearest to x shifted by ±½ cell along each axis (plus a tiny shift that breaks ties), which
yields the four codes around x. Each code's prediction is weighted by the area of the rectangle
between x and the *diagonally opposite* code, normalised by the total area: these are exactly bilinear
interpolation weights. The shift order is (−,−), (−,+), (+,−), (+,+) as in the official code.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# (row shift, col shift) of each of the four codes, in units of half a latent cell.
SHIFTS = ((-1, -1), (-1, 1), (1, -1), (1, 1))
_TIE_BREAK = 1e-6


@dataclass
class Neighbours:
    """The latent codes a batch of queries reads.

    indices:   (B, Q, K, 2) long, (row, col) of each code on the latent grid.
    rel_coord: (B, Q, K, 2) query minus code centre, in units where one latent cell spans 2.
    weights:   (B, Q, K) ensemble weights, summing to 1 over K (K = 4 with the ensemble, else 1).
    """

    indices: torch.Tensor
    rel_coord: torch.Tensor
    weights: torch.Tensor


def nearest_index(coord: torch.Tensor, size: int) -> torch.Tensor:
    """Index of the latent cell that contains ``coord`` (any shape) on an axis of ``size`` cells."""
    idx = torch.floor((coord + 1) * (size / 2)).long()
    return idx.clamp_(0, size - 1)


def find_neighbours(coords: torch.Tensor, height: int, width: int, local_ensemble: bool = True) -> Neighbours:
    """Codes read by each query of ``coords`` (B, Q, 2) on a latent grid of (height, width).

    The four shifted look-ups are separable: the row index and row offset depend only on the row shift, the column
    ones only on the column shift, so each axis is computed for its two shifts and the four codes are their
    combinations, in :data:`SHIFTS` order (the same arithmetic per element as shifting both axes at once).
    """
    if not local_ensemble:
        sizes = coords.new_tensor([float(height), float(width)])
        shifted = coords.clamp(-1 + 1e-6, 1 - 1e-6)
        indices = torch.stack([nearest_index(shifted[..., 0], height), nearest_index(shifted[..., 1], width)], -1)
        centres = -1 + (2 * indices.to(coords.dtype) + 1) / sizes
        rel_coord = ((coords - centres) * sizes).unsqueeze(2)
        weights = torch.ones(rel_coord.shape[:3], dtype=coords.dtype, device=coords.device)
        return Neighbours(indices.unsqueeze(2), rel_coord, weights)

    def axis(c: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        # (B, Q) coordinates on one axis → (B, Q, 2) index and offset (one latent cell spans 2) for shifts −, +
        shifts = c.new_tensor([-1.0, 1.0]) / size + _TIE_BREAK  # half a cell = 1/size in (-1, 1) units
        idx = nearest_index((c.unsqueeze(-1) + shifts).clamp(-1 + 1e-6, 1 - 1e-6), size)
        centres = -1 + (2 * idx.to(c.dtype) + 1) / size
        return idx, (c.unsqueeze(-1) - centres) * size

    row_idx, row_rel = axis(coords[..., 0], height)
    col_idx, col_rel = axis(coords[..., 1], width)
    pick_r, pick_c = [0, 0, 1, 1], [0, 1, 0, 1]  # SHIFTS = (−,−), (−,+), (+,−), (+,+)
    indices = torch.stack([row_idx[..., pick_r], col_idx[..., pick_c]], dim=-1)  # (B, Q, 4, 2)
    rel_coord = torch.stack([row_rel[..., pick_r], col_rel[..., pick_c]], dim=-1)
    areas = (rel_coord[..., 0] * rel_coord[..., 1]).abs() + 1e-9
    # Each code is weighted by the area opposite to it: swap (0, 3) and (1, 2).
    weights = areas[..., [3, 2, 1, 0]] / areas.sum(dim=-1, keepdim=True)
    return Neighbours(indices, rel_coord, weights)
