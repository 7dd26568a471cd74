"""Training patches the LIIF way, plus a compression stage.

One sample (LIIF, Chen et al. 2021, Sec. 4.1): draw a scale s ~ U(s_min, s_max), crop an HR patch of
round(48·s) pixels, flip/transpose it at random, make the 48×48 LR patch by PIL bicubic on 8-bit
values, and pick ``queries`` random HR pixels as (coordinate, cell, RGB) targets. The optional
degradation passes the LR patch through JPEG with a random quality, chroma subsampling and 8×8 grid phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..codecs import jpeg_roundtrip_uint8
from ..images import resize_uint8
from ..models.coords import pixel_centres
from ..paths import shared_data

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
# Benchmark sets must never be trained on.
BENCHMARK_NAMES = {"bench", "set5", "set14", "bsd100", "b100", "urban100", "manga109", "classic5", "live1",
                   "div2k_valid", "div2k-valid"}
# <checkout>/../shared/data/train in a source checkout; an installed copy has no default (None).
DEFAULT_TRAIN_ROOT = shared_data("train")


def default_train_folders() -> list[Path]:
    if DEFAULT_TRAIN_ROOT is None:
        raise ValueError("there are no default training folders outside a source checkout of liif-explain; "
                         "give the image folders with --folders")
    if not DEFAULT_TRAIN_ROOT.is_dir():
        raise ValueError(f"default training data {DEFAULT_TRAIN_ROOT} is not there; give the image folders with "
                         "--folders")
    return sorted(p for p in DEFAULT_TRAIN_ROOT.iterdir() if p.is_dir())


def list_training_images(folders) -> list[Path]:
    """All image files under ``folders``; refuses benchmark folders (ValueError)."""
    files: list[Path] = []
    for folder in folders:
        folder = Path(folder)
        parts = {p.lower() for p in folder.resolve().parts}
        banned = parts & BENCHMARK_NAMES
        if banned:
            raise ValueError(f"{folder} looks like a benchmark set ({', '.join(sorted(banned))}); "
                             "benchmark images must not be used for training")
        if not folder.is_dir():
            raise ValueError(f"training folder {folder} does not exist")
        files += sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no training images found in {[str(f) for f in folders]}")
    return files


def load_uint8_rgb(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


@dataclass
class JPEGDegradation:
    """JPEG with quality ~ U{qmin..qmax}, a random chroma subsampling and a random 8×8 grid phase.

    ``clean_fraction`` of the patches (drawn per patch) skip the codec and stay clean, so a model fine-tuned on
    this mix keeps its skill on unencoded input.
    """

    qmin: int = 10
    qmax: int = 60
    subsamplings: tuple[str, ...] = ("4:2:0", "4:4:4")
    random_phase: bool = True
    clean_fraction: float = 0.0

    def __post_init__(self):
        if not (1 <= self.qmin <= self.qmax <= 100):
            raise ValueError(f"need 1 <= qmin <= qmax <= 100, got {self.qmin}, {self.qmax}")
        if not (0.0 <= self.clean_fraction < 1.0):
            raise ValueError(f"clean_fraction must be in [0, 1), got {self.clean_fraction}")

    def __call__(self, lr_u8: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # No draw when there is no clean share, so runs without one keep their batches.
        if self.clean_fraction and rng.random() < self.clean_fraction:
            return lr_u8
        quality = int(rng.integers(self.qmin, self.qmax + 1))
        sub = self.subsamplings[int(rng.integers(len(self.subsamplings)))]
        dy, dx = (int(v) for v in rng.integers(0, 8, size=2)) if self.random_phase else (0, 0)
        # Shifting the content by (dy, dx) inside the coded frame moves the 8×8 grid relative to it.
        padded = np.pad(lr_u8, ((dy, 0), (dx, 0), (0, 0)), mode="reflect") if (dy or dx) else lr_u8
        decoded, _ = jpeg_roundtrip_uint8(np.ascontiguousarray(padded), quality, sub)
        return decoded[dy:, dx:]


class PatchSampler:
    """Draws training batches from in-memory 8-bit images with a seeded numpy Generator."""

    def __init__(self, images: list[np.ndarray], patch: int = 48, scale_range=(1.0, 4.0), queries: int = 2304,
                 degradation=None):
        if not images:
            raise ValueError("PatchSampler needs at least one image")
        self.images = [im for im in images if min(im.shape[:2]) >= patch]
        if not self.images:
            raise ValueError(f"no training image is at least {patch} pixels on its short side")
        self.patch, self.queries, self.degradation = patch, queries, degradation
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))

    def sample(self, rng: np.random.Generator):
        """One (lr uint8 (p, p, 3), coords (Q, 2), cells (Q, 2), rgb float (Q, 3)) sample."""
        img = self.images[int(rng.integers(len(self.images)))]
        max_scale = min(self.scale_range[1], min(img.shape[:2]) / self.patch)
        scale = rng.uniform(self.scale_range[0], max(self.scale_range[0], max_scale))
        size = min(round(self.patch * scale), min(img.shape[:2]))
        y = int(rng.integers(img.shape[0] - size + 1))
        x = int(rng.integers(img.shape[1] - size + 1))
        hr = img[y: y + size, x: x + size]
        if rng.random() < 0.5:
            hr = hr[:, ::-1]
        if rng.random() < 0.5:
            hr = hr[::-1]
        if rng.random() < 0.5:
            hr = hr.transpose(1, 0, 2)
        hr = np.ascontiguousarray(hr)
        lr = resize_uint8(hr, self.patch, self.patch)
        if self.degradation is not None:
            lr = self.degradation(lr, rng)
        count = min(self.queries, size * size)
        pick = rng.choice(size * size, count, replace=False)
        rows, cols = pick // size, pick % size
        centres = pixel_centres(size).numpy()
        coords = np.stack([centres[rows], centres[cols]], axis=-1).astype(np.float32)
        cells = np.full((count, 2), 2.0 / size, dtype=np.float32)
        rgb = hr[rows, cols].astype(np.float32) / 255.0
        return lr, coords, cells, rgb

    def batch(self, batch_size: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        samples = [self.sample(rng) for _ in range(batch_size)]
        q = min(s[1].shape[0] for s in samples)
        lr = np.stack([s[0] for s in samples]).astype(np.float32) / 255.0
        return {
            "lr": torch.from_numpy(lr).permute(0, 3, 1, 2).contiguous(),
            "coords": torch.from_numpy(np.stack([s[1][:q] for s in samples])),
            "cells": torch.from_numpy(np.stack([s[2][:q] for s in samples])),
            "rgb": torch.from_numpy(np.stack([s[3][:q] for s in samples])),
        }
