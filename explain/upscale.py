"""Arbitrary-scale upscaling with bounded memory.

The LR image is cut into tiles; each tile is encoded together with a margin as wide as the model's
receptive field (``model.query_radius`` + 1, :func:`explain.models.local.encode_margin`), so every latent code
a tile's queries read is exactly the code of the whole image: tiled and untiled outputs agree to float rounding.
Queries run in chunks. Works for any model family of the contract (:mod:`explain.models.base`).
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from .checks import check_positive_int
from .images import target_size
from .models.local import (
    CropFrame,
    encode_margin,
    evaluating,
    model_input,
    output_tiles,
    query_grid,
    query_output_region,
)
from .parallel import default_workers

__all__ = ["output_size", "check_window", "query_grid", "upscale_tensor", "upscale"]


def output_size(lr_shape, scale=None, size=None) -> tuple[int, int]:
    """(H, W) of the upscaled image: ``size`` as given, or (round(h·scale), round(w·scale))."""
    return target_size(lr_shape[:2], scale, size)


def check_window(window, out_size, name: str = "window") -> tuple[int, int, int, int]:
    """Validate an output rectangle (row, col, height, width) inside an (H, W) output; returns plain ints.

    Raises ValueError naming ``name`` when it is not four integers, is empty or falls outside the output.
    """
    try:
        values = tuple(window)
    except TypeError:
        raise ValueError(f"{name} must be (row, col, height, width), got {window!r}") from None
    if len(values) != 4 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{name} must be four integers (row, col, height, width), got {window!r}")
    r, c, hh, ww = (int(v) for v in values)
    H, W = out_size
    if hh < 1 or ww < 1:
        raise ValueError(f"{name} height and width must be >= 1, got {hh}×{ww}")
    if r < 0 or c < 0 or r + hh > H or c + ww > W:
        raise ValueError(f"{name} rows {r}..{r + hh - 1}, cols {c}..{c + ww - 1} fall outside the {H}×{W} output")
    return r, c, hh, ww


@torch.inference_mode()
def upscale_tensor(model, lr: torch.Tensor, height: int, width: int, tile: int | None = 128,
                   chunk: int = 8192, progress: bool = False) -> torch.Tensor:
    """(1, 3, h, w) in [0, 1] → (height, width, 3) tensor, clamped to [0, 1]."""
    _, _, h, w = lr.shape
    if tile is not None:
        check_positive_int(tile, "tile (LR pixels per tile side, or None)")
    check_positive_int(chunk, "chunk (queries per model call)")
    tile = max(h, w) if tile is None else int(tile)
    margin = encode_margin(model)
    out = torch.empty(height, width, 3, dtype=lr.dtype, device=lr.device)
    row_tiles = list(output_tiles(h, height, tile, margin))
    col_tiles = list(output_tiles(w, width, tile, margin))
    bar = tqdm(total=len(row_tiles) * len(col_tiles), desc="upscale", disable=not progress)
    workers = default_workers()  # each tile's query chunks side by side, one torch thread each (explain.parallel)
    for (r_out, r_crop) in row_tiles:
        for (c_out, c_crop) in col_tiles:
            frame = CropFrame(r_crop, c_crop, (h, w))
            out[r_out[0]: r_out[1], c_out[0]: c_out[1]] = query_output_region(model, lr, frame, r_out, c_out,
                                                                              (height, width), chunk,
                                                                              workers=workers)
            bar.update(1)
    bar.close()
    return out.clamp_(0, 1)


def upscale(model, lr, scale: float | None = None, size: tuple[int, int] | None = None, *,
            tile: int | None = 128, chunk: int = 8192, progress: bool = False) -> np.ndarray:
    """Upscale an image with LIIF (or any registered family) at any (non-integer) scale or to an exact output size.

    model: a model (:class:`explain.models.LIIF` or another family), a shipped model name or a checkpoint path.
    lr:    anything :func:`explain.load_image` accepts; (h, w, 3) in [0, 1].
    Returns float32 (H, W, 3) in [0, 1] with (H, W) = size or (round(h·scale), round(w·scale)).
    ``tile`` bounds memory (LR pixels per tile side, ``None`` = one tile); ``chunk`` = queries per MLP call.
    """
    model, image, x = model_input(model, lr)
    height, width = output_size(image.shape, scale, size)
    with evaluating(model):
        out = upscale_tensor(model, x, height, width, tile=tile, chunk=chunk, progress=progress)
    return out.float().cpu().numpy()
