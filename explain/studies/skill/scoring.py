"""The images of the skill study: the seeded scoring batches and the evaluation crops.

Scoring (LIIF's training recipe, Chen et al. 2021, Sec. 4.1, with a fixed seed): one random HR crop of
``patch · scale`` pixels per photograph, its PIL-bicubic ×``scale`` downscale (the clean input) and that LR crop
coded as a JPEG at ``quality`` (the degraded input), and ``queries`` random HR pixels of the crop with their
original RGB as targets. Clean and JPEG batches share crops and query pixels, so their scores differ only by
the input's degradation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...codecs import compress
from ...images import downscale, load_image
from ...models.coords import pixel_centres
from ...probes.weight_space import ScoringBatch
from .._common import image_sources, load_hr
from .settings import EvalSettings, ScoringSettings


def jpeg(lr: np.ndarray, quality: int) -> np.ndarray:
    """``lr`` (h, w, 3) in [0, 1] through JPEG at ``quality`` (4:2:0), decoded."""
    return compress(lr, "jpeg", quality=int(quality), subsampling="4:2:0")[0]


def scoring_batches(settings: ScoringSettings) -> dict[str, ScoringBatch]:
    """{"jpeg": batch, "clean": batch} of the scoring set (see the module docstring)."""
    rng = np.random.default_rng(settings.seed)
    side = settings.patch * settings.scale
    if settings.queries > side * side:
        raise ValueError(f"queries ({settings.queries}) exceed the {side}² pixels of a scoring crop")
    lrs = {"jpeg": [], "clean": []}
    coords, targets = [], []
    centres = pixel_centres(side).numpy()
    for _, source in image_sources(list(settings.images)):
        img = load_image(source)
        if min(img.shape[:2]) < side:
            raise ValueError(f"scoring image {source!r} is smaller than the {side}² crop")
        y = int(rng.integers(img.shape[0] - side + 1))
        x = int(rng.integers(img.shape[1] - side + 1))
        hr = img[y: y + side, x: x + side]
        lr = downscale(hr, settings.scale)
        lrs["clean"].append(lr)
        lrs["jpeg"].append(jpeg(lr, settings.quality))
        pick = rng.choice(side * side, settings.queries, replace=False)
        rows, cols = pick // side, pick % side
        coords.append(np.stack([centres[rows], centres[cols]], axis=-1))
        targets.append(hr[rows, cols])
    coords_t = torch.from_numpy(np.stack(coords).astype(np.float32))
    cells = torch.full_like(coords_t, 2.0 / side)
    target = torch.from_numpy(np.stack(targets).astype(np.float32))
    return {kind: ScoringBatch(torch.from_numpy(np.stack(v)).permute(0, 3, 1, 2).contiguous(), coords_t, cells,
                               target) for kind, v in lrs.items()}


@dataclass
class EvalImage:
    """One evaluation image: name, HR (H, W, 3), and its LR inputs {"clean", "jpeg"} at the study's scale."""

    name: str
    hr: np.ndarray
    inputs: dict[str, np.ndarray]


def eval_images(settings: EvalSettings, scale: int, quality: int) -> list[EvalImage]:
    """The evaluation crops: central ``crop``² HR (multiples of 8 · scale), clean and JPEG LR inputs."""
    out = []
    for name, source in image_sources(list(settings.images) if not isinstance(settings.images, str)
                                      else settings.images, limit=settings.limit):
        hr = load_hr(source, 8 * scale, settings.crop)
        lr = downscale(hr, scale)
        out.append(EvalImage(name, hr, {"clean": lr, "jpeg": jpeg(lr, quality)}))
    return out
