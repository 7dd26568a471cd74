"""The one block-grid drawer every figure uses (JPEG's 8×8 grid, or any block size and phase)."""

from __future__ import annotations

import numpy as np

GRID_STYLE = {"color": "white", "linewidth": 0.6, "alpha": 0.7}


def draw_block_grid(ax, lr_size, block_size: int = 8, grid_phase=(0, 0), *, scale=(1.0, 1.0), origin=(0, 0),
                    shape=None, **style):
    """Draw the LR block grid on an image axis drawn in imshow's pixel-centre frame (pixel j covers
    [j − ½, j + ½]).

    lr_size:  (h, w) of the LR image. A boundary lies at LR position k (pixel units) for k ≡ phase (mod
              block_size), 0 < k < size.
    scale:    displayed pixels per LR pixel (row, col) — (1, 1) for an LR image, (H/h, W/w) for an output.
    origin:   (row, col) index of the first displayed pixel in that displayed grid (a region's corner).
    shape:    (rows, cols) displayed; lines outside are skipped (default: the whole scaled image).
    Lines span the whole axis, so an axis zoomed to a sub-view shows exactly the boundaries inside it.
    """
    kw = {**GRID_STYLE, **style}
    sr, sc = (float(scale), float(scale)) if np.isscalar(scale) else (float(scale[0]), float(scale[1]))
    if shape is None:
        shape = (lr_size[0] * sr, lr_size[1] * sc)
    for axis, (n, s, o, extent, phase) in enumerate(zip(lr_size, (sr, sc), origin, shape, grid_phase)):
        for k in range(1, int(n)):
            if (k - phase) % block_size:
                continue
            pos = k * s - o - 0.5
            if -0.5 < pos < extent - 0.5:
                (ax.axhline if axis == 0 else ax.axvline)(pos, **kw)
