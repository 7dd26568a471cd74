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
    """Codes read by each query of ``coords`` (B, Q, 2) on a latent grid of (height, width)."""
    sizes = coords.new_tensor([float(height), float(width)])
    if local_ensemble:
        shifts = coords.new_tensor(SHIFTS) / sizes + _TIE_BREAK  # half a cell = 1/size in (-1, 1) units
    else:
        shifts = coords.new_zeros(1, 2)
    shifted = (coords.unsqueeze(2) + shifts).clamp(-1 + 1e-6, 1 - 1e-6)  # (B, Q, K, 2)
    rows = nearest_index(shifted[..., 0], height)
    cols = nearest_index(shifted[..., 1], width)
    indices = torch.stack([rows, cols], dim=-1)
    centres = -1 + (2 * indices.to(coords.dtype) + 1) / sizes
    rel_coord = (coords.unsqueeze(2) - centres) * sizes
    if not local_ensemble:
        weights = torch.ones(rel_coord.shape[:3], dtype=coords.dtype, device=coords.device)
        return Neighbours(indices, rel_coord, weights)
    areas = (rel_coord[..., 0] * rel_coord[..., 1]).abs() + 1e-9
    # Each code is weighted by the area opposite to it: swap (0, 3) and (1, 2).
    weights = areas[..., [3, 2, 1, 0]] / areas.sum(dim=-1, keepdim=True)
    return Neighbours(indices, rel_coord, weights)
