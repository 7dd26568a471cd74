"""What the latent-information probes read at sampled LR pixels: the models' latent codes, the input's pixel
neighbourhoods and the HR patches under them."""

from __future__ import annotations

import numpy as np

from .._latents import latent_grid


def latent_codes(model, lr: np.ndarray) -> np.ndarray:
    """(h, w, C) float32 latent codes of one (h, w, 3) LR image in [0, 1] (pixel-major for indexing by position)."""
    return np.ascontiguousarray(latent_grid(model, lr).transpose(1, 2, 0))

class Codes:
    """Latent codes (h, w, C) of one decoded LR image per model label, computed on first use."""

    def __init__(self, decoded: np.ndarray, models: dict):
        self.decoded, self.models, self.store = decoded, models, {}

    def __call__(self, label: str) -> np.ndarray:
        if label not in self.store:
            self.store[label] = latent_codes(self.models[label], self.decoded)
        return self.store[label]


def neighbourhood(image: np.ndarray, rows, cols, radius: int = 1) -> np.ndarray:
    """(N, (2r+1)²·3) pixel neighbourhoods around (rows, cols) (all inside the image)."""
    offs = range(-radius, radius + 1)
    return np.stack([image[rows + dr, cols + dc] for dr in offs for dc in offs], axis=1).reshape(len(rows), -1)


def hr_patches(hr: np.ndarray, rows, cols, scale: int) -> np.ndarray:
    """(N, (3s)²·3) HR pixels under the 3×3 LR neighbourhood of each LR pixel."""
    s = scale
    return np.stack([hr[(r - 1) * s: (r + 2) * s, (c - 1) * s: (c + 2) * s].ravel() for r, c in zip(rows, cols)])


def interior_positions(shape, margin: int, count: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of ``count`` distinct LR pixels at least ``margin`` from the border of an (h, w, …) image,
    drawn by ``rng`` (all interior pixels when fewer)."""
    h, w = shape[:2]
    if h - 2 * margin < 8 or w - 2 * margin < 8:
        raise ValueError(f"an LR image of {h}×{w} leaves no interior beyond the receptive radius {margin}; "
                         "use larger images or a larger crop")
    rr, cc = np.meshgrid(np.arange(margin, h - margin), np.arange(margin, w - margin), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    pick = rng.choice(rr.size, size=min(count, rr.size), replace=False)
    return rr[pick], cc[pick]
