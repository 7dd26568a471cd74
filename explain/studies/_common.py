"""Inputs shared by the studies: image sets, centre crops, the SR scale, model sets, and their rank correlation.

Files, Markdown cells and command-line wiring live in :mod:`._files`, :mod:`._markdown` and :mod:`._cli`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..evaluate import IMAGE_SUFFIXES, benchmark_images, model_label
from ..images import DEFAULT_IMAGES, crop_to_multiple, load_image
from ..models import ImplicitSR, is_model, load_model
from ..probes.faithfulness import spearman as rank_correlation

DEFAULT_STUDY_IMAGES = DEFAULT_IMAGES[:3]  # astronaut, coffee, chelsea: a few, so the defaults run in minutes


# ---------------------------------------------------------------------------------------------- images
def image_sources(images=None, limit: int | None = None, prefix: str = "image") -> list[tuple[str, object]]:
    """(name, source) pairs from ``images``.

    images: None (the first three default scikit-image images), a folder (its image files, sorted by name,
            through :func:`explain.evaluate.benchmark_images`), or a sequence of default-image names, file
            paths or arrays (arrays are named ``<prefix>0``, ``<prefix>1``, …). ``limit`` keeps the first N.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"limit must be a positive number of images, got {limit!r}")
    if images is None:
        images = list(DEFAULT_STUDY_IMAGES)
    if isinstance(images, (str, os.PathLike)) and Path(images).is_dir():
        folder = Path(images)
        files = benchmark_images(folder.parent, folder.name, limit)
        return [(p.stem, p) for p in files]
    if isinstance(images, (str, os.PathLike, np.ndarray)):
        images = [images]
    out = []
    for i, src in enumerate(images):
        if isinstance(src, (str, os.PathLike)):
            path = Path(src)
            if path.is_dir():
                raise ValueError(f"{src!r} is a folder: pass it alone as images=, not inside a list")
            name = path.stem if path.suffix.lower() in IMAGE_SUFFIXES else str(src)
        else:
            name = f"{prefix}{i}"
        out.append((name, src))
    if not out:
        raise ValueError("no images given")
    return out if limit is None else out[:limit]


def center_crop(image: np.ndarray, crop: int | None, multiple: int = 1) -> np.ndarray:
    """The central min(crop, H) × min(crop, W) part of ``image``, cropped to multiples of ``multiple``."""
    if crop is not None:
        if isinstance(crop, bool) or not isinstance(crop, (int, np.integer)) or crop < multiple:
            raise ValueError(f"crop must be an integer >= {multiple}, got {crop!r}")
        h, w = image.shape[:2]
        ch, cw = min(crop, h), min(crop, w)
        r0, c0 = (h - ch) // 2, (w - cw) // 2
        image = image[r0: r0 + ch, c0: c0 + cw]
    return crop_to_multiple(image, multiple)


def load_hr(source, scale: int, crop: int | None = None) -> np.ndarray:
    """An HR image (float32 (H, W, 3) in [0, 1]) centre-cropped to ``crop`` and to multiples of ``scale``."""
    return np.ascontiguousarray(center_crop(load_image(source), crop, scale))


def check_scale(scale) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer, float)) or not float(scale).is_integer() \
            or int(scale) < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    return int(scale)


# ---------------------------------------------------------------------------------------------- models
def load_models(models) -> dict[str, ImplicitSR]:
    """``{label: model (any family) | shipped name | checkpoint path}``, a sequence (labelled by
    :func:`explain.evaluate.model_label`), a single model, or None / empty → {}. Models come back in eval mode."""
    if models is None:
        return {}
    if isinstance(models, (str, os.PathLike)) or is_model(models):
        models = [models]
    if not isinstance(models, Mapping):
        models = {model_label(m): m for m in models}
    out = {}
    for label, model in models.items():
        if label in ("bicubic", "decoded"):
            raise ValueError(f"{label!r} names a baseline row; give the model another label")
        out[str(label)] = load_model(model).eval()
    return out


def parse_models(texts) -> dict[str, str]:
    """CLI ``--models`` entries (NAME, PATH or LABEL=PATH) → {label: source}."""
    from ..evaluate import parse_model_arg

    return dict(parse_model_arg(t) for t in (texts or []))


# ---------------------------------------------------------------------------------------------- statistics
def spearman(a, b) -> float:
    """Spearman rank correlation (Pearson correlation of average ranks); NaN when either side is constant
    or fewer than 3 finite pairs remain (pairs with a NaN are dropped)."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"spearman needs two arrays of the same length, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3:
        return float("nan")
    return rank_correlation(a[keep], b[keep])
