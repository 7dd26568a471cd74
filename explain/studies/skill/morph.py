"""The twin's output on one window as more and more of its top units go back to the control's values (the
slider of notebook 08): 0 % is the twin, 100 % the control."""

from __future__ import annotations

import numpy as np

from ...images import load_image
from ...models.local import encode_margin
from ...models.units import swap_units, weight_units
from ...upscale import upscale


def window_output(model, lr, window_lr, scale: int) -> np.ndarray:
    """``model``'s ×``scale`` output on the LR window (row, col, height, width): (h·scale, w·scale, 3) in [0, 1].

    Upscales the LR crop around the window with the model's receptive margin (:func:`encode_margin`), so the
    window's pixels equal those of the whole-image upscale."""
    image = load_image(lr)
    r, c, h, w = (int(v) for v in window_lr)
    if r < 0 or c < 0 or h < 1 or w < 1 or r + h > image.shape[0] or c + w > image.shape[1]:
        raise ValueError(f"window {window_lr} does not fit in the {image.shape[0]}×{image.shape[1]} LR image")
    m = encode_margin(model)
    r0, c0 = max(0, r - m), max(0, c - m)
    r1, c1 = min(image.shape[0], r + h + m), min(image.shape[1], c + w + m)
    out = upscale(model, image[r0:r1, c0:c1], scale=scale)
    top, left = (r - r0) * scale, (c - c0) * scale
    return out[top: top + h * scale, left: left + w * scale]


def morph(twin, control, ranking: np.ndarray, fractions, lr, window_lr, scale: int) -> dict[float, np.ndarray]:
    """{fraction: the twin's window output with the top ``fraction`` of ``ranking`` swapped for the control's}."""
    units = weight_units(twin)
    out = {}
    for f in fractions:
        f = float(f)
        if not 0 <= f <= 1:
            raise ValueError(f"fractions must lie in [0, 1], got {f}")
        model = swap_units(twin, control, ranking[: int(round(f * units.count))], units).eval()
        out[f] = window_output(model, lr, window_lr, scale)
    return out
