"""Rarity of LR patches: latent descriptors of grid-aligned tiles and their k-nearest-neighbour distance to a bank
of training-like patches (large = rare)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...evaluate import IMAGE_SUFFIXES
from ...images import DEFAULT_IMAGES
from ...paths import shared_data
from .._common import image_sources

TRAIN_ROOT = shared_data("train")  # None in an installed copy


def grid_tiles(h: int, w: int, patch: int) -> list[tuple[int, int]]:
    """Top-left (row, col) of the ``patch``×``patch`` tiles that fit an h×w image, tiling from (0, 0), row-major."""
    return [(r, c) for r in range(0, h - patch + 1, patch) for c in range(0, w - patch + 1, patch)]


def patch_descriptors(features: np.ndarray, tiles, patch: int) -> np.ndarray:
    """Latent descriptor of each tile: per-channel mean and standard deviation of the codes, (T, 2C)."""
    out = []
    for r, c in tiles:
        block = features[:, r: r + patch, c: c + patch].reshape(features.shape[0], -1)
        out.append(np.concatenate([block.mean(1), block.std(1)]))
    return np.asarray(out, dtype=np.float64)


def knn_rarity(queries: np.ndarray, bank: np.ndarray, k: int = 5, exclude: np.ndarray | None = None) -> np.ndarray:
    """Mean Euclidean distance of each query to its ``k`` nearest bank rows after standardising every
    dimension with the bank's mean and std (large = rare, a k-NN inverse density). ``exclude`` (Q, B) bool
    marks bank rows a query may not use (e.g. patches of the same image)."""
    queries, bank = np.asarray(queries, np.float64), np.asarray(bank, np.float64)
    if queries.ndim != 2 or bank.ndim != 2 or queries.shape[1] != bank.shape[1]:
        raise ValueError(f"queries (Q, D) and bank (B, D) must share D, got {queries.shape} and {bank.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= bank.shape[0]:
        raise ValueError(f"k must be an integer in [1, bank size {bank.shape[0]}], got {k!r}")
    mu, sd = bank.mean(0), bank.std(0)
    sd[sd == 0] = 1.0
    q, b = (queries - mu) / sd, (bank - mu) / sd
    d2 = (q ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2.0 * q @ b.T
    dist = np.sqrt(np.maximum(d2, 0.0))
    if exclude is not None:
        dist = np.where(exclude, np.inf, dist)
    near = np.sort(dist, axis=1)[:, :k]
    if not np.isfinite(near).all():
        raise ValueError(f"fewer than k={k} usable bank rows for some query")
    return near.mean(1)


def bank_sources(bank, evaluated: Sequence[str], bank_images: int, seed: int) -> tuple[str, list]:
    """(description, [(name, source)]) of the training-like images for the rarity bank."""
    if bank is None:
        if TRAIN_ROOT is not None and TRAIN_ROOT.is_dir():
            bank = TRAIN_ROOT
        else:
            names = [n for n in DEFAULT_IMAGES if n not in evaluated]
            return "bundled images not evaluated", [(n, n) for n in names[:bank_images]]
    if isinstance(bank, (str, os.PathLike)) and str(bank) not in DEFAULT_IMAGES and not Path(bank).exists():
        raise ValueError(f"rarity bank {str(bank)!r} is neither a folder, an image file nor a bundled image name")
    if isinstance(bank, (str, os.PathLike)) and Path(bank).is_dir():
        files = sorted(p for p in Path(bank).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"bank folder {bank} holds no images")
        rng = np.random.default_rng(seed)
        pick = sorted(rng.choice(len(files), size=min(bank_images, len(files)), replace=False))
        return f"{len(pick)} of {len(files)} images under {bank}", [(files[i].stem, files[i]) for i in pick]
    return "given images", image_sources(bank, bank_images, prefix="bank")
