"""Pixel-centre coordinates as LIIF uses them.

Convention (LIIF, Chen et al. 2021, Sec. 3.1): an image of size (H, W) covers the square (-1, 1)²;
a coordinate is a pair (row, col); the centre of pixel (i, j) is
``(-1 + (2i + 1) / H, -1 + (2j + 1) / W)``. A *cell* is the size of one query pixel in the same units,
``(2 / H_out, 2 / W_out)``.
"""

from __future__ import annotations

import torch


def pixel_centres(size: int, *, lo: float = -1.0, hi: float = 1.0, device=None, dtype=torch.float32) -> torch.Tensor:
    """Centres of ``size`` equal cells covering ``(lo, hi)``; shape (size,)."""
    half = (hi - lo) / (2 * size)
    return lo + half + (2 * half) * torch.arange(size, device=device, dtype=dtype)


def make_coord_grid(height: int, width: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """(height, width, 2) grid of (row, col) pixel-centre coordinates in (-1, 1)."""
    rows = pixel_centres(height, device=device, dtype=dtype)
    cols = pixel_centres(width, device=device, dtype=dtype)
    return torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1)


def make_cell(height: int, width: int, count: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """(count, 2) cell sizes ``(2/height, 2/width)`` for queries of an output of that size."""
    cell = torch.tensor([2.0 / height, 2.0 / width], device=device, dtype=dtype)
    return cell.expand(count, 2).clone()


def output_coords(height: int, width: int, *, device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened query coordinates (height·width, 2) and cells for a full output of that size."""
    coords = make_coord_grid(height, width, device=device, dtype=dtype).reshape(-1, 2)
    return coords, make_cell(height, width, coords.shape[0], device=device, dtype=dtype)


def crop_frame_coords(out_range: tuple[int, int], out_len: int, crop: tuple[int, int], lr_len: int) -> torch.Tensor:
    """Along one axis: the pixel centres of output indices [out_range) of an ``out_len``-pixel output of an
    ``lr_len``-pixel LR image, in the (−1, 1) frame of the LR crop [crop) (float64, shape (n,)).

    Output pixel i lies at LR position u = (2i + 1)/(2·out_len)·lr_len (pixel units); the crop [a0, a1) maps
    to (−1, 1). This is how a query on a crop's latents lands where it would on the whole image's.
    """
    i = torch.arange(out_range[0], out_range[1], dtype=torch.float64)
    u = (2 * i + 1) / (2 * out_len) * lr_len
    a0, a1 = crop
    return (u - a0) * 2 / (a1 - a0) - 1
